"""Text the command line prints for people: schedule and applicant text is shown as written
(no Rich markup, no emoji codes, no control characters), in the language asked for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from points.cli import app
from test_schedule_errors import BASE, edit

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



@pytest.mark.parametrize("command", [["explain"], ["score"]])
def test_lang_accepts_only_zh_and_en(command: list[str]) -> None:
    result = run(*command, "--lang", "fr")
    assert result.exit_code == 2
    assert "'fr' is not a language: en or zh" in result.output


def test_explain_reads_the_applicant_from_standard_input() -> None:
    facts = {"applicant_id": "from-stdin", "age": 30, "permit_months": 36}
    by_json = run("explain", "-", "--on", "2024-06-01", input=json.dumps(facts))
    assert by_json.exit_code == 0, by_json.output
    assert "Applicant: from-stdin" in by_json.stdout
    by_toml = run("explain", "-", "--on", "2024-06-01", "--lang", "zh",
                  input='applicant_id = "from-stdin"\nage = 30\npermit_months = 36\n')
    assert by_toml.exit_code == 0, by_toml.output
    assert "申请人：from-stdin" in by_toml.stdout
    bad = run("explain", "-", "--on", "2024-06-01", input='{"age": 300}')
    assert bad.exit_code == 1
    assert bad.stderr.startswith("error: <stdin>: ")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_explain_off_a_terminal_wraps_to_100_columns(lang: str) -> None:
    from points._explain import cell_width

    result = run("explain", "--lang", lang, "--what-if")
    assert result.exit_code == 0
    widths = [cell_width(line) for line in result.stdout.splitlines()]
    assert 90 < max(widths) <= 100


def test_schedules_piped_shows_whole_ids() -> None:
    import points

    result = run("schedules")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["id", "from", "–"]
    assert [line.split()[0] for line in lines[1:]] == points.bundled_ids()
    assert "…" not in result.stdout


def _description(help_text: str) -> list[list[str]]:
    """The paragraphs of prose above the first box of a Typer help screen, one list item per
    paragraph holding its lines."""
    prose = help_text.split("╭")[0].splitlines()[2:]
    paragraphs: list[list[str]] = [[]]
    for line in prose:
        if line.strip():
            paragraphs[-1].append(line.rstrip())
        elif paragraphs[-1]:
            paragraphs.append([])
    return [p for p in paragraphs if p]


@pytest.mark.parametrize("command", ["", "explain", "check", "schedules", "show", "schema",
                                     "score", "rank", "sample", "diff"])
def test_help_paragraphs_wrap_at_80_columns_not_mid_sentence(command: str) -> None:
    args = [command, "--help"] if command else ["--help"]
    result = runner.invoke(app, args, terminal_width=80, color=False,
                           env={"COLUMNS": "80", "TERMINAL_WIDTH": "80"})
    assert result.exit_code == 0
    for paragraph in _description(result.output):
        for line in paragraph[:-1]:  # every line but a paragraph's last is full
            assert len(line) > 60, (command, line)


def test_completion_is_offered() -> None:
    result = runner.invoke(app, ["--help"], terminal_width=100, color=False)
    assert "--install-completion" in result.output
    assert "--show-completion" in result.output


def test_verbose_logs_steps_on_standard_error(tmp_path: Path) -> None:
    rows = tmp_path / "list.csv"
    rows.write_text("applicant_id,age,permit_months\na1,30,36\na2,,x\n", encoding="utf-8")
    schedule = tmp_path / "s.toml"  # a new file: not in the loader's cache
    schedule.write_text(BASE, encoding="utf-8")
    result = run("-v", "score", str(rows), "-s", str(schedule), "--on", "2024-06-01",
                 "-o", str(tmp_path / "o.csv"))
    assert result.exit_code == 0, result.output
    logged = result.stderr.splitlines()
    assert logged[0].startswith(
        "INFO points.schedule.loader: loaded schedule testville/2024 (sha256:")
    assert logged[0].endswith(f") from {schedule}")
    assert logged[1] == (f"INFO points.cli: scored {rows} under testville/2024: 2 rows read, "
                         "1 scored, 1 rejected")
    assert "INFO" not in result.stdout
    quiet = run("score", str(rows), "--on", "2024-06-01", "-o", str(tmp_path / "o.csv"))
    assert "INFO" not in quiet.stderr


def test_completion_completes_command_names() -> None:
    result = runner.invoke(app, [], prog_name="points", env={
        "_POINTS_COMPLETE": "complete_bash", "COMP_WORDS": "points sc", "COMP_CWORD": "1"})
    assert result.output.split() == ["schedules", "schema", "score"]
