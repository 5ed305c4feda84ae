"""Shared fixtures. Shared plain helpers (`Card`, `insured`, ...) are in `_helpers.py`.

Tiers: `python -m pytest` runs everything (as CI does); `python -m pytest -m "not slow"` is
the fast tier for everyday work, leaving out the tests marked `slow` (long Hypothesis
searches, subprocesses, the headless browser, the tutorial). `-m docs` runs the checks of
the documentation's examples.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from points._data import sample_path

# Every property test is derandomised (the same examples on every run and machine) and has no
# deadline: this 2-core machine is shared, and a slow example is not a wrong one. Tests that
# need more or fewer examples still set `max_examples` themselves.
settings.register_profile(
    "points", deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile("points")


@pytest.fixture(autouse=True)
def _column_path_for_tables(request: pytest.FixtureRequest,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables go through the column engine in every test but those marked `row_by_row`.

    `score_frame` scores small clean tables row by row with the per-record engine's generated
    function; a test comparing a table's scores with `points.score` would then compare that
    function with itself. So tests compare the per-record engine with the column engine (two
    translations of the compiled form), and tests/test_batch_small.py (`row_by_row`) holds the
    row-by-row path to the column path.

    Reviewed after the merge of issue 9's constructs (2026-11-30): every comparison still
    sets two independent translations side by side. Batch-against-card tests
    (test_equivalence, test_properties*, test_new_city, test_when, test_derived_facts,
    test_multi_fact, ...) compare the generated function with the Polars expressions; the
    `row_by_row` tests compare the small path with the column path (`both_ways`, on random
    schedules with every construct too) or with hand-computed totals. One `row_by_row` test
    (`test_a_clean_small_table_takes_the_row_by_row_path`) sets a small table beside
    `points.score`: both are the generated function there, and it checks only that the small
    path was taken and lays ticks out as the column path does. Without this fixture the
    batch-against-card tests on tables up to 500 rows would compare the generated function
    with itself."""
    if request.node.get_closest_marker("row_by_row") is None:
        from points.batch import _score

        monkeypatch.setattr(_score, "SMALL_ROWS", 0)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory where `applicants.csv` is the bundled sample list."""
    shutil.copy(sample_path(), tmp_path / "applicants.csv")
    monkeypatch.chdir(tmp_path)
    return tmp_path
