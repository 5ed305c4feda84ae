"""The exact integer rounding every pro-rata rule shares, worked by hand."""

from __future__ import annotations

import pytest

from points.schedule.kinds import round_div


@pytest.mark.parametrize(
    ("n", "d", "mode", "expected"),
    [
        # exact quotients stay exact in every mode, whatever the terms
        (-2, 2, "down", -1), (-2, 2, "up", -1), (4, 2, "up", 2), (4, 2, "down", 2),
        (6, 4, "half_up", 2),  # 6/4 = 1.5 → 2
        (-6, 4, "half_up", -2),  # −1.5 → −2 (halves away from zero)
        (6, 4, "half_even", 2), (10, 4, "half_even", 2),  # 1.5 → 2, 2.5 → 2
        (7, 3, "down", 2), (-7, 3, "down", -2),  # towards zero
        (7, 3, "up", 3), (-7, 3, "up", -3),  # away from zero
        (2000, 3, "half_up", 667),  # 20 × 1/3 points at precision 0.01 → 6.67
    ],
)
def test_round_div(n: int, d: int, mode: str, expected: int) -> None:
    assert round_div(n, d, mode) == expected
