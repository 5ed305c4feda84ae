"""Bad input at the command line: exit 1 and one clear `error:` line, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from points.cli import app
from test_schedule_errors import BASE, edit, line_of

runner = CliRunner()


def run(*args: str) -> Result:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    return result


def failed(*args: str) -> str:
    """The error line of a command that must fail with exit code 1."""
    result = run(*args)
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_check_good_schedule_exits_0() -> None:
    result = run("check", "guangzhou/2021")
    assert result.exit_code == 0
    assert result.stdout.startswith("ok guangzhou/2021")


def test_check_bad_file_names_file_line_key_and_value(tmp_path: Path) -> None:
    text = edit('services = ["employment_services"]', 'services = ["free_lunch"]')
    path = write(tmp_path, "bad.toml", text)
    line = failed("check", str(path))
    assert line.startswith(f"error: {path}:{line_of(text, 'free_lunch')}: tiers[0].services[0]: ")
    assert "unknown service" in line and "'free_lunch'" in line


def test_check_toml_syntax_error(tmp_path: Path) -> None:
    text = edit("per = 12\n", "per = twelve\n")
    path = write(tmp_path, "bad.toml", text)
    line = failed("check", str(path))
    assert line.startswith(f"error: {path}:{line_of(text, 'per = twelve')}: factors.permit.per: ")
    assert "invalid TOML" in line and "'per = twelve'" in line


def test_check_several_problems_one_line_each(tmp_path: Path) -> None:
    text = edit('fact = "permit_months"\nrule', 'fact = "permit_years"\nrule')
    text = edit("window_years = 5", "window_years = 3", text)
    path = write(tmp_path, "bad.toml", text)
    result = run("check", str(path))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == f"error: {path}: 2 problems in schedule:"
    assert lines[1].strip().startswith(f"{path}:{line_of(text, 'permit_years')}: ")
    assert lines[2].strip().startswith(f"{path}:{line_of(text, 'window_years = 3')}: ")


def test_check_message_with_brackets_is_printed_verbatim(tmp_path: Path) -> None:
    # a group with the id of a factor: "id is already used in [factors]"
    text = BASE + '\n[groups.permit]\nlabel = { zh = "重复", en = "Dup" }\nref = "a"\n' \
        'status = "confirmed"\n'
    path = write(tmp_path, "bad.toml", text)
    result = run("check", str(path))
    assert "[factors]" in result.stderr


def test_check_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "gone.toml"
    line = failed("check", str(path))
    assert str(path) in line and "no schedule file" in line


def test_check_unknown_schedule_id() -> None:
    line = failed("check", "atlantis/2024")
    assert "'atlantis/2024'" in line and "guangzhou/2021" in line


def test_explain_invalid_json(tmp_path: Path) -> None:
    path = write(tmp_path, "a.json", '{"age": 30,\n "permit_months": }\n')
    line = failed("explain", str(path), "--on", "2024-06-01")
    assert line.startswith(f"error: {path}: invalid JSON at line 2")


def test_explain_json_array(tmp_path: Path) -> None:
    path = write(tmp_path, "a.json", json.dumps([{"age": 30}]))
    line = failed("explain", str(path), "--on", "2024-06-01")
    assert str(path) in line and "one JSON object" in line and "'list'" in line


def test_explain_bad_field(tmp_path: Path) -> None:
    path = write(tmp_path, "a.json", json.dumps({"age": 30, "permit_months": -3,
                                                  "colour": "red"}))
    line = failed("explain", str(path), "--on", "2024-06-01")
    assert line.startswith(f"error: {path}: invalid applicant: ")
    assert "permit_months" in line and "(got -3)" in line
    assert "colour: unknown field (got 'red')" in line


def test_explain_bad_toml_applicant(tmp_path: Path) -> None:
    path = write(tmp_path, "a.toml", "age = 30\npermit_months = = 3\n")
    line = failed("explain", str(path), "--on", "2024-06-01")
    assert line.startswith(f"error: {path}:2: permit_months: invalid TOML")


def test_explain_missing_applicant_file(tmp_path: Path) -> None:
    path = tmp_path / "nobody.json"
    line = failed("explain", str(path))
    assert str(path) in line and "cannot read" in line


def test_explain_birth_date_after_on(tmp_path: Path) -> None:
    path = write(tmp_path, "a.json", json.dumps({"birth_date": "2030-01-01"}))
    line = failed("explain", str(path), "--on", "2024-06-01")
    assert "birth_date" in line and "2030-01-01" in line


@pytest.mark.parametrize("command", ["explain", "score"])
@pytest.mark.parametrize("on", ["2024-13-01", "yesterday", "01/06/2024"])
def test_on_not_a_date(command: str, on: str) -> None:
    line = failed(command, "--on", on)
    assert "--on" in line and "YYYY-MM-DD" in line and repr(on) in line


@pytest.mark.parametrize("command", ["explain", "score"])
def test_unknown_schedule(command: str) -> None:
    line = failed(command, "--schedule", "atlantis/2024")
    assert "'atlantis/2024'" in line and "no bundled schedule" in line


def test_explain_bad_schedule_file(tmp_path: Path) -> None:
    text = edit("rate = 2\n", "rate = 2.25\n")
    path = write(tmp_path, "bad.toml", text)
    line = failed("explain", "--schedule", str(path))
    assert line.startswith(f"error: {path}:{line_of(text, 'rate = 2.25')}: factors.permit.rate: ")


def test_explain_unknown_purpose() -> None:
    line = failed("explain", "--purpose", "lottery")
    assert "'lottery'" in line and "settlement" in line


def test_usage_error_exits_2() -> None:
    result = run("explain", "--no-such-option")
    assert result.exit_code == 2
