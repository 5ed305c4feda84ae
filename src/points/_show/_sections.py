"""A schedule as a document model: one block list per section (factors, groups, gates, ...)."""


from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal

import attrs

from ..compiled import (
    CompiledSchedule,
    compile_schedule,
)
from ..expression import describe_expr
from ..facts import FactInfo, vocabulary, vocabulary_scope
from ..schedule.kinds import describe_rule
from ..schedule.loader import service_catalogue
from ..schedule.model import Schedule, ServiceSpec
from ._words import (
    _FAMILY,
    _FOLLOW,
    _W,
    Lang,
    Origin,
    _fact_label,
    _num,
    _origin_text,
    _score_label,
    _status,
    condition_text,
    origins,
)

# --- the document model -----------------------------------------------------------------


@attrs.frozen
class _Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@attrs.frozen
class _Entry:
    """One titled entry with labelled fields (tiers, gates): a block, not a table row."""

    title: str
    fields: tuple[tuple[str, str | tuple[str, ...]], ...]


Block = tuple[Literal["h1", "h2", "p", "table", "entry", "bullets"], Any]


Row = tuple[str, ...]
Fields = list[tuple[str, str | tuple[str, ...]]]


@attrs.frozen
class _Ctx:
    """What every section needs: the schedule, the language and where entries come from."""

    s: Schedule
    lang: Lang
    origins: dict[tuple[str, str], Origin]

    @property
    def w(self) -> dict[str, str]:
        return _W[self.lang]

    @property
    def compiled(self) -> CompiledSchedule:
        return compile_schedule(self.s)

    @property
    def other(self) -> Lang:
        return "en" if self.lang == "zh" else "zh"

    def src(self, table: str, key: str) -> Row:
        """The origin cell of a table row (only when the schedule extends another)."""
        if self.s.schedule.extends is None:
            return ()
        return (_origin_text(self.origins.get((table, key)), self.lang),)

    def src_h(self) -> Row:
        return (self.w["origin"],) if self.s.schedule.extends else ()

    def src_field(self, table: str, key: str) -> Fields:
        return [(self.w["origin"], c) for c in self.src(table, key)]

    def status(self, status: str) -> str:
        return _status(status, self.lang)


def _doc(s: Schedule, lang: Lang) -> list[Block]:
    """The document of `s`: ids are written as `code`; the plain-text renderer strips that."""
    c = _Ctx(s, lang, origins(s))
    with vocabulary_scope(s.vocabulary):  # the schedule's own and derived facts are known
        return [*_header(c), *_facts_section(c), *_own_facts_section(c),
                *_derived_section(c), *_factor_sections(c), *_group_section(c),
                *_branch_section(c), *_gate_section(c), *_purpose_section(c),
                *_tier_section(c), *_service_section(c), *_household_section(c),
                *_ranking_section(c)]


def _header(c: _Ctx) -> list[Block]:
    s, w, m = c.s, c.w, c.s.schedule
    span = f"{m.effective_from}{_paren(w['incl'], c.lang)} – " + (
        f"{m.effective_until}{_paren(w['excl'], c.lang)}" if m.effective_until else w["open"])
    rows: list[Row] = [
        (w["id"], f"`{s.id}`"),
        (w["kind"], w["kind_points"] if s.factors else w["kind_routes"]),
        (w["document"], m.document),
        (w["in_force"], span),
        (w["supersedes"], f"`{m.supersedes}`" if m.supersedes else w["none"]),
        (w["extends"], f"`{m.extends}`" if m.extends else w["none"]),
    ]
    if s.factors or s.deductions:
        rows += [(w["precision"], f"{_num(m.precision)}, {m.rounding}"),
                 (w["floor"], _num(m.floor) if m.floor is not None else w["none"])]
    if m.default_purpose:
        rows.append((w["default_purpose"], f"`{m.default_purpose}`"))
    required = [*m.required_facts, *(n for n, i in s.vocabulary.items()
                                     if i.declaration is not None and i.required)]
    if required:
        rows.append((w["required_facts"], ", ".join(f"`{n}`" for n in required)))
    rows += [(w["file"], f"`schedules/{s.id}.toml`"),
             (w["sources"], "; ".join(m.sources) or w["none"]),
             (w["hash"], f"`{s.content_hash}`")]
    if m.note:
        rows.append((w["note"], m.note))
    sourced = list(_sourced(s))
    prov = [f"`{k}`" for k, st in sourced if st == "provisional"]
    summary = (w["n_provisional"].format(n=len(prov), m=len(sourced), ids=", ".join(prov))
               if prov else w["all_confirmed"].format(m=len(sourced)))
    out: list[Block] = [
        ("h1", f"{m.title.text(c.lang)} — {s.id}"), ("p", m.title.text(c.other)),
        ("table", _Table(("", ""), tuple(rows))), ("h2", w["summary"]), ("p", summary)]
    if m.extends:
        kinds = [o.kind for o in c.origins.values()]
        out.append(("p", w["base_summary"].format(
            base=f"`{m.extends}`", inh=kinds.count("inherited"),
            ovr=kinds.count("overridden"), own=kinds.count("own"))))
    return out


