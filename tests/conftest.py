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

from points.data import sample_path


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory where `applicants.csv` is the bundled sample list."""
    shutil.copy(sample_path(), tmp_path / "applicants.csv")
    monkeypatch.chdir(tmp_path)
    return tmp_path
