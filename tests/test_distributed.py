"""Spark (local[2]) and Dask (a local cluster of 2 workers) give what the local engine gives.

Every output column is compared with `points.batch.score_frame`, `points.batch.rank` and
`points.analysis.diff` on the same rows: the bundled sample, a generated list with ties at the
cutoff (under all three final rules), a list with bad rows, and lists whose provisional
values move ranking keys and places in the pool (`rank_sure` and `sure`, also worked out by
hand and checked task by task without an engine). One Spark session and one Dask cluster
serve the whole module; the tests that start them are marked `slow`.
"""

from __future__ import annotations

import functools
import itertools
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
from hypothesis import given, settings
from hypothesis import strategies as st
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


# A schedule whose provisional values move ranking keys and places in the pool. The key is
# the group `base`: `rental` (confirmed, 1 point a month) and `edu` (provisional: 20 for a
# bachelor's degree, 30 for a master's, so a graduate's key spans [rental, rental + 30]).
# `trade` (provisional, 5 points, outside `base`) moves the total but not the key. The pool:
# the young (confirmed) with a total of 50 or more (a gate reading the total's interval, so
# being in or out may be unsure). Ties: on `trade`'s score when `tie_scores` (provisional
# too), then on rental months, then the final rule.
TOY = """
[schedule]
id = "toy/rank"
place = "toy"
title = { zh = "玩具", en = "toy" }
document = "toy"
effective_from = 2020-01-01
precision = "0.01"

[groups.base]
label = { zh = "基础", en = "base" }
combine = "sum"
ref = "test"
status = "confirmed"

[factors.rental]
label = { zh = "租住", en = "rental" }
fact = "rental_months"
rule = "rate"
rate = 1
per = 1
group = "base"
ref = "test"
status = "confirmed"

[factors.edu]
label = { zh = "学历", en = "education" }
fact = "education"
rule = "levels"
match = "exact"
points = { bachelor_degree = 20, master = 30 }
group = "base"
ref = "test"
status = "provisional"

[factors.trade]
label = { zh = "对口", en = "trade" }
fact = "works_in_qualified_trade"
rule = "flag"
points = 5
ref = "test"
status = "provisional"

[gates.young]
label = { zh = "年轻", en = "young" }
condition = { fact = "age", le = 45 }
ref = "test"
status = "confirmed"

[gates.score_50]
label = { zh = "50分", en = "50 points" }
condition = { score = "total", ge = 50 }
ref = "test"
status = "confirmed"

[purposes.settle]
label = { zh = "落户", en = "settle" }
gates = ["young", "score_50"]
ref = "test"
status = "confirmed"

[ranking]
purpose = "settle"
key = "base"
tie_breaks = [TIES{ fact = "rental_months", order = "desc" }]
final = "FINAL"
seed = 7
ref = "test"
status = "confirmed"
"""


@functools.cache
def toy(final: str, tie_scores: bool) -> points.Schedule:
    body = TOY.replace("FINAL", final).replace(
        "TIES", '{ score = "trade", order = "desc" }, ' if tie_scores else "")
    return points.loads_schedule(body, source=f"toy-{final}.toml")


EDUCATION = ("none", "bachelor_degree", "master")
#: (rental months, education: 0 none / 1 bachelor / 2 master, age over 45, application
#: day 0-2, works in the qualified trade)
Cells = tuple[int, int, bool, int, bool]


def toy_rows(cells: list[Cells]) -> pl.DataFrame:
    return pl.DataFrame(
        {"applicant_id": [f"a{i}" for i in range(len(cells))],
         "rental_months": [c[0] for c in cells],
         "education": [EDUCATION[c[1]] for c in cells],
         "age": [50 if c[2] else 30 for c in cells],
         "applied_at": [f"2024-03-{1 + c[3]:02d}T09:00:00" for c in cells],
         "works_in_qualified_trade": [c[4] for c in cells]},
        schema={"applicant_id": pl.String, "rental_months": pl.Int64,
                "education": pl.String, "age": pl.Int64, "applied_at": pl.String,
                "works_in_qualified_trade": pl.Boolean})


def toy_list(n: int, seed: int, movable: bool = True) -> pl.DataFrame:
    """`n` drawn rows of `toy_rows`, few distinct values so that many tie; nobody a
    graduate or in the trade unless `movable`."""
    import random

    rng = random.Random(seed)
    return toy_rows([(rng.randrange(20, 200, 5),
                      rng.choices(range(3), [16, 3, 1])[0] if movable else 0,
                      rng.random() < 0.15, rng.randrange(3), movable and rng.random() < 0.3)
                     for _ in range(n)])


