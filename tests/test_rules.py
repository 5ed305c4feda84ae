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


MODES = {"down": "ROUND_DOWN", "up": "ROUND_UP", "half_up": "ROUND_HALF_UP",
         "half_even": "ROUND_HALF_EVEN"}
GRID = [(n, d) for n in range(-30, 31) for d in range(1, 9)]


def _decimal_rounding(n: int, d: int, mode: str) -> int:
    """The reference: the decimal module's rounding of the exact quotient n / d."""
    from decimal import Decimal, localcontext

    with localcontext() as ctx:
        ctx.prec = 50
        return int((Decimal(n) / Decimal(d)).quantize(Decimal(1), rounding=MODES[mode]))


@pytest.mark.parametrize("mode", sorted(MODES))
def test_round_div_matches_decimal_rounding_on_a_grid(mode: str) -> None:
    # every n in −30..30 and d in 1..8: exact quotients, halves, thirds, both signs
    assert [round_div(n, d, mode) for n, d in GRID] == \
        [_decimal_rounding(n, d, mode) for n, d in GRID]


@pytest.mark.parametrize("mode", sorted(MODES))
def test_round_div_column_is_round_div(mode: str) -> None:
    import polars as pl

    from points.schedule.kinds._base import round_div_column

    frame = pl.DataFrame({"n": [n for n, _ in GRID], "d": [d for _, d in GRID]})
    by_column = frame.select(round_div_column(pl.col("n"), pl.col("d"), mode).alias("q"))
    assert by_column["q"].to_list() == [round_div(n, d, mode) for n, d in GRID]
    for d in (1, 2, 3):  # a constant denominator, as a pro-rata rule passes it
        ns = list(range(-30, 31))
        q = pl.DataFrame({"n": ns}).select(round_div_column(pl.col("n"), d, mode).alias("q"))
        assert q["q"].to_list() == [round_div(n, d, mode) for n in ns]
