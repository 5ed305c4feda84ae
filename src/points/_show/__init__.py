"""A schedule as a document a policy officer can check line by line: `points show`.

`render(schedule, lang=, markdown=)` gives the facts it reads (its own: kind, bounds,
levels with their Chinese and English names, whether required; derived ones: the
expression and it in words), the facts an applicant must give, every factor (the facts a
rule over several reads and how they combine, a table's column fact, its `when`), group
(with its `when`), branch (its members, exactly one or at most one), deduction, gate,
purpose, tier, service, household and the ranking, each with its legal reference and its
confirmed / provisional status, in Chinese or English. A schedule that `extends` another is
shown merged, and every entry says whether it is the schedule's own, inherited from the
base, or overrides the base.

`pages(ids)` gives the docs pages (`docs/schedules/<place>-<version>.md` in English and
`<place>-<version>.zh.md` in Chinese, plus a `README.md` index); `write_pages` writes them.
"""


from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from ..schedule.loader import bundled_ids, dates_provisional, load_schedule
from ..schedule.model import Schedule
from ._format import _markdown, _md_cell, _text
from ._sections import _doc, _sourced
from ._words import _W, GENERATED_MARK, Lang, Origin, condition_text, origins

__all__ = [
    "GENERATED_MARK",
    "Origin",
    "condition_text",
    "is_generated",
    "origins",
    "page_name",
    "pages",
    "render",
    "write_pages",
]


# --- public -----------------------------------------------------------------------------


def render(schedule: Schedule | str | Path, *, lang: str = "en", markdown: bool = False) -> str:
    """`schedule` (loaded, a bundled id or a path) as Markdown or plain text."""
    s = schedule if isinstance(schedule, Schedule) else load_schedule(schedule)
    code: Lang = "zh" if lang == "zh" else "en"
    doc = _doc(s, code)
    if markdown:
        return GENERATED_MARK + "\n\n" + _markdown(doc)
    return _text(doc)


def page_name(schedule_id: str, lang: str = "en") -> str:
    """The docs page of a schedule: `guangzhou-2021.md`, `guangzhou-2021.zh.md`."""
    stem = schedule_id.replace("/", "-")
    return f"{stem}.zh.md" if lang == "zh" else f"{stem}.md"


def pages(schedules: Iterable[Schedule | str | Path] | None = None, *,
          langs: Sequence[str] = ("en", "zh"), index: bool = True) -> dict[str, str]:
    """Docs pages by file name: each schedule (default: every bundled one) in each
    language, and with `index` the `README.md` listing them."""
    chosen = list(bundled_ids() if schedules is None else schedules)
    out: dict[str, str] = {}
    loaded = [x if isinstance(x, Schedule) else load_schedule(x) for x in chosen]
    for s in loaded:
        for lang in langs:
            out[page_name(s.id, lang)] = render(s, lang=lang, markdown=True)
    if index:
        out["README.md"] = _index(loaded)
    return out


def _index(schedules: Sequence[Schedule]) -> str:
    w, z = _W["en"], _W["zh"]
    lines = [GENERATED_MARK, "", f"# {w['index_title']} · {z['index_title']}", "",
             w["index_intro"], "", z["index_intro"], "",
             f"| {w['id']} | {w['title']} | {w['document']} | {w['in_force']} | {w['kind']} "
             f"| {w['extends']} | {w['provisional_n']} | {w['pages']} |",
             "|---|---|---|---|---|---|---|---|"]
    for s in schedules:
        m = s.schedule
        sourced = list(_sourced(s))
        prov = sum(1 for _, st in sourced if st == "provisional")
        span = f"{m.effective_from} – {m.effective_until or ''}".rstrip()
        span += " ?" if dates_provisional(s) else ""  # dates inferred by us: see its note
        kind = "points" if s.factors else "routes"
        lines.append(
            f"| `{s.id}` | {_md_cell(m.title.zh)}<br>{_md_cell(m.title.en)} "
            f"| {_md_cell(m.document)} | {span} | {kind} "
            f"| {('`' + m.extends + '`') if m.extends else '—'} | {prov} of {len(sourced)} "
            f"| [English]({page_name(s.id, 'en')}) · [中文]({page_name(s.id, 'zh')}) |")
    return "\n".join(lines) + "\n"


def write_pages(out_dir: Path, written: Mapping[str, str], *, prune: bool = False) -> list[Path]:
    """Write `written` (file name → text) into `out_dir`, atomically, only where changed.

    With `prune`, generated pages (those starting with `GENERATED_MARK`) that are not in
    `written` are deleted: a schedule that is no longer bundled loses its page. Returns the
    files created, changed or deleted.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    touched: list[Path] = []
    for name, text in written.items():
        path = out_dir / name
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        touched.append(path)
    if prune:
        for path in sorted(out_dir.glob("*.md")):
            if path.name not in written and is_generated(path):
                path.unlink()
                touched.append(path)
    return touched


def is_generated(path: Path) -> bool:
    """True when the file is a page `points show` wrote (it starts with the mark)."""
    try:
        with path.open(encoding="utf-8") as f:
            return f.readline().rstrip("\n") == GENERATED_MARK
    except (OSError, UnicodeDecodeError):
        return False

