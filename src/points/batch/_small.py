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

import itertools
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
        values = series.to_list()
        seen = {v: check(v) for v in set(values) if v is not None}  # each value once
        if _NO in seen.values():
            return None
        seen[None] = None
        return [seen[v] for v in values]
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


#: stands for `sure`'s result when none of its columns is asked for (never shown)
_UNSURE = (False, True, 0, 0, True)


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
    keep: tuple[int, ...]  # the places in `names` of the facts the scoring reads
    required: frozenset[str]
    base: dict[str, Any]  # every fact the scoring reads at its default
    schema: pl.Schema  # the column path's scored columns
    #: column → its values per mask of unlocked tiers (tier, tiers, services) or its one
    #: value (schedule_id, schedule_hash, purpose), in the column path's enum types
    enums: dict[str, pl.Series]
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
    _layouts: dict[frozenset[str] | None, _Layout] = attrs.field(factory=dict)

    def score(self, frame: pl.DataFrame, row_offset: int,
              wanted: frozenset[str] | None) -> pl.DataFrame | None:
        """The scored rows, or None: some cell is not plain, hand the table over."""
        cols = []
        raw = []  # the cells read, None where empty: whether a check applies
        for name, cell in zip(self.names, self.cells, strict=True):
            series = frame.get_column(name)
            col = cell(series)
            if col is None:
                return None
            raw.append(col)
            if series.null_count():  # an empty cell: the default, unless the fact is required
                if name in self.required:
                    return None
                if name in self.base:  # a column the scoring does not read stays as it is
                    default = self.base[name]
                    col = [default if v is None else v for v in col]
            cols.append(col)
        names, base = self.names, self.base
        run = self.rp.run
        sure: Callable[..., tuple[Any, ...]] | None = self.rp.sure
        on, age_max = self.on, self.age_max
        eve = on - timedelta(days=1)
        if wanted is not None and _SURE.isdisjoint(wanted):  # unasked: not worked out
            sure = None
        ages: dict[date, tuple[int, int]] = {}  # birth date → (full years, years begun)
        results = []
        sures: list[tuple[Any, ...]] = []
        seen: list[dict[str, Any]] = []  # the facts of each row
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
        names = tuple(names[j] for j in self.keep)
        for values in (zip(*[cols[j] for j in self.keep], strict=True) if self.keep
                       else [()] * frame.height):
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
            results.append(out)
            if sure is not None:
                sures.append(sure(facts, out[4], out[0]))
            seen.append(facts)
        if sure is None:
            sures = [_UNSURE] * len(seen)
        ids = [f["applicant_id"] for f in seen]
        ties = [[f[fact] for f in seen] for _, fact in self.ties]
        return self._frame(results, sures, ids, ties, row_offset, frame.height, wanted)

    def _frame(self, results: list[tuple[Any, ...]], sures: list[tuple[Any, ...]],
               ids: list[Any], ties: list[list[Any]],
               row_offset: int, n: int, wanted: frozenset[str] | None) -> pl.DataFrame:
        """The scored rows in the column path's columns and types: the integer columns cut
        from one long Series (a Series per column costs more than its values), then the
        flags the same way, the rest one by one; the enum columns (tier, tiers, services,
        the constants) looked up or repeated from Series made once per plan, never cast."""
        lay = self._layouts.get(wanted)
        if lay is None:
            lay = self._layouts[wanted] = _layout(self, wanted)
        # every column of values, by name (transposed in C, not row by row)
        source: dict[str, Any] = {"row": range(row_offset, row_offset + n),
                                  "applicant_id": ids, "in_force": [self.in_force] * n}
        for i, (col, _) in enumerate(self.ties):  # a share as a float, as the column path
            source[col] = ([None if v is None else float(v) for v in ties[i]]
                           if lay.fraction[i] else ties[i])
        source.update(zip(_FLAT_RESULTS, zip(*[
            (r[0], r[2], *u) for r, u in zip(results, sures, strict=True)], strict=True),
            strict=True))
        ticks = list(zip(*[r[4] for r in results], strict=True))
        source.update({k: ticks[j] for k, j in self.score_index.items()})
        gates = list(zip(*[r[5] for r in results], strict=True))
        source.update({k: gates[j] for k, j in self.gate_index.items()})
        cols = [source[k] for k in lay.scalar]
        built: dict[str, pl.Series] = {}
        for picked, wide in ((lay.ints, pl.Int64()), (lay.flags, pl.Boolean())):
            if not picked:
                continue
            flat = pl.Series(list(itertools.chain.from_iterable(cols[j] for j, _, _ in picked)),
                             dtype=wide)
            for i, (_, name, dtype) in enumerate(picked):
                part = flat.slice(i * n, n)
                built[name] = (part if dtype is None else part.cast(dtype)).alias(name)
        for j, name, other in lay.others:
            built[name] = pl.Series(name, cols[j], dtype=other)
        masks = pl.Series([r[3] for r in results], dtype=pl.UInt32) if lay.by_mask else None
        columns = []
        for k in lay.names:
            enum = self.enums.get(k)
            if enum is None:
                columns.append(built[k])
            elif k in _BY_MASK:
                assert masks is not None
                columns.append(enum[masks])  # not `gather`: a query per call
            else:
                columns.append(enum.new_from_index(0, n))
        return pl.DataFrame(columns)


