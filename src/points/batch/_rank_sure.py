"""Whether a ranking's admissions rest on provisional values (`rank_sure`, `RankResult.sure`).

`points.batch.score_frame` gives, for a schedule with a `[ranking]`, each applicant's ranking
key with every provisional value at its lowest and at its highest (`rank_key_low`,
`rank_key_high`, ticks) and whether passing the ranking's gates is sure (`rank_pool_sure`),
see `points.engines._sure`. An applicant's admission is *sure* when their place in the pool is
sure and either

- even at their lowest key, fewer than `quota` others could rank ahead of them (every
  applicant who may be in the pool with a highest key at least their lowest counts, a tie
  counting as ahead), or
- even at their highest key, at least `quota` applicants surely in the pool surely rank ahead
  of them (a lowest key above their highest).

Two applicants whose keys and places cannot move keep the order the ranking gave them (under a
lottery only when nobody's key or place can move, since the draw depends on the whole pool).
The bound is conservative: "not sure" means the provisional values could change the admission
as far as these intervals tell. `RankResult.sure` is true when every ranked applicant's
admission is sure and no applicant outside the pool could enter it and be admitted.
"""

from __future__ import annotations

import numpy as np
import polars as pl

__all__ = ["COLUMNS", "rank_sureness"]

COLUMNS = ("rank_key_low", "rank_key_high", "rank_pool_sure")


def rank_sureness(scored: pl.DataFrame, pool: pl.DataFrame, quota: int | None,
                  lottery: bool, tie_scores: bool) -> tuple[pl.DataFrame, bool | None]:
    """`pool` (ranked, with `rank` and `admitted`) with a `rank_sure` column, and whether the
    whole admitted set is sure; unchanged and None when `scored` lacks the columns.

    `tie_scores`: the ranking breaks ties on scores (which provisional values may move).
    """
    if any(c not in scored.columns for c in COLUMNS) or "row" not in scored.columns:
        return pool, None
    in_pool = np.zeros(scored.height, dtype=bool)
    position = {r: i for i, r in enumerate(scored["row"].to_list())}
    pool_idx = np.array([position[r] for r in pool["row"].to_list()], dtype=np.int64)
    in_pool[pool_idx] = True
    lo = scored["rank_key_low"].cast(pl.Int64).to_numpy()
    hi = scored["rank_key_high"].cast(pl.Int64).to_numpy()
    pool_sure = scored["rank_pool_sure"].to_numpy().astype(bool)
    may_in = in_pool | ~pool_sure
    sure_in = in_pool & pool_sure
    moves = lo != hi
    if tie_scores and "provisional" in scored.columns:
        moves |= scored["provisional"].to_numpy().astype(bool)
    fixed = sure_in & ~moves
    if lottery and not bool(np.all(pool_sure & ~moves)):
        fixed = np.zeros_like(fixed)

    rank_of = np.zeros(scored.height, dtype=np.int64)
    rank_of[pool_idx] = pool["rank"].to_numpy()
    fixed_ranks = np.sort(rank_of[fixed])
    loose_may_hi = np.sort(hi[may_in & ~fixed])  # may be in the pool, not fixed
    all_may_hi = np.sort(hi[may_in])
    loose_sure_lo = np.sort(lo[sure_in & ~fixed])
    all_sure_lo = np.sort(lo[sure_in])

    def at_least(sorted_: np.ndarray, x: np.ndarray) -> np.ndarray:
        return len(sorted_) - np.searchsorted(sorted_, x, side="left")

    def above(sorted_: np.ndarray, x: np.ndarray) -> np.ndarray:
        return len(sorted_) - np.searchsorted(sorted_, x, side="right")

    # others that could rank ahead (worst case) / surely rank ahead (best case)
    ahead_fixed = np.searchsorted(fixed_ranks, rank_of, side="left")
    worst = np.where(fixed, at_least(loose_may_hi, lo) + ahead_fixed,
                     at_least(all_may_hi, lo) - may_in.astype(np.int64))
    best = np.where(fixed, above(loose_sure_lo, hi) + ahead_fixed, above(all_sure_lo, hi))

    if quota is None:
        sure_row = pool_sure
        outside_ok = bool(np.all(pool_sure[~in_pool]))
    else:
        surely_in = 1 + worst <= quota
        surely_out = 1 + best > quota
        admitted = np.zeros(scored.height, dtype=bool)
        admitted[pool_idx] = pool["admitted"].to_numpy()
        sure_row = pool_sure & np.where(admitted, surely_in, surely_out)
        outside = ~in_pool & ~pool_sure
        outside_ok = bool(np.all(surely_out[outside]))
    ranked = pool.with_columns(pl.Series("rank_sure", sure_row[pool_idx], dtype=pl.Boolean))
    return ranked, bool(np.all(sure_row[pool_idx])) and outside_ok
