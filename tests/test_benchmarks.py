"""The benchmarks still run (at a tiny size; their figures are never asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

pytestmark = pytest.mark.slow  # each test runs a benchmark script in a subprocess


@pytest.mark.parametrize(("script", "args", "rows"), [
    ("bench_batch.py", ["--rows", "300", "--repeat", "1", "--rounds", "1",
                        "--check-rows", "0"], 9),
    ("bench_record.py", ["--rows", "200", "--repeat", "1", "--batch-rows", "3",
                         "--calls", "1", "--schedules", "20"], 7),
])
def test_benchmark_runs_at_a_tiny_size(script: str, args: list[str], rows: int) -> None:
    out = subprocess.run([sys.executable, str(BENCHMARKS / script), *args],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("what"))
    table = lines[header + 1:header + 1 + rows]
    assert all(" 300 " in line or " 200 " in line for line in table)
    if script == "bench_batch.py":
        assert lines[0].startswith("checked: hand-written Polars")
        assert "ratio" in lines[header]
    else:
        assert lines[0].startswith("checked: the hand-written function agrees")
        assert lines[header + 1 + rows].startswith("reading the explanation costs")
        read = next(i for i, line in enumerate(lines) if line.startswith("reading the "
                                                                          "explanation on"))
        assert [line.split()[:2] for line in lines[read + 2:read + 4]] == [
            ["beijing/2016", "20"], ["guangzhou-settlement/2023", "20"]]
        small = next(i for i, line in enumerate(lines) if line.startswith("small batches"))
        assert len([line for line in lines[small + 2:] if "      3 " in line]) == 5


def test_file_benchmark_runs_at_a_tiny_size(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, str(BENCHMARKS / "bench_files.py"), "--rows", "300",
                          "--memory-rows", "300,500", "--chunk-rows", "128",
                          "--cache-dir", str(tmp_path)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    headers = [i for i, line in enumerate(lines) if line.startswith("what")]
    assert len(headers) == 2
    speed = lines[headers[0] + 1:headers[0] + 3]
    assert [line.split()[0] for line in speed] == ["read", "points"]
    assert all(" 300 " in line for line in speed)
    memory = lines[headers[1] + 1:headers[1] + 3]
    assert " 300 " in memory[0] and " 500 " in memory[1]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "applicants-300-seed2024.parquet", "applicants-500-seed2024.parquet"]


@pytest.mark.slow
@pytest.mark.parametrize("job", ["score", "rank"])
def test_distributed_benchmark_runs_at_a_tiny_size(tmp_path: Path, job: str) -> None:
    out = subprocess.run([sys.executable, str(BENCHMARKS / "bench_distributed.py"), "--rows",
                          "300", "--engines", "dask", "--cache-dir", str(tmp_path),
                          "--job", job], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("what"))
    table = lines[header + 1:header + 3]
    assert [line.split()[:2] for line in table] == [["points", f"{job}_file"],
                                                    ["dask", "2"]]
    assert all(f"{job}_file" in line and " 300 " in line for line in table)


def test_records_benchmark_runs_at_a_tiny_size(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, str(BENCHMARKS / "bench_records.py"), "--applicants",
                          "300", "--cache-dir", str(tmp_path)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[1] == "checked: hand-written and library facts agree on 300 applicants"
    header = next(i for i, line in enumerate(lines) if line.startswith("what"))
    table = lines[header + 1:]
    assert [line.split()[0] for line in table] == ["hand-written", "points", "points"]
    assert all(" 300 " in line for line in table)