def _facts_section(c: _Ctx) -> list[Block]:
    w, i = c.w, 0 if c.lang == "zh" else 1
    rows: list[Row] = []
    for name in c.s.facts_read():
        info = vocabulary().get(name)
        if info is None:
            continue  # not a fact of the vocabulary: nothing to list
        if info.declaration is not None:
            continue  # the schedule's own: in the sections below
        levels = ", ".join(f"{lv} = {info.level_labels[lv][i]}"
                           for lv in info.levels) if info.kind == "level" else ""
        rows.append((f"`{name}`", info.zh if c.lang == "zh" else info.en, info.kind,
                     info.unit or "", levels))
    if not rows:
        return []
    return [("h2", w["facts"]),
            ("table", _Table((w["fact"], w["label"], w["kind"], w["unit"], w["levels"]),
                             tuple(rows)))]


def _own_facts_section(c: _Ctx) -> list[Block]:
    """The facts the schedule declares and an applicant gives: kind, bounds, levels (with
    their Chinese and English names and aliases), and what an empty one means."""
    w = c.w
    rows: list[Row] = []
    for name, info in c.s.vocabulary.items():
        if info.declaration is None or info.expr is not None:
            continue
        bounds = ""
        if info.kind in ("int", "decimal", "fraction") and info.maximum is not None:
            bounds = f"{_num(info.minimum or 0)}–{_num(info.maximum)}"
            bounds += f" {info.unit}" if info.unit else ""
        given = w["required"] if info.required else w["optional"] if info.optional \
            else w["default"].format(v=_default_text(info, c.lang))
        label = info.zh if c.lang == "zh" else info.en
        rows.append((f"`{name}`", label, info.kind, bounds, _levels_text(info, c), given))
    if not rows:
        return []
    return [("h2", w["own_facts"]),
            ("table", _Table((w["fact"], w["label"], w["kind"], w["bounds"], w["levels"],
                              w["given"]), tuple(rows)))]


def _derived_section(c: _Ctx) -> list[Block]:
    """Derived facts: the expression as written, in words, and what it reads."""
    w = c.w
    rows: list[Row] = []
    for name, info in c.s.vocabulary.items():
        if info.expr is None:
            continue
        words = describe_expr(info.parsed, c.lang, label=lambda n: _fact_name(n, c.lang))
        rows.append((f"`{name}`", info.zh if c.lang == "zh" else info.en, f"`{info.expr}`",
                     words, ", ".join(f"`{x}`" for x in info.parsed.reads)))
    if not rows:
        return []
    return [("h2", w["derived_facts"]),
            ("table", _Table((w["fact"], w["label"], w["expression"], w["words"],
                              w["reads"]), tuple(rows)))]


