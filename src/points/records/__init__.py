"""Records → facts: an applicant's dated records give the facts a schedule reads, on any date.

- `facts_from_records(records, on=...)`: one applicant's records (a list of mappings with a
  `kind`, or a mapping kind → list) → `RecordFacts` with `.facts` and, per fact, `.why` (the
  records used and the rule, in English and Chinese).
- `points.score(applicant, schedule, records=..., on=...)` scores with those facts merged over
  the applicant's own.
- In columns: `facts_columns(tables, on=...)` (one Polars table per kind) → one facts table;
  `score_records(folder, output, schedule, on=...)` scores a record export folder, file to
  file; `write_sample(folder, rows)` writes a synthetic one.
- The record kinds and every derivation are data: the bundled `records.toml`
  (`bundled_spec()`), or a file of your own (`load_spec(path)`, `extends = "points"` to
  change a few derivations of the bundled set). docs/records.md describes them.
"""

from __future__ import annotations

from typing import Any

from ._api import facts_from_records
from ._result import DerivedFact, RecordFacts, RecordReject
from ._score import with_records
from ._spec import RecordSpec, bundled_spec, load_spec, loads_spec

__all__ = [
    "ColumnFacts",
    "DerivedFact",
    "RecordFacts",
    "RecordReject",
    "RecordSpec",
    "RecordsSummary",
    "applicant_records",
    "bundled_spec",
    "derive_records",
    "facts_columns",
    "facts_from_records",
    "load_spec",
    "loads_spec",
    "read_folder",
    "sample_records",
    "score_records",
    "with_records",
    "write_sample",
]

#: names loaded on first use, so that records → facts for one applicant never imports Polars
_LAZY = {"ColumnFacts": "_columns", "facts_columns": "_columns",
         "RecordsSummary": "_files", "applicant_records": "_files",
         "derive_records": "_files", "read_folder": "_files",
         "score_records": "_files", "write_sample": "_files", "sample_records": "_sample"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
