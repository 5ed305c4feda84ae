"""The bundled sample applicant list: where it is and the date it was drawn for.

Kept free of heavy imports: the command line reads these at start-up.
"""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path

__all__ = ["SAMPLE_ON", "sample_path"]

#: The evaluation date the bundled sample (and `points sample` by default) is drawn for.
SAMPLE_ON = date(2024, 6, 1)


def sample_path() -> Path:
    """The bundled sample applicant list (CSV, 3,000 synthetic applicants)."""
    return Path(str(resources.files("points._data") / "sample_applicants.csv"))
