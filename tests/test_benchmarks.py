"""The benchmarks still run (at a tiny size; their figures are never asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.mark.parametrize(("script", "args", "rows"), [
    ("bench_batch.py", ["--rows", "300", "--repeat", "1", "--rounds", "1",
                        "--check-rows", "0"], 4),
    ("bench_record.py", ["--rows", "200", "--repeat", "1"], 3),
])
def test_benchmark_runs_at_a_tiny_size(script: str, args: list[str], rows: int) -> None:
    out = subprocess.run([sys.executable, str(BENCHMARKS / script), *args],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("what"))
    table = lines[header + 1:]
    assert len(table) == rows
    assert all(" 300 " in line or " 200 " in line for line in table)
    if script == "bench_batch.py":
        assert lines[0].startswith("checked: hand-written Polars and NumPy agree")
