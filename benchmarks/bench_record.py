"""Per-record scoring speed: `points.score` one applicant at a time, against plain Python.

    python benchmarks/bench_record.py                 # 100,000 applicants, Guangzhou 2021
    python benchmarks/bench_record.py --rows 2000     # a quick run

The applicants come from `points.batch.sample_applicants` as plain dicts with text dates,
money and shares (what a web service receives). The baseline is `gz2021_python.score`, the
same rules written by hand in plain Python on an `Applicant` validated beforehand, keeping
every factor's and group's points; before timing it is checked against `points.score` on
every applicant. Rows:

- the hand-written function (the baseline);
- `points.score(Applicant)`, validated beforehand by the schedule's applicant model
  (`schedule.applicant_model()`: `Applicant` with the consistency checks Guangzhou asks for);
- `points.score` of a standard `Applicant`, which the schedule's model checks again;
- `points.score(dict)`, validation included (the figure a web service sees), and the same
  naming the schedule by its id (`"guangzhou/2021"`) on every call;
- `points.score(Applicant)` and reading the card's whole explanation (`lines`, `groups`,
  `gates`), one applicant at a time as a service does; the line after the table gives what
  reading costs beside scoring alone, from further runs of the two, alternated;
- the schedule model's `parse(dict)` alone.

"ratio" is the baseline's time divided by the row's (1.0: as fast as the hand-written
function; the target for `points.score(Applicant)` is at least 1/1.2 = 0.83). "peak MiB" is
the growth of peak memory during the first run, measured with `tracemalloc` (Python
allocations only). The load average is printed: the machine may be shared.

A second table gives, for every bundled schedule, the time to score `--schedules`
applicants one at a time (validated beforehand), the time to score them and read each
card's whole explanation, and what reading costs beside scoring (the difference ÷ scoring:
at most 1.0 is the target).

A third table times small batches through `points.batch.score_frame` (`--batch-rows`,
typed columns as from Parquet, all-text as from CSV, and with `outputs=["total",
"eligible", "tier"]`), best of `--calls` calls each, against the column path alone (as
before small tables were scored row by row: the baseline) and `points.score` on each row.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gz2021_python

SCHEDULE = "guangzhou/2021"
ON = date(2024, 6, 1)


def _time(run: Callable[[], Any], repeat: int, setup: Callable[[], Any] | None = None
          ) -> tuple[float, float]:
    """Best wall time of `repeat` runs (each after `setup`, untimed), and the peak MiB the
    first run allocated."""
    if setup is not None:
        setup()
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    run()
    peak = (tracemalloc.get_traced_memory()[1] - base) / 2**20
    tracemalloc.stop()
    best = float("inf")
    for _ in range(repeat):
        if setup is not None:
            setup()
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best, peak


def _alternated(score: Callable[[], Any], read: Callable[[], Any], repeat: int
                ) -> tuple[float, float, float]:
    """The best time of `score` and of `read` over `repeat` runs of each, alternated (a busy
    minute falls on both), and the peak MiB `read` allocated."""
    scoring, both, peak = float("inf"), float("inf"), 0.0
    for _ in range(repeat):
        scoring = min(scoring, _time(score, 1)[0])
        took, grew = _time(read, 1)
        both, peak = min(both, took), max(peak, grew)
    return scoring, both, peak


def check(schedule: Any, parsed: list[Any]) -> str:
    """The hand-written function agrees with `points.score` on every applicant."""
    import points

    for i, a in enumerate(parsed):
        card = points.score(a, schedule, on=ON)
        total, eligible, tiers, services, _ = gz2021_python.score(a, ON)
        if (Decimal(total).scaleb(-2), eligible, tiers, services) != (
                card.total, card.eligible, card.tiers, card.services):
            raise SystemExit(f"applicant {i}: hand-written {total} {eligible} {tiers}, "
                             f"points.score {card.total} {card.eligible} {card.tiers}")
    return f"checked: the hand-written function agrees with points.score on {len(parsed)} " \
        "applicants"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--batch-rows", default="1,100,1000",
                        help="comma-separated sizes of the small-batch table (empty: none)")
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--schedules", type=int, default=5000,
                        help="applicants per bundled schedule in the reading table (0: none)")
    args = parser.parse_args(argv)

    import points
    from points import Applicant
    from points.batch import sample_applicants

    schedule = points.load_schedule(SCHEDULE)
    rows = [{k: v for k, v in r.items() if v is not None}
            for r in sample_applicants(args.rows, seed=args.seed, on=ON)]
    model = schedule.applicant_model()  # `Applicant` with the checks Guangzhou asks for
    parsed = [model.parse(r) for r in rows]
    standard = [Applicant.parse(r) for r in rows]
    print(check(schedule, parsed))

    def hand() -> None:
        for a in parsed:
            gz2021_python.score(a, ON)

    def from_dicts() -> None:
        for r in rows:
            points.score(r, schedule, on=ON)

    def by_id() -> None:  # a service naming its schedule on each call
        for r in rows:
            points.score(r, SCHEDULE, on=ON)

    def from_applicants() -> None:
        for a in parsed:
            points.score(a, schedule, on=ON)

    def from_standard() -> None:
        for a in standard:
            points.score(a, schedule, on=ON)

    def explained() -> None:
        for a in parsed:
            card = points.score(a, schedule, on=ON)
            card.lines  # noqa: B018
            card.groups  # noqa: B018
            card.gates  # noqa: B018

    def validate_only() -> None:
        for r in rows:
            model.parse(r)

    cases: list[tuple[str, Callable[[], None], Callable[[], None] | None]] = [
        ("hand-written plain Python (baseline)", hand, None),
        ("points.score(Applicant), validated beforehand", from_applicants, None),
        ("points.score(standard Applicant), checked again", from_standard, None),
        ("points.score(dict), validation included", from_dicts, None),
        ("points.score(dict, schedule by id)", by_id, None),
        ("points.score(Applicant), explanation read", explained, None),
        ("model.parse(dict) alone", validate_only, None),
    ]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Guangzhou 2021, {args.rows:,} generated applicants, one at a time, best of "
          f"{args.repeat} runs, {os.cpu_count()} CPUs, load average {load:.2f}")
    print(f"{'what':<48} {'rows':>9} {'seconds':>8} {'applicants/s':>13} {'peak MiB':>9} "
          f"{'ratio':>6}")
    base = None
    seconds: dict[str, float] = {}
    for label, run, setup in cases:
        seconds[label], peak = _time(run, args.repeat, setup)
        base = base or seconds[label]
        print(f"{label:<48} {args.rows:>9,} {seconds[label]:>8.3f} "
              f"{args.rows / seconds[label]:>13,.0f} {peak:>9.2f} {base / seconds[label]:>6.2f}")
    # reading: the run that scores and reads every card, less the run that only scores,
    # timed alternately (a busy minute falls on both), the best of each
    scoring, both, _ = _alternated(from_applicants, explained, args.repeat)
    reading = both - scoring
    print(f"reading the explanation costs {reading / scoring:.2f}× scoring "
          f"({reading / args.rows * 1e6:.1f} µs against {scoring / args.rows * 1e6:.1f} µs per "
          f"card, {args.repeat} alternated runs of each; target: at most 1.0×)")
    if args.schedules:
        print()
        reading_by_schedule(args.schedules, args.repeat, args.seed)
    sizes = [int(x) for x in args.batch_rows.split(",") if x.strip()]
    if sizes:
        print()
        small_batches(schedule, sizes, args.calls, args.seed)
    return 0


def reading_by_schedule(rows: int, repeat: int, seed: int) -> None:
    """Reading the explanation against scoring, on every bundled schedule, one applicant at
    a time as in the first table: the same generated applicants, validated beforehand by
    each schedule's model."""
    import points
    from points.batch import sample_applicants
    from points.schedule.loader import bundled_ids

    given = [{k: v for k, v in r.items() if v is not None}
             for r in sample_applicants(rows, seed=seed, on=ON)]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"reading the explanation on every bundled schedule, {rows:,} applicants, best of "
          f"{repeat} runs, load average {load:.2f}; ratio: reading ÷ scoring (target: at most "
          "1.0)")
    print(f"{'what':<28} {'rows':>9} {'scoring s':>9} {'and read':>9} {'read/s':>10} "
          f"{'peak MiB':>9} {'ratio':>6}")
    for sid in bundled_ids():
        schedule = points.load_schedule(sid)
        model = schedule.applicant_model()
        parsed = [model.parse(r) for r in given]

        def score(parsed: list[Any] = parsed, schedule: Any = schedule) -> None:
            for a in parsed:
                points.score(a, schedule, on=ON)

        def read(parsed: list[Any] = parsed, schedule: Any = schedule) -> None:
            for a in parsed:
                card = points.score(a, schedule, on=ON)
                card.lines  # noqa: B018
                card.groups  # noqa: B018
                card.gates  # noqa: B018

        scoring, both, peak = _alternated(score, read, repeat)
        reading = max(both - scoring, 1e-9)
        print(f"{sid:<28} {rows:>9,} {scoring:>9.3f} {both:>9.3f} {rows / reading:>10,.0f} "
              f"{peak:>9.2f} {reading / scoring:>6.2f}")


