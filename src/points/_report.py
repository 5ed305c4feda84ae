"""HTML building blocks for notebooks and reports: escaped tables, bilingual labels, row
previews, and the fonts that show Chinese. Offline: no network, no scripts from elsewhere."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

__all__ = ["CARD_CSS", "CJK_FONTS", "PREVIEW_ROWS", "bilingual", "html_table", "preview_html"]

#: rows a notebook preview shows
PREVIEW_ROWS = 5

#: fonts with Chinese glyphs on Linux, macOS and Windows, before the generic family
CJK_FONTS = ('"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", '
             '"WenQuanYi Micro Hei"')
#: the style of a score card in a notebook (class names prefixed, so nothing else changes)
CARD_CSS = (
    f".points-card {{ font-family: system-ui, {CJK_FONTS}, sans-serif; }} "
    ".points-card table { border-collapse: collapse; margin: .4em 0; } "
    ".points-card th, .points-card td { border: 1px solid #ccc; padding: .2em .5em; "
    "text-align: left; vertical-align: top; } "
    ".points-card .num { display: block; text-align: right; font-variant-numeric: tabular-nums; } "
    ".points-card .en { color: #666; font-size: .9em; } "
    ".points-card .more { color: #666; }")


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def bilingual(zh: str, en: str, *, inline: bool = False) -> str:
    """A label in Chinese, then in English (smaller: below it, or `inline` after it), as
    HTML."""
    if zh == en:
        return _e(zh)
    return f'{_e(zh)}{" " if inline else "<br>"}<span class="en">{_e(en)}</span>'


def html_table(header: Sequence[str], rows: Sequence[Sequence[object]], *,
               cls: str = "sortable", id: str | None = None) -> str:
    """An HTML table (sortable by clicking a header)."""
    ident = f' id="{_e(id)}"' if id else ""
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return (f'<table class="{cls}"{ident}><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def preview_html(frame: pl.DataFrame, title: str, total: int, *,
                 columns: Sequence[str] = (), rows: int = PREVIEW_ROWS) -> str:
    """The first `rows` rows of `frame` (its `columns` first, when present) as an HTML table
    under `title`, saying how many of `total` it shows; nothing for an empty frame."""
    if frame.height == 0:
        return ""
    first = [c for c in columns if c in frame.columns]
    cols = first + [c for c in frame.columns if c not in first]
    head = frame.select(cols).head(rows)
    body = [["" if v is None else v for v in r] for r in head.iter_rows()]
    shown = f"first {head.height} of {total:,}" if total > head.height else f"all {total:,}"
    return (f'<p class="muted">{_e(title)}: {shown} rows</p>'
            + html_table(cols, body, cls="preview"))
