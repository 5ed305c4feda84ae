"""docs/comparison.md is generated from the bundled schedules and must not be stale."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import points
from points._comparison import comparison_markdown, main

PAGE = Path(__file__).resolve().parents[1] / "docs" / "comparison.md"


def test_the_page_is_not_stale() -> None:
    assert PAGE.read_text(encoding="utf-8") == comparison_markdown(), (
        "docs/comparison.md is stale: run `python -m points._comparison docs/comparison.md`")


def test_every_bundled_schedule_is_on_the_page() -> None:
    page = comparison_markdown()
    for sid in points.bundled_ids():
        assert f"| `{sid}` |" in page, sid


def cell(page: str, fact: str, schedule: str) -> str:
    """The cell of the indicator table in the row of `fact` and the column of `schedule`."""
    lines = page.splitlines()
    start = lines.index("## Indicators")
    header = next(ln for ln in lines[start:] if ln.startswith("| Fact |"))
    columns = [c.strip() for c in header.strip("|").split("|")]
    row = next(ln for ln in lines[start:] if f"<br>`{fact}` |" in ln)
    cells = [c.strip() for c in row.strip("|").split("|")]
    return cells[columns.index(f"`{schedule}`")]


def test_rates_caps_thresholds_and_services_are_shown() -> None:
    page = comparison_markdown()
    assert cell(page, "rental_months", "beijing/2016") == \
        "`rental`: 0.5 per full year [housing]"
    assert cell(page, "rental_months", "shenzhen/2020") == \
        "`rental`: 0.2 per full month [residence] ⚠"  # attested only after 2020 (D2, D3)
    assert "cap 20" in cell(page, "rental_months", "guangzhou/2021")
    assert cell(page, "permit_months", "beijing/2016") == "—"
    assert "| 0.01 | none | settlement |" in page  # Beijing: precision, no floor
    assert "within `pension_months`" in page  # Beijing's housing limit
    assert "score total ≥ 150" in page  # the Guangzhou 2023 qualifying gate
    standard = next(ln for ln in page.splitlines()
                    if ln.startswith("| `shanghai/2018` | `standard_score` |"))
    assert "| 120 |" in standard
    assert "随迁子女在本市参加中考和高考" in standard
    assert "| `guangzhou-settlement/2023` ⚠ | settlement | `base` |" in page  # quota: one round
    assert "16,000" in page


def test_provisional_values_are_marked() -> None:
    page = comparison_markdown()
    assert cell(page, "age", "beijing/2016").endswith("20")  # confirmed: no mark
    assert cell(page, "income_tax_3y", "beijing/2016").endswith("⚠")
    assert cell(page, "insurance_base_ratio", "shanghai/2018").endswith("⚠")


def test_a_given_list_and_the_command(tmp_path: Path) -> None:
    shenzhen = points.schedule_for("shenzhen", date(2020, 9, 30))
    page = comparison_markdown([shenzhen])
    assert "`shenzhen/2020`" in page and "`beijing/2016`" not in page
    out = tmp_path / "page.md"
    assert main([str(out)]) == 0
    assert out.read_text(encoding="utf-8") == comparison_markdown()


def test_provisional_counts_agree_with_the_schedule_index() -> None:
    # both count every sourced entry (factors, deductions, groups, gates, purposes, tiers and
    # the ranking) and the provisional ones among them
    from points._show import pages

    index = pages(points.bundled_ids(), langs=(), index=True)["README.md"]
    page = comparison_markdown()
    for sid in points.bundled_ids():
        ours = next(ln for ln in page.splitlines() if ln.startswith(f"| `{sid}` |"))
        theirs = next(ln for ln in index.splitlines() if ln.startswith(f"| `{sid}` |"))
        count = ours.strip("|").split("|")[-1].strip()  # "7 of 27"
        assert f"| {count} |" in theirs, (sid, count)
