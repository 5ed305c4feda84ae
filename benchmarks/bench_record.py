"""Per-record scoring speed: `points.score` one applicant at a time.

    python benchmarks/bench_record.py                 # 100,000 applicants, Guangzhou 2021
    python benchmarks/bench_record.py --rows 2000     # a quick run

The applicants come from `points.batch.sample_applicants` as plain dicts with text dates,
money and shares (what a web service receives). Three rows: from such a dict (validation
included, the figure the issue's target is about), from an `Applicant` validated once
beforehand, and `Applicant.parse` alone. "peak MiB" is the growth of peak memory during the
timed loop, measured with `tracemalloc` (Python allocations only).
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from typing import Any

SCHEDULE = "guangzhou/2021"
ON = date(2024, 6, 1)


def _time(run: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Best wall time of `repeat` runs, and the peak MiB the first run allocated."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    run()
    peak = (tracemalloc.get_traced_memory()[1] - base) / 2**20
    tracemalloc.stop()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best, peak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)

    import points
    from points import Applicant
    from points.batch import sample_applicants

    schedule = points.load_schedule(SCHEDULE)
    rows = [{k: v for k, v in r.items() if v is not None}
            for r in sample_applicants(args.rows, seed=args.seed, on=ON)]
    parsed = [Applicant.parse(r) for r in rows]
    points.score(rows[0], schedule, on=ON)  # compile outside the timing

    def from_dicts() -> None:
        for r in rows:
            points.score(r, schedule, on=ON)

    def from_applicants() -> None:
        for a in parsed:
            points.score(a, schedule, on=ON)

    def validate_only() -> None:
        for r in rows:
            Applicant.parse(r)

    cases = [
        ("points.score(dict), validation included", from_dicts),
        ("points.score(Applicant), validated beforehand", from_applicants),
        ("Applicant.parse(dict) alone", validate_only),
    ]
    print(f"Guangzhou 2021, {args.rows:,} generated applicants, one at a time, best of "
          f"{args.repeat} runs, {os.cpu_count()} CPUs")
    print(f"{'what':<48} {'rows':>9} {'seconds':>8} {'applicants/s':>13} {'peak MiB':>9}")
    for label, run in cases:
        seconds, peak = _time(run, args.repeat)
        print(f"{label:<48} {args.rows:>9,} {seconds:>8.3f} {args.rows / seconds:>13,.0f} "
              f"{peak:>9.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
