"""Dates as a first-class answer on the command line.

Every command says on stderr whether its schedule is in force on the evaluation date; a
schedule out of force is refused (exit 1, one error line) unless `--out-of-force` is given;
the scored file carries an `in_force` column; `points schedules` marks what is in force and
what supersedes what. Dates: `effective_from` inclusive, `effective_until` exclusive.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

import points
from points._data import SAMPLE_ON
from points.batch import score_frame
from points.cli import app

runner = CliRunner()
APPLICANT = {"age": 30, "has_permit": True, "permit_months": 50}


def _list(tmp_path: Path, rows: int = 12) -> Path:
    path = tmp_path / "list.csv"
    result = runner.invoke(app, ["sample", "--rows", str(rows), "--seed", "3", "-o", str(path)])
    assert result.exit_code == 0, result.output
    return path


def _applicant(tmp_path: Path) -> Path:
    path = tmp_path / "a.json"
    path.write_text(json.dumps(APPLICANT), encoding="utf-8")
    return path


def test_score_without_input_uses_the_sample_date_on_any_day() -> None:
    # the README's main command: guangzhou/2021 lapsed on 2026-11-16, but the bundled sample
    # is scored on its own date, 2024-06-01, where it is in force
    assert date(2024, 6, 1) == SAMPLE_ON
    result = runner.invoke(app, ["score", "--cards", "0"])
    assert result.exit_code == 0, result.output
    assert "guangzhou/2021 is in force on 2024-06-01: [2021-11-16, 2026-11-16)" in \
        result.stderr


@pytest.mark.parametrize(("on", "in_force"), [
    ("2021-11-15", False),  # the day before effective_from
    ("2021-11-16", True),  # effective_from, inclusive
    ("2026-11-15", True),  # the last day
    ("2026-11-16", False),  # effective_until, exclusive
])
def test_explain_refuses_a_schedule_out_of_force(tmp_path: Path, on: str,
                                                 in_force: bool) -> None:
    path = _applicant(tmp_path)
    result = runner.invoke(app, ["explain", str(path), "--on", on])
    if in_force:
        assert result.exit_code == 0, result.output
        assert f"guangzhou/2021 is in force on {on}" in result.stderr
        return
    assert result.exit_code == 1
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: --on: guangzhou/2021 is not in force on " + on)
    assert "--out-of-force" in line


def test_out_of_force_on_purpose_scores_and_warns(tmp_path: Path) -> None:
    path = _applicant(tmp_path)
    result = runner.invoke(app, ["explain", str(path), "--on", "2026-11-30",
                                 "--out-of-force", "--json"])
    assert result.exit_code == 0, result.output
    card = json.loads(result.stdout)
    assert card["provenance"]["in_force"] is False
    assert "warning: guangzhou/2021 is NOT in force on 2026-11-30" in result.stderr
    assert "(--out-of-force)" in result.stderr


def test_explain_today_is_refused_without_the_flag(tmp_path: Path) -> None:
    # `on` defaults to today; guangzhou/2021 (the default) is refused once it has lapsed
    path = _applicant(tmp_path)
    result = runner.invoke(app, ["explain", str(path)])
    if points.load_schedule("guangzhou/2021").in_force(date.today()):
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code == 1 and "not in force" in result.stderr


def test_scored_file_carries_in_force(tmp_path: Path) -> None:
    src = _list(tmp_path)
    ok = runner.invoke(app, ["score", str(src), "--on", "2024-06-01", "-o",
                             str(tmp_path / "now.csv")])
    assert ok.exit_code == 0, ok.output
    now = pl.read_csv(tmp_path / "now.csv")
    assert now["in_force"].to_list() == [True] * 12
    old = runner.invoke(app, ["score", str(src), "--schedule", "guangzhou/2018",
                              "--on", "2024-06-01", "-o", str(tmp_path / "old.csv")])
    assert old.exit_code == 1 and "guangzhou/2018 is not in force" in old.stderr
    assert not (tmp_path / "old.csv").exists()
    again = runner.invoke(app, ["score", str(src), "--schedule", "guangzhou/2018",
                                "--on", "2024-06-01", "--out-of-force", "-o",
                                str(tmp_path / "old.csv")])
    assert again.exit_code == 0, again.output
    assert pl.read_csv(tmp_path / "old.csv")["in_force"].to_list() == [False] * 12


def test_score_frame_in_force_column_matches_the_card() -> None:
    frame = pl.DataFrame([APPLICANT])
    for on, expected in ((date(2024, 6, 1), True), (date(2026, 11, 16), False)):
        r = score_frame(frame, "guangzhou/2021", on=on)
        assert r.scored["in_force"].to_list() == [expected]
        assert points.score(APPLICANT, "guangzhou/2021", on=on).in_force is expected
        # it follows the plan's outputs (the last columns are in_force, then applied_at if any)
        assert r.scored.columns[-1] == "in_force"


def test_rank_refuses_a_lapsed_schedule(tmp_path: Path) -> None:
    src = _list(tmp_path)
    result = runner.invoke(app, ["rank", str(src), "--schedule", "shenzhen/2020",
                                 "--on", "2024-06-01"])
    assert result.exit_code == 1
    assert "shenzhen/2020 is not in force on 2024-06-01: [2020-06-29, 2020-10-01)" in \
        result.stderr
    assert "(dates provisional)" in result.stderr  # one round's dates, inferred (D4, D5)


def test_diff_needs_the_old_schedule_in_force_and_reports_the_proposal(
        tmp_path: Path) -> None:
    src = _list(tmp_path)
    # 2021-11-01: guangzhou/2018 in force, guangzhou/2021 a proposal not yet in force
    ok = runner.invoke(app, ["diff", "guangzhou/2018", "guangzhou/2021", "--population",
                             str(src), "--on", "2021-11-01"])
    assert ok.exit_code == 0, ok.output
    assert "guangzhou/2018 is in force on 2021-11-01" in ok.stderr
    assert "warning: guangzhou/2021 is NOT in force on 2021-11-01" in ok.stderr
    assert "compared as a proposal" in ok.stderr
    late = runner.invoke(app, ["diff", "guangzhou/2018", "guangzhou/2021", "--population",
                               str(src), "--on", "2024-06-01"])
    assert late.exit_code == 1 and "guangzhou/2018 is not in force" in late.stderr


def test_check_says_whether_in_force_today() -> None:
    result = runner.invoke(app, ["check", "national/2016"])
    assert result.exit_code == 0, result.output
    assert f"national/2016 is in force today ({date.today()}): [2016-01-01, …)" in \
        result.stderr


def test_schedules_marks_in_force_and_supersession(monkeypatch: pytest.MonkeyPatch) -> None:
    result = runner.invoke(app, ["schedules", "--on", "2024-06-01"])
    assert result.exit_code == 0, result.output
    # off a terminal: one plain line per schedule, its id first, nothing cut
    rows = {line.split()[0]: line for line in result.stdout.splitlines()[1:]}
    assert "in force" in rows["guangzhou/2021"]
    assert "in force" in rows["guangzhou-settlement/2023"]
    assert "in force" not in rows["guangzhou/2018"]
    assert "in force" not in rows["shenzhen/2020"]
    assert "supersedes guangzhou/2018" in rows["guangzhou/2021"]
    assert "superseded by guangzhou/2021 from 2021-11-16" in rows["guangzhou/2018"]
    assert "serves guangzhou for settlement" in rows["guangzhou-settlement/2023"]
    assert "2016-01-01 – ?" in rows["wusheng/2016"]  # an invented date is marked
    assert "2021-11-16 – 2026-11-16 " in rows["guangzhou/2021"]  # stated: no mark
    later = runner.invoke(app, ["schedules", "--on", "2026-11-16"])
    row = next(ln for ln in later.stdout.splitlines() if "guangzhou/2021 " in ln)
    assert "in force" not in row
