"""The result of scoring one applicant: a frozen `ScoreCard` that explains every point.

`to_dict()` gives the documented JSON shape (`"format": "points.scorecard/1"`, see
docs/scorecard.md); `ScoreCard.from_dict()` reads it back; `explain()` gives readable text
with Chinese or English labels.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

import attrs

from ._explain import _WORDS, DEFAULT_WIDTH, _pad, _rpad, _wrap, cell_width

__all__ = ["FORMAT", "DerivedFact", "FactValues", "GateResult", "GroupResult", "Line",
           "NextTier", "ScoreCard", "value_text"]

FORMAT = "points.scorecard/1"

Detail = tuple[tuple["Line", ...], tuple["GroupResult", ...], tuple["GateResult", ...]]




class FactValues(dict[str, Any]):
    """The value of a line whose rule reads several facts: fact → value, read-only, since
    cards with the same values share the line. Equal to, and serialised as, a plain dict."""

    __slots__ = ()

    def _read_only(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("a line's fact values are read-only")

    __setitem__ = __delitem__ = __ior__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only

    def __reduce__(self) -> Any:
        return (FactValues, (dict(self),))


def value_text(v: Any) -> str:
    """A value as the rejects file and messages show it (None as empty text)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


@attrs.frozen
class DerivedFact:
    """One fact derived from records (`points.records`): its value, the rule applied and
    the records behind it.

    `text_en` / `text_zh` say it in words ("permit_months 48: continuous months ... :
    2020-06-15..2024-06-14"); `records` are the ids of the records used; `given` is the value
    the applicant's own facts held when the records replaced a different one.
    """

    fact: str
    value: Any
    derive: str
    records: tuple[str, ...]
    rule_en: str
    rule_zh: str
    detail_en: str
    detail_zh: str
    provisional: bool
    note: str
    given: Any = None

    def text(self, lang: str = "en") -> str:
        """`fact value: rule; detail` in `lang` ("en" or "zh")."""
        zh = lang == "zh"
        rule, detail = (self.rule_zh, self.detail_zh) if zh else (self.rule_en, self.detail_en)
        sep = "：" if zh else ": "
        out = f"{self.fact} {value_text(self.value)}{sep}{rule}"
        if detail:
            out += ("；" if zh else "; ") + detail
        if self.given is not None:
            out += (f"（替换申请人填报的 {value_text(self.given)}）" if zh
                    else f" (replaces the given {value_text(self.given)})")
        if self.provisional:
            out += "（待核实规则）" if zh else " (provisional rule)"
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"fact": self.fact, "value": _json(self.value), "derive": self.derive,
                "records": list(self.records), "rule": {"zh": self.rule_zh, "en": self.rule_en},
                "detail": {"zh": self.detail_zh, "en": self.detail_en},
                "provisional": self.provisional, "note": self.note,
                "given": _json(self.given)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DerivedFact:
        return cls(fact=d["fact"], value=d["value"], derive=d["derive"],
                   records=tuple(d["records"]), rule_en=d["rule"]["en"],
                   rule_zh=d["rule"]["zh"], detail_en=d["detail"]["en"],
                   detail_zh=d["detail"]["zh"], provisional=d["provisional"], note=d["note"],
                   given=d.get("given"))


def _json(v: Any) -> Any:
    """A fact's value in JSON: numbers beyond whole ones and dates as text; the values of a
    rule over several facts as an object."""
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, dict):
        return {k: _json(x) for k, x in v.items()}
    return str(v)


