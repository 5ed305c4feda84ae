"""Revision diffs: hand-computed gains and losses, the CLI, and the HTML report in a browser."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from points.analysis import diff
from points.cli import app

ON = date(2021, 11, 1)

# Hand-computed under guangzhou/2018 and guangzhou/2021 (purpose settlement):
# A age 30, 本科, permit 36 mo:  2018: 3 yrs × 3 + 30 (18–30) + 50 (本科) = 89
#                                2021: 3 yrs × 8 + 30 (18–40) + 30 (本科) = 84      → −5
# B age 35, 高中, permit 60 mo, rental 60 mo:
#                                2018: 5 × 3 + min(5 × 2, 10) + 20 (31–40) + 20 = 65
#                                2021: 5 × 8 + min(5 × 5, 20) + 30 + 10      = 100  → +35
# C age 44, nothing else:        2018: 10 (41–45); 2021: 28 − 2 × 3 = 22            → +12
POPULATION = pl.DataFrame({
    "applicant_id": ["A", "B", "C"],
    "age": [30, 35, 44],
    "education": ["bachelor", "high_school", "none"],
    "permit_months": [36, 60, 0],
    "housing": ["none", "rental", "none"],
    "rental_months": [0, 60, 0],
})


def test_diff_counts_gains_losses_and_factor_changes() -> None:
    d = diff("guangzhou/2018", "guangzhou/2021", POPULATION, purpose="settlement", on=ON)
    table = {r["applicant_id"]: r for r in d.table.iter_rows(named=True)}
    assert table["A"]["old_total"] == Decimal("89") and table["A"]["new_total"] == Decimal("84")
    assert table["B"]["delta"] == Decimal("35")
    assert table["C"]["delta"] == Decimal("12")
    assert (d.gainers, d.losers, d.unchanged) == (2, 1, 0)
    assert d.max_loss == Decimal("-5") and d.max_gain == Decimal("35")
    assert [m.applicant_id for m in d.biggest_losses] == ["A"]
    # nobody holds a permit flag, so no settlement tier either way
    assert d.transitions == (("(none)", "(none)", 3),)
    education = next(f for f in d.factors if f.id == "education")
    assert education.old_mean == pytest.approx((50 + 20 + 0) / 3)
    assert education.new_mean == pytest.approx((30 + 10 + 0) / 3)
    fund = next(f for f in d.factors if f.id == "housing_fund")
    assert fund.note == "only in new"


def test_diff_rejected_rows_are_counted_not_compared() -> None:
    bad = pl.concat([POPULATION, pl.DataFrame({
        "applicant_id": ["D"], "age": [200], "education": ["none"], "permit_months": [0],
        "housing": ["none"], "rental_months": [0]})])
    d = diff("guangzhou/2018", "guangzhou/2021", bad, purpose="settlement", on=ON)
    assert d.rows == 3 and d.rejected == 1


def test_diff_from_a_file_counts_unreadable_rows_as_rejected(tmp_path: Path) -> None:
    population = tmp_path / "people.csv"
    POPULATION.write_csv(population)
    with population.open("a", encoding="utf-8") as f:
        f.write("E,30,bachelor\n")  # too few fields: cannot be read at all
    d = diff("guangzhou/2018", "guangzhou/2021", population, purpose="settlement", on=ON)
    assert (d.rows, d.rejected) == (3, 1)
    assert (d.gainers, d.losers) == (2, 1)


def test_cli_diff_prints_summary_and_writes_report(tmp_path: Path) -> None:
    population = tmp_path / "people.csv"
    POPULATION.write_csv(population)
    report = tmp_path / "report.html"
    result = CliRunner().invoke(app, [
        "diff", "guangzhou/2018", "guangzhou/2021", "--population", str(population),
        "--purpose", "settlement", "--on", ON.isoformat(), "--html", str(report)])
    assert result.exit_code == 0, result.output
    assert re.search(r"gain\s*│\s*2", result.output)
    assert re.search(r"lose\s*│\s*1", result.output)
    page = report.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "http://" not in page and "https://" not in page  # fully offline
    assert not list(tmp_path.glob(".*.tmp"))


def test_cli_diff_bad_population_is_one_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "people.txt"
    bogus.write_text("x", encoding="utf-8")
    result = CliRunner().invoke(app, [
        "diff", "guangzhou/2018", "guangzhou/2021", "--population", str(bogus)])
    assert result.exit_code == 1
    assert "people.txt" in result.output and "Traceback" not in result.output


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow  # starts a headless Chromium
@pytest.mark.skipif(_chromium() is None and not os.environ.get("CI"),
                    reason="no Chromium on this machine (.ci/run installs it)")
def test_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    browser = _chromium()
    assert browser is not None, "CI must have Chromium: .ci/run installs it"
    from points._data import sample_path

    d = diff("guangzhou/2018", "guangzhou/2021", sample_path(),
             purpose="settlement", on=ON, quota=100)
    page = tmp_path / "report.html"
    page.write_text(d.html(), encoding="utf-8")
    profile = tempfile.mkdtemp()
    run = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
         "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    shutil.rmtree(profile, ignore_errors=True)
    dom = run.stdout
    assert 'data-ready="1"' in dom, "the page's script ran to its end"
    for ident in ("summary", "transitions", "factors", "losers"):
        assert f'id="{ident}"' in dom
    for chart in ("chart-totals", "chart-factors"):
        svg = re.search(rf'<svg id="{chart}".*?</svg>', dom, flags=re.S)
        assert svg is not None and svg.group(0).count("<rect") >= 5
    assert 'id="cutoff"' in dom
    console = [ln for ln in run.stderr.splitlines() if "CONSOLE" in ln]
    errors = [ln for ln in console if re.search(r"Uncaught|Error|error", ln)]
    assert errors == []


def test_batch_and_diff_render_as_html_tables_for_notebooks() -> None:
    from points.batch import score_frame

    result = score_frame(POPULATION, "guangzhou/2021", on=ON)
    page = result._repr_html_()
    assert "<table" in page and "rows read</td><td>3" in page
    assert "highest tier (none)</td><td>3" in page
    d = diff("guangzhou/2018", "guangzhou/2021", POPULATION, purpose="settlement", on=ON)
    assert "gain</td><td>2" in d._repr_html_()