def _factor_sections(c: _Ctx) -> list[Block]:
    w = c.w
    out: list[Block] = []
    for table in ("factors", "deductions"):
        specs: Mapping[str, Any] = getattr(c.s, table)
        if not specs:
            continue
        rows: list[Row] = []
        for key, f in specs.items():
            if table == "deductions":
                scope = ", ".join(f"`{p}`" for p in f.purposes) if f.purposes else w["none"]
            else:
                scope = f"`{f.group}`" if f.group else w["none"]
            rows.append((f"`{key}`", f.label.text(c.lang), _facts_cell(f, c),
                         describe_rule(f, c.lang), _when_text(c, f.when), scope, f.ref,
                         c.status(f.status), *c.src(table, key)))
        scope_h = w["purposes_of"] if table == "deductions" else w["group"]
        out += [("h2", w[table]),
                ("table", _sparse((w["id"], w["label"], w["fact"], w["rule"], w["when"],
                                   scope_h, w["ref"], w["status"], *c.src_h()), rows, 4)),
                *_notes(specs, w)]
    return out


def _sparse(headers: Row, rows: list[Row], k: int) -> _Table:
    """A table without its `k`-th column when no row fills it (a `when` column)."""
    if any(r[k] for r in rows):
        return _Table(headers, tuple(rows))
    return _Table(headers[:k] + headers[k + 1:], tuple(r[:k] + r[k + 1:] for r in rows))


def _facts_cell(f: Any, c: _Ctx) -> str:
    """The fact a rule reads; a rule over several: all, and how they combine; a table:
    its row fact by its column fact."""
    if f.facts:
        how = c.w["facts_highest"] if f.combine == "highest" else c.w["facts_summed"]
        return ", ".join(f"`{x}`" for x in f.facts) + _paren(how, c.lang)
    by = getattr(f, "by", None)
    if by is not None:
        return f"`{f.fact}` {c.w['by']} `{by}`"
    return f"`{f.fact}`"


def _when_text(c: _Ctx, when: Any) -> str:
    """A `when` in words: a true/false fact, a gate by name, or a condition table."""
    if when is None:
        return ""
    if isinstance(when, str):
        gate = c.s.gates.get(when)
        if gate is not None:
            return f"{c.w['gate']} `{when}`: {gate.label.text(c.lang)}"
        return _fact_label(when, c.lang, True)
    return condition_text(when, c.lang, c.s, code=True)


def _levels_text(info: FactInfo, c: _Ctx) -> str:
    if info.kind != "level":
        return ""
    aliases: dict[str, list[str]] = {}
    for name, lv in info.aliases.items():
        if name not in (lv, info.level_labels.get(lv, ("", ""))[0]):
            aliases.setdefault(lv, []).append(name)
    parts = []
    for lv in info.levels:
        zh, en = info.level_labels.get(lv, (lv, lv))
        text = f"`{lv}` {zh} / {en}"
        if aliases.get(lv):
            text += _paren(f"{c.w['aliases']} {', '.join(aliases[lv])}", c.lang)
        parts.append(text)
    return "; ".join(parts)


def _default_text(info: FactInfo, lang: Lang) -> str:
    d = info.default
    if info.kind == "level":
        return f"`{d}`"
    if isinstance(d, bool):
        return _W[lang]["no"] if not d else _W[lang]["yes"]
    return str(d)


def _fact_name(name: str, lang: Lang) -> str:
    info = vocabulary().get(name)
    return name if info is None else (info.zh if lang == "zh" else info.en)


def _group_section(c: _Ctx) -> list[Block]:
    s, w = c.s, c.w
    if not s.groups:
        return []
    members = {g.id: g.members for g in c.compiled.groups}
    rows: list[Row] = [
        (f"`{key}`", g.label.text(c.lang), g.combine,
         _num(g.cap) if g.cap is not None else w["none"],
         f"`{g.group}`" if g.group else w["none"],
         ", ".join(f"`{x}`" for x in members[key]) or w["none"], _when_text(c, g.when),
         g.ref, c.status(g.status), *c.src("groups", key))
        for key, g in s.groups.items()]
    return [("h2", w["groups"]),
            ("table", _sparse((w["id"], w["label"], w["combine"], w["cap"], w["group"],
                               w["members"], w["when"], w["ref"], w["status"], *c.src_h()),
                              rows, 6)),
            *_notes(s.groups, w)]


