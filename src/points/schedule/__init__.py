"""The schedule format: TOML files into validated `Schedule` objects.

`loader` reads and checks files (`load_schedule`, `schedule_for`, ...), `model` is the format
as pydantic models, `kinds` the rule kinds (one module each) and `families` the factor
families that expand into them. The names users need are re-exported by `points`.
"""

__all__: list[str] = []
