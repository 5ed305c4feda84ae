"""The bundled schemes side by side, as one Markdown page generated from the schedule files.

`comparison_markdown()` builds `docs/comparison.md`: an overview of every bundled schedule,
its indicators (one row per fact, one column per points schedule) with rates and caps, its
groups, gates and thresholds, its tiers and the services each unlocks, and its ranking.
Regenerate the page with `python -m points._comparison docs/comparison.md`; a test fails when
the page and the schedule files disagree.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path

from .compiled import compile_schedule, describe
from .facts import FACTS
from .schedule.kinds import describe_rule
from .schedule.loader import bundled_ids, load_schedule, service_catalogue
from .schedule.model import Schedule

__all__ = ["comparison_markdown"]

_PROVISIONAL = " ⚠"


def comparison_markdown(schedules: Sequence[Schedule] | None = None) -> str:
    """The comparison page for `schedules` (default: every bundled schedule, by id)."""
    if schedules is None:
        schedules = [load_schedule(i) for i in bundled_ids()]
    scored = [s for s in schedules if s.factors or s.deductions]
    parts = [
        "# The bundled schemes side by side",
        "",
        "Generated from the schedule files by `python -m points._comparison "
        "docs/comparison.md`; do not edit by hand (a test fails when this page is stale). "
        f"A value marked{_PROVISIONAL} is provisional: unconfirmed, conflicting or our "
        "reading; each schedule's notes (`points show ID`) say why. Rates count full units "
        "of the fact unless marked pro rata; dates are `[from, until)`, the first day "
        "inclusive and the last exclusive.",
        "",
        "## Overview",
        "",
        *_overview(schedules),
        "",
        "## Indicators",
        "",
        "One row per fact, one column per points schedule; a group's combination and cap "
        "are in the next table.",
        "",
        *_indicators(scored, deductions=False),
        "",
        "## Deductions",
        "",
        *_indicators(scored, deductions=True),
        "",
        "## Groups and caps",
        "",
        *_groups(scored),
        "",
        "## Gates and thresholds",
        "",
        *_gates(schedules),
        "",
        "## What each score unlocks",
        "",
        *_tiers(schedules),
        "",
        "## Ranking under the quota",
        "",
        *_ranking(schedules),
    ]
    return "\n".join(parts) + "\n"


# --- tables ------------------------------------------------------------------------------


def _overview(schedules: Sequence[Schedule]) -> list[str]:
    rows = []
    for s in schedules:
        m = s.schedule
        specs = [*s.factors.values(), *s.deductions.values(), *s.groups.values(),
                 *s.gates.values(), *s.purposes.values(), *s.tiers,
                 *([s.ranking] if s.ranking else [])]  # as the schedule index counts
        provisional = sum(1 for x in specs if x.status == "provisional")
        rows.append([
            f"`{s.id}`", f"{m.title.zh}<br>{m.title.en}", m.document,
            f"[{m.effective_from}, {m.effective_until or '…'})",
            _n(m.precision), "none" if m.floor is None else _n(m.floor),
            ", ".join(s.purposes) or "—",
            str(len(s.factors)), str(len(s.deductions)), str(len(s.gates)), str(len(s.tiers)),
            f"{provisional} of {len(specs)}",
        ])
    return _table(["Schedule", "Title", "Document", "In force", "Precision", "Floor",
                   "Purposes", "Factors", "Deductions", "Gates", "Tiers", "Provisional"],
                  rows)


def _indicators(scored: Sequence[Schedule], *, deductions: bool) -> list[str]:
    columns = [s for s in scored if (s.deductions if deductions else s.factors)]
    if not columns:
        return ["None."]
    used = {x for s in columns
            for spec in (s.deductions if deductions else s.factors).values()
            for x in spec.facts or (spec.fact,)}
    rows = []
    for fact in [f for f in FACTS if f in used]:  # in the order of the facts model
        info = FACTS[fact]
        row = [f"{info.zh}<br>{info.en}<br>`{fact}`"]
        for s in columns:
            table = s.deductions if deductions else s.factors
            cells = []
            for fid, spec in table.items():
                if fact not in (spec.facts or (spec.fact,)):
                    continue
                text = describe_rule(spec, "en")
                if spec.facts:  # one rule over several facts: on each fact's row
                    how = "the highest counts" if spec.combine == "highest" else "added up"
                    text += f", each of {len(spec.facts)} facts ({how})"
                if spec.group is not None:
                    text += f" [{spec.group}]"
                if spec.purposes is not None:
                    text += f" (for {', '.join(spec.purposes)})"
                cells.append(f"`{fid}`: {text}{_mark(spec.status)}")
            row.append("<br>".join(cells) or "—")
        rows.append(row)
    return _table(["Fact", *(f"`{s.id}`" for s in columns)], rows)


def _groups(scored: Sequence[Schedule]) -> list[str]:
    rows = []
    for s in scored:
        members = {g.id: g.members for g in compile_schedule(s).groups}
        for gid, g in s.groups.items():
            how = g.combine + (f", within `{g.within}`" if g.within else "")
            rows.append([
                f"`{s.id}`", f"`{gid}`{_mark(g.status)}", g.label.en, how,
                "—" if g.cap is None else _n(g.cap), g.group or "—",
                ", ".join(members[gid]),
            ])
    return _table(["Schedule", "Group", "Label", "Combine", "Cap", "In group", "Members"],
                  rows) if rows else ["None."]


def _gates(schedules: Sequence[Schedule]) -> list[str]:
    rows = []
    for s in schedules:
        used_by: dict[str, list[str]] = {g: [] for g in s.gates}
        for pid, p in s.purposes.items():
            for name in p.gates:
                used_by[name].append(f"purpose {pid}")
        for t in s.tiers:
            for name in t.gates:
                used_by[name].append(f"tier {t.id}")
        compiled = compile_schedule(s)
        for gid, g in s.gates.items():
            kind = "veto" if g.veto else "condition"
            rows.append([
                f"`{s.id}`", f"`{gid}`{_mark(g.status)}", f"{g.label.zh}<br>{g.label.en}",
                kind, describe(compiled.gates[gid].condition), ", ".join(used_by[gid]) or "—",
            ])
    return _table(["Schedule", "Gate", "Label", "Kind", "Condition", "Used by"], rows)


def _tiers(schedules: Sequence[Schedule]) -> list[str]:
    catalogue = service_catalogue()
    rows = []
    for s in schedules:
        services = {**catalogue, **s.services}
        for t in s.tiers:
            purpose_gates = [g for p in (t.purposes or ()) if p in s.purposes
                             for g in s.purposes[p].gates]
            gates = list(dict.fromkeys([*purpose_gates, *t.gates]))
            granted = [f"{services[x].zh} ({services[x].en})" if x in services else x
                       for x in t.services]
            rows.append([
                f"`{s.id}`", f"`{t.id}`{_mark(t.status)}", f"{t.label.zh}<br>{t.label.en}",
                ", ".join(t.purposes) if t.purposes else "any",
                "—" if t.min_score is None else _n(t.min_score),
                ", ".join(gates) or "—",
                "<br>".join(granted) or "—",
                ", ".join(t.follow) or "—",
            ])
    return _table(["Schedule", "Tier", "Label", "Purposes", "Minimum score", "Gates",
                   "Services granted", "Who may follow"], rows)


def _ranking(schedules: Sequence[Schedule]) -> list[str]:
    rows = []
    for s in schedules:
        r = s.ranking
        if r is None:
            continue
        ties = ", ".join(f"{t.fact or t.score} {t.order}" for t in r.tie_breaks) or "—"
        final = r.final + (f" (seed {r.seed})" if r.seed is not None else "")
        rows.append([
            f"`{s.id}`{_mark(r.status)}", r.purpose or "—", f"`{r.key}`", ties, final,
            "—" if r.quota is None else f"{r.quota:,}",
        ])
    return _table(["Schedule", "Purpose", "Rank key", "Tie-breaks", "Still tied", "Quota"],
                  rows) if rows else ["None."]


# --- helpers -----------------------------------------------------------------------------


def _mark(status: str) -> str:
    return _PROVISIONAL if status == "provisional" else ""


def _n(v: Decimal) -> str:
    return f"{v.normalize():f}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Write the page to the path given, or print it."""
    args = list(sys.argv[1:] if argv is None else argv)
    text = comparison_markdown()
    if args:
        Path(args[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