def small_batches(schedule: Any, sizes: list[int], calls: int, seed: int) -> None:
    """Small tables through score_frame, against the column path alone and per record."""
    import polars as pl

    import points
    from points.batch import _score, sample_frame, score_frame

    def best(run: Callable[[], Any]) -> float:
        run()
        times = []
        for _ in range(calls):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        return min(times)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"small batches through score_frame, best of {calls} calls, load average "
          f"{load:.2f} (target: 100 rows in at most 2 ms)")
    print(f"{'what':<52} {'rows':>6} {'ms':>8} {'rows/s':>10} {'ratio':>6}")
    outputs = ["total", "eligible", "tier"]
    for n in sizes:
        typed = sample_frame(n, seed=seed, on=ON)
        text = typed.with_columns(pl.all().cast(pl.String))
        dicts = [{k: v for k, v in r.items() if v is not None}
                 for r in text.rows(named=True)]
        old = _score.SMALL_ROWS

        def columns_only(frame: Any = typed, old: int = old) -> Any:
            _score.SMALL_ROWS = 0
            try:
                return score_frame(frame, schedule, on=ON)
            finally:
                _score.SMALL_ROWS = old

        def per_record(rows: list[dict[str, Any]] = dicts) -> None:
            for r in rows:
                points.score(r, schedule, on=ON)

        base = best(columns_only)
        cases = [
            ("column path alone, typed (baseline)", base),
            ("score_frame, typed", best(lambda f=typed: score_frame(f, schedule, on=ON))),
            ("score_frame, all text", best(lambda f=text: score_frame(f, schedule, on=ON))),
            ("score_frame, typed, outputs total/eligible/tier",
             best(lambda f=typed: score_frame(f, schedule, on=ON, outputs=outputs))),
            ("points.score on each row (dicts of text)", best(per_record)),
        ]
        for label, seconds in cases:
            print(f"{label:<52} {n:>6,} {seconds * 1e3:>8.2f} {n / seconds:>10,.0f} "
                  f"{base / seconds:>6.2f}")


if __name__ == "__main__":
    raise SystemExit(main())
