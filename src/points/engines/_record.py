"""The per-record engine: one applicant, scored and explained, from the compiled form.

Once per schedule and purpose (`_plan(schedule).record(purpose)`) the compiled form is
written out as generated Python (`._generate`: the scores over integer ticks, the gates,
eligibility and tiers; here `_explainer`: the explanation). A mapping of plain values is
validated by the fast path of `._input`, anything else by pydantic. A card is made at once
from the generated function's result; its explanation (lines, group and gate results) is
built by the generated explanation only when read, from the ticks and cap hits kept.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from .._card import FactValues, GateResult, GroupResult, Line, NextTier, ScoreCard
from .._explain import (
    fact_label,
    fact_text,
    fact_words,
    gate_fact_words,
    gate_reason_frame,
    why_not_text,
)
from .._version import __version__
from ..compiled import CompiledSchedule, compile_schedule
from ..errors import UnknownPurpose
from ..facts import ApplicantBase, age_on, evaluation_date
from ..facts import years_begun as years_begun_of
from ..schedule.loader import load_schedule
from ..schedule.model import Schedule
from ._generate import RecordPlan, counted_key, generate
from ._input import fast_facts, other_model_facts
from ._sure import sure_of

__all__ = ["facts_of", "score"]

Facts = Mapping[str, Any]
Scores = Mapping[str, int]
_new = tuple.__new__
#: at most this many entries in a plan's caches of points and value texts
_CACHE_LIMIT = 65_536
#: at most this many results kept per line, group and gate of an explanation
_KEEP = 4096


class _Plan:
    """What the engine keeps per schedule: the compiled form, the generated function of each
    purpose (written on first use) and the explanation's fixed parts and caches."""

    __slots__ = ("c", "cards", "dec", "gate_text", "model", "next_tiers", "reads_years_begun",
                 "records", "words")

    def __init__(self, c: CompiledSchedule) -> None:
        self.c = c
        self.model = c.schedule.applicant_model()
        #: per purpose: the generated function and the generated explanation
        self.records: dict[str | None, tuple[RecordPlan, Any]] = {}
        self.reads_years_begun = "age_years_begun" in c.facts
        self.dec: dict[int, Decimal] = {}  # ticks → points
        #: per gate: its results (failed, passed), each kept by its facts' values
        self.gate_text: dict[str, tuple[dict[Any, GateResult], dict[Any, GateResult]]] = {
            g.id: ({}, {}) for g in c.gates.values()}
        self.next_tiers: dict[tuple[Any, ...], NextTier] = {}
        #: per (purpose, date): a card's values that depend on them alone
        self.cards: dict[tuple[str | None, date], dict[str, Any]] = {}
        #: (fact, value) → its words, zh and en (`said`)
        self.words: dict[tuple[str, Any], tuple[str, str, str, str]] = {}

    def record(self, purpose: str | None) -> tuple[RecordPlan, Any]:
        """The generated function of `purpose` and the fixed parts of its lines."""
        hit = self.records.get(purpose)
        if hit is None:
            c = self.c
            with c.scope():
                rp = generate(c, purpose)
            highest = {g.id for g in c.groups if g.combine == "highest"}
            parent = {g.id: g.parent for g in c.groups}
            lines: list[tuple[Any, ...]] = []
            for f in (*c.factors, *c.deductions):
                above = tuple(_ancestors(f, highest, parent))
                info = c.vocab.get(f.fact)
                # the usual line: applies, counts, its value's words depend on it alone
                simple = f.when is None and f.within is None and not above and not f.parts and (
                    f.purposes is None or purpose in f.purposes) and (
                    info is not None and info.parsed is None)
                lines.append((simple, f, f.fact, (f.id, f.kind, f.label_zh, f.label_en, f.fact),
                              (f.rule_zh, f.rule_en), (f.group, f.ref, f.status), {}, above,
                              _key_facts(c, f)))
            hit = self.records[purpose] = (rp, _explainer(self, rp, tuple(lines)))
        return hit

    def said(self, name: str, value: Any) -> tuple[str, str, str, str]:
        """A fact's value in words, zh and en (`fact_words`), then as a gate's reason says it
        (`gate_fact_words`), kept: the words of the facts of a rule over several facts and
        of a gate's reason are joined from these."""
        words = self.words.get((name, value))
        if words is None:
            if len(self.words) > _CACHE_LIMIT:
                self.words.clear()
            info = self.c.vocab.get(name)
            value_words = fact_words(info, value)
            words = self.words[name, value] = (
                *value_words, *gate_fact_words(name, info, value_words))
        return words

    def points(self, ticks: int) -> Decimal:
        d = self.dec.get(ticks)
        if d is None:
            if len(self.dec) > _CACHE_LIMIT:
                self.dec.clear()
            d = self.dec[ticks] = Decimal(ticks).scaleb(-self.c.places)
        return d


