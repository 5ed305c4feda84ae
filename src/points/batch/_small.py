"""Small tables scored row by row: the per-record engine's generated function behind
`score_frame`, for frames of at most `SMALL_ROWS` rows whose every cell is plainly valid.

The column engine has a fixed cost of several milliseconds per call (hundreds of Polars
expressions planned and run), which a table of a hundred rows never earns back. Here each
input column's cells are read in Python and checked the conservative way: a cell counts only
when it is a value the batch's own validation takes as it is (a whole number within the
fact's bounds, a flag, a level by id or Chinese name, a decimal with no more places than the
fact allows, a share "a/b", a date not after the evaluation date, a text id) — anything else
(a text number, a float, a null in a required column, a row whose age and birth date
disagree, facts a consistency check finds contradicting, a branch matched twice or by none
where one must be, `applied_at`, a type not listed) hands the whole table to
the column path, which rejects and explains. So rejects are always the column path's; the
scored rows are the per-record engine's (the same compiled form, held equal to the column
engine by the equivalence tests), laid out in exactly the columns and dtypes the column
path gives (its schema, taken once per input schema from an empty table).
"""

from __future__ import annotations

import operator
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs
import polars as pl

from ..compiled import CompiledSchedule, compile_schedule
from ..engines import RecordPlan, generate_record, tier_lookup
from ..errors import ApplicantError
from ..facts import FactInfo, vocabulary
from ..schedule.model import Schedule

__all__ = ["SMALL_ROWS", "small_plan"]

#: tables of at most this many rows are scored row by row (when every cell is plain)
SMALL_ROWS = 500

_NO: Any = object()
#: the columns the generated `sure` gives: worked out only when one is asked for
_SURE = frozenset({"provisional", "outcome_sure", "rank_key_low", "rank_key_high",
                   "rank_pool_sure"})
