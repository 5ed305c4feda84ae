"""Spark and Dask on this machine versus the local file-to-file run, Parquet in and out.

    python benchmarks/bench_distributed.py                 # 10^7 rows
    python benchmarks/bench_distributed.py --rows 1e6      # a quicker run
    python benchmarks/bench_distributed.py --job rank      # rank_file (quota 16,000)

The input is `bench_files.py`'s cached Parquet list (drawn by
`points.batch.sample_frames`, row groups of 100,000 rows). Each job runs in its own
process, in this order, in one run:
- "points score_file (local)": `points.batch.score_file(in, out, "guangzhou/2021")`, one
  process;
- "spark local[2] score_file": `points.distributed.score_file(..., engine="spark")` on a
  `local[2]` session (input split into 4 MiB partitions, about 200,000 rows each);
- "dask 2 workers score_file": the same with `engine="dask"` on a `LocalCluster` of two
  single-threaded worker processes (the library's partitions of 16 MiB of
  uncompressed input, about 300,000 rows).
With `--job rank` each runs `rank_file` instead (quota 16,000, with `rank_sure`): the
ranked output holds every scored row in rank order.
"seconds" times the job from reading to the committed output; starting the engine (JVM
and session, or cluster) is shown apart in "start s", it is paid once per session.
"peak MiB" is the peak resident memory of the whole process tree (driver, JVM, Python
workers, Dask workers), sampled every 0.2 s. "ratio" is the time over the local run's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_files import DEFAULT_CACHE, ON, SCHEDULE, input_file

JOBS = {
    "local": "points {job}_file (local)",
    "spark": "spark local[2] {job}_file",
    "dask": "dask 2 workers {job}_file",
}
#: places to fill under `--job rank` (Guangzhou's 2024 quota)
QUOTA = 16_000


class TreePeak:
    """The peak summed RSS of this process and its descendants, sampled in a thread."""

    def __init__(self) -> None:
        import psutil

        self._me = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        total = 0
        for p in [self._me, *self._me.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except Exception:  # a worker ended between listing and reading
                continue
        self.peak = max(self.peak, total)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(0.2)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        self._sample()
        return self.peak / 2**20


def worker(key: str, data: Path, out: Path, job: str) -> dict[str, Any]:
    """Time one job in this process."""
    from points.schedule.loader import load_schedule

    schedule = load_schedule(SCHEDULE)
    peak = TreePeak()
    started = 0.0
    ranked = {"quota": QUOTA} if job == "rank" else {}
    if key == "local":
        from points import batch

        start = time.perf_counter()
        summary = getattr(batch, f"{job}_file")(data, out, schedule, on=ON, **ranked)
    elif key == "spark":
        from points import distributed
        from points.distributed._spark import session

        t0 = time.perf_counter()
        spark, _ = session("local[2]")
        spark.conf.set("spark.sql.files.maxPartitionBytes", str(4 * 2**20))
        started = time.perf_counter() - t0
        start = time.perf_counter()
        summary = getattr(distributed, f"{job}_file")(data, out, schedule, engine="spark",
                                                      on=ON, **ranked)
    else:
        from distributed import Client, LocalCluster

        from points import distributed

        t0 = time.perf_counter()
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
        client.run(lambda: __import__("points.batch"))  # imports are part of starting
        started = time.perf_counter() - t0
        start = time.perf_counter()
        summary = getattr(distributed, f"{job}_file")(data, out, schedule, engine="dask",
                                                      on=ON, **ranked)
    seconds = time.perf_counter() - start
    return {"key": key, "seconds": seconds, "start": started, "peak_mib": peak.stop(),
            "rows": summary.rows_read, "rejected": summary.rows_rejected}


def run(key: str, data: Path, job: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(dir=data.parent) as tmp:
        out = Path(tmp) / "out.parquet"
        proc = subprocess.run(
            [sys.executable, __file__, "--worker", key, "--data", str(data), "--out",
             str(out), "--job", job], check=False, capture_output=True, text=True)
        if proc.returncode:
            raise SystemExit(f"{key} worker failed:\n{proc.stderr[-20000:]}")
        r: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return r


def _header() -> str:
    return (f"{'what':<44} {'rows':>11} {'seconds':>8} {'rows/s':>10} {'peak MiB':>9} "
            f"{'ratio':>6} {'start s':>8}")


def _line(label: str, r: dict[str, Any], base: float) -> str:
    return (f"{label:<44} {r['rows']:>11,} {r['seconds']:>8.2f} "
            f"{r['rows'] / r['seconds']:>10,.0f} {r['peak_mib']:>9.0f} "
            f"{r['seconds'] / base:>6.2f} {r['start']:>8.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=lambda t: int(float(t)), default=10_000_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--engines", default="spark,dask")
    parser.add_argument("--job", choices=("score", "rank"), default="score")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, Path(args.data), Path(args.out), args.job)))
        return 0
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    print(f"Guangzhou 2021, Parquet in, Parquet out, {os.cpu_count()} CPUs"
          + (f", load average {load:.2f} at start" if load is not None else ""))
    data = input_file(args.rows, args.seed, args.cache_dir)
    print(f"input: {data} ({data.stat().st_size / 2**20:,.0f} MiB)")
    results = {"local": run("local", data, args.job)}
    for key in [e.strip() for e in args.engines.split(",") if e.strip()]:
        results[key] = run(key, data, args.job)
    base = results["local"]["seconds"]
    print(_header())
    for key, r in results.items():
        if r["rows"] != args.rows or r["rejected"]:
            raise SystemExit(f"{key}: {r['rows']} rows, {r['rejected']} rejected")
        print(_line(JOBS[key].format(job=args.job), r, base))
    if load is not None:
        print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