def _ancestors(f: Any, highest: set[str], parent: dict[str, str | None]
               ) -> list[tuple[str, str]]:
    """(group, member on the path) for every `highest` group above factor `f`."""
    out = []
    member, g = f.id, f.group
    while g is not None:
        if g in highest:
            out.append((g, member))
        member, g = g, parent[g]
    return out


_PLANS: OrderedDict[int, tuple[Schedule, _Plan]] = OrderedDict()
_counted = counted_key


def _plan(schedule: Schedule) -> _Plan:
    hit = _PLANS.get(id(schedule))
    if hit is not None and hit[0] is schedule:
        return hit[1]
    plan = _Plan(compile_schedule(schedule))
    _PLANS[id(schedule)] = (schedule, plan)
    while len(_PLANS) > 128:
        _PLANS.popitem(last=False)
    return plan


def facts_of(applicant: ApplicantBase, on: date, *, years_begun: bool = True) -> dict[str, Any]:
    """The facts an applicant gives on a date (`age` from `birth_date` when needed, and
    `age_years_begun` unless told it is not read)."""
    return _with_age(dict(applicant.__dict__), on, years_begun)


class _View:
    """A dict of facts read as an applicant, for the age rules of `ApplicantBase`."""

    __slots__ = ("facts",)
    age_on = ApplicantBase.age_on  # reads attributes only
    years_begun_on = ApplicantBase.years_begun_on

    def __init__(self, facts: dict[str, Any]) -> None:
        self.facts = facts

    def __getattr__(self, name: str) -> Any:
        return self.facts.get(name)


#: (birth date, evaluation date) → (full years, years begun): births repeat in a service
_AGES: dict[tuple[date, date], tuple[int, int]] = {}


def _with_age(facts: dict[str, Any], on: date, years_begun: bool) -> dict[str, Any]:
    """`facts` with `age` on `on` (and `age_years_begun` when read), by the rules of
    `ApplicantBase.age_on` / `years_begun_on` (whose errors a disagreement raises)."""
    birth, age, begun = facts.get("birth_date"), facts.get("age"), facts.get("age_years_begun")
    if birth is None:
        if age is not None:
            if years_begun:
                facts["age_years_begun"] = begun if begun is not None else age
            return facts
    else:
        known = _AGES.get((birth, on))
        if known is None:
            known = (age_on(birth, on), years_begun_of(birth, on))  # raise as the model does
            if len(_AGES) > _CACHE_LIMIT:
                _AGES.clear()
            _AGES[(birth, on)] = known
        if (age is None or age == known[0]) and (begun is None or begun == known[1]):
            facts["age"] = known[0]
            if years_begun:
                facts["age_years_begun"] = known[1]
            return facts
    view = _View(facts)  # a disagreement: the model's rules say which
    age = view.age_on(on)  # type: ignore[misc]
    if years_begun:
        facts["age_years_begun"] = view.years_begun_on(on)  # type: ignore[misc]
    facts["age"] = age
    return facts