_INT_TEXT = re.compile(r"0|[1-9][0-9]{0,8}")
_SHARE = re.compile(r"([0-9]{1,9})(?:/([0-9]{1,9}))?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: an input column → its values (None for an empty cell), or None: not plainly valid
Column = Callable[[pl.Series], "list[Any] | None"]


def _each(check: Callable[[Any], Any]) -> Column:
    """A column read cell by cell: `check` gives the value or `_NO`."""
    def column(series: pl.Series) -> list[Any] | None:
        out = [None if v is None else check(v) for v in series.to_list()]
        return None if any(v is _NO for v in out) else out
    return column


def _bounded(lo: Any, hi: Any) -> Column:
    """A typed column within bounds, read as it is (Polars checks the bounds)."""
    def column(series: pl.Series) -> list[Any] | None:
        values = series.to_list()
        present = [v for v in values if v is not None] if series.null_count() else values
        if present and (min(present) < lo or max(present) > hi):
            return None
        return values
    return column


def _int_cell(info: FactInfo, dtype: pl.DataType) -> Column | None:
    lo, hi = int(info.minimum or 0), int(info.maximum or 0)
    if dtype.is_integer():
        return _bounded(lo, hi)
    if dtype == pl.String:
        def text(v: str) -> Any:
            if not _INT_TEXT.fullmatch(v):
                return _NO
            n = int(v)
            return n if lo <= n <= hi else _NO
        return _each(text)
    return None


def _bool_cell(info: FactInfo, dtype: pl.DataType) -> Column | None:
    if dtype == pl.Boolean:
        return lambda series: series.to_list()
    if dtype == pl.String:
        words = {"true": True, "false": False}
        return _each(lambda v: words.get(v, _NO))
    return None


def _level_cell(info: FactInfo, dtype: pl.DataType) -> Column | None:
    if dtype != pl.String:
        return None
    levels = frozenset(info.levels)
    aliases = {k: v for k, v in info.aliases.items() if v in levels}

    def column(series: pl.Series) -> list[Any] | None:
        values = series.to_list()
        seen = set(values)
        seen.discard(None)
        if seen <= levels:
            return values
        if not seen <= levels | aliases.keys():
            return None
        return [v if v is None or v in levels else aliases[v] for v in values]
    return column


def _decimal_cell(info: FactInfo, dtype: pl.DataType) -> Column | None:
    places = info.places
    lo, hi = Decimal(info.minimum or 0), Decimal(info.maximum or 0)
    text = re.compile(rf"[0-9]{{1,13}}(?:\.[0-9]{{1,{places}}})?" if places else "[0-9]{1,13}")
    step = Decimal(1).scaleb(-places)

    def bounded(d: Decimal) -> Any:
        return d if lo <= d <= hi else _NO

    if dtype.is_decimal():
        if (getattr(dtype, "scale", 0) or 0) <= places:
            return _bounded(lo, hi)
        return _each(lambda v: bounded(v) if v == v.quantize(step) else _NO)
    if dtype.is_integer():
        return _each(lambda v: bounded(Decimal(v)))
    if dtype == pl.String:
        return _each(lambda v: bounded(Decimal(v)) if text.fullmatch(v) else _NO)
    return None


def _fraction_cell(info: FactInfo, dtype: pl.DataType) -> Column | None:
    hi = int(info.maximum or 0)
    if dtype.is_integer():
        return _each(lambda v: Fraction(v) if 0 <= v <= hi else _NO)
    if dtype != pl.String:
        return None

    def share(v: str) -> Any:
        m = _SHARE.fullmatch(v)
        if m is None:
            return _NO
        top, bottom = m.groups()
        num, den = int(top), 1 if bottom is None else int(bottom)
        if den == 0 or num > den * hi:
            return _NO
        return Fraction(num, den)
    return _each(share)


def _date_cell(on: date, dtype: pl.DataType) -> Column | None:
    if dtype == pl.Date:
        return _bounded(date.min, on)
    if dtype == pl.String:
        def text(v: str) -> Any:
            if not _DATE.fullmatch(v):
                return _NO
            try:
                d = date.fromisoformat(v)
            except ValueError:
                return _NO
            return d if d <= on else _NO
        return _each(text)
    return None


def _id_cell(dtype: pl.DataType) -> Column | None:
    if dtype == pl.String:
        return _each(lambda v: v if len(v) <= 200 else _NO)
    if dtype.is_integer():
        return _each(str)
    return None


_CELLS = {"int": _int_cell, "bool": _bool_cell, "level": _level_cell,
          "decimal": _decimal_cell, "fraction": _fraction_cell}


def _cell(name: str, dtype: pl.DataType, on: date) -> Column | None:
    if name == "applicant_id":
        return _id_cell(dtype)
    if name == "birth_date":
        return _date_cell(on, dtype)
    info = vocabulary().get(name)
    if info is None or info.kind not in _CELLS:
        return None
    return _CELLS[info.kind](info, dtype)


def _unsure(facts: Any, ticks: Any, total: int) -> tuple[bool, bool, int, int, bool]:
    """Stands for `sure` when none of its columns is asked for (never shown)."""
    return False, True, 0, 0, True


def _full_years(birth: date, day: date) -> int:
    return day.year - birth.year - ((birth.month, birth.day) > (day.month, day.day))


@attrs.frozen(eq=False)
class SmallPlan:
    """How to score one input schema row by row (None where the column path must)."""

    c: CompiledSchedule
    rp: RecordPlan
    on: date
    names: tuple[str, ...]  # the input columns read, in order
    cells: tuple[Column, ...]
    required: frozenset[str]
    base: dict[str, Any]  # every fact at its default
    schema: pl.Schema  # the column path's scored columns
    tier_lists: pl.Series
    service_lists: pl.Series
    ties: tuple[tuple[str, str], ...]  # (column, fact) of the tie-break facts
    age_max: int
    in_force: bool
    reads_begun: bool
    score_index: dict[str, int]  # points column → its place in the generated ticks
    gate_index: dict[str, int]  # gate column → its place in the generated passes
    #: the consistency checks that may apply: (places in `names` of the facts it reads,
    #: their names, the places of its `unless_given` facts, its test)
    checks: tuple[tuple[tuple[int, ...], tuple[str, ...], tuple[int, ...],
                        Callable[[Any], Any]], ...] = ()

    def score(self, frame: pl.DataFrame, row_offset: int,
              wanted: frozenset[str] | None) -> pl.DataFrame | None:
        """The scored rows, or None: some cell is not plain, hand the table over."""
        cols = []
        raw = []  # the cells read, None where empty: whether a check applies
        for name, cell in zip(self.names, self.cells, strict=True):
            col = cell(frame.get_column(name))
            if col is None:
                return None
            raw.append(col)
            if None in col:  # an empty cell: the default, unless the fact is required
                if name in self.required:
                    return None
                default = self.base[name]
                col = [default if v is None else v for v in col]
            cols.append(col)
        names, base = self.names, self.base
        run, sure = self.rp.run, self.rp.sure
        on, age_max = self.on, self.age_max
        eve = on - timedelta(days=1)
        if wanted is not None and _SURE.isdisjoint(wanted):  # unasked: not worked out
            sure = _unsure
        ages: dict[date, tuple[int, int]] = {}  # birth date → (full years, years begun)
        results = []
        ids: list[Any] = []
        ties: list[list[Any]] = [[] for _ in self.ties]
        # the consistency checks, on each distinct combination of the facts they read in rows
        # giving them all and none of `unless_given`: a contradiction, and the column path
        # rejects the row
        for needs, read, unless, test in self.checks:
            rows: Iterable[tuple[Any, ...]] = zip(*[raw[j] for j in needs], strict=True)
            if unless:
                rows = (r for r, *u in zip(rows, *[raw[j] for j in unless], strict=True)
                        if all(x is None for x in u))
            for key in set(rows):
                if None not in key and test(dict(zip(read, key, strict=True))):
                    return None
        for values in zip(*cols, strict=True):
            facts = base.copy()
            facts.update(zip(names, values, strict=True))
            birth, age, begun = facts["birth_date"], facts["age"], facts["age_years_begun"]
            if birth is not None:
                known = ages.get(birth)
                if known is None:
                    years = _full_years(birth, on)
                    known = ages[birth] = (years, years + (years == _full_years(birth, eve))
                                           if on != birth else years)
                years, later = known
                if years > age_max or (age is not None and age != years):
                    return None
                if begun is not None and begun != later:
                    return None
                facts["age"], begun = years, later
            elif age is None:
                return None
            if self.reads_begun or begun is not None:
                facts["age_years_begun"] = begun if begun is not None else facts["age"]
            try:
                out = run(facts)
            except ApplicantError:  # a branch broken: the column path rejects the row
                return None
            results.append((*out, *sure(facts, out[4], out[0])))
            ids.append(facts["applicant_id"])
            for i, (_, fact) in enumerate(self.ties):
                ties[i].append(facts[fact])
        return self._frame(results, ids, ties, row_offset, frame.height, wanted)

    def _frame(self, results: list[tuple[Any, ...]], ids: list[Any], ties: list[list[Any]],
               row_offset: int, n: int, wanted: frozenset[str] | None) -> pl.DataFrame:
        """The scored rows in the column path's columns and types (one row-wise build, then
        the tier lists looked up by mask)."""
        rp, c = self.rp, self.c
        names = [k for k in self.schema if wanted is None or k in wanted]
        scalar = [k for k in names if k not in ("tiers", "services")]
        # each row flat: row, id, tier, constants, tie facts, the generated results
        ties_at = len(_FLAT_HEAD)
        at = dict(zip(_FLAT_HEAD, range(ties_at), strict=True))
        at.update({col: ties_at + i for i, (col, _) in enumerate(self.ties)})
        base = ties_at + len(self.ties)
        at.update({k: base + i for i, k in enumerate(_FLAT_RESULTS)})
        base += len(_FLAT_RESULTS)
        at.update({k: base + j for k, j in self.score_index.items()})
        base += len(rp.score_ids)
        at.update({k: base + j for k, j in self.gate_index.items()})
        pick = operator.itemgetter(*[at[k] for k in scalar])
        last = [ids[-1] if ids else None for ids in (t for t, _, _ in rp.tiers)]
        fixed = (c.id, c.hash, rp.purpose, self.in_force)
        fraction = [c.vocab[fact].kind == "fraction" for _, fact in self.ties]
        tie_rows = list(zip(*ties, strict=True)) if ties else [()] * n
        rows = []
        for i, (r, tie) in enumerate(zip(results, tie_rows, strict=True)):
            if any(fraction):  # a share as a float, as the column path gives it
                tie = tuple(float(v) if f and v is not None else v
                            for v, f in zip(tie, fraction, strict=True))
            rows.append(pick((row_offset + i, ids[i], last[r[3]], *fixed, *tie, r[0], r[2],
                              r[7], r[8], r[9], r[10], r[11], *r[4], *r[5])))
        frame = pl.DataFrame(rows, schema={k: self.schema[k] for k in scalar}, orient="row")
        if len(scalar) < len(names):
            masks = pl.Series([r[3] for r in results], dtype=pl.UInt32)
            for k in ("tiers", "services"):
                if k in names:
                    lookup = self.tier_lists if k == "tiers" else self.service_lists
                    frame.insert_column(names.index(k), lookup.gather(masks).alias(k))
        return frame


#: the first values of a flat row, then the tie-break facts, then `_FLAT_RESULTS`, then the
#: ticks and the gates
_FLAT_HEAD = ("row", "applicant_id", "tier", "schedule_id", "schedule_hash", "purpose",
              "in_force")
_FLAT_RESULTS = ("total", "eligible", "provisional", "outcome_sure", "rank_key_low",
                 "rank_key_high", "rank_pool_sure")


_PLANS: OrderedDict[tuple[Any, ...], SmallPlan | None] = OrderedDict()


def small_plan(schedule: Schedule, purpose: str | None, on: date, schema: pl.Schema,
               columns: Callable[[], pl.Schema]) -> SmallPlan | None:
    """The row-by-row plan of an input schema (cached), or None when a column's type is
    not one the small path reads. `columns` gives the column path's scored schema."""
    key = (id(schedule), schedule.content_hash, purpose, on, tuple(schema.items()))
    if key in _PLANS:
        plan = _PLANS[key]
        if plan is None or plan.c.schedule is schedule:
            return plan
    c = compile_schedule(schedule)
    plan = None
    if "applied_at" not in schema:
        with c.scope():
            plan = _make(c, purpose, on, schema, columns)
    _PLANS[key] = plan
    while len(_PLANS) > 64:
        _PLANS.popitem(last=False)
    return plan


def _make(c: CompiledSchedule, purpose: str | None, on: date, schema: pl.Schema,
          columns: Callable[[], pl.Schema]) -> SmallPlan | None:
    vocab = vocabulary()
    names, cells = [], []
    for name, dtype in schema.items():
        if name not in vocab and name not in ("applicant_id", "birth_date"):
            continue  # an ignored column (extra="ignore")
        cell = _cell(name, dtype, on)
        if cell is None:
            return None
        names.append(name)
        cells.append(cell)
    base: dict[str, Any] = {n: attrs.evolve(i, required=False).default for n, i in vocab.items()
                            if i.expr is None}
    base.update(applicant_id=None, birth_date=None, age=None, age_years_begun=None)
    rp = generate_record(c, purpose)
    node = c.purpose(purpose)
    tier_lists, service_lists = tier_lookup([t for t, _ in node.tiers])
    groups = {g.id for g in c.groups}
    at = {n: j for j, n in enumerate(names)}
    checks = tuple((tuple(at[n] for n in sorted(ch.needs)), tuple(sorted(ch.needs)),
                    tuple(at[n] for n in sorted(ch.unless) if n in at), ch.test)
                   for ch in c.schedule.applicant_model().checks if ch.needs <= at.keys())
    out = columns()
    ties = tuple((col, col.removeprefix("fact.")) for col in out if col.startswith("fact."))
    return SmallPlan(
        c=c, rp=rp, on=on, names=tuple(names), cells=tuple(cells),
        required=frozenset(n for n, i in vocab.items() if i.required), base=base,
        schema=out, tier_lists=tier_lists, service_lists=service_lists, ties=ties,
        age_max=int(vocab["age"].maximum or 0), in_force=c.in_force(on),
        reads_begun="age_years_begun" in c.facts,
        score_index={f"group.{sid}" if sid in groups else sid: j
                     for j, sid in enumerate(rp.score_ids)},
        gate_index={f"gate.{gid}": j for j, gid in enumerate(rp.gate_ids)}, checks=checks)