def toy_scored(cells: list[Cells] | pl.DataFrame, final: str,
               tie_scores: bool) -> pl.DataFrame:
    frame = cells if isinstance(cells, pl.DataFrame) else toy_rows(cells)
    return score_frame(frame, toy(final, tie_scores), purpose="settle", on=ON).points()


def kernel_rank(scored: pl.DataFrame, schedule: points.Schedule, quota: int | None,
                cuts: list[int]) -> tuple[Any, pl.DataFrame, bool | None]:
    """What the engines do, with each slice of `scored` between `cuts` as one task."""
    from points.distributed import _kernel as k

    spec = k.rank_spec(schedule, scored.schema, quota=quota, seed=None)
    bounds = [0, *cuts, scored.height]
    tasks = [scored.slice(a, b - a) for a, b in itertools.pairwise(bounds)]
    narrow = [t.select(k.rank_columns(spec, scored.schema)) for t in tasks]
    ranks = k.combine_ranks(pl.concat([k.rank_part(t, spec) for t in narrow],
                                      how="vertical_relaxed"), spec)
    tables = k.combine_sure(pl.concat([k.sure_part(t, spec) for t in narrow]), spec)
    counts = pl.concat([k.unsure_part(t, spec, ranks.table, ranks.on, tables)
                        for t in narrow])
    sure = not (counts["unsure"].sum() or counts["outside"].sum())
    marked = pl.concat([k.mark_part(t, spec, ranks.table, ranks.on, ranks.ranked,
                                    scored.height, tables) for t in tasks])
    return ranks, marked.sort(k.ORDER).drop(k.ORDER), sure


A60 = (60, 0, False, 0, False)  # 60 points, nothing provisional: a fixed key of 60


@pytest.mark.parametrize(("final", "tie_scores", "quota", "cells", "per_row", "sure"), [
    # a graduate with 55 months: key in [55, 85]; alone, admitted whatever edu is
    ("all_admitted", False, 1, [(55, 1, False, 0, False)], [True], True),
    # a graduate at 80 in [60, 90] first, a fixed 60 second: the graduate could fall to
    # 60 and tie (both would be admitted), so neither's admission is sure
    ("all_admitted", False, 1, [(60, 1, False, 0, False), A60], [False, False], False),
    # a fixed 60 first, a graduate at 50 in [30, 60] second (and maybe not in the pool):
    # the graduate could tie the 60 (a tie counts as ahead)
    ("all_admitted", False, 1, [A60, (30, 1, False, 0, False)], [False, False], False),
    # fixed 80 first, a graduate at 75 in [55, 85] second, fixed 60 third, two places:
    # the 80 has one rival at most; the graduate could fall behind the 60
    ("all_admitted", False, 2, [(80, 0, False, 0, False), (55, 1, False, 0, False), A60],
     [True, False, False], False),
    # a fixed 80 admitted; a graduate at 45 in [25, 55] is outside the pool but might be
    # in it: with one place they could not pass 80, with two they could be admitted
    ("all_admitted", False, 1, [(80, 0, False, 0, False), (25, 1, False, 0, False)],
     [True], True),
    ("all_admitted", False, 2, [(80, 0, False, 0, False), (25, 1, False, 0, False)],
     [True], False),
    ("all_admitted", False, None, [(80, 0, False, 0, False), (25, 1, False, 0, False)],
     [True], False),
    ("all_admitted", False, None, [(80, 0, False, 0, False), (25, 0, False, 0, False)],
     [True], True),
    # two keys of 60, one in the trade (5 provisional points): ties broken on `trade`
    # move with it, so the first of them is not fixed and neither place is sure...
    ("all_admitted", True, 1, [A60, (60, 0, False, 0, True)], [False, False], False),
    # ... and without that tie-break both keys and places are fixed (ties on rental
    # months too: both admitted, one place notwithstanding)
    ("all_admitted", False, 1, [A60, (60, 0, False, 0, True)], [True, True], True),
    # a lottery between fixed keys keeps its draw
    ("lottery", False, 1, [A60, A60], [True, True], True),
    # unless anything can move: then nobody is fixed. The graduate (90 in [70, 100]) is
    # first whatever; the 60s could be passed by each other (2 places)
    ("lottery", False, 2, [A60, A60, (70, 1, False, 0, False)], [True, False, False],
     False),
    ("timestamp", False, 1, [(60, 0, False, 1, False), A60], [True, True], True),
])
def test_rank_sure_worked_out_by_hand(final: str, tie_scores: bool, quota: int | None,
                                      cells: list[Cells], per_row: list[bool],
                                      sure: bool) -> None:
    scored = toy_scored(cells, final, tie_scores)
    local = local_rank(scored, toy(final, tie_scores), quota=quota)
    assert (local.ranked["rank_sure"].to_list(), local.sure) == (per_row, sure)
    for cuts in ([], [1]):
        _, got, got_sure = kernel_rank(scored, toy(final, tie_scores), quota, cuts)
        assert got_sure is sure
        assert_same(local.ranked, got.head(local.ranked.height))