def score(
    applicant: ApplicantBase | Mapping[str, Any],
    schedule: Schedule | str,
    *,
    purpose: str | None = None,
    on: date | str | None = None,
    records: Any = None,
) -> ScoreCard:
    """Score one applicant: every factor, group, deduction, gate and tier, explained.

    `applicant` is an `Applicant` or a mapping of facts (validated, `ApplicantError` on bad
    input); `schedule` a loaded `Schedule` or a bundled id or path; `purpose` one of the
    schedule's purposes (default: its `default_purpose`); `on` the evaluation date (default:
    today; a `datetime` counts as its date, a string must be ISO `YYYY-MM-DD`), used for age
    from `birth_date` and recorded in the card. `records`: the applicant's dated records
    (see `points.records.facts_from_records`); the facts they give on `on` replace the
    applicant's own, and the card's `derivations` explain each.
    """
    if not isinstance(schedule, Schedule):
        schedule = load_schedule(schedule)
    hit = _PLANS.get(id(schedule))
    plan = hit[1] if hit is not None and hit[0] is schedule else _plan(schedule)
    model = plan.model
    if type(on) is not date:
        on = evaluation_date(on)
    if purpose is None:
        purpose = schedule.schedule.default_purpose
    elif purpose not in schedule.purposes:
        raise UnknownPurpose(purpose, schedule.id, list(schedule.purposes))
    if records is not None:  # the facts records give replace the applicant's own
        return _with_records(plan, applicant, records, purpose, on)
    if type(applicant) is model or isinstance(applicant, model):
        facts = dict(applicant.__dict__)
    elif isinstance(applicant, ApplicantBase):
        # another model (`Applicant` under a schedule that requires facts or applies more
        # consistency checks): the facts it was given, checked again by this model, the
        # fast way when they are plain values (they are: validated), else by pydantic
        fast = other_model_facts(model, applicant)
        facts = fast if fast is not None else dict(
            model.parse(applicant.model_dump(exclude_unset=True)).__dict__)
    else:  # a mapping: plain well-formed values quickly, anything else through pydantic
        fast = fast_facts(model, applicant)
        facts = fast if fast is not None else dict(model.parse(applicant).__dict__)
    return _score(plan, _with_age(facts, on, plan.reads_years_begun), facts["applicant_id"],
                  purpose, on)


def _with_records(plan: _Plan, applicant: ApplicantBase | Mapping[str, Any], records: Any,
                  purpose: str | None, on: date) -> ScoreCard:
    """`score` with records: the applicant validated by its model (which facts it gave
    matters), the facts the records give in place of its own, the card's `derivations`."""
    from ..records import with_records

    model = plan.model
    if isinstance(applicant, model):
        given = applicant
    elif isinstance(applicant, ApplicantBase):  # another schedule's model: its own facts
        given = model.parse(applicant.model_dump(exclude_unset=True))
    else:
        given = model.parse(applicant)
    given, derived = with_records(given, records, on, plan.c.schedule)
    card = _score(plan, _with_age(dict(given.__dict__), on, plan.reads_years_begun),
                  given.applicant_id, purpose, on)
    return attrs.evolve(card, derivations=derived)


def _score(plan: _Plan, facts: dict[str, Any], applicant_id: str | None,
           purpose: str | None, on: date) -> ScoreCard:
    rp, explain = plan.records.get(purpose) or plan.record(purpose)
    total, raw, eligible, mask, ticks, passes, hits = rp.run(facts)
    # the card's values: those of its purpose and date kept, the others set here
    values = (plan.cards.get((purpose, on)) or _card_values(plan, rp, purpose, on)).copy()
    values["tiers"], values["tier_labels"], values["services"] = rp.tiers[mask]
    if mask != rp.full:
        values["next_tier"] = _next_tier(plan, rp, mask, total, passes)
    detail = _Detail(plan, rp, explain, facts, ticks, hits, passes, total, purpose)
    dec = plan.dec
    values["applicant_id"] = applicant_id
    values["total"] = dec.get(total) or plan.points(total)
    values["raw_total"] = dec.get(raw) or plan.points(raw)
    values["floor_applied"] = total != raw
    values["eligible"] = eligible
    values["_sure"] = detail.sure
    values["_detail"] = detail
    return ScoreCard._of(values)


