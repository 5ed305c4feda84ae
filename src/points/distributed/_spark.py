"""Apache Spark: the kernel's Polars functions run in `DataFrame.mapInArrow` tasks."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import polars as pl
import pyarrow as pa
from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.pandas.types import from_arrow_schema

from ._kernel import KIND, ROW_IN, STATS_SCHEMA

#: Rows per Arrow batch handed to a task's function (the local engine's chunk size).
BATCH_ROWS = 100_000


def session(master: str) -> tuple[SparkSession, bool]:
    """The active session, else a new one on `master`; and whether it was made here."""
    active = SparkSession.getActiveSession()
    if active is not None:
        return active, False
    if "PYSPARK_PYTHON" not in os.environ and master.startswith("local"):
        # local executors run this interpreter (which has points installed)
        os.environ["PYSPARK_PYTHON"] = sys.executable
    builder = SparkSession.builder
    if master.startswith("local"):
        # in local mode the executors live in the driver's JVM: its default 1 GiB heap is
        # too small to cache millions of scored rows
        builder = builder.config("spark.driver.memory", "4g")
    spark = (builder.master(master).appName("points")
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(BATCH_ROWS))
             .config("spark.sql.shuffle.partitions", str(max(2, (os.cpu_count() or 2) * 2)))
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark, True


def arrow_schema(schema: pl.Schema) -> pa.Schema:
    """The Arrow schema of a Polars schema, with the plain (32-bit offset) string and list
    types Spark declares."""
    def small(t: pa.DataType) -> pa.DataType:
        if pa.types.is_large_string(t) or pa.types.is_string_view(t):
            return pa.string()
        if pa.types.is_large_list(t) or pa.types.is_list(t):
            return pa.list_(small(t.value_type))
        return t

    empty = pl.DataFrame(schema=schema).to_arrow()
    return pa.schema([pa.field(f.name, small(f.type)) for f in empty.schema])


def _encode(name: str) -> str:
    """A column name pyspark's mapInArrow can resolve (it reads `df[name]`: a dot would
    mean a struct field)."""
    return name.replace("%", "%25").replace(".", "%2E")


def _decode(name: str) -> str:
    return name.replace("%2E", ".").replace("%25", "%")


def _safe(df: DataFrame) -> DataFrame:
    return df.toDF(*[_encode(c) for c in df.columns])


def _frame(batch: pa.RecordBatch) -> pl.DataFrame:
    frame = pl.from_arrow(batch)
    assert isinstance(frame, pl.DataFrame)
    return frame.rename({c: _decode(c) for c in frame.columns})


def to_arrow(frame: pl.DataFrame, schema: pa.Schema) -> pa.Table:
    return frame.to_arrow().cast(schema)


class SparkEngine:
    """The operations the pipelines need, on Spark DataFrames."""

    name = "spark"

    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark

    # rows and their numbers
    def columns(self, df: DataFrame) -> dict[str, pl.DataType]:
        arrow = pa.schema([pa.field(f.name, _arrow_type(f.dataType)) for f in df.schema])
        out = pl.DataFrame(pa.Table.from_batches([], schema=arrow)).schema
        return {k: v for k, v in out.items() if k != ROW_IN}

    def number(self, df: DataFrame) -> tuple[DataFrame, int]:
        """`df` with `_row`: 1, 2, … in partition order (per-partition counts, then offsets)."""
        df = df.withColumn("_mid", F.monotonically_increasing_id())
        counts = sorted((r[0], r[1]) for r in df.groupBy(
            F.shiftright("_mid", 33).alias("p")).count().collect())
        offsets: list[Any] = []
        at = 0
        for p, n in counts:
            offsets += [F.lit(p), F.lit(at)]
            at += n
        if not counts:
            return df.drop("_mid").withColumn(ROW_IN, F.lit(0).cast("long")), 0
        first = F.element_at(F.create_map(*offsets), F.shiftright("_mid", 33))
        row = first + F.col("_mid").bitwiseAND((1 << 33) - 1) + 1
        return df.withColumn(ROW_IN, row.cast("long")).drop("_mid"), at

    def read_parquet(self, files: Sequence[str], firsts: Sequence[int]) -> DataFrame:
        """The files as one DataFrame with `_row` numbered across them in the given order
        (Spark orders its splits by size, so the row index in each file is used). Files
        whose column types differ are read one by one, every column as text (as the
        local engine reads text)."""
        import pyarrow.parquet as pq

        schemas = {str(pq.read_schema(f)) for f in files}
        if len(schemas) == 1:
            df = self.spark.read.parquet(*files)
            pairs: list[Any] = []
            for name, first in zip(files, firsts, strict=True):
                pairs += [F.lit(os.path.basename(name)), F.lit(first)]
            start = F.element_at(F.create_map(*pairs), F.col("_metadata.file_name"))
            return df.withColumn(ROW_IN, (start + F.col("_metadata.row_index")).cast("long"))
        out: DataFrame | None = None
        for name, first in zip(files, firsts, strict=True):
            one = self.spark.read.parquet(name)
            one = one.select([F.col(f"`{c}`").cast("string").alias(c) for c in one.columns]
                             + [(F.col("_metadata.row_index") + first).cast("long")
                                .alias(ROW_IN)])
            out = one if out is None else out.unionByName(one, allowMissingColumns=True)
        assert out is not None
        return out

    def from_polars(self, frame: pl.DataFrame, partitions: int = 2) -> DataFrame:
        table = to_arrow(frame, arrow_schema(frame.schema))
        return self.spark.createDataFrame(table).coalesce(partitions)

    # mapping Polars over tasks
    def map(self, df: DataFrame, fn: Callable[[pl.DataFrame], pl.DataFrame],
            schema: pl.Schema, shared: Any = None) -> DataFrame:
        """`fn(batch)` on every Arrow batch; `shared` is broadcast once and passed as the
        second argument."""
        target = arrow_schema(schema)
        bc = self.spark.sparkContext.broadcast(shared)

        def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            value = bc.value
            for batch in batches:
                out = fn(_frame(batch), value)  # type: ignore[call-arg]
                yield from to_arrow(out, target).to_batches()

        return _safe(df).mapInArrow(run, from_arrow_schema(target))

    def map_partitions(self, df: DataFrame, fn: Callable[..., pl.DataFrame],
                       schema: pl.Schema, shared: Any = None) -> DataFrame:
        """`fn(partition)` once per partition (its batches joined)."""
        target = arrow_schema(schema)
        bc = self.spark.sparkContext.broadcast(shared)

        def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            value = bc.value
            frames = [_frame(b) for b in batches]
            if not frames:
                return
            yield from to_arrow(fn(pl.concat(frames), value), target).to_batches()

        return _safe(df).mapInArrow(run, from_arrow_schema(target))

    def stats(self, union: DataFrame, schema: pl.Schema) -> pl.DataFrame:
        """`_kernel.stats_part`'s counts in Spark SQL (no pass through Python)."""
        kind = F.col(KIND)
        aggs = [F.sum(F.when(kind == 0, 1).otherwise(0)).alias("scored"),
                F.count_distinct(F.when(kind == 1, F.col("row"))).alias("rejected")]
        if "eligible" in schema:
            aggs.append(F.sum(F.when((kind == 0) & F.col("eligible"), 1).otherwise(0))
                        .alias("eligible"))
        first = union.agg(*aggs).collect()[0].asDict()
        rows = [(what, "", int(first[what] or 0)) for what in first]
        if "tiers" in schema:
            tiers = (union.filter(kind == 0).select(F.explode("tiers").alias("t"))
                     .groupBy("t").count().collect())
            rows += [("tier", str(r[0]), int(r[1])) for r in tiers if r[0] is not None]
        return pl.DataFrame(rows, schema=STATS_SCHEMA, orient="row")

    def collect(self, df: DataFrame) -> pl.DataFrame:
        out = pl.from_arrow(df.toArrow())
        assert isinstance(out, pl.DataFrame)
        return out

    def sum_by(self, df: DataFrame, by: Sequence[str], columns: Sequence[str]) -> DataFrame:
        """The sums of `columns` per value of `by` (null a value too), added up in the
        cluster."""
        return df.groupBy(*[F.col(f"`{c}`") for c in by]).agg(
            *[F.sum(c).alias(c) for c in columns]).toDF(*by, *columns)

    def persist(self, df: DataFrame) -> DataFrame:
        return df.persist(StorageLevel.MEMORY_AND_DISK)

    def unpersist(self, df: DataFrame) -> None:
        df.unpersist()

    def where(self, df: DataFrame, column: str, value: int) -> DataFrame:
        return df.filter(F.col(column) == value)

    def select(self, df: DataFrame, columns: dict[str, str]) -> DataFrame:
        return df.select([F.col(f"`{a}`").alias(b) for a, b in columns.items()])

    def sort(self, df: DataFrame, by: Sequence[str]) -> DataFrame:
        return df.orderBy([F.col(c).asc_nulls_last() for c in by])

    def write(self, outputs: dict[str, DataFrame]) -> None:
        """Each output with Spark's committed writer (a `_SUCCESS` file marks it whole)."""
        for path, df in outputs.items():
            df.write.mode("errorifexists").option("compression", "zstd").parquet(path)


def _arrow_type(t: Any) -> pa.DataType:
    from pyspark.sql.pandas.types import to_arrow_type

    return to_arrow_type(t)
