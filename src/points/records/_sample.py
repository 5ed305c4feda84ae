"""A realistic synthetic record export, seeded: applicants plus one table per record kind.

Drawn with NumPy for any size, in chunks of applicants. The applicants are those of
`points.batch.sample_frame` (same seed, same ids) less the facts records give; their records
follow what a data office holds: a residence permit renewed every year (now and then late, so
the count restarts), jobs one after another (job changes mid-month, gaps between jobs), one
insurance record per type per job (not every type every time), back-payments that fill a
gap, insurance transferred in from another city, housing-fund deposits, leases one after
another, a home bought, certificates, a few penalties and bad credit records, volunteering,
blood donations, tax by year and awards; about 40 records an applicant in all. A few records
lie after the evaluation date (an export taken later), as in real exports. Nothing here is
real data.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import numpy as np
import polars as pl

from .._data import SAMPLE_ON
from ._spec import RecordSpec, bundled_spec

__all__ = ["CHUNK_APPLICANTS", "sample_records"]

#: Applicants drawn at a time.
CHUNK_APPLICANTS = 50_000

_EPOCH_MONTH = 1970 * 12
_INSURANCE = (("pension", 0.96), ("medical", 0.98), ("unemployment", 0.8),
              ("injury", 0.85), ("maternity", 0.75))
_EDUCATION = (("junior_high", 18), ("high_school", 30), ("associate", 24), ("bachelor", 4),
              ("bachelor_degree", 17), ("master", 6), ("doctorate", 1))


def _days(month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of (month index, day of month) pairs."""
    m = np.asarray(month - _EPOCH_MONTH, dtype="datetime64[M]")
    return np.asarray(m.astype("datetime64[D]").astype(np.int64) + day - 1)


def _dates(days: np.ndarray) -> pl.Series:
    out: pl.Series = pl.Series(days.astype(np.int32)).cast(pl.Date)
    return out


def _nullable(days: np.ndarray, keep: np.ndarray) -> pl.Series:
    """Dates where `keep`, else null (an open end)."""
    d = pl.Series("d", days.astype(np.int32)).cast(pl.Date)
    return pl.select(pl.when(pl.Series(keep)).then(d)).to_series()


def _pick(rng: np.random.Generator, table: tuple[tuple[str, int], ...], n: int) -> np.ndarray:
    w = np.array([x for _, x in table], dtype=float)
    return np.array([k for k, _ in table], dtype=object)[rng.choice(len(table), n,
                                                                    p=w / w.sum())]


def _ids(prefix: np.ndarray, kind: str, n: int) -> pl.Series:
    return pl.select(pl.lit(pl.Series(prefix)) + pl.lit(f"-{kind[:2].upper()}")
                     + pl.int_range(0, n).cast(pl.String)).to_series()