def _card_values(plan: _Plan, rp: RecordPlan, purpose: str | None, on: date
                 ) -> dict[str, Any]:
    """Every value of a card of `purpose` on `on`, those `_score` sets left None (kept)."""
    c = plan.c
    if len(plan.cards) > 1024:
        plan.cards.clear()
    values = plan.cards[purpose, on] = {
        "schedule_id": c.id, "schedule_hash": c.hash, "library_version": __version__,
        "purpose": purpose, "on": on, "in_force": c.in_force(on), "applicant_id": None,
        "total": None, "raw_total": None, "floor_applied": None, "eligible": None,
        "tiers": None, "services": None, "next_tier": None, "tier_labels": None,
        "purpose_label": rp.purpose_label, "_rests_on_provisional": None,
        "_outcome_sure": None, "_flipped_by": (), "_sure": None, "_lines": None,
        "_groups": None, "_gates": None, "_detail": None, "derivations": ()}
    return values


def _next_tier(plan: _Plan, rp: RecordPlan, mask: int, total: int,
               passes: tuple[bool, ...]) -> NextTier | None:
    """The first tier of the purpose not unlocked: points missing and gates failing (the same
    for the same numbers: one object, kept by the numbers that decide it)."""
    _, tier, needs = rp.locked[mask]
    m = tier.min_ticks
    short = 0 if m is None or total >= m else m - total
    key = (rp.purpose, mask, short, passes)
    found = plan.next_tiers.get(key)
    if found is None:
        if len(plan.next_tiers) > _CACHE_LIMIT:
            plan.next_tiers.clear()
        failed = tuple([g for g, at in needs if not passes[at]])
        found = plan.next_tiers[key] = NextTier(
            id=tier.id, label_zh=tier.label_zh, label_en=tier.label_en,
            min_score=tier.min_score, missing=plan.points(short), failed_gates=failed)
    return found


def _scores(rp: RecordPlan, ticks: tuple[int, ...], total: int) -> dict[str, int]:
    out = dict(zip(rp.score_ids, ticks, strict=True))
    out["total"] = total
    return out


class _Detail:
    """What the explanation is built from, kept until the card's lines are read (a card
    builds them before it is pickled): the facts and what the generated function returned
    (ticks, cap hits, gate verdicts), read by the generated explanation, which works out the
    member each `highest` group chose. A plain slotted class: made once per score."""

    __slots__ = ("explain", "facts", "hits", "passes", "plan", "purpose", "rp", "ticks",
                 "total")

    def __init__(self, plan: _Plan, rp: RecordPlan, explain: Any, facts: Facts,
                 ticks: tuple[int, ...], hits: tuple[bool, ...], passes: tuple[bool, ...],
                 total: int, purpose: str | None) -> None:
        self.plan, self.rp, self.explain, self.facts = plan, rp, explain, facts
        self.ticks, self.hits, self.passes = ticks, hits, passes
        self.total, self.purpose = total, purpose

    def __call__(self) -> tuple[tuple[Line, ...], tuple[GroupResult, ...],
                                tuple[GateResult, ...]]:
        return self.explain(self)  # type: ignore[no-any-return]

    def sure(self) -> tuple[bool, bool, tuple[tuple[str, str, str], ...]]:
        """Sure or not: the generated test first, `sure_of` for what could flip it."""
        rests, sure = self.rp.sure(self.facts, self.ticks, self.total)[:2]  # type: ignore[arg-type]
        if sure:
            return rests, True, ()
        return sure_of(self.plan.c, self.facts, _scores(self.rp, self.ticks, self.total),
                       self.purpose)


