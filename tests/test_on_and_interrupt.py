"""`on=` as an ISO string everywhere a date is taken, and Ctrl-C in a batch command: one
line, exit 130, nothing new written."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

import points
from points import InputError
from points.analysis import what_if
from points.batch import _score as batch_score
from points.batch import sample_frame, score_frame
from points.cli import app

ON = date(2024, 6, 1)
GZ = "guangzhou/2021"


def test_score_frame_takes_an_iso_date() -> None:
    frame = pl.DataFrame({"birth_date": [date(1983, 6, 2)], "permit_months": [30]})
    by_date = score_frame(frame, GZ, on=ON)
    by_text = score_frame(frame, GZ, on="2024-06-01")
    assert by_text.scored.equals(by_date.scored)
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        score_frame(frame, GZ, on="1 June 2024")


def test_what_if_takes_an_iso_date() -> None:
    facts = {"age": 30, "has_permit": True, "permit_months": 36}
    assert what_if(facts, GZ, on="2024-06-01").card == what_if(facts, GZ, on=ON).card
    with pytest.raises(InputError):
        what_if(facts, GZ, on="2024/06/01")


def test_a_card_records_the_date_given_as_text() -> None:
    assert points.score({"age": 30}, GZ, on="2024-06-01").on == ON


def test_ctrl_c_in_a_batch_command_is_one_line_and_writes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "list.csv"
    sample_frame(50, seed=1, on=ON).write_csv(src)

    def interrupted(*args: object, **kw: object) -> batch_score.BatchResult:
        raise KeyboardInterrupt

    monkeypatch.setattr(batch_score, "score_frame", interrupted)
    result = CliRunner().invoke(app, ["score", str(src), "--on", "2024-06-01",
                                      "-o", str(tmp_path / "out.csv")])
    assert result.exit_code == 130
    assert result.stderr.strip() == "interrupted: nothing new was written"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["list.csv"]


def test_what_if_in_chinese_is_chinese() -> None:
    facts = {"age": 30, "has_permit": True, "permit_months": 36, "employed": True,
             "pension_months": 48}
    found = what_if(facts, GZ, on=ON)
    text = found.text("zh")
    assert found.target is not None and found.changes
    assert "下一层级「" in text
    # Chinese labels, never the English fact ids or tier ids
    for fact in ("permit_months", "residence_months", "pension_months"):
        assert fact not in text
    assert found.target not in text
    assert "持有" in text or "居住" in text


def test_a_file_run_summary_previews_its_output(tmp_path: Path) -> None:
    from points.batch import score_file

    src = tmp_path / "list.csv"
    sample_frame(12, seed=3, on=ON).write_csv(src)
    summary = score_file(src, tmp_path / "out.csv", GZ, on=ON)
    html = summary._repr_html_()
    assert "first 5 of 12 rows" in html
    preview = html.split('class="preview"')[1]
    assert preview.count("<tr>") == 1 + 5  # the header and five rows
