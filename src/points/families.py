"""Factor families: typed definitions of the indicators the policies share.

The families are part of the schedule format (`points.schedule.families`, where the loader
expands them); this module is where users find them: `help(points.families.Housing)`.
"""

from __future__ import annotations

from .schedule import families as _families
from .schedule.families import *  # noqa: F403 - the same names, listed once, there

__all__: list[str] = []
__all__ += _families.__all__