def _explainer(plan: _Plan, rp: RecordPlan, lines: tuple[Any, ...]) -> Any:
    """The explanation of one purpose as a generated function of a `_Detail`: each group's
    result (the member a `highest` group chose), each line, each gate, straight-line. Every
    result is a value kept in a cache by what decides it, looked up inline: a group's by its
    ticks (and cap hit), a line that always applies and counts by its facts' values (a rule
    over its own facts gives the same points for them), another line by its value, ticks,
    cap hit, `when` and the choices above it, a gate's by its verdict and facts' values.
    Only what is not kept yet goes through helpers. As in the scoring function, only
    generated names and whole numbers are in the source."""
    c = plan.c
    names: list[str] = []
    values: list[Any] = []

    def const(value: Any) -> str:
        names.append(f"c{len(names)}")
        values.append(value)
        return names[-1]

    body: list[str] = []
    add = body.append

    def kept(target: str, cache: str, key: str, build: str, rare: bool = True) -> None:
        """`target` from `cache` by `key`, else built; a key often missing (money: most
        amounts differ) is tried with `get`, the others with a subscript (cheaper on a hit)."""
        if rare:
            add("try:")
            add(f"    {target} = {cache}[{key}]")
            add("except KeyError:")
        else:
            add(f"{target} = {cache}.get({key})")
            add(f"if {target} is None:")
        add(f"    {target} = {build}")

    n_lines = len(lines)
    ticks = [f"t{i}" for i in range(len(rp.score_ids))]
    at = {sid: f"t{i}" for i, sid in enumerate(rp.score_ids)}
    add("F = D.facts")
    if ticks:
        add(f"({''.join(t + ', ' for t in ticks)}) = D.ticks")
    if n_lines:
        add(f"({''.join(f'h{i}, ' for i in range(n_lines))}) = D.hits")

    def build_group(g: Any) -> tuple[dict[Any, GroupResult], Any]:
        cache: dict[Any, GroupResult] = {}

        def group(t: int, capped: bool) -> GroupResult:
            if len(cache) > _KEEP:
                cache.clear()
            result = cache[t if g.cap is None else (t, capped)] = _new(GroupResult, (
                g.id, g.label_zh, g.label_en, g.combine, plan.points(t), capped, g.parent))
            return result
        return cache, group

    chosen: list[tuple[str, str]] = []
    for k, g in enumerate(c.groups):
        members = [at[m] for m in g.members]
        if g.combine == "highest":
            add("b = 0")
            add(f"ch{k} = None")
            for m, member in zip(members, g.members, strict=True):
                add(f"if {m} > b:")
                add(f"    b = {m}")
                add(f"    ch{k} = {const(member)}")
            chosen.append((g.id, f"ch{k}"))
        cache, group = build_group(g)
        if g.cap is None:
            kept(f"G{k}", const(cache), at[g.id], f"{const(group)}({at[g.id]}, False)")
        else:
            if g.combine != "highest":
                add(f"b = {' + '.join(members) if members else '0'}")
            add(f"b = b > {_int(g.cap)}")
            kept(f"G{k}", const(cache), f"({at[g.id]}, b)", f"{const(group)}({at[g.id]}, b)")
    chosen_var = dict(chosen)
    ch = "{" + ", ".join(f"{const(gid)}: {var}" for gid, var in chosen) + "}"

    def build_line(spec: Any, alone: bool, share: bool) -> Any:
        _, _, fact, head, rule, tail, texts, _, _ = spec
        info = c.vocab.get(fact)

        def line(value: Any, t: int, capped: bool) -> Line:
            if len(texts) > _KEEP:
                texts.clear()
            key: Any = (value.numerator, value.denominator) if share else value
            if not alone:
                key = (key, t, capped)
            result = texts[key] = _new(Line, (
                *head, value, *rule, plan.points(t), capped, True, True, *tail, None, None,
                *fact_words(info, value)))
            return result
        return line

    def build_parts_line(spec: Any) -> Any:
        """A rule over several facts that always applies and counts: its line kept by the
        facts' values (the value a read-only `FactValues`, so cards can share it), its words
        (each fact's, joined) by each fact's value."""
        _, f, _, head, rule, tail, made, _, _ = spec
        names = f.facts

        def line(facts: Facts, t: int, capped: bool) -> Line:
            values = tuple([facts[x] for x in names])
            value = FactValues(zip(names, values, strict=True))
            zh, en = [], []
            for x, v in value.items():
                said = plan.said(x, v)
                zh.append(f"{x} {said[0]}")
                en.append(f"{x} {said[1]}")
            if len(made) > _KEEP:
                made.clear()
            result = made[values] = _new(
                Line, (*head, value, *rule, plan.points(t), capped, True, True, *tail, None,
                       None, "，".join(zh), ", ".join(en)))
            return result
        return line

    group_zh = {g.id: g.label_zh for g in c.groups}

    def build_rich_line(spec: Any, off_path: dict[Any, Line] | None = None) -> Any:
        """A line that may not apply or not count, counts a `within` share, reads a derived
        fact or several facts: built and kept under `key` (what decides it, worked out by
        the generated explanation); with `off_path`, kept there when the one `highest`
        group above chose another path (then `key` leaves the path out). Its fixed words
        are written here, once."""
        _, f, fact, head, rule, tail, on_path, above, _ = spec
        info = c.vocab.get(fact)
        plain = not f.parts and (info is None or info.parsed is None)
        counted_at: str | None = None
        limit_at = label = within_zh = ""
        if f.within is not None:
            counted_at, limit_at = _counted(f.id), f.within
            label = group_zh.get(f.group or "", f.group or "")
            with c.scope():
                within_zh = fact_label(f.within, "zh")
        not_applied: tuple[str, str] | None = None
        if f.purposes is not None and rp.purpose not in f.purposes:
            not_applied = (f"not applied for purpose {rp.purpose}",
                           why_not_text("purpose", "zh", purpose=rp.purpose))
        when_words = ("", "")
        if f.when is not None:
            if f.when.startswith("when:"):
                when_words = (f"applies only when {f.when_en}", f"仅在{f.when_zh}时适用")
            else:
                with c.scope():
                    when_words = (f"{f.when} is false", why_not_text("when", "zh", fact=f.when))
        # every `highest` group above must choose this line's path
        paths = [(g, member, f"group {g} counts only its highest member",
                  why_not_text("highest", "zh", label=group_zh[g]))
                 for g, member in above]
        parts, when = f.facts if f.parts else None, f.when

        def line(facts: Facts, t: int, capped: bool, chosen: Mapping[str, str | None],
                 key: tuple[Any, ...]) -> Line:
            value = facts[fact] if parts is None else FactValues((x, facts[x]) for x in parts)
            why_not = why_zh = None
            if counted_at is not None and facts[counted_at] != value:
                total, value, limit = value, facts[counted_at], facts[limit_at]
                why_not = why_not_text("within", value=value, total=total, group=f.group,
                                       within=limit_at, limit=limit)
                why_zh = why_not_text("within", "zh", value=value, total=total,
                                      label=label, within_label=within_zh, limit=limit)
            applied = True
            if when is not None and not facts[when]:
                applied = False
                why_not, why_zh = when_words
            elif not_applied is not None:
                applied = False
                why_not, why_zh = not_applied
            counted = applied
            texts = on_path
            for g, member, en, zh in paths:
                if chosen.get(g) not in (None, member):
                    if counted:
                        counted, why_not, why_zh = False, en, zh
                    texts = on_path if off_path is None else off_path
                    break
            words = fact_words(info, value) if plain else _words(c, fact, value, facts)
            if len(texts) > _KEEP:
                texts.clear()
            result = texts[key] = _new(Line, (
                *head, value, *rule, plan.points(t), capped, applied, counted, *tail, why_not,
                why_zh, *words))
            return result
        return line

    def build_gate(g: Any) -> Any:
        """A gate's result: its verdict in words with the words of each fact it reads (each
        once, kept by value in `_Plan.said`), kept by its verdict and those values."""
        names = tuple(dict.fromkeys(g.facts))
        frames = (gate_reason_frame(False, g.text_zh, g.text, bool(names)),
                  gate_reason_frame(True, g.text_zh, g.text, bool(names)))
        results = plan.gate_text[g.id]
        said = plan.said

        def gate(passed: bool, key: Any) -> GateResult:
            values = (key,) if len(names) == 1 else key or ()
            words = [said(n, v) for n, v in zip(names, values, strict=True)]
            zh_head, zh_tail, en_head, en_tail = frames[passed]
            cache = results[passed]
            if len(cache) > _KEEP:
                cache.clear()
            result = cache[key] = _new(GateResult, (
                g.id, g.label_zh, g.label_en, passed,
                en_head + ", ".join([w[3] for w in words]) + en_tail, g.veto, g.ref, g.status,
                zh_head + "，".join([w[2] for w in words]) + zh_tail))
            return result
        return gate

    for i, spec in enumerate(lines):
        f = spec[1]
        if spec[0]:
            # a line is a value: the same value, points and cap hit, the same line; a rule
            # that reads its fact alone gives the points and cap hit of the value (a share
            # by its numerator and denominator: hashing a `Fraction` costs more than a line)
            alone = f.facts == (spec[2],)
            kind = c.vocab[spec[2]].kind
            share = kind == "fraction"
            key = "(v.numerator, v.denominator)" if share else "v"
            if not alone:
                key = f"({key}, t{i}, h{i})"
            add(f"v = F[{const(spec[2])}]")
            kept(f"L{i}", const(spec[6]), key,
                 f"{const(build_line(spec, alone, share))}(v, t{i}, h{i})",
                 rare=kind != "decimal")
        elif f.parts and not spec[7] and f.when is None and _plain_words(c, f) and (
                f.purposes is None or rp.purpose in f.purposes):
            # the rule reads these facts alone: their values decide its points and cap hit
            add(f"v = ({''.join(f'F[{const(x)}], ' for x in f.facts)})")
            kept(f"L{i}", const(spec[6]), "v", f"{const(build_parts_line(spec))}(F, t{i}, h{i})")
        else:
            # what decides the line: the values of its key facts (`_key_facts`), a `within`
            # line's counted share (and the group's limit when it cut the share: the words
            # name it), its ticks and cap hit, its `when`, the member each `highest` group
            # above it chose, or with one such group whether it chose this line's path (its
            # purpose is this explanation's own)
            given = "".join(f"F[{const(x)}], " for x in spec[8])
            if f.within is not None:
                add(f"k = F[{const(_counted(f.id))}]")
                given += f"k, F[{const(f.within)}] if k != F[{const(f.fact)}] else None, "
            on = "" if f.when is None else f"bool(F[{const(f.when)}]), "
            if len(spec[7]) == 1:  # one `highest` group above: whether it chose this path
                g, member = spec[7][0]
                path = f"{chosen_var[g]} is None or {chosen_var[g]} == {const(member)}, "
            else:
                path = "".join(f"{chosen_var[g]}, " for g, _ in spec[7])
            # a rule reading its fact alone: the value (and `when`) decide ticks and cap hit
            points = "" if f.facts == (f.fact,) and f.within is None else f"t{i}, h{i}, "
            often = f.within is not None or any(
                (info := c.vocab.get(x)) is not None and info.kind == "decimal"
                for x in spec[8])  # money, or a share cut by another fact's value
            if len(spec[7]) == 1 and len(spec[8]) == 1 and not (points or on) and \
                    f.within is None:
                # one fact and one `highest` group above: kept by the fact's value, in one
                # cache for each side of the group's choice (no tuple to build and hash)
                off: dict[Any, Line] = {}
                add(f"v = {given[:-2]}")
                kept(f"L{i}", f"({const(spec[6])} if {path[:-2]} else {const(off)})", "v",
                     f"{const(build_rich_line(spec, off))}(F, t{i}, h{i}, {ch}, v)",
                     rare=not often)
                continue
            add(f"v = ({given}{points}{on}{path})")
            kept(f"L{i}", const(spec[6]), "v",
                 f"{const(build_rich_line(spec))}(F, t{i}, h{i}, {ch}, v)", rare=not often)
    gates = list(c.gates.values())
    if gates:
        add(f"({''.join(f'p{j}, ' for j in range(len(gates)))}) = D.passes")
    for j, gate in enumerate(gates):  # kept by the values of the facts it reads, each once
        read = [f"F[{const(n)}]" for n in dict.fromkeys(gate.facts)]
        add("v = " + (read[0] if len(read) == 1 else f"({''.join(x + ', ' for x in read)})"
                      if read else "None"))
        kept(f"Q{j}", f"{const(plan.gate_text[gate.id])}[p{j}]", "v",
             f"{const(build_gate(gate))}(p{j}, v)")
    add(f"return ({''.join(f'L{i}, ' for i in range(n_lines))}), "
        f"({''.join(f'G{k}, ' for k in range(len(c.groups)))}), "
        f"({''.join(f'Q{j}, ' for j in range(len(gates)))})")
    source = (f"def make({', '.join(names)}):\n    def explain(D):\n"
              + "".join(f"        {line}\n" for line in body) + "    return explain\n")
    namespace: dict[str, Any] = {}
    exec(compile(source, "<points generated explanation>", "exec"), namespace)
    explain = namespace["make"](*values)
    explain.source = source  # for reading (the tests check what it holds)
    return explain