def _branch_section(c: _Ctx) -> list[Block]:
    """Branches: the members (each with its `when`) of which one, or at most one, applies."""
    s, w = c.s, c.w
    if not s.branches:
        return []
    out: list[Block] = [("h2", w["branches"])]
    for key, b in s.branches.items():
        items = []
        for m in b.members:
            spec: Any = s.groups.get(m) or s.factors.get(m)
            label = spec.label.text(c.lang) if spec is not None else ""
            when = _when_text(c, spec.when) if spec is not None else ""
            items.append(f"`{m}` {label}"
                         + (_paren(f"{w['when_short']}: {when}", c.lang) if when else ""))
        fields: Fields = [(w["exactly"], w[b.exactly]), (w["members"], tuple(items)),
                          (w["ref"], b.ref), (w["status"], c.status(b.status))]
        if b.note:
            fields.append((w["note"], b.note))
        out.append(("entry", _Entry(f"`{key}` {b.label.text(c.lang)}", tuple(fields))))
    return out


def _gate_section(c: _Ctx) -> list[Block]:
    s, w = c.s, c.w
    if not s.gates:
        return []
    out: list[Block] = [("h2", w["gates"])]
    for key, g in s.gates.items():
        fields: Fields = [(w["condition"], condition_text(c.compiled.gates[key].condition,
                                                          c.lang, s, code=True)),
                          (w["ref"], g.ref), (w["status"], c.status(g.status))]
        if g.veto:
            fields.append((w["veto"], w["yes"]))
        fields += c.src_field("gates", key)
        if g.note:
            fields.append((w["note"], g.note))
        out.append(("entry", _Entry(f"`{key}` {g.label.text(c.lang)}", tuple(fields))))
    return out


def _purpose_section(c: _Ctx) -> list[Block]:
    s, w = c.s, c.w
    if not s.purposes:
        return []
    out: list[Block] = [("h2", w["purposes"])]
    for key, p in s.purposes.items():
        fields: Fields = [
            (w["purpose_gates"], tuple(_gate_ref(s, g, c.lang) for g in p.gates) or w["none"]),
            (w["ref"], p.ref), (w["status"], c.status(p.status)),
            *c.src_field("purposes", key)]
        if p.note:
            fields.append((w["note"], p.note))
        out.append(("entry", _Entry(f"`{key}` {p.label.text(c.lang)}", tuple(fields))))
    return out


def _tier_section(c: _Ctx) -> list[Block]:
    s, w, lang = c.s, c.w, c.lang
    if not s.tiers:
        return []
    services = {**service_catalogue(), **s.services}
    out: list[Block] = [("h2", w["tiers"])]
    for t in s.tiers:
        fields: Fields = []
        if t.purposes:
            fields.append((w["purposes_of"], ", ".join(f"`{p}`" for p in t.purposes)))
        if t.min_score is not None:
            fields.append((w["min_score"], _num(t.min_score)))
        gates = [*(g for p in (t.purposes or ()) for g in s.purposes[p].gates), *t.gates]
        fields.append((w["tier_gates"], tuple(
            _gate_ref(s, g, lang) for g in dict.fromkeys(gates)) or w["none"]))
        fields.append((w["tier_services"], tuple(
            f"{_service_label(services.get(x), x, lang)} (`{x}`)" for x in t.services)
            or w["none"]))
        if t.follow:
            fields.append((w["follow"], ("、" if lang == "zh" else ", ").join(
                _FOLLOW[f][0 if lang == "zh" else 1] for f in t.follow)))
        if t.register_in:
            fields.append((w["register_in"], tuple(
                f"{i}. {s.households[h].text(lang)} (`{h}`)"
                for i, h in enumerate(t.register_in, start=1))))
        fields += [(w["ref"], t.ref), (w["status"], c.status(t.status)),
                   *c.src_field("tiers", t.id)]
        if t.note:
            fields.append((w["note"], t.note))
        out.append(("entry", _Entry(f"`{t.id}` {t.label.text(lang)}", tuple(fields))))
    return out