class Line(NamedTuple):
    """One factor or deduction of the card: its fact, the rule applied, and its points.

    `applied` is false when the factor did not apply (its `when` fact is false, or a
    deduction outside the purpose) and `counted` is false when a `highest` group took
    another member instead; `capped` says the factor's own cap cut its points. A frozen
    named tuple: cheap to build when a card's lines are read.
    """

    id: str
    kind: str  # "factor" or "deduction"
    label_zh: str
    label_en: str
    fact: str
    value: Any
    rule_zh: str
    rule_en: str
    points: Decimal
    capped: bool
    applied: bool
    counted: bool
    group: str | None
    ref: str
    status: str
    why_not: str | None = None
    why_not_zh: str | None = None
    value_zh: str = ""  # the value in words, with its unit (from the schedule's vocabulary)
    value_en: str = ""

    def label(self, lang: str = "en") -> str:
        return self.label_zh if lang == "zh" else self.label_en

    def value_text(self, lang: str = "en") -> str:
        """The fact's value in words: `36 months`, `本科及学士学位`."""
        return self.value_zh if lang == "zh" else self.value_en

    def rule(self, lang: str = "en") -> str:
        return self.rule_zh if lang == "zh" else self.rule_en


class GroupResult(NamedTuple):
    """A group's points after combining its members and applying its cap."""

    id: str
    label_zh: str
    label_en: str
    combine: str
    points: Decimal
    capped: bool
    group: str | None


class GateResult(NamedTuple):
    """Whether one gate passed, and why, in words."""

    id: str
    label_zh: str
    label_en: str
    passed: bool
    reason: str
    veto: bool
    ref: str
    status: str
    reason_zh: str | None = None


@attrs.frozen
class NextTier:
    """The first tier of the purpose not yet unlocked: points still missing, gates failing."""

    id: str
    label_zh: str
    label_en: str
    min_score: Decimal | None
    missing: Decimal
    failed_gates: tuple[str, ...]


