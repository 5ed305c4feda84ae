"""Spark (local[2]) and Dask (a local cluster of 2 workers) give what the local engine gives.

Every output column is compared with `points.batch.score_frame`, `points.batch.rank` and
`points.analysis.diff` on the same rows: the bundled sample, a generated list with ties at the
cutoff (under all three final rules), and a list with bad rows. One Spark session and one
Dask cluster serve the whole module; the tests that start them are marked `slow`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import attrs
import polars as pl
import pytest
from typer.testing import CliRunner

import points
from points._data import SAMPLE_ON, sample_path
from points.analysis import diff as local_diff
from points.batch import rank as local_rank
from points.batch import rank_file as local_rank_file
from points.batch import read_table, sample_frame, score_frame
from points.batch import score_file as local_score_file
from points.cli import app
from points.errors import InputError, PointsError

ON = SAMPLE_ON
GZ = "guangzhou/2021"

# --- data ---------------------------------------------------------------------------------


def sample() -> pl.DataFrame:
    frame, unreadable = read_table(sample_path())
    assert unreadable == 0 and frame.height == 3000
    return frame


def tied() -> pl.DataFrame:
    """400 drawn applicants and 60 exact copies of some of them: whole groups tied on the
    total and both tie-breaks, with application times that tie in pairs."""
    base = sample_frame(400, seed=11, on=ON)
    frame = pl.concat([base, base.slice(0, 60)], how="vertical_relaxed")
    times = [f"2024-03-{1 + (i // 2) % 28:02d}T09:{(i // 56) % 60:02d}:00"
             for i in range(frame.height)]
    return frame.with_columns(pl.Series("applied_at", times))


def bad() -> pl.DataFrame:
    """The first 300 sample rows (text cells) with bad cells: one per row, or several."""
    frame = sample().head(300)
    edits: dict[int, dict[str, str | None]] = {
        3: {"permit_months": "-5"}, 10: {"birth_date": "2030-01-01"},
        11: {"housing": "castle", "pension_months": "1.5"},
        40: {"birth_date": None}, 77: {"has_permit": "maybe"},
        150: {"medical_months": "twelve", "invention_patent_share": "1/0"}}
    rows = frame.to_dicts()
    for i, cells in edits.items():
        rows[i].update(cells)
    return pl.DataFrame(rows, schema=frame.schema)


def _ranking(final: str) -> points.Schedule:
    """guangzhou/2021 with another final rule (the loader checks it as usual)."""
    text = (Path(points.__file__).parent.parent.parent / "schedules" / "guangzhou" /
            "2021.toml")
    body = text.read_text(encoding="utf-8") if text.exists() else None
    if body is None:  # pragma: no cover - an installed wheel
        from points.schedule.loader import bundled_dir

        body = (bundled_dir() / "guangzhou" / "2021.toml").read_text(encoding="utf-8")
    extra = '\nseed = 2024' if final == "lottery" else ""
    body = body.replace('final = "all_admitted"\n', f'final = "{final}"{extra}\n', 1)
    return points.loads_schedule(body, source=f"gz-{final}.toml")


# --- engines ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spark_engine() -> Iterator[Any]:
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java (.ci/run installs openjdk-17-jre-headless)")
    from points.distributed._spark import SparkEngine, session

    spark, made = session("local[2]")
    yield SparkEngine(spark)
    if made:
        spark.stop()


@pytest.fixture(scope="module")
def dask_engine() -> Iterator[Any]:
    from distributed import Client, LocalCluster

    from points.distributed._dask import DaskEngine

    cluster = LocalCluster(n_workers=2, threads_per_worker=1,  # type: ignore[no-untyped-call]
                           processes=False, dashboard_address=None)
    client = Client(cluster)  # type: ignore[no-untyped-call]
    yield DaskEngine()
    client.close()  # type: ignore[no-untyped-call]
    cluster.close()


@pytest.fixture(params=["spark", "dask"])
def engine(request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue(f"{request.param}_engine")


def rows_of(frame: pl.DataFrame, columns: list[str]) -> list[tuple[Any, ...]]:
    return frame.select(columns).rows()


#: local columns the distributed engines do not give yet: whether an admission rests on
#: provisional values needs every applicant's key interval at once (docs/distributed.md)
NOT_YET = ("rank_sure",)


def assert_same(local: pl.DataFrame, got: pl.DataFrame) -> None:
    """Every column of the local frame, with equal values in the same order."""
    columns = [c for c in local.columns if c not in NOT_YET]
    missing = [c for c in columns if c not in got.columns]
    assert not missing
    for c in columns:
        assert local[c].to_list() == got[c].to_list(), c


# --- scoring ------------------------------------------------------------------------------

DATASETS = {"sample": sample, "tied": tied, "bad": bad}


@pytest.mark.slow
@pytest.mark.parametrize("data", list(DATASETS))
def test_score_equals_the_local_engine(engine: Any, data: str) -> None:
    from points import distributed

    frame = DATASETS[data]()
    local = score_frame(frame, GZ, on=ON)
    res = distributed.score(engine.from_polars(frame, 3), GZ, on=ON)
    assert (res.rows_read, res.rows_scored, res.rows_rejected) == (
        local.rows_read, local.rows_scored, local.rows_rejected)
    got = engine.collect(res.scored).sort("row")
    assert_same(local.points(), got)
    assert set(got["points_version"]) == {points.__version__}
    rejects = engine.collect(res.rejects).sort("row", maintain_order=True)
    assert rows_of(rejects, ["row", "field", "value", "reason"]) == local.rejects.rows()
    if data == "bad":
        assert local.rows_rejected == 6
        assert ("reason" in local.rejects.columns and
                (12, "housing", "castle") in [r[:3] for r in local.rejects.rows()])


# --- ranking ------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("final", ["all_admitted", "lottery", "timestamp"])
def test_rank_with_ties_at_the_cutoff_equals_local(engine: Any, final: str) -> None:
    from points import distributed

    frame = tied()
    schedule = _ranking(final)
    pts = score_frame(frame, schedule, on=ON).points()
    # the quota ends inside the first group tied on every key (copies of one applicant)
    plain = local_rank(pts, _ranking("all_admitted"))
    lowest = plain.ranked.filter(pl.col("rank").is_duplicated())["rank"].min()
    assert isinstance(lowest, int)
    quota = lowest
    local = local_rank(pts, schedule, quota=quota)
    if final == "all_admitted":  # the data puts a tie across the cutoff
        assert local.admitted > quota
    else:
        assert local.admitted == quota
    res = distributed.rank(engine.from_polars(frame, 3), schedule, on=ON, quota=quota)
    assert (res.cutoff, res.admitted, res.quota, res.in_ranking) == (
        local.cutoff, local.admitted, local.quota, local.ranked.height)
    got = engine.collect(res.ranked)
    assert got.height == pts.height
    assert_same(local.ranked, got.head(local.ranked.height))
    outside = got.slice(local.ranked.height)
    assert outside["rank"].null_count() == outside.height
    assert not outside["admitted"].any()
    assert outside["row"].to_list() == sorted(
        set(pts["row"]) - set(local.ranked["row"]))


@pytest.mark.slow
def test_rank_of_the_sample_under_the_settlement_schedule(engine: Any) -> None:
    from points import distributed

    frame = sample()
    s = "guangzhou-settlement/2023"
    local = local_rank(score_frame(frame, s, purpose="settlement", on=ON).points(), s,
                       quota=150)
    res = distributed.rank(engine.from_polars(frame, 2), s, on=ON, quota=150)
    assert (res.cutoff, res.admitted) == (local.cutoff, local.admitted)
    assert_same(local.ranked, engine.collect(res.ranked).head(local.ranked.height))


@pytest.mark.slow
def test_rank_errors_are_the_local_ones(engine: Any) -> None:
    from points import distributed

    frame = tied()
    # no application time for anyone: the ranked applicants (those who qualify at 150)
    # cannot be ordered by time
    undated = frame.with_columns(pl.lit(None, pl.String).alias("applied_at"))
    schedule = _ranking("timestamp")
    with pytest.raises(InputError) as expected:
        local_rank(score_frame(undated, schedule, on=ON).points(), schedule)
    with pytest.raises(InputError) as got:
        distributed.rank(engine.from_polars(undated, 2), schedule, on=ON)
    assert str(got.value) == str(expected.value)
    lottery = _ranking("lottery")
    with pytest.raises(InputError, match="unknown column"):
        distributed.score(engine.from_polars(frame.with_columns(pl.lit(1).alias("shoe")), 2),
                          GZ, on=ON)
    with pytest.raises(InputError, match="quota must be zero or more"):
        distributed.rank(engine.from_polars(frame, 2), lottery, on=ON, quota=-1)


# --- diff ---------------------------------------------------------------------------------

DIFF_FIELDS = ("old_id", "new_id", "old_hash", "new_hash", "purpose", "on", "rows",
               "rejected", "gainers", "losers", "unchanged", "tier_changes", "mean_change",
               "max_gain", "max_loss", "tier_order", "transitions", "factors", "quota",
               "old_cutoff", "new_cutoff", "version")


@pytest.mark.slow
@pytest.mark.parametrize("data", ["sample", "bad"])
def test_diff_equals_local(engine: Any, data: str) -> None:
    from points import distributed

    frame = DATASETS[data]()
    kw: dict[str, Any] = {"on": date(2021, 11, 20), "purpose": "settlement", "quota": 120}
    local = local_diff("guangzhou/2018", GZ, frame, **kw)
    got = distributed.diff("guangzhou/2018", GZ, engine.from_polars(frame, 3), **kw)
    for field in DIFF_FIELDS:
        assert getattr(got, field) == getattr(local, field), field
    # the biggest losses: the same applicants, by loss (ties by row in the cluster)
    assert sorted(got.biggest_losses, key=lambda m: (m.delta, m.applicant_id)) == sorted(
        local.biggest_losses, key=lambda m: (m.delta, m.applicant_id))
    assert local.gainers + local.losers > 0 and local.old_cutoff is not None
    assert "<svg" in got.html()


# --- files and the command line ------------------------------------------------------------


def _parquet_dir(tmp: Path) -> Path:
    """Two Parquet files (read in name order), the second holding the bad rows."""
    folder = tmp / "lists"
    folder.mkdir()
    tied().drop("applied_at").write_parquet(folder / "a.parquet")
    bad().write_parquet(folder / "b.parquet")
    return folder


def _read_folder(path: Path) -> pl.DataFrame:
    return pl.read_parquet(sorted(path.glob("*.parquet")))


@pytest.mark.slow
def test_score_file_equals_local_score_file(engine: Any, tmp_path: Path) -> None:
    from points import distributed

    folder = _parquet_dir(tmp_path)
    local = local_score_file(folder, tmp_path / "local.parquet", GZ, on=ON)
    out = tmp_path / "out.parquet"
    summary = distributed.score_file(folder, out, GZ, engine=engine.name, on=ON)
    for f in ("rows_read", "rows_scored", "rows_rejected", "tiers", "eligible", "files",
              "schedule_hash"):
        assert getattr(summary, f) == getattr(local, f), f
    assert summary.rows_read == 460 + 300 and summary.rows_rejected == 6
    assert_same(pl.read_parquet(tmp_path / "local.parquet"), _read_folder(out).sort("row"))
    assert local.rejects is not None and summary.rejects is not None
    want = pl.read_parquet(local.rejects)
    got = _read_folder(summary.rejects).sort("row", maintain_order=True)
    assert want.rows() == got.select(want.columns).rows()
    prov = json.loads((out / "_points.json").read_text(encoding="utf-8"))
    assert prov["schedule_hash"] == local.schedule_hash
    assert prov["points_version"] == points.__version__
    assert (prov["rows_read"], prov["rows_rejected"]) == (760, 6)
    if engine.name == "spark":
        assert (out / "_SUCCESS").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    with pytest.raises(InputError, match="exists already"):
        distributed.score_file(folder, out, GZ, engine=engine.name, on=ON)


@pytest.mark.slow
def test_nothing_lost_check_writes_nothing(engine: Any, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from points import distributed
    from points.distributed import _kernel

    folder = _parquet_dir(tmp_path)
    real = _kernel.combine_stats

    def lose_one(parts: pl.DataFrame, has_eligible: bool) -> _kernel.Counts:
        counts = real(parts, has_eligible)  # as if a task had dropped a row
        return attrs.evolve(counts, rows_scored=counts.rows_scored - 1)

    monkeypatch.setattr(_kernel, "combine_stats", lose_one)
    with pytest.raises(PointsError, match="nothing-lost check failed: 760 rows read"):
        distributed.score_file(folder, tmp_path / "out.parquet", GZ, engine=engine.name,
                               on=ON)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lists"]


@pytest.mark.slow
def test_cli_rank_and_diff_on_an_engine(engine: Any, tmp_path: Path) -> None:
    folder = _parquet_dir(tmp_path)
    local = local_rank_file(folder, tmp_path / "local.parquet", GZ, on=ON, quota=30)
    out = tmp_path / "ranked.parquet"
    result = CliRunner().invoke(app, [
        "rank", str(folder), "--schedule", GZ, "--on", str(ON), "--quota", "30",
        "-o", str(out), "--engine", engine.name])
    assert result.exit_code == 0, result.output
    assert f"cutoff {local.cutoff}: {local.admitted:,} admitted" in result.output
    assert_same(pl.read_parquet(tmp_path / "local.parquet"), _read_folder(out))
    result = CliRunner().invoke(app, [
        "diff", "guangzhou/2018", GZ, "--population", str(folder), "--on", "2021-11-20",
        "--purpose", "settlement", "--engine", engine.name, "--out-of-force"])
    assert result.exit_code == 0, result.output
    expected = CliRunner().invoke(app, [
        "diff", "guangzhou/2018", GZ, "--population", str(folder), "--on", "2021-11-20",
        "--purpose", "settlement", "--out-of-force"])
    assert result.output == expected.output


# --- without an engine (fast) ---------------------------------------------------------------


def test_importing_points_loads_neither_spark_nor_dask() -> None:
    code = ("import sys, points, points.cli, points.distributed; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('pyspark', 'dask', 'distributed')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(("args", "message"), [
    (["--engine", "hadoop"], "--engine takes local, spark or dask"),
    (["--master", "local[2]"], "--master and --scheduler go with --engine spark or dask"),
    (["--engine", "dask", "--master", "local[2]"], "--master goes with --engine spark"),
    (["--engine", "spark", "--to", "csv"], "--to takes only parquet"),
])
def test_engine_options_are_checked(tmp_path: Path, args: list[str], message: str) -> None:
    data = tmp_path / "a.parquet"
    sample().head(5).write_parquet(data)
    result = CliRunner().invoke(app, ["score", str(data), "--on", "2024-06-01", *args])
    assert result.exit_code == 1
    assert message in result.output


def test_distributed_engines_read_parquet_only(tmp_path: Path) -> None:
    from points import distributed

    with pytest.raises(InputError, match="read Parquet"):
        distributed.score_file(sample_path(), tmp_path / "o.parquet", GZ, engine="dask",
                               on=ON)
    with pytest.raises(InputError, match="expected a Spark or Dask DataFrame"):
        distributed.score(sample(), GZ, on=ON)


def test_a_schedule_used_by_the_record_engine_still_travels() -> None:
    from points.distributed import _kernel

    s = points.load_schedule(GZ)
    points.score({"age": 30}, s, on=ON)  # caches compiled closures on the schedule
    sent = _kernel.payload(s)
    _kernel._SCHEDULES.clear()
    got = _kernel.schedule_of(sent)
    assert got.content_hash == s.content_hash and got is not s
    assert points.score({"age": 30}, got, on=ON).total == points.score(
        {"age": 30}, s, on=ON).total
