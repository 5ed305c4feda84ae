"""Dask: the kernel's Polars functions run in `map_partitions` tasks over Arrow-backed
(pyarrow dtype) pandas partitions."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import dask.dataframe as dd
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
from dask.base import compute
from dask.delayed import delayed

from ._kernel import ROW_IN

#: Parquet bytes (uncompressed, as the footers count them) per Dask partition when reading
#: files: whole row groups up to this size, about 300,000 generated applicants (at 64 MiB,
#: 1.4 million rows a partition, two workers reached 12 GiB on 10^7 rows).
BLOCKSIZE = "16MiB"


def client(address: str | None) -> tuple[Any, bool]:
    """A client of `address`; else the current client, if any; else a client of a new
    local cluster (one single-threaded worker process per core). And whether it was made
    here (then it is closed at the end)."""
    from distributed import Client, LocalCluster

    if address:
        return Client(address), True
    try:
        return Client.current(), False
    except ValueError:  # no client yet
        pass
    cluster = LocalCluster(n_workers=os.cpu_count() or 2, threads_per_worker=1,
                           processes=True, dashboard_address=None)
    return Client(cluster), True


def _pandas(frame: pl.DataFrame) -> pd.DataFrame:
    return frame.to_pandas(use_pyarrow_extension_array=True)


def _polars(part: pd.DataFrame) -> pl.DataFrame:
    table = pa.Table.from_pandas(part, preserve_index=False)
    out = pl.from_arrow(table)
    assert isinstance(out, pl.DataFrame)
    return out


def meta(schema: pl.Schema) -> pd.DataFrame:
    return _pandas(pl.DataFrame(schema=schema))


def _with_rows(part: pd.DataFrame, first: int) -> pd.DataFrame:
    part = part.reset_index(drop=True)
    part[ROW_IN] = pd.array(np.arange(first, first + len(part), dtype=np.int64),
                            dtype=pd.ArrowDtype(pa.int64()))
    return part


def _apply(part: pd.DataFrame, fn: Callable[..., pl.DataFrame], shared: Any,
           target: pl.Schema) -> pd.DataFrame:
    out = fn(_polars(part), shared)
    return _pandas(out.select(pl.col(c).cast(t) for c, t in target.items()))


def _stats(frame: pl.DataFrame, shared: None) -> pl.DataFrame:
    from . import _kernel

    return _kernel.stats_part(frame)


class DaskEngine:
    """The operations the pipelines need, on Dask DataFrames."""

    name = "dask"

    def columns(self, df: dd.DataFrame) -> dict[str, pl.DataType]:
        return {k: v for k, v in _polars(df._meta).schema.items() if k != ROW_IN}

    def number(self, df: dd.DataFrame) -> tuple[dd.DataFrame, int]:
        """`df` with `_row`: 1, 2, … in partition order (partition lengths, then offsets)."""
        lengths = [int(n) for n in df.map_partitions(len).compute()]
        firsts = [1 + sum(lengths[:i]) for i in range(len(lengths))]
        parts = df.to_delayed()
        m = _with_rows(df._meta, 1)
        numbered = dd.from_delayed(
            [delayed(_with_rows)(p, int(f)) for p, f in zip(parts, firsts, strict=True)],
            meta=m, verify_meta=False)
        return numbered, sum(lengths)

    def read_parquet(self, files: Sequence[str], firsts: Sequence[int]) -> dd.DataFrame:
        """The files, in the given order, Arrow-backed (rows numbered by `number`)."""
        return dd.read_parquet(list(files), dtype_backend="pyarrow",
                               split_row_groups="adaptive", blocksize=BLOCKSIZE)

    def from_polars(self, frame: pl.DataFrame, partitions: int = 2) -> dd.DataFrame:
        return dd.from_pandas(_pandas(frame), npartitions=partitions, sort=False)

    def map(self, df: dd.DataFrame, fn: Callable[..., pl.DataFrame], schema: pl.Schema,
            shared: Any = None) -> dd.DataFrame:
        """`fn(partition, shared)` on every partition."""
        return df.map_partitions(_apply, fn, shared, schema, meta=meta(schema),
                                 enforce_metadata=False, align_dataframes=False)

    map_partitions = map

    def stats(self, union: dd.DataFrame, schema: pl.Schema) -> pl.DataFrame:
        from . import _kernel

        return self.collect(self.map(union, _stats, _kernel.STATS_SCHEMA, None))

    def collect(self, df: dd.DataFrame) -> pl.DataFrame:
        return _polars(df.compute())

    def sum_by(self, df: dd.DataFrame, by: Sequence[str],
               columns: Sequence[str]) -> dd.DataFrame:
        """The sums of `columns` per value of `by` (null a value too), added up in the
        cluster."""
        return df.groupby(list(by), dropna=False)[list(columns)].sum().reset_index()

    def persist(self, df: dd.DataFrame) -> dd.DataFrame:
        return df.persist()

    def unpersist(self, df: dd.DataFrame) -> None:
        pass

    def where(self, df: dd.DataFrame, column: str, value: int) -> dd.DataFrame:
        return df[df[column] == value]

    def select(self, df: dd.DataFrame, columns: dict[str, str]) -> dd.DataFrame:
        return df[list(columns)].rename(columns=columns)

    def sort(self, df: dd.DataFrame, by: Sequence[str]) -> dd.DataFrame:
        return df.sort_values(list(by), na_position="last", shuffle_method="tasks")


def write_all(outputs: dict[str, dd.DataFrame], also: Sequence[Any] = (),
              check: Callable[[list[Any]], None] | None = None,
              before_rename: Callable[[dict[str, Path]], None] | None = None) -> list[Any]:
    """Write the outputs to temporary folders and compute `also` in the same computation
    (shared tasks run once); call `check` on the results of `also`; then rename the folders
    into place. On any error the temporary folders are removed."""
    temps = {path: Path(path).parent / f".{Path(path).name}.{uuid.uuid4().hex[:8]}.part"
             for path in outputs}
    for path in outputs:
        if Path(path).exists():
            from ..errors import InputError

            raise InputError("the output exists already; remove it or name another",
                             source=path)
    try:
        # part names sort in partition order (a ranked output is read back in rank order)
        writes = [df.to_parquet(str(temps[p]), write_index=False, compute=False,
                                compression="zstd",
                                name_function=lambda i: f"part.{i:06d}.parquet")
                  for p, df in outputs.items()]
        results = list(compute(*writes, *also))[len(writes):]
        if check is not None:
            check(results)
        if before_rename is not None:
            before_rename({p: temps[p] for p in outputs})
        for path, tmp in temps.items():
            os.replace(tmp, path)
    except BaseException:
        for tmp in temps.values():
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    return results
