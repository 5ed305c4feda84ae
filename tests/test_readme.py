"""The README's library example runs and prints what its comments say."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"

pytestmark = pytest.mark.docs


def test_readme_python_example_runs_and_matches_its_comment() -> None:
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "the README has a python example"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(blocks[0], "README.md", "exec"), {})
    expected = re.search(r"print\(card\.total\)\s+# ([0-9.]+)", blocks[0])
    assert expected is not None
    assert out.getvalue().splitlines()[0] == expected.group(1)


def test_readme_commands_match_ci() -> None:
    text = README.read_text(encoding="utf-8")
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    test_command = 'python -m pip install -e ".[dev]" && python -m pytest'
    assert test_command in text
    assert test_command in ci