def _key_facts(c: CompiledSchedule, f: Any) -> tuple[str, ...]:
    """The facts whose values decide a line's value and words: its fact (a rule over several
    facts: each) and the facts a derived one reads (a `within` line's share and limit are
    added in the generated explanation)."""
    names = list(f.facts if f.parts else (f.fact,))
    for x in tuple(names):
        info = c.vocab.get(x)
        if info is not None and info.parsed is not None:
            names.extend(info.parsed.reads)
    return tuple(dict.fromkeys(names))


def _plain_words(c: CompiledSchedule, f: Any) -> bool:
    """Whether the words of a line's value depend on its own facts' values alone (no
    `within` share, no derived fact): a rule over several facts keeps its line and
    words by those values."""
    return f.within is None and all(
        (info := c.vocab.get(x)) is None or info.parsed is None for x in f.facts)


def _int(v: Any) -> str:
    if type(v) is not int:  # pragma: no cover - caps are ticks
        raise TypeError(f"not a whole number: {v!r}")
    return repr(v)


def _words(c: CompiledSchedule, fact: str, value: Any, facts: Facts) -> tuple[str, str]:
    """A fact's value in words, zh and en."""
    info = c.vocab.get(fact)
    if (info is None or info.parsed is None) and not isinstance(value, dict):
        return fact_words(info, value)  # `_value_text` of a fact's own value, both at once
    with c.scope():
        return (_value_text(c, fact, value, facts, "zh"),
                _value_text(c, fact, value, facts, "en"))


def _value_text(c: CompiledSchedule, name: str, value: Any, facts: Facts, lang: str) -> str:
    """A fact's value in words; a derived fact's with its expression and inputs:
    `9 (= min(listening, reading); listening 10, reading 9)`."""
    if isinstance(value, dict):  # a rule over several facts
        return ("，" if lang == "zh" else ", ").join(
            f"{x} {_value_text(c, x, v, facts, lang)}" for x, v in value.items())
    text = fact_text(name, value, lang)
    info = c.vocab.get(name)
    if info is None or info.parsed is None:
        return text
    inputs = ("，" if lang == "zh" else ", ").join(
        f"{m} {fact_text(m, facts[m], lang)}" for m in info.parsed.reads)
    return f"{text}（= {info.expr}；{inputs}）" if lang == "zh" else \
        f"{text} (= {info.expr}; {inputs})"
