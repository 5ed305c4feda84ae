"""Batch scoring speed: `points.batch.score_frame` against hand-written Polars, NumPy, numba.

    python benchmarks/bench_batch.py                  # 10^6 applicants, Guangzhou 2021
    python benchmarks/bench_batch.py --rows 2000      # a quick run

All implementations score the same generated applicants (`points.batch.sample_frame`,
written once to a Parquet file) under the same Guangzhou 2021 rules. Before timing, the
hand-written versions are checked against `score_frame`, and `score_frame` against the
per-record `points.score` on a sample of rows (`--check-rows`, all rows with 0). Rows:

- `score_frame` on typed columns (as from Parquet), on all-text columns (as from CSV), on
  all-text columns with `columns="read"` (the 7 columns Guangzhou 2021 never reads skipped,
  as the hand-written versions skip them), and with `outputs=["total", "eligible", "tier"]`
  (only those columns);
- hand-written Polars (the baseline), hand-written NumPy;
- a fused numba loop giving the same columns as the hand-written Polars version, and one
  giving only the total, eligibility and tier (`gz2021_numba.py`; numba is a
  benchmark-only dependency, `pip install points[bench]`: without it these rows say so).

Each implementation runs in its own process, which reads the Parquet file and scores it
`--repeat` times (the best counts). A *round* runs every implementation once, in an order
that alternates from round to round (forwards, then backwards), so that a quiet or a busy
minute of the shared machine falls on neighbours, not always on the same one. "ratio" is the
median over the rounds of each round's hand-written Polars time divided by the row's time in
that same round (paired rounds: a slow minute moves both times of a pair), "spread" the
lowest and highest of those per-round ratios; "seconds" is the best over all rounds.
`--threads N` pins every process to N Polars threads (`POLARS_MAX_THREADS`; default: all
cores). Above 1.0 is faster than the hand-written Polars version. "hand-written Polars,
all-text columns + strict casts" is the fair baseline of the all-text row: the same
hand-written version fed the all-text table, with the strict casts a careful hand writer
needs of the columns it reads (`gz2021_polars.score_text`); the lines after the table give
the all-text row against it, and `score_frame` against the numba loops giving the same
columns (median ratios of the same rounds). "peak MiB" is how far the process's peak
resident set rose above its size after reading the input, while scoring (Linux:
`/proc/self/status` VmHWM, reset through `/proc/self/clear_refs` after the read; elsewhere
`getrusage` ru_maxrss, which then also counts the read). "result MiB" is the returned
table's size in memory (Polars `estimated_size`) per 10^6 rows.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import gz2021_numpy  # noqa: E402
import gz2021_polars  # noqa: E402

try:
    import gz2021_numba
except ImportError:  # numba is a benchmark-only dependency
    gz2021_numba = None  # type: ignore[assignment]

SCHEDULE = "guangzhou/2021"
ON = date(2024, 6, 1)

#: implementation key → label in the table
IMPLEMENTATIONS = {
    "points": "points score_frame (typed columns)",
    "points_text": "points score_frame (all-text columns, as from CSV)",
    "points_text_read": "points score_frame (all-text, columns=\"read\")",
    "points_outputs": "points score_frame, outputs total/eligible/tier",
    "polars": "hand-written Polars",
    "polars_text": "hand-written Polars, all-text columns + strict casts",
    "numpy": "hand-written NumPy",
    "numba": "numba fused loop (same columns)",
    "numba_total": "numba fused loop (total/eligible/tier only)",
}
OUTPUTS = ["total", "eligible", "tier"]


def _status_mib(key: str) -> float | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def peak_mib() -> float:
    """The process's peak resident set so far, MiB (VmHWM on Linux, else ru_maxrss)."""
    hwm = _status_mib("VmHWM")
    if hwm is not None:
        return hwm
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def reset_peak() -> float:
    """Reset the peak to the current resident set where Linux allows it; the baseline MiB."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    return peak_mib()


def _runner(key: str) -> Any:
    if key in ("points", "points_text"):
        from points.batch import score_frame

        return lambda df: score_frame(df, SCHEDULE, on=ON).scored
    if key == "points_text_read":
        from points.batch import score_frame

        return lambda df: score_frame(df, SCHEDULE, on=ON, columns="read").scored
    if key == "points_outputs":
        from points.batch import score_frame

        return lambda df: score_frame(df, SCHEDULE, on=ON, outputs=OUTPUTS).scored
    if key == "polars":
        return lambda df: gz2021_polars.score(df, ON)
    if key == "polars_text":
        return lambda df: gz2021_polars.score_text(df, ON)
    if key == "numba":
        return lambda df: gz2021_numba.score(df, ON)
    if key == "numba_total":
        return lambda df: gz2021_numba.total_tier(df, ON)
    return lambda df: gz2021_numpy.score(df, ON)


def _size(result: Any) -> float | None:
    """The result's size in memory, MiB (None for the NumPy dict of arrays)."""
    return result.estimated_size("mb") if isinstance(result, pl.DataFrame) else None