def _service_section(c: _Ctx) -> list[Block]:
    s, w = c.s, c.w
    services = {**service_catalogue(), **s.services}
    granted: dict[str, list[str]] = {}
    for t in s.tiers:
        for x in t.services:
            granted.setdefault(x, []).append(t.id)
    shown = [*granted, *(x for x in s.services if x not in granted)]
    if not shown:
        return []
    rows: list[Row] = []
    for x in shown:
        spec = services.get(x)
        where = w["catalogue"]
        if x in s.services:
            origin = c.origins.get(("services", x))
            where = w["this"] if origin is None or origin.kind == "own" \
                else _origin_text(origin, c.lang)
        rows.append((f"`{x}`", spec.zh if spec else "", spec.en if spec else "",
                     _FAMILY[spec.family][0 if c.lang == "zh" else 1] if spec else "",
                     ", ".join(f"`{t}`" for t in granted.get(x, ())) or w["none"], where))
    return [("h2", w["services"]),
            ("table", _Table((w["id"], w["zh"], w["en"], w["family"], w["granted_by"],
                              w["defined_in"]), tuple(rows)))]


def _household_section(c: _Ctx) -> list[Block]:
    s, w = c.s, c.w
    if not s.households:
        return []
    users: dict[str, list[str]] = {h: [] for h in s.households}
    for t in s.tiers:
        for h in t.register_in:
            users[h].append(t.id)
    rows: list[Row] = [
        (f"`{h}`", label.text(c.lang), label.text(c.other),
         ", ".join(f"`{t}`" for t in users[h]) or w["none"], *c.src("households", h))
        for h, label in s.households.items()]
    return [("h2", w["households"]),
            ("table", _Table((w["id"], w["label"], w[c.other], w["used_by"], *c.src_h()),
                             tuple(rows)))]


def _ranking_section(c: _Ctx) -> list[Block]:
    s, w, r = c.s, c.w, c.s.ranking
    if r is None:
        return []
    tie_breaks = tuple(
        f"{i}. " + (_fact_label(tb.fact, c.lang, True) if tb.fact is not None
                    else _score_label(s, tb.score or "", c.lang)) + f", {w[tb.order]}"
        for i, tb in enumerate(r.tie_breaks, start=1))
    fields: Fields = [
        (w["purposes_of"], f"`{r.purpose}`" if r.purpose else w["none"]),
        (w["key"], _score_label(s, r.key, c.lang) + f" (`{r.key}`)"),
        (w["tie_breaks"], tie_breaks or w["none"]),
        (w["final"], w[r.final]),
    ]
    if r.seed is not None:
        fields.append((w["seed"], str(r.seed)))
    fields += [(w["quota"], str(r.quota) if r.quota is not None else w["none"]),
               (w["ref"], r.ref), (w["status"], c.status(r.status))]
    if r.note:
        fields.append((w["note"], r.note))
    return [("h2", w["ranking"]), ("entry", _Entry(w["ranking"], tuple(fields)))]


def _paren(text: str, lang: Lang) -> str:
    return f"（{text}）" if lang == "zh" else f" ({text})"


def _sourced(s: Schedule) -> Iterator[tuple[str, str]]:
    """`(table.id, status)` of every entry that cites the document."""
    for table in ("factors", "groups", "branches", "deductions", "gates", "purposes"):
        for key, spec in getattr(s, table).items():
            yield f"{table}.{key}", spec.status
    for t in s.tiers:
        yield f"tiers.{t.id}", t.status
    if s.ranking is not None:
        yield "ranking", s.ranking.status


def _notes(specs: Mapping[str, Any], w: Mapping[str, str]) -> list[Block]:
    items = tuple(f"`{k}`: {v.note}" for k, v in specs.items() if v.note)
    return [("p", f"{w['notes']}:"), ("bullets", items)] if items else []


def _gate_ref(s: Schedule, gid: str, lang: Lang) -> str:
    g = s.gates[gid]
    return f"`{gid}` {g.label.text(lang)}"


def _service_label(spec: ServiceSpec | None, key: str, lang: Lang) -> str:
    if spec is None:
        return key
    return spec.zh if lang == "zh" else spec.en


