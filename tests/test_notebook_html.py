"""Notebook reprs and the diff report show what a person needs, in Chinese and English: the
card's applicant, total, eligibility, tiers, top lines with references; row previews for
tables; labelled, unclipped charts. The card is also rendered in headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest

import points
from points._report import CJK_FONTS
from points.analysis import diff
from points.batch import score_frame

ON = date(2024, 6, 1)
FACTS = {"applicant_id": "A-<1>&", "age": 42, "has_permit": True, "permit_months": 50,
         "employed": True, "education": "master", "pension_months": 10}


class _Text(HTMLParser):
    """The visible text of a page, and the texts of its table cells."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.cells: list[str] = []
        self._cell: list[str] | None = None
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script", "title"):
            self._skip += 1
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "title"):
            self._skip -= 1
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)
            if self._cell is not None:
                self._cell.append(data + " ")


def text_of(page: str) -> tuple[str, list[str]]:
    parser = _Text()
    parser.feed(page)
    return " ".join(" ".join(parser.parts).split()), parser.cells


def card() -> points.ScoreCard:
    return points.score(FACTS, "guangzhou/2021", on=ON)


def check_card_text(text: str, cells: list[str], c: points.ScoreCard) -> None:
    assert "A-<1>&" in text  # escaped in the HTML, shown as written
    assert f"总分 Total {c.total}" in text
    assert "符合该用途的条件 Eligible: 否 no" in text
    assert "未通过 failed: 在穗缴纳社会保险满4年 At least 4 years of Guangzhou social insurance" \
        in text
    for _tier, zh, en in c.tier_labels:
        assert zh in text and en in text
    assert c.next_tier is not None and c.next_tier.label_zh in text
    # the top line: the most points, with its Chinese and English label and its reference
    best = max(c.lines, key=lambda ln: ln.points)
    row = next(x for x in cells if x.startswith(best.label_zh))
    assert row == f"{best.label_zh} {best.label_en}"
    i = cells.index(row)
    assert cells[i + 2] == str(best.points) and cells[i + 3] == best.ref
    # gates with their Chinese reasons
    for g in c.gates:
        assert g.reason_zh is not None and g.reason_zh in text


def test_card_repr_html_has_who_total_eligibility_tiers_top_lines() -> None:
    c = card()
    page = c._repr_html_()
    assert "A-&lt;1&gt;&amp;" in page
    assert CJK_FONTS in page
    text, cells = text_of(page)
    check_card_text(text, cells, c)
    assert "and " in text and "more lines" in text  # zero lines are left to explain()


def test_batch_repr_previews_rows() -> None:
    frame = pl.DataFrame({"applicant_id": [f"p{i}" for i in range(8)],
                          "age": [30, 31, 32, 33, 34, 35, 36, 200]})
    result = score_frame(frame, "guangzhou/2021", on=ON)
    text, cells = text_of(result._repr_html_())
    assert "scored: first 5 of 7 rows" in text
    assert "rejects: all 1 rows" in text
    assert cells[cells.index("applicant_id") + len(result.scored.columns)] == "p0"
    assert "200" in cells  # the rejected value


def test_diff_repr_previews_rows_largest_loss_first() -> None:
    population = pl.DataFrame({"applicant_id": ["A", "B"], "age": [30, 44],
                               "education": ["bachelor", "none"]})
    d = diff("guangzhou/2018", "guangzhou/2021", population, purpose="settlement",
             on=date(2021, 11, 1))
    text, cells = text_of(d._repr_html_())
    assert "applicants, largest loss first: all 2 rows" in text
    first = cells.index("applicant_id") + len(d.table.columns)
    # A, age 30, 本科: 2018 30 + 50 = 80; 2021 30 + 30 = 60
    assert cells[first:first + 4] == ["A", "80.00", "60.00", "-20.00"]


@pytest.fixture(scope="module")
def report() -> str:
    population = pl.DataFrame({"applicant_id": ["A", "B", "C"], "age": [30, 35, 44],
                               "education": ["bachelor", "high_school", "none"],
                               "permit_months": [36, 60, 0]})
    return diff("guangzhou/2018", "guangzhou/2021", population, on=date(2021, 11, 1)).html()


def test_report_labels_factors_not_ids(report: str) -> None:
    _, cells = text_of(report)
    new = points.load_schedule("guangzhou/2021")
    for spec in (*new.factors.values(), *new.deductions.values()):
        assert spec.label.zh in cells and spec.label.en in cells
    factors = report.split('id="factors"')[1]
    assert ">education<" not in factors and "文化程度" in factors
    bars = re.search(r'<svg id="chart-factors".*?</svg>', report, flags=re.S)
    assert bars is not None and "文化程度" in bars.group(0)


def test_report_names_tiers_by_label(report: str) -> None:
    matrix = report.split('id="transitions"')[1].split("</table>")[0]
    _, cells = text_of("<table>" + matrix.split(">", 1)[1] + "</table>")
    labels = {}  # a tier both schedules have is named as the new one names it
    for sid in ("guangzhou/2018", "guangzhou/2021"):
        labels.update({t.id: t.label for t in points.load_schedule(sid).tiers})
    for label in labels.values():
        assert f"{label.zh} {label.en}" in cells
    assert "无 none" in cells


def test_report_never_prints_purpose_none(report: str) -> None:
    assert "purpose None" not in report
    assert "each schedule's default purpose" in text_of(report)[0]


def test_report_names_a_cjk_font_stack(report: str) -> None:
    for font in ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC"):
        assert font in report


def test_histogram_has_axis_titles_and_keeps_labels_inside(report: str) -> None:
    svg = re.search(r'<svg id="chart-totals".*?</svg>', report, flags=re.S)
    assert svg is not None
    chart = svg.group(0)
    width = int(re.search(r'width="(\d+)"', chart).group(1))  # type: ignore[union-attr]
    assert "total points 总分" in chart and "applicants 人数" in chart
    ticks = re.findall(r'<text class="tick" x="([\d.]+)"[^>]*text-anchor="middle">([^<]*)<',
                       chart)
    assert len(ticks) == 5
    for x, label in ticks:  # 11px digits are at most 7px wide: half the label each side
        assert float(x) + 3.5 * len(label) <= width and float(x) - 3.5 * len(label) >= 0


# --- in a browser ---------------------------------------------------------------------------


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _browse(page: Path, *args: str) -> subprocess.CompletedProcess[str]:
    browser = _chromium()
    assert browser is not None, "CI must have Chromium: .ci/run installs it"
    profile = tempfile.mkdtemp()
    try:
        return subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}", *args, page.as_uri()],
            capture_output=True, text=True, timeout=120, check=False)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@pytest.mark.skipif(_chromium() is None and not os.environ.get("CI"),
                    reason="no Chromium on this machine (.ci/run installs it)")
def test_card_repr_renders_in_headless_chromium(tmp_path: Path) -> None:
    c = card()
    page = tmp_path / "card.html"
    page.write_text('<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8"></head><body>'
                    + c._repr_html_() + "</body></html>", encoding="utf-8")
    dom = _browse(page, "--dump-dom").stdout
    assert '<div class="points-card">' in dom
    text, cells = text_of(dom)
    check_card_text(text, cells, c)
    shot = tmp_path / "card.png"
    _browse(page, f"--screenshot={shot}", "--window-size=1000,1400")
    assert shot.stat().st_size > 10_000  # a rendered page, not an empty one
