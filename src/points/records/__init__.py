"""Records → facts: an applicant's dated records give the facts a schedule reads, on any date.

- `facts_from_records(records, on=...)`: one applicant's records (a list of mappings with a
  `kind`, or a mapping kind → list) → `RecordFacts` with `.facts` and, per fact, `.why` (the
  records used and the rule, in English and Chinese).
- `points.score(applicant, schedule, records=..., on=...)` scores with those facts merged over
  the applicant's own.
- The record kinds and every derivation are data: the bundled `records.toml`
  (`bundled_spec()`), or a file of your own (`load_spec(path)`, `extends = "points"` to
  change a few derivations of the bundled set). docs/records.md describes them.
"""

from __future__ import annotations

from ._api import facts_from_records
from ._result import DerivedFact, RecordFacts, RecordReject
from ._score import with_records
from ._spec import RecordSpec, bundled_spec, load_spec, loads_spec

__all__ = [
    "DerivedFact",
    "RecordFacts",
    "RecordReject",
    "RecordSpec",
    "bundled_spec",
    "facts_from_records",
    "load_spec",
    "loads_spec",
    "with_records",
]