class _Chunk:
    """One chunk of applicants and the records drawn for them."""

    def __init__(self, applicants: pl.DataFrame, seed: int, first: int, on: date) -> None:
        self.rng = np.random.default_rng([seed, first, 10])
        self.on = on
        self.on_day = int(np.datetime64(on, "D").astype(np.int64))
        self.now = on.year * 12 + on.month - 1
        self.ids = applicants["applicant_id"].to_numpy().astype(object)
        self.n = len(self.ids)
        birth = applicants["birth_date"].cast(pl.Int32).to_numpy().astype(np.int64)
        self.birth = birth
        age_months = (self.on_day - birth) // 30
        lived = np.minimum(240, np.maximum(6, age_months - 18 * 12))
        self.arrival = self.now - self.rng.integers(6, lived + 1)  # month index
        self.employed = applicants["employed"].to_numpy()
        self.tables: dict[str, pl.DataFrame] = {}

    def _frame(self, kind: str, owner: np.ndarray, **cols: Any) -> None:
        aid = self.ids[owner]
        frame = pl.DataFrame({"applicant_id": pl.Series(aid, dtype=pl.String), **cols})
        frame = frame.with_columns(record_id=pl.col("applicant_id") + f"-{kind}-"
                                   + pl.int_range(0, pl.len()).over("applicant_id")
                                   .cast(pl.String))
        self.tables[kind] = frame.select("record_id", "applicant_id",
                                         *[c for c in frame.columns
                                           if c not in ("record_id", "applicant_id")])

    def permits(self) -> None:
        rng, n = self.rng, self.n
        first = self.arrival + rng.integers(0, 7, n)
        day = rng.integers(1, 29, n)
        k = np.minimum(21, (self.now - first) // 12 + 1 + (rng.random(n) < 0.05))
        owner = np.repeat(np.arange(n), k)
        j = np.arange(owner.size) - np.repeat(np.cumsum(k) - k, k)
        late = np.where((j > 0) & (rng.random(owner.size) < 0.06),
                        rng.integers(3, 61, owner.size), 0)
        # the days of late renewals add up within an applicant
        total = np.cumsum(late)
        before = np.concatenate([[0], total])[np.cumsum(k) - k]
        shift = total - np.repeat(before, k)
        start = _days(first[owner] + 12 * j, day[owner]) + shift
        end = _days(first[owner] + 12 * (j + 1), day[owner]) + shift - 1
        self._frame("permit", owner, start=_dates(start), end=_dates(end),
                    local=pl.Series(rng.random(owner.size) < 0.98))

    def jobs(self) -> None:
        rng, n = self.rng, self.n
        spells = 6
        # going back from now: the latest job is open when employed, else it ended
        end_m = np.where(self.employed, self.now, self.now - rng.integers(1, 13, n))
        rows: list[tuple[np.ndarray, ...]] = []
        open_end = self.employed.copy()
        end_day = np.where(open_end, 28, rng.integers(1, 29, n))
        for s in range(spells):
            length = rng.integers(3, 37, n)
            start_m = end_m - length
            start_day = rng.integers(1, 29, n)
            alive = start_m >= self.arrival
            start_m = np.maximum(start_m, self.arrival)
            keep = (end_m > self.arrival) & (end_m >= start_m)
            rows.append((np.arange(n)[keep], start_m[keep], start_day[keep], end_m[keep],
                         end_day[keep], (open_end & keep)[keep], np.full(keep.sum(), s)))
            gap = np.where(rng.random(n) < 0.55, 0, rng.integers(1, 7, n))
            # no gap: the next job starts the day after this one ended (a mid-month change)
            end_m = np.where(gap == 0, start_m, start_m - gap)
            end_day = np.where(gap == 0, start_day - 1, rng.integers(1, 29, n))
            end_m = np.where(end_day == 0, end_m - 1, end_m)
            end_day = np.where(end_day == 0, 28, end_day)
            open_end = np.zeros(n, dtype=bool)
            if not alive.any():
                break
        owner = np.concatenate([r[0] for r in rows])
        start = _days(np.concatenate([r[1] for r in rows]), np.concatenate([r[2] for r in rows]))
        end = _days(np.concatenate([r[3] for r in rows]), np.concatenate([r[4] for r in rows]))
        is_open = np.concatenate([r[5] for r in rows])
        job = np.concatenate([r[6] for r in rows])
        start = np.minimum(start, end)
        employer = pl.Series(self.ids[owner], dtype=pl.String) + "-E" + pl.Series(
            job).cast(pl.String)
        parts = []
        for t, p in _INSURANCE:
            take = rng.random(owner.size) < p
            parts.append(pl.DataFrame({
                "o": owner[take], "start": _dates(start[take]),
                "end": _nullable(end[take], ~is_open[take]), "type": t,
                "back_paid": False, "transferred_in": False,
                "employer": employer.filter(pl.Series(take))}))
        # back-payments: a pension payment for the months of a gap between two jobs
        gaps = pl.DataFrame({"o": owner, "s": start, "e": end}).sort("o", "s").with_columns(
            prev=pl.col("e").shift(1).over("o")).filter(
            pl.col("s") - pl.col("prev") > 31)
        gaps = gaps.filter(pl.Series(rng.random(gaps.height) < 0.3))
        parts.append(pl.DataFrame({
            "o": gaps["o"].to_numpy(), "start": (gaps["prev"] + 1).cast(pl.Date),
            "end": (gaps["s"] - 1).cast(pl.Date), "type": "pension", "back_paid": True,
            "transferred_in": False, "employer": None},
            schema_overrides={"employer": pl.String}))
        # insurance paid in another city before arriving, transferred in
        moved = np.flatnonzero(rng.random(n) < 0.06)
        before = self.arrival[moved] - rng.integers(12, 49, moved.size)
        parts.append(pl.DataFrame({
            "o": moved, "start": _dates(_days(before, np.ones(moved.size, np.int64))),
            "end": _dates(_days(self.arrival[moved], np.ones(moved.size, np.int64)) - 1),
            "type": "pension", "back_paid": False, "transferred_in": True,
            "employer": None}, schema_overrides={"employer": pl.String}))
        ins = pl.concat(parts, how="vertical_relaxed").sort("o", "start", maintain_order=True)
        o = ins["o"].to_numpy()
        self._frame("insurance", o, **{c: ins[c] for c in ins.columns if c != "o"})
        fund = rng.random(owner.size) < 0.45
        self._frame("housing_fund", owner[fund], start=_dates(start[fund]),
                    end=_nullable(end[fund], ~is_open[fund]),
                    employer=employer.filter(pl.Series(fund)))

    def housing(self) -> None:
        rng, n = self.rng, self.n
        owns = rng.random(n) < 0.18
        bought = self.arrival + ((self.now - self.arrival) * rng.random(n)).astype(np.int64)
        bought_day = _days(bought, rng.integers(1, 29, n))
        sold = owns & (rng.random(n) < 0.1)
        sold_day = bought_day + rng.integers(200, 900, n)
        idx = np.flatnonzero(owns)
        self._frame("home", idx, start=_dates(bought_day[idx]),
                    end=_nullable(sold_day[idx], sold[idx]),
                    property_id=pl.Series(self.ids[idx], dtype=pl.String) + "-H",
                    outer_district=pl.Series(rng.random(idx.size) < 0.2))
        # leases one after another from arrival, until the home was bought (or now)
        until = np.where(owns & ~sold, bought_day - 1, self.on_day + 200)
        k = rng.integers(1, 4, n)
        owner = np.repeat(np.arange(n), k)
        j = np.arange(owner.size) - np.repeat(np.cumsum(k) - k, k)
        first = _days(self.arrival, rng.integers(1, 29, n))
        span = (until - first) / k
        start = (first[owner] + j * span[owner]).astype(np.int64)
        end = (first[owner] + (j + 1) * span[owner]).astype(np.int64) - 1
        keep = end >= start
        last = j == k[owner] - 1
        self._frame("rental", owner[keep], start=_dates(start[keep]),
                    end=_nullable(end[keep], ~(last & ~owns[owner])[keep]),
                    type=pl.Series(np.where(rng.random(keep.sum()) < 0.2, "dormitory",
                                            "rental")))

    def events(self) -> None:
        rng, n, today = self.rng, self.n, self.on_day
        edu = _pick(rng, _EDUCATION, n)
        grad = self.birth + rng.integers(18 * 365, 25 * 365, n)
        kinds, levels, when, owners = ["education"] * n, list(edu), [grad], [np.arange(n)]
        grades: tuple[tuple[str, float, tuple[str, ...]], ...] = (
            ("title", 0.2, ("junior", "intermediate", "senior")),
            ("skill", 0.3, ("level5", "level4", "level3", "level2")))
        for t, p, names in grades:
            idx = np.flatnonzero(rng.random(n) < p)
            kinds += [t] * idx.size
            levels += list(np.array(names, dtype=object)[rng.integers(0, len(names),
                                                                      idx.size)])
            when.append(today - rng.integers(30, 3650, idx.size))
            owners.append(idx)
        o = np.concatenate(owners)
        self._frame("certificate", o, date=_dates(np.concatenate(when)),
                    type=pl.Series(kinds, dtype=pl.String),
                    level=pl.Series(levels, dtype=pl.String))

        def sprinkle(p: float, most: int, days_back: int, ahead: int = 0) -> tuple[
                np.ndarray, np.ndarray]:
            k = np.where(rng.random(n) < p, rng.integers(1, most + 1, n), 0)
            owner = np.repeat(np.arange(n), k)
            return owner, today - rng.integers(-ahead, days_back, owner.size)

        parts = []
        for t, p in (("public_security", 0.015), ("detention", 0.003), ("criminal", 0.005),
                     ("tax_evasion", 0.003), ("drug", 0.002), ("false_material", 0.002)):
            owner, day = sprinkle(p, 1, 3650)
            parts.append((owner, day, [t] * owner.size))
        o = np.concatenate([x[0] for x in parts])
        self._frame("penalty", o, date=_dates(np.concatenate([x[1] for x in parts])),
                    type=pl.Series([t for x in parts for t in x[2]], dtype=pl.String))
        owner, day = sprinkle(0.05, 2, 2555)
        self._frame("credit", owner, date=_dates(day),
                    days_overdue=pl.Series(rng.integers(1, 200, owner.size)))
        owner, day = sprinkle(0.3, 10, 2190, ahead=60)
        self._frame("volunteering", owner, date=_dates(day),
                    hours=pl.Series(rng.integers(2, 41, owner.size)))
        owner, day = sprinkle(0.12, 6, 2555)
        self._frame("blood_donation", owner, date=_dates(day),
                    millilitres=pl.Series(rng.choice([200, 300, 400], owner.size)))
        payer = np.flatnonzero(self.employed & (rng.random(n) < 0.85))
        k = np.full(payer.size, 6)
        owner = np.repeat(payer, k)
        year = self.on.year - 5 + (np.arange(owner.size) - np.repeat(np.cumsum(k) - k, k))
        cents = rng.integers(0, 3_000_000, owner.size)
        biz = np.flatnonzero(rng.random(n) < 0.02)
        self._frame("tax", np.concatenate([owner, biz]),
                    year=pl.Series(np.concatenate([year, np.full(biz.size,
                                                                 self.on.year - 1)])),
                    type=pl.Series(["income"] * owner.size + ["business"] * biz.size,
                                   dtype=pl.String),
                    amount=pl.Series(np.concatenate([cents, rng.integers(0, 10**8,
                                                                         biz.size)]))
                    .cast(pl.Decimal(18, 0)).cast(pl.Decimal(18, 2)) / 100)
        owner, day = sprinkle(0.03, 2, 3650)
        award = np.array(["优秀来穗人员", "劳动模范", "优秀志愿者", "技术能手"], dtype=object)
        lv = np.array(["municipal", "district", "provincial", "merit_third_class"],
                      dtype=object)
        pick = rng.integers(0, 4, owner.size)
        self._frame("award", owner, date=_dates(day),
                    level=pl.Series(lv[pick], dtype=pl.String),
                    name=pl.Series(award[pick], dtype=pl.String))


def sample_records(rows: int, *, seed: int = 0, on: date = SAMPLE_ON,
                   chunk: int = CHUNK_APPLICANTS, spec: RecordSpec | None = None,
                   ) -> Iterator[tuple[pl.DataFrame, dict[str, pl.DataFrame]]]:
    """`rows` synthetic applicants and their records, in chunks of `chunk` applicants:
    (applicants table, {kind: records table}). The same arguments give the same export."""
    from ..batch import sample_frame

    derived = set((spec or bundled_spec()).facts)
    for first in range(0, max(rows, 1), chunk):
        n = min(chunk, rows - first) if rows else 0
        applicants = sample_frame(n, seed=seed, on=on, first=first)
        part = _Chunk(applicants, seed, first, on)
        if n:
            part.permits()
            part.jobs()
            part.housing()
            part.events()
        kept = applicants.drop([c for c in applicants.columns if c in derived])
        kinds = (spec or bundled_spec()).kinds
        tables = {k: part.tables.get(k, _empty(k, spec)) for k in kinds}
        yield kept, tables


def _empty(kind: str, spec: RecordSpec | None) -> pl.DataFrame:
    k = (spec or bundled_spec()).kinds[kind]
    cols = ["record_id", "applicant_id", *{"interval": ["start", "end"], "event": ["date"],
                                           "yearly": ["year"]}[k.shape], *k.fields]
    return pl.DataFrame(schema=dict.fromkeys(cols, pl.String))