@attrs.frozen(eq=False, slots=False)
class ScoreCard:
    """The scored and explained result for one applicant under one schedule and purpose.

    `total` is the sum of the top-level groups, the ungrouped factors and the deductions
    that apply, raised to the schedule's floor. `lines` (one per factor and deduction),
    `groups` and `gates` are built from the recorded ticks when first read.
    """

    schedule_id: str
    schedule_hash: str
    library_version: str
    purpose: str | None
    on: date
    in_force: bool
    applicant_id: str | None
    total: Decimal
    raw_total: Decimal
    floor_applied: bool
    eligible: bool
    tiers: tuple[str, ...]
    services: tuple[str, ...]
    next_tier: NextTier | None
    #: (id, zh, en) of each unlocked tier; (zh, en) of the purpose
    tier_labels: tuple[tuple[str, str, str], ...] = ()
    purpose_label: tuple[str, str] | None = None
    _rests_on_provisional: bool | None = attrs.field(
        default=None, alias="rests_on_provisional", repr=False)
    _outcome_sure: bool | None = attrs.field(default=None, alias="outcome_sure", repr=False)
    _flipped_by: tuple[tuple[str, str, str], ...] = attrs.field(
        default=(), alias="flipped_by", repr=False)
    _sure: Callable[[], tuple[bool, bool, tuple[tuple[str, str, str], ...]]] | None = \
        attrs.field(default=None, alias="sure", repr=False)
    _lines: tuple[Line, ...] | None = attrs.field(default=None, alias="lines", repr=False)
    _groups: tuple[GroupResult, ...] | None = attrs.field(
        default=None, alias="groups", repr=False)
    _gates: tuple[GateResult, ...] | None = attrs.field(default=None, alias="gates", repr=False)
    _detail: Callable[[], Detail] | None = attrs.field(default=None, alias="detail", repr=False)
    #: the facts derived from records (`points.score(..., records=...)`), each explained
    derivations: tuple[DerivedFact, ...] = attrs.field(default=(), repr=False)

    @classmethod
    def _of(cls, values: dict[str, Any]) -> ScoreCard:
        """A card from every attribute's value by attribute name (`_lines`, not `lines`), as
        `__init__` would set them, without its per-field cost (the per-record engine makes
        one per applicant). `values` becomes the card's own `__dict__`: pass a fresh dict."""
        card = object.__new__(cls)
        object.__setattr__(card, "__dict__", values)
        return card

    def __getstate__(self) -> dict[str, Any]:
        """The card's values, explanation built: a card pickles whether or not it was read."""
        self._sured()
        self._explained()
        return {a.name: getattr(self, a.name) for a in attrs.fields(type(self))}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)

    def _sured(self) -> None:
        if self._sure is not None:
            rests, sure, flipped = self._sure()
            object.__setattr__(self, "_rests_on_provisional", rests)
            object.__setattr__(self, "_outcome_sure", sure)
            object.__setattr__(self, "_flipped_by", flipped)
            object.__setattr__(self, "_sure", None)

    @property
    def rests_on_provisional(self) -> bool | None:
        """The result uses a provisional value: a provisional line or group scored non-zero,
        or the purpose reads a provisional gate or tier (None: read from JSON written before
        this key existed)."""
        self._sured()
        return self._rests_on_provisional

    @property
    def outcome_sure(self) -> bool | None:
        """Eligibility and tiers cannot change whatever the provisional values are."""
        self._sured()
        return self._outcome_sure

    @property
    def flipped_by(self) -> tuple[tuple[str, str, str], ...]:
        """(id, zh label, en label) of the provisional entries that could change the
        outcome (empty when it is sure)."""
        self._sured()
        return self._flipped_by

    def _explained(self) -> None:
        if self._detail is not None:
            values = self.__dict__  # frozen: written as `__init__` writes them
            values["_lines"], values["_groups"], values["_gates"] = self._detail()
            values["_detail"] = None

    @property
    def lines(self) -> tuple[Line, ...]:
        """One line per factor and deduction, in schedule order."""
        if self._detail is not None:
            self._explained()
        return self._lines or ()

    @property
    def groups(self) -> tuple[GroupResult, ...]:
        """One result per group, members before the groups that hold them."""
        if self._detail is not None:
            self._explained()
        return self._groups or ()

    @property
    def gates(self) -> tuple[GateResult, ...]:
        """Every gate of the schedule, passed or failed, with the reason in words."""
        if self._detail is not None:
            self._explained()
        return self._gates or ()

    def line(self, id: str) -> Line:
        """The line of factor or deduction `id`."""
        for ln in self.lines:
            if ln.id == id:
                return ln
        raise KeyError(id)

    def points(self, id: str) -> Decimal:
        """Points of a factor, deduction or group by id (`"total"` for the total)."""
        if id == "total":
            return self.total
        for g in self.groups:
            if g.id == id:
                return g.points
        return self.line(id).points

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ScoreCard):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    # --- JSON ----------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The card as JSON-ready data, in the documented `points.scorecard/1` shape (with
        `derivations` only when facts were derived from records)."""
        out = self._dict()
        if self.derivations:
            out["derivations"] = [d.to_dict() for d in self.derivations]
        return out

    def _dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "provenance": {
                "schedule": self.schedule_id,
                "schedule_hash": self.schedule_hash,
                "library_version": self.library_version,
                "on": self.on.isoformat(),
                "in_force": self.in_force,
            },
            "applicant_id": self.applicant_id,
            "purpose": self.purpose,
            "purpose_label": None if self.purpose_label is None
            else {"zh": self.purpose_label[0], "en": self.purpose_label[1]},
            "total": str(self.total),
            "raw_total": str(self.raw_total),
            "floor_applied": self.floor_applied,
            "eligible": self.eligible,
            "tiers": list(self.tiers),
            "tier_labels": {t: {"zh": z, "en": e} for t, z, e in self.tier_labels},
            "services": list(self.services),
            "rests_on_provisional": self.rests_on_provisional,
            "outcome_sure": self.outcome_sure,
            "flipped_by": [{"id": i, "label": {"zh": z, "en": e}}
                           for i, z, e in self.flipped_by],
            "next_tier": None if self.next_tier is None else {
                "id": self.next_tier.id,
                "label": {"zh": self.next_tier.label_zh, "en": self.next_tier.label_en},
                "min_score": None if self.next_tier.min_score is None
                else str(self.next_tier.min_score),
                "missing": str(self.next_tier.missing),
                "failed_gates": list(self.next_tier.failed_gates),
            },
            "lines": [
                {
                    "id": ln.id, "kind": ln.kind,
                    "label": {"zh": ln.label_zh, "en": ln.label_en},
                    "fact": ln.fact, "value": _json(ln.value),
                    "value_text": {"zh": ln.value_zh, "en": ln.value_en},
                    "rule": {"zh": ln.rule_zh, "en": ln.rule_en},
                    "points": str(ln.points), "capped": ln.capped, "applied": ln.applied,
                    "counted": ln.counted, "group": ln.group, "ref": ln.ref,
                    "status": ln.status, "why_not": ln.why_not,
                    "why_not_zh": ln.why_not_zh,
                }
                for ln in self.lines
            ],
            "groups": [
                {"id": g.id, "label": {"zh": g.label_zh, "en": g.label_en},
                 "combine": g.combine, "points": str(g.points), "capped": g.capped,
                 "group": g.group}
                for g in self.groups
            ],
            "gates": [
                {"id": g.id, "label": {"zh": g.label_zh, "en": g.label_en},
                 "passed": g.passed, "reason": g.reason, "reason_zh": g.reason_zh,
                 "veto": g.veto, "ref": g.ref, "status": g.status}
                for g in self.gates
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScoreCard:
        """Read back what `to_dict()` wrote."""
        if data.get("format") != FORMAT:
            from .errors import InputError
            raise InputError(f"not a {FORMAT} score card", value=data.get("format"))
        p = data["provenance"]
        nt = data["next_tier"]
        derived = tuple(DerivedFact.from_dict(d) for d in data.get("derivations") or ())
        return cls(
            derivations=derived,
            schedule_id=p["schedule"], schedule_hash=p["schedule_hash"],
            library_version=p["library_version"], on=date.fromisoformat(p["on"]),
            in_force=p["in_force"], applicant_id=data["applicant_id"],
            purpose=data["purpose"], total=Decimal(data["total"]),
            purpose_label=None if data.get("purpose_label") is None
            else (data["purpose_label"]["zh"], data["purpose_label"]["en"]),
            tier_labels=tuple((t, x["zh"], x["en"])
                              for t, x in (data.get("tier_labels") or {}).items()),
            raw_total=Decimal(data["raw_total"]), floor_applied=data["floor_applied"],
            eligible=data["eligible"], tiers=tuple(data["tiers"]),
            services=tuple(data["services"]),
            rests_on_provisional=data.get("rests_on_provisional"),
            outcome_sure=data.get("outcome_sure"),
            flipped_by=tuple((x["id"], x["label"]["zh"], x["label"]["en"])
                             for x in data.get("flipped_by") or ()),
            next_tier=None if nt is None else NextTier(
                id=nt["id"], label_zh=nt["label"]["zh"], label_en=nt["label"]["en"],
                min_score=None if nt["min_score"] is None else Decimal(nt["min_score"]),
                missing=Decimal(nt["missing"]), failed_gates=tuple(nt["failed_gates"])),
            groups=tuple(
                GroupResult(id=g["id"], label_zh=g["label"]["zh"], label_en=g["label"]["en"],
                            combine=g["combine"], points=Decimal(g["points"]),
                            capped=g["capped"], group=g["group"])
                for g in data["groups"]),
            gates=tuple(
                GateResult(id=g["id"], label_zh=g["label"]["zh"], label_en=g["label"]["en"],
                           passed=g["passed"], reason=g["reason"], veto=g["veto"],
                           ref=g["ref"], status=g["status"], reason_zh=g.get("reason_zh"))
                for g in data["gates"]),
            lines=tuple(
                Line(id=ln["id"], kind=ln["kind"], label_zh=ln["label"]["zh"],
                     label_en=ln["label"]["en"], fact=ln["fact"], value=ln["value"],
                     rule_zh=ln["rule"]["zh"], rule_en=ln["rule"]["en"],
                     points=Decimal(ln["points"]), capped=ln["capped"],
                     applied=ln["applied"], counted=ln["counted"], group=ln["group"],
                     ref=ln["ref"], status=ln["status"], why_not=ln["why_not"],
                     why_not_zh=ln.get("why_not_zh"),
                     value_zh=(ln.get("value_text") or {}).get("zh", str(ln["value"])),
                     value_en=(ln.get("value_text") or {}).get("en", str(ln["value"])))
                for ln in data["lines"]),
        )

    # --- text ----------------------------------------------------------------------------

    def explain(self, lang: str = "en", width: int | None = None) -> str:
        """The card as readable text: every line, gate and tier, and what is missing, in
        `lang` ("en" or "zh"), wrapped to `width` columns (default 100)."""

        if lang not in ("en", "zh"):
            from .errors import InputError

            raise InputError('lang is "zh" or "en"', value=lang)
        return explain_text(self, lang, width)

    def _repr_html_(self) -> str:
        """The card in a notebook, in Chinese and English: who, total, eligibility, tiers and
        next tier, the lines that scored most (with their references), and the gates."""
        from ._report import CARD_CSS, bilingual

        def e(text: object) -> str:
            from html import escape

            return escape(str(text), quote=True)

        def row(cells: list[str], tag: str = "td") -> str:
            return "<tr>" + "".join(f"<{tag}>{c}</{tag}>" for c in cells) + "</tr>"

        who = self.applicant_id or "(no applicant id)"
        purpose = (bilingual(*self.purpose_label, inline=True) if self.purpose_label
                   else e(self.purpose or "-"))
        head = (f'<p class="who"><b>{e(who)}</b> · {e(self.schedule_id)} · 用途 purpose '
                f"{purpose} · {e(self.on)}"
                + ("" if self.in_force else " · <b>不在有效期内 not in force</b>") + "</p>")
        floor = f" (raised to the floor 按最低分计; {e(self.raw_total)})" \
            if self.floor_applied else ""
        total = f'<p class="total">总分 Total <b>{e(self.total)}</b>{floor}</p>'
        labels = {g.id: bilingual(g.label_zh, g.label_en, inline=True)
                  for g in self.gates}
        failed = [labels.get(g.id, e(g.id)) for g in self.gates if not g.passed]
        if self.purpose:
            verdict = "是 yes" if self.eligible else "否 no"
            eligible = (f'<p class="eligible">符合该用途的条件 Eligible: <b>{verdict}</b>'
                        + (f" — 未通过 failed: {'; '.join(failed)}" if failed else "") + "</p>")
        else:
            eligible = ""
        tier_names = {t: bilingual(z, en, inline=True)
                      for t, z, en in self.tier_labels}
        tiers = "; ".join(tier_names.get(t, e(t)) for t in self.tiers) or "无 none"
        text = f'<p class="tiers">已达到的层级 Tiers: {tiers}'
        nt = self.next_tier
        if nt is not None:
            next_label = bilingual(nt.label_zh, nt.label_en, inline=True)
            text += f"<br>下一层级 Next tier: {next_label}"
            if nt.missing > 0:
                text += f", 尚差 missing {e(nt.missing)}"
            if nt.failed_gates:
                text += ", 未满足条件 blocked by: " + "; ".join(
                    labels.get(g, e(g)) for g in nt.failed_gates)
        text += "</p>"

        lines = sorted(self.lines, key=lambda ln: (not ln.counted, -abs(ln.points)))
        top = [ln for ln in lines if ln.points != 0][:12] or lines[:5]
        rows = [row(["指标 factor", "值 value", "分 points", "依据 reference", "说明 note"],
                    "th")]
        for ln in top:
            note = "; ".join(x for x in (
                "已达上限 cap reached" if ln.capped else "",
                "" if ln.counted else e(ln.why_not_zh or "") + " " + e(ln.why_not or ""),
                "待核实 provisional" if ln.status == "provisional" else "") if x.strip())
            rows.append(row([bilingual(ln.label_zh, ln.label_en),
                             e(ln.value_text("zh")),
                             f'<span class="num">{e(ln.points)}</span>', e(ln.ref), note]))
        rest = len(self.lines) - len(top)
        more = (f'<p class="more">另有 {rest} 项 and {rest} more lines '
                "(card.explain(\"zh\") shows every line)</p>") if rest else ""
        gates = ""
        if self.gates:
            g_rows = [row(["条件 gate", "", "理由 reason", "依据 reference"], "th")]
            for g in self.gates:
                reason = e(g.reason_zh) + "<br>" if g.reason_zh else ""
                g_rows.append(row([bilingual(g.label_zh, g.label_en),
                                   "✓" if g.passed else "✗",
                                   f'{reason}<span class="en">{e(g.reason)}</span>',
                                   e(g.ref)]))
            gates = f'<table class="points-gates">{"".join(g_rows)}</table>'
        return (f'<div class="points-card"><style>{CARD_CSS}</style>{head}{total}{eligible}'
                f'{text}<table class="points-scorecard">{"".join(rows)}</table>{more}'
                f"{gates}</div>")

    def __repr__(self) -> str:
        return (f"ScoreCard(schedule={self.schedule_id!r}, purpose={self.purpose!r}, "
                f"total={self.total}, tiers={self.tiers!r}, eligible={self.eligible})")


# --- the card as text ----------------------------------------------------------------


def explain_text(card: ScoreCard, lang: str = "en", width: int | None = None) -> str:
    """Every line, group, gate and tier of `card`, as aligned plain text.

    Columns are aligned by display width (a Chinese character takes two columns) and lines
    are wrapped between words to fit `width` columns (default `DEFAULT_WIDTH`). In Chinese,
    every word is Chinese where the card has a Chinese text.
    """
    zh = lang == "zh"
    w = _WORDS["zh" if zh else "en"]
    width = max(40, width or DEFAULT_WIDTH)
    colon = "：" if zh else ": "
    semi = "；" if zh else "; "
    comma = "、" if zh else ", "
    out: list[str] = []

    def add(text: str, indent: int = 2) -> None:
        out.extend(_wrap(text, width, indent))

    add(f"{w['schedule']}{colon}{card.schedule_id} ({card.schedule_hash[:19]}…)")
    add(f"{w['on']}{colon}{card.on}" + ("" if card.in_force else f"  [{w['not_in_force']}]"))
    if card.applicant_id:
        add(f"{w['applicant']}{colon}{card.applicant_id}")
    if card.purpose:
        label = card.purpose_label[0 if zh else 1] if card.purpose_label else card.purpose
        add(f"{w['purpose']}{colon}{label}" + (f" ({card.purpose})" if label != card.purpose
                                               else ""))
    if card.derivations:
        out.append("")
        out.append("由记录得出的事实：" if zh else "Facts from records:")
        for d in card.derivations:
            add("  " + d.text(lang), 4)
    out.append("")
    labels = [ln.label(lang) for ln in card.lines] + \
        [g.label_zh if zh else g.label_en for g in card.groups]
    lab_w = min(max((cell_width(x) for x in labels), default=10), width // 3)
    pts_w = max([len(str(ln.points)) for ln in card.lines]
                + [len(str(g.points)) for g in card.groups], default=6)

    def row(label: str, points: object, tail: str) -> None:
        if cell_width(label) > lab_w:  # a long label takes its own line(s)
            add("  " + label, 4)
            label = ""
        head = f"  {_pad(label, lab_w)} {_rpad(str(points), pts_w)}  "
        indent = cell_width(head)
        if width - indent < 30:
            out.append(head.rstrip())
            add(" " * 6 + tail, 6)
        else:
            add(head + tail, indent)

    for ln in card.lines:
        marks = []
        if ln.capped:
            marks.append(w["capped"])
        if not ln.counted:
            why = (ln.why_not_zh or ln.why_not) if zh else ln.why_not
            marks.append(f"{w['not_counted']}{colon}{why}")
        if ln.status == "provisional":
            marks.append(w["provisional"])
        mark = ""
        if marks:
            mark = f"（{semi.join(marks)}）" if zh else f"  ({semi.join(marks)})"
        value = ln.value_text(lang)
        row(ln.label(lang), ln.points, f"[{value}{semi}{ln.rule(lang)}]{mark}  — {ln.ref}")
    if card.groups:
        out.append("")
        out.append(f"{w['group']}{colon.strip()}")
        for g in card.groups:
            cap = (f"（{w['capped']}）" if zh else f"  ({w['capped']})") if g.capped else ""
            row(g.label_zh if zh else g.label_en, g.points,
                f"[{w.get(g.combine, g.combine)}]{cap}")
    out.append("")
    floor = ""
    if card.floor_applied:
        floor = f"（{w['floor']}；{card.raw_total}）" if zh else \
            f"  ({w['floor']}; {card.raw_total})"
    add(f"{w['total']}{colon}{card.total} {w['points']}{floor}")
    gate_label = {g.id: (g.label_zh if zh else g.label_en) for g in card.gates}
    if card.gates:
        out.append("")
        out.append(f"{w['gates']}{colon.strip()}")
        for gate in card.gates:
            reason = (gate.reason_zh or gate.reason) if zh else gate.reason
            tick = "✓" if gate.passed else "✗"
            add(f"  {tick} {gate_label[gate.id]}{colon}{reason}  — {gate.ref}", 4)
        if card.purpose:
            add(f"  {w['eligible']}{colon}{w['yes'] if card.eligible else w['no']}")
    out.append("")
    tier_label = {t: (z if zh else e) for t, z, e in card.tier_labels}
    tiers = comma.join(tier_label.get(t, t) for t in card.tiers)
    add(f"{w['tiers']}{colon}{tiers or w['none']}")
    if card.services:
        add(f"{w['services']}{colon}{comma.join(_service(sid, lang) for sid in card.services)}")
    nt = card.next_tier
    if nt is not None:
        label = nt.label_zh if zh else nt.label_en
        text = f"{w['next']}{colon}{label}" + ("" if zh else f" ({nt.id})")
        if nt.missing > 0:
            text += f"{'，' if zh else ', '}{w['missing']} {nt.missing}" if zh else \
                f", {nt.missing} {w['missing']}"
        if nt.failed_gates:
            failed = comma.join(gate_label.get(g, g) for g in nt.failed_gates)
            text += f"{'，' if zh else ', '}{w['blocked']}{colon}{failed}"
        add(text)
    sure = sure_text(card, lang)
    if sure:
        add(sure)
    return "\n".join(out)


def sure_text(card: ScoreCard, lang: str = "en") -> str:
    """Whether the card's outcome rests on provisional values, in words ("" when it does
    not, or when the card does not say)."""
    zh = lang == "zh"
    if not card.rests_on_provisional:
        return ""
    if card.outcome_sure:
        return ("待核实数值：本结果用到待核实数值，但资格与层级不受其影响" if zh else
                "Provisional values: used, but eligibility and tiers do not depend on them")
    which = ("、" if zh else ", ").join(z if zh else f"{e} ({i})" for i, z, e in card.flipped_by)
    return (f"待核实数值：资格或层级可能因待核实数值而改变（{which}）" if zh else
            f"Provisional values: eligibility or tiers could change with them ({which})")


def _service(sid: str, lang: str) -> str:
    from .schedule.loader import service_catalogue

    spec = service_catalogue().get(sid)
    if spec is None:
        return sid
    return spec.zh if lang == "zh" else spec.en