def worker(key: str, data: Path, repeat: int) -> dict[str, Any]:
    """Time one implementation in this process (run by the parent in a subprocess)."""
    df = pl.read_parquet(data)
    if key in ("points_text", "points_text_read", "polars_text"):
        df = df.with_columns(pl.all().cast(pl.String))
    if key.startswith("numba") and gz2021_numba is None:
        return {"key": key, "skipped": "numba is not installed (pip install points[bench])"}
    run = _runner(key)
    run(df.head(2000))  # import and compile outside the timing (and beyond the small path)
    before = reset_peak()
    times = []
    size = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run(df)
        times.append(time.perf_counter() - start)
        size = _size(result)
        del result
    return {"key": key, "seconds": min(times), "peak_mib": max(0.0, peak_mib() - before),
            "result_mib": size}


def check(df: pl.DataFrame, check_rows: int, seed: int) -> str:
    """Check the hand-written versions and per-record scoring against score_frame."""
    import points
    from points.batch import score_frame

    res = score_frame(df, SCHEDULE, on=ON)
    if res.rows_rejected:
        raise SystemExit(f"generated data has {res.rows_rejected} rejected rows")
    s = res.points()
    ticks = res.scored["total"]  # hundredths of a point, as in the hand-written versions
    hp = gz2021_polars.score(df, ON)
    hn = gz2021_numpy.score(df, ON)
    problems = []
    found = [("Polars", hp["total"], hp["eligible"], hp["tier"]),
             ("NumPy", pl.Series(hn["total"]), pl.Series(hn["eligible"]),
              pl.Series(hn["tier"]).replace("", None))]
    if gz2021_numba is not None:
        nb = gz2021_numba.score(df, ON)
        if not nb.equals(hp):
            problems.append("the numba loop's columns differ from the hand-written Polars")
        nt = gz2021_numba.total_tier(df, ON)
        found.append(("numba", nt["total"], nt["eligible"], nt["tier"]))
    s_outputs = score_frame(df, SCHEDULE, on=ON, outputs=OUTPUTS).scored
    if not s_outputs.equals(res.scored.select(s_outputs.columns)):
        problems.append("score_frame with outputs differs from score_frame")
    for name, total, eligible, tier in found:
        if not (total == ticks).all():
            problems.append(f"hand-written {name} totals differ")
        if not (eligible == s["eligible"]).all():
            problems.append(f"hand-written {name} eligibility differs")
        if not tier.eq_missing(s["tier"].cast(pl.String)).all():
            problems.append(f"hand-written {name} tiers differ")
    rows = range(df.height)
    if check_rows and check_rows < df.height:
        rows = sorted(random.Random(seed).sample(range(df.height), check_rows))
    text = df.with_columns(pl.col(pl.Date, pl.Decimal).cast(pl.String))
    for i in rows:
        facts = {k: v for k, v in text.row(i, named=True).items() if v is not None}
        card = points.score(facts, SCHEDULE, on=ON)
        if card.total != s["total"][i] or card.tiers != tuple(s["tiers"][i]):
            problems.append(f"row {i + 1}: points.score gives {card.total}, "
                            f"score_frame {s['total'][i]}")
            break
    if problems:
        raise SystemExit("disagreement: " + "; ".join(problems))
    which = "Polars, NumPy and numba" if gz2021_numba is not None else "Polars and NumPy"
    return (f"checked: hand-written {which} agree with score_frame on all "
            f"{df.height} rows; points.score agrees on {len(rows)} rows")


