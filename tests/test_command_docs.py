"""docs/commands/<command>.md: one page per command, generated from the CLI's own help.

Each page holds the command's `--help` and examples; the test fails when a page is stale and
runs every example. Regenerate with `python tests/test_command_docs.py`.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
import typer.main
from typer.testing import CliRunner

from points.cli import app

DOCS = Path(__file__).resolve().parents[1] / "docs" / "commands"

pytestmark = pytest.mark.docs

#: Examples per command, run by the tests in a folder holding `applicants.csv` (the bundled
#: sample), `applicant.json` and `export/` (a record export: 200 applicants, seed 7).
EXAMPLES: dict[str, list[str]] = {
    "score": ["points score", "points score applicants.csv --on 2024-06-01 -o scored.csv",
              "points score applicants.csv --on 2024-06-01 --outputs total,eligible,tier "
              "-o totals.csv",
              "points score applicants.csv --on 2024-06-01 --skip-unread -o scored.csv",
              "points score applicants.csv --schedule guangzhou/2018 --on 2024-06-01 "
              "--out-of-force -o history.csv",
              "points score --records export --on 2024-06-01"],
    "rank": ["points rank applicants.csv --schedule guangzhou-settlement/2023 --on 2024-06-01 "
             "--quota 500 -o ranked.csv"],
    "explain": ["points explain", "points explain applicant.json --on 2024-06-01 --lang zh",
                "points explain applicant.json --on 2024-06-01 --json",
                "points explain --records export --id S007-0000001 --on 2024-06-01 --what-if"],
    "check": ["points check guangzhou/2021"],
    "show": ["points show shenzhen/2020", "points show nantong/2020 --lang zh --markdown"],
    "schedules": ["points schedules", "points schedules --on 2024-06-01"],
    "schema": ["points schema", "points schema --applicant standard",
               "points schema --applicant guangzhou/2021"],
    "sample": ["points sample --rows 100 --seed 7 -o some.csv",
               "points sample --records export --rows 200 --seed 7"],
    "diff": ["points diff guangzhou/2018 guangzhou/2021 --population applicants.csv "
             "--on 2021-11-01 --purpose settlement --html report.html"],
}

APPLICANT = ('{"birth_date": "1990-05-01", "has_permit": true, "permit_months": 50, '
             '"housing": "rental", "rental_months": 40, "education": "bachelor_degree"}')


def _commands() -> dict[str, Any]:
    group: Any = typer.main.get_command(app)  # Typer's own (vendored) click group
    return {name: cmd for name, cmd in sorted(group.commands.items()) if not cmd.hidden}


def _help(name: str, cmd: Any) -> str:
    result = CliRunner().invoke(app, [name, "--help"], terminal_width=100, color=False,
                                env={"COLUMNS": "100", "TERMINAL_WIDTH": "100"})
    assert result.exit_code == 0, result.output
    return result.output


def render(name: str, cmd: Any) -> str:
    """The page of one command."""
    summary = (cmd.help or "").strip().splitlines()[0] if cmd.help else ""
    examples = "\n".join(EXAMPLES.get(name, []))
    text = [f"# `points {name}`", "", summary, "", "```text", _help(name, cmd).rstrip(), "```"]
    if examples:
        text += ["", "## Examples", "", "```sh", examples, "```"]
    text += ["", "Generated from the command's help by `python tests/test_command_docs.py`."]
    return "\n".join(text) + "\n"


def index(names: list[str]) -> str:
    rows = [f"- [`points {n}`]({n}.md): {(_commands()[n].help or '').strip().splitlines()[0]}"
            for n in names]
    return "# Commands\n\n" + "\n".join(rows) + (
        "\n\nEvery command exits 0 on success, 1 on bad input (one `error:` line naming the "
        "file, line, field or row and the value), 2 on a usage error; `score --strict` and "
        "`rank --strict` exit 3 when a row was rejected.\n"
        "\nOptions of `points` itself, before the command: `-v` logs the steps (schedules "
        "loaded with their hash, row counts) on standard error and `-vv` the details; "
        "`--install-completion` installs shell completion for bash, zsh, fish or PowerShell "
        "(`--show-completion` prints the script); `--version` prints the version.\n")


def pages() -> dict[str, str]:
    cmds = _commands()
    out = {f"{n}.md": render(n, c) for n, c in cmds.items()}
    out["README.md"] = index(list(cmds))
    return out


def test_every_command_has_a_current_page() -> None:
    for name, text in pages().items():
        path = DOCS / name
        assert path.is_file() and path.read_text(encoding="utf-8") == text, (
            f"{path} is stale: run `python tests/test_command_docs.py`")
    assert {p.name for p in DOCS.glob("*.md")} == set(pages())


def test_every_command_has_an_example() -> None:
    assert set(EXAMPLES) == set(_commands())


@pytest.mark.parametrize("line", [e for lines in EXAMPLES.values() for e in lines])
def test_example_runs(line: str, workdir: Path) -> None:
    (workdir / "applicant.json").write_text(APPLICANT, encoding="utf-8")
    if "--records export" in line and not line.startswith("points sample"):
        from points.records import write_sample

        write_sample(workdir / "export", 200, seed=7)
    args = shlex.split(line)[1:]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output


if __name__ == "__main__":
    DOCS.mkdir(parents=True, exist_ok=True)
    for name, text in pages().items():
        (DOCS / name).write_text(text, encoding="utf-8")
    for old in DOCS.glob("*.md"):
        if old.name not in pages():
            old.unlink()
    sys.stdout.write(f"wrote {len(pages())} pages to {DOCS}\n")
