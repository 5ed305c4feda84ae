"""Batch scoring: tables and files of applicants, scored in columns, nothing lost.

- `score_frame(data, schedule, on=)`: a Polars or pandas table in, a `BatchResult` out
  (scored rows and rejects with row, field, value, reason); `unread_columns`: the columns
  its `columns="read"` skips.
- `score_file` / `rank_file`: files (CSV, Parquet, JSON Lines, Excel) in, scored or ranked
  file, rejects and summary out, committed together or not at all; `read_table` /
  `write_table` for the same formats.
- `rank(scored, schedule, quota=)`: ranking under the quota with the schedule's tie-breaks.
- `sample_frame` / `sample_frames` / `sample_applicants`: seeded synthetic applicants.
"""

from __future__ import annotations

from ._formats import (
    DEFAULT_CHUNK_ROWS,
    FORMATS,
    REJECT_COLUMNS,
    BatchSummary,
    Format,
    ProgressHook,
    format_of,
)
from ._rank_sure import COLUMNS as RANK_SURE_COLUMNS
from ._ranking import RankResult, rank
from ._run import rank_file, read_table, score_file
from ._sample import sample_applicants, sample_frame, sample_frames
from ._score import BATCH_COLUMNS, BatchResult, score_frame, unread_columns
from ._write import neutralise_formulas, write_table

__all__ = [
    "BATCH_COLUMNS",
    "DEFAULT_CHUNK_ROWS",
    "FORMATS",
    "RANK_SURE_COLUMNS",
    "REJECT_COLUMNS",
    "BatchResult",
    "BatchSummary",
    "Format",
    "ProgressHook",
    "RankResult",
    "format_of",
    "neutralise_formulas",
    "rank",
    "rank_file",
    "read_table",
    "sample_applicants",
    "sample_frame",
    "sample_frames",
    "score_file",
    "score_frame",
    "unread_columns",
    "write_table",
]
