"""Text the command line prints for people: schedule and applicant text is shown as written
(no Rich markup, no emoji codes, no control characters), in the language asked for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from points.cli import app
from test_schedule_errors import edit

runner = CliRunner()

MARKUP_TITLE = "Rules [/] [bold]x :x: [link=http://e]"
MARKUP_DOC = "[/]doc :x:"


def run(*args: str, input: str | None = None) -> Result:
    result = runner.invoke(app, list(args), input=input)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    return result


@pytest.fixture
def marked(tmp_path: Path) -> Path:
    """A schedule whose title, document and a label hold Rich markup and an emoji code."""
    text = edit('en = "Testville points rules"', f'en = "{MARKUP_TITLE}"')
    text = edit('document = "测府规〔2024〕1号"', f'document = "{MARKUP_DOC}"', text)
    text = edit('label = { zh = "年龄", en = "Age" }',
                'label = { zh = "年龄[/]", en = "Age [/] :x:" }', text)
    path = tmp_path / "marked.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_check_prints_markup_in_a_title_as_text(marked: Path) -> None:
    result = run("check", str(marked))
    assert result.exit_code == 0, result.output
    assert f"ok testville/2024: {MARKUP_TITLE} ({MARKUP_DOC})" in result.stdout
    assert "❌" not in result.stdout


def test_score_summary_with_markup_in_the_document(marked: Path, tmp_path: Path) -> None:
    rows = tmp_path / "list.csv"
    rows.write_text("applicant_id,age,permit_months\na1,30,36\n", encoding="utf-8")
    result = run("score", str(rows), "-s", str(marked), "--on", "2024-06-01",
                 "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 0, result.output
    assert f"testville/2024 ({MARKUP_DOC}), purpose settlement" in result.stdout
    assert "❌" not in result.stdout


def test_explain_shows_labels_and_ids_as_written(marked: Path, tmp_path: Path) -> None:
    applicant = tmp_path / "a.json"
    applicant.write_text(json.dumps({"applicant_id": "id [/] :x: \x1b[2J\x9b1m\rz", "age": 30,
                                     "permit_months": 36}), encoding="utf-8")
    result = run("explain", str(applicant), "-s", str(marked), "--on", "2024-06-01")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Age [/] :x:" in out
    # control characters are shown escaped, never sent to the terminal
    assert "Applicant: id [/] :x: \\x1b[2J\\x9b1m\\x0dz" in out
    assert not any((ord(c) < 0x20 and c not in "\n") or 0x7F <= ord(c) < 0xA0 for c in out)
    assert "❌" not in out


def test_error_messages_never_carry_control_characters(tmp_path: Path) -> None:
    applicant = tmp_path / "a.json"
    applicant.write_text(json.dumps({"age": "\x1b]0;pwned\x07"}), encoding="utf-8")
    result = run("explain", str(applicant), "--on", "2024-06-01")
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert result.stderr.startswith("error: ")


def test_show_prints_markup_as_text(marked: Path) -> None:
    result = run("show", str(marked))
    assert result.exit_code == 0, result.output
    assert MARKUP_TITLE in result.stdout