@pytest.mark.slow
@settings(max_examples=150)
@given(cells=st.lists(st.tuples(st.sampled_from([0, 20, 25, 30, 45, 50, 55, 80]),
                                st.integers(0, 2), st.booleans(), st.integers(0, 2),
                                st.booleans()), max_size=12),
       final=st.sampled_from(["all_admitted", "lottery", "timestamp"]),
       tie_scores=st.booleans(), quota=st.none() | st.integers(0, 14), data=st.data())
def test_rank_sure_from_key_counts_is_the_local_one(
        cells: list[Cells], final: str, tie_scores: bool, quota: int | None,
        data: st.DataObject) -> None:
    scored = toy_scored(cells, final, tie_scores)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(cells)), max_size=4)))
    local = local_rank(scored, toy(final, tie_scores), quota=quota)
    ranks, got, sure = kernel_rank(scored, toy(final, tie_scores), quota, cuts)
    assert (ranks.cutoff, ranks.admitted) == (local.cutoff, local.admitted)
    assert sure is local.sure
    assert_same(local.ranked, got.head(local.ranked.height))
    outside = got.slice(local.ranked.height)  # failing the gates: sure if that is sure
    assert outside["rank_sure"].to_list() == outside["rank_pool_sure"].to_list()


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


def assert_same(local: pl.DataFrame, got: pl.DataFrame) -> None:
    """Every column of the local frame, with equal values in the same order."""
    missing = [c for c in local.columns if c not in got.columns]
    assert not missing
    for c in local.columns:
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
    assert (res.cutoff, res.admitted, res.quota, res.in_ranking, res.sure) == (
        local.cutoff, local.admitted, local.quota, local.ranked.height, local.sure)
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
    assert (res.cutoff, res.admitted, res.sure) == (local.cutoff, local.admitted, local.sure)
    assert_same(local.ranked, engine.collect(res.ranked).head(local.ranked.height))


@pytest.mark.slow
@pytest.mark.parametrize(("final", "tie_scores", "movable"), [
    ("all_admitted", True, True), ("lottery", False, True), ("lottery", False, False),
    ("timestamp", False, True)])
def test_rank_sure_equals_local(engine: Any, final: str, tie_scores: bool,
                                movable: bool) -> None:
    """`rank_sure` and `sure` with keys and places in the pool that provisional values
    move (or, `movable` false, nothing provisional: every key fixed), the quota at the
    first tie past the 20th rank."""
    from points import distributed

    frame = toy_list(300, 3, movable)
    schedule = toy(final, tie_scores)
    scored = toy_scored(frame, final, tie_scores)
    plain = local_rank(scored, toy("all_admitted", tie_scores))
    quota = plain.ranked.filter(pl.col("rank").is_duplicated() & (pl.col("rank") > 20))[
        "rank"].min()
    assert isinstance(quota, int)
    local = local_rank(scored, schedule, quota=quota)
    sure = local.ranked["rank_sure"]
    assert local.sure is not movable
    assert (0 < sure.sum() < sure.len()) if movable else sure.all()
    res = distributed.rank(engine.from_polars(frame, 3), schedule, on=ON, quota=quota)
    assert (res.cutoff, res.admitted, res.sure) == (local.cutoff, local.admitted, local.sure)
    got = engine.collect(res.ranked)
    assert_same(local.ranked, got.head(local.ranked.height))
    outside = got.slice(local.ranked.height)
    assert outside["rank_sure"].to_list() == outside["rank_pool_sure"].to_list()


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