@attrs.frozen
class _Layout:
    """How `SmallPlan._frame` lays out the columns for one choice of outputs."""

    names: tuple[str, ...]  # the scored columns, in order
    scalar: tuple[str, ...]  # those built from values (not enums)
    #: (place in `scalar`, name, type to cast to or None) of the integer columns, the flags
    ints: tuple[tuple[int, str, pl.DataType | None], ...]
    flags: tuple[tuple[int, str, pl.DataType | None], ...]
    others: tuple[tuple[int, str, pl.DataType], ...]
    fraction: tuple[bool, ...]  # per tie-break fact: a share (a float in the output)
    by_mask: bool  # some column is looked up by the mask of unlocked tiers


def _layout(plan: SmallPlan, wanted: frozenset[str] | None) -> _Layout:
    names = tuple(k for k in plan.schema if wanted is None or k in wanted)
    scalar = tuple(k for k in names if k not in plan.enums)
    ints: list[tuple[int, str, pl.DataType | None]] = []
    flags: list[tuple[int, str, pl.DataType | None]] = []
    others: list[tuple[int, str, pl.DataType]] = []
    for j, k in enumerate(scalar):
        dtype = plan.schema[k]
        if dtype.is_integer():
            ints.append((j, k, None if dtype == pl.Int64 else dtype))
        elif dtype == pl.Boolean:
            flags.append((j, k, None))
        else:
            others.append((j, k, dtype))
    return _Layout(names=names, scalar=scalar, ints=tuple(ints), flags=tuple(flags),
                   others=tuple(others),
                   fraction=tuple(plan.c.vocab[f].kind == "fraction" for _, f in plan.ties),
                   by_mask=any(k in names for k in _BY_MASK))


#: the enum columns looked up by the mask of unlocked tiers
_BY_MASK = ("tier", "tiers", "services")
#: the columns of the generated results besides ticks and gates (`run`'s total and
#: eligibility, then `sure`'s five)
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
    # the facts the generated function may read (every other column is only validated)
    reads = c.facts | {"applicant_id", "birth_date", "age", "age_years_begun"}
    base: dict[str, Any] = {n: attrs.evolve(i, required=False).default for n, i in vocab.items()
                            if i.expr is None and n in reads}
    base.update(applicant_id=None, birth_date=None, age=None, age_years_begun=None)
    keep = tuple(j for j, n in enumerate(names) if n in reads)
    rp = generate_record(c, purpose)
    node = c.purpose(purpose)
    tier_lists, service_lists = tier_lookup([t for t, _ in node.tiers])
    out = columns()
    enums = {"tiers": tier_lists, "services": service_lists,
             "tier": pl.Series([ids[-1] if ids else None for ids in tier_lists.to_list()],
                               dtype=out["tier"]),
             **{k: pl.Series([v], dtype=out[k]) for k, v in (
                 ("schedule_id", c.id), ("schedule_hash", c.hash), ("purpose", purpose))}}
    groups = {g.id for g in c.groups}
    at = {n: j for j, n in enumerate(names)}
    checks = tuple((tuple(at[n] for n in sorted(ch.needs)), tuple(sorted(ch.needs)),
                    tuple(at[n] for n in sorted(ch.unless) if n in at), ch.test)
                   for ch in c.schedule.applicant_model().checks if ch.needs <= at.keys())
    ties = tuple((col, col.removeprefix("fact.")) for col in out if col.startswith("fact."))
    return SmallPlan(
        c=c, rp=rp, on=on, names=tuple(names), cells=tuple(cells), keep=keep,
        required=frozenset(n for n, i in vocab.items() if i.required), base=base,
        schema=out, enums={k: v.alias(k) for k, v in enums.items()}, ties=ties,
        age_max=int(vocab["age"].maximum or 0), in_force=c.in_force(on),
        reads_begun="age_years_begun" in c.facts,
        score_index={f"group.{sid}" if sid in groups else sid: j
                     for j, sid in enumerate(rp.score_ids)},
        gate_index={f"gate.{gid}": j for j, gid in enumerate(rp.gate_ids)}, checks=checks)
