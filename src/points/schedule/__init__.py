"""The schedule format: TOML files into validated `Schedule` objects.

`loader` reads and checks files (`load_schedule`, `schedule_for`, ...), `model` is the format
as pydantic models, `kinds` the rule kinds (one module each) and `families` the factor
families that expand into them. The names users need are re-exported by `points`.
"""

from ._facts import derived_info
from ._locate import key_lines
from ._problems import dotted, validation_error, where

#: what other TOML formats (records.toml) share to name file, line and key in their errors
__all__ = ["derived_info", "dotted", "key_lines", "validation_error", "where"]