def _median(xs: list[float]) -> float:
    xs = sorted(xs)
    mid = len(xs) // 2
    return xs[mid] if len(xs) % 2 else (xs[mid - 1] + xs[mid]) / 2


def paired(runs: list[dict[str, dict[str, Any]]], ours: str, theirs: str
           ) -> tuple[float, float, float] | None:
    """Median, lowest and highest of the per-round ratios `theirs` seconds / `ours`."""
    ratios = [r[theirs]["seconds"] / r[ours]["seconds"] for r in runs
              if "seconds" in r.get(ours, {}) and "seconds" in r.get(theirs, {})]
    return (_median(ratios), min(ratios), max(ratios)) if ratios else None


def table(runs: list[dict[str, dict[str, Any]]], rows: int) -> str:
    lines = [f"{'what':<54} {'rows':>10} {'seconds':>8} {'rows/s':>12} {'peak MiB':>9} "
             f"{'result MiB/1e6':>14} {'ratio':>6} {'spread':>11}"]
    for key, label in IMPLEMENTATIONS.items():
        mine = [r[key] for r in runs if key in r]
        if any("skipped" in r for r in mine):
            lines.append(f"{label:<54} {rows:>10,} skipped: {mine[0]['skipped']}")
            continue
        best = min(r["seconds"] for r in mine)
        peak = max(r["peak_mib"] for r in mine)
        size = mine[0].get("result_mib")
        size_text = "" if size is None else f"{size * 1e6 / rows:.0f}"
        median, low, high = paired(runs, key, "polars") or (float("nan"),) * 3
        lines.append(f"{label:<54} {rows:>10,} {best:>8.3f} {rows / best:>12,.0f} "
                     f"{peak:>9.0f} {size_text:>14} {median:>6.2f} {low:>5.2f}–{high:<5.2f}")
    for ours, theirs in (("points_text", "polars_text"), ("points_text_read", "polars_text"),
                         ("points", "numba"),
                         ("points_outputs", "numba_total")):
        ratio = paired(runs, ours, theirs)
        if ratio is not None:
            lines.append(f"{IMPLEMENTATIONS[ours]} against {IMPLEMENTATIONS[theirs]}: "
                         f"{ratio[0]:.2f} (rounds {ratio[1]:.2f}–{ratio[2]:.2f})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per process")
    parser.add_argument("--rounds", type=int, default=5,
                        help="rounds (one process per implementation each)")
    parser.add_argument("--threads", type=int, default=0,
                        help="Polars threads per process (0: all cores)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--check-rows", type=int, default=2000,
                        help="rows checked against points.score (0: all)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, Path(args.data), args.repeat)))
        return 0

    from points.batch import sample_frame

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "applicants.parquet"
        df = sample_frame(args.rows, seed=args.seed, on=ON)
        df.write_parquet(data)
        print(check(df, args.check_rows, args.seed))
        del df
        runs: list[dict[str, dict[str, Any]]] = []
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        if args.threads:
            env["POLARS_MAX_THREADS"] = str(args.threads)
        for i in range(args.rounds):
            keys = list(IMPLEMENTATIONS)
            run: dict[str, dict[str, Any]] = {}
            for key in keys if i % 2 == 0 else keys[::-1]:
                out = subprocess.run(
                    [sys.executable, __file__, "--worker", key, "--data", str(data),
                     "--repeat", str(args.repeat)],
                    check=True, capture_output=True, text=True, env=env)
                run[key] = json.loads(out.stdout.strip().splitlines()[-1])
            runs.append(run)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    threads = f"{args.threads} Polars threads" if args.threads else f"{os.cpu_count()} CPUs"
    print(f"Guangzhou 2021, {args.rows:,} generated applicants, {args.rounds} paired rounds "
          f"of {args.repeat} runs, {threads}, load average {load:.2f}")
    print(table(runs, args.rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
