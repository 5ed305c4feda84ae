"""Hostile schedules end in one `ScheduleError` at load, naming file, line, key and value.

Each case is bounded by its input size (a file at most a little over the 1 MiB limit), never
by a timer: the limits of `points.schedule._limits` are what keep loading and scoring short.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import points
from points.errors import ScheduleError, ScheduleSyntaxError, ScheduleValidationError
from points.schedule import _limits
from points.schedule.model import RateRule
from test_schedule_errors import BASE, edit, find_line, line_of, write

ADULT = 'condition = { fact = "age", ge = 18 }'


def nested(depth: int) -> str:
    """A gate condition with `depth` `all` tables inside each other, on one line."""
    c = '{ fact = "age", ge = 18 }'
    for _ in range(depth):
        c = "{ all = [" + c + "] }"
    return "condition = " + c


def group_chain(n: int) -> str:
    """`base` inside g0 inside g1 ... inside g{n-1}: n groups above the factors' group."""
    out = []
    for i in range(n):
        parent = f'group = "g{i + 1}"\n' if i + 1 < n else ""
        out.append(f'\n[groups.g{i}]\nlabel = {{ zh = "组{i}", en = "G{i}" }}\n{parent}'
                   'ref = "a"\nstatus = "confirmed"\n')
    return edit('combine = "sum"\ncap = 100', 'combine = "sum"\ncap = 100\ngroup = "g0"') \
        + "".join(out)


def load_one(tmp_path: Path, text: str) -> ScheduleError:
    """The one problem loading `text` from a file raises (the error type is checked)."""
    path = write(tmp_path, text)
    with pytest.raises(ScheduleError) as info:
        points.load_schedule(path)
    exc = info.value
    assert exc.file == str(path)
    if isinstance(exc, ScheduleValidationError):
        assert len(exc.problems) == 1, str(exc)
        return exc.problems[0]
    return exc


def test_limits_are_far_above_the_bundled_schedules() -> None:
    for sid in points.bundled_ids():
        text = (points.schedule.loader.bundled_dir() / f"{sid}.toml").read_text("utf-8")
        assert len(text.encode()) < _limits.MAX_FILE_BYTES // 10
        points.load_schedule(sid)  # every bundled schedule is within every limit


@pytest.mark.parametrize("depth", [200, 600])
def test_conditions_nested_deep_are_refused_at_load(tmp_path: Path, depth: int) -> None:
    text = edit(ADULT, nested(depth))
    exc = load_one(tmp_path, text)
    assert "nested too deeply" in exc.reason
    assert exc.line == line_of(text, "{ all = [{ all")
    assert exc.path is not None and exc.path.startswith("gates.adult.condition")


def test_nesting_at_the_limit_loads_one_past_it_does_not(tmp_path: Path) -> None:
    # gates(1).adult(2).condition(3), then each `all` is a table and an array (2 levels)
    fits = (_limits.MAX_NESTING - 3) // 2
    assert points.loads_schedule(edit(ADULT, nested(fits))).gates["adult"]
    text = edit(ADULT, nested(fits + 1))
    exc = load_one(tmp_path, text)
    assert "nested too deeply" in exc.reason
    assert exc.line == line_of(text, "{ all = [{ all")


def test_toml_arrays_nested_past_the_parser_stack(tmp_path: Path) -> None:
    text = BASE + "\n[extra]\nvalues = " + "[" * 5000 + "]" * 5000 + "\n"
    exc = load_one(tmp_path, text)
    assert isinstance(exc, ScheduleSyntaxError)
    assert "nested too deeply" in exc.reason
    assert exc.line == line_of(text, "values = [[")


def test_600_nested_groups_are_refused_at_load(tmp_path: Path) -> None:
    text = group_chain(600)
    exc = load_one(tmp_path, text)
    assert "groups nest too deeply" in exc.reason
    assert exc.path == "factors.permit.group"
    assert exc.value == "base"
    assert exc.line == find_line(text, ("[factors.permit]", 'group = "base"'))


def test_groups_at_the_depth_limit_still_score() -> None:
    # the factors' group `base` plus MAX_GROUP_DEPTH - 1 groups above it
    s = points.loads_schedule(group_chain(_limits.MAX_GROUP_DEPTH - 1))
    card = points.score({"age": 30, "permit_months": 36}, s, on=date(2024, 6, 1))
    assert card.total == Decimal(26)  # permit 3 years x 2 = 6, age band 20


@pytest.mark.parametrize(("old", "new", "key", "value"), [
    (ADULT, 'condition = { fact = "age", ge = 1e300 }', "gates.adult.condition.ge",
     Decimal("1e300")),
    (ADULT, 'condition = { fact = "age", ge = 1000000000000000 }', "gates.adult.condition.ge",
     10**15),
    (ADULT, 'condition = { score = "total", ge = 1e20 }', "gates.adult.condition.ge",
     Decimal("1e20")),
    (ADULT, 'condition = { fact = "age", in = [18, 1e15] }', "gates.adult.condition.in[1]",
     Decimal("1e15")),
    ("min_score = 80", "min_score = 1e16", "tiers[2].min_score", Decimal("1e16")),
    ("{ min = 36, below = 46", "{ min = 36, below = 4.6e15", "factors.age.bands[1].below",
     Decimal("4.6e15")),
    ("per = 12\n", "per = 12\nmin_units = 99999999999999999999\n", "factors.permit.min_units",
     99999999999999999999),
    ('final = "all_admitted"', 'final = "all_admitted"\nquota = 10000000000000000000',
     "ranking.quota", 10**19),
])
def test_numbers_of_10_15_or_more_are_refused(tmp_path: Path, old: str, new: str, key: str,
                                              value: Any) -> None:
    text = edit(old, new)
    exc = load_one(tmp_path, text)
    assert "too large" in exc.reason and "10^15" in exc.reason
    assert exc.path == key
    assert exc.value == value
    assert exc.line == line_of(text, new.splitlines()[-1])


@pytest.mark.parametrize(("old", "new", "key", "value"), [
    (ADULT, 'condition = { fact = "age", ge = 1e-300 }', "gates.adult.condition.ge",
     Decimal("1e-300")),
    ("per = 12\n", "per = 0.0000001\n", "factors.permit.per", Decimal("0.0000001")),
    # 28 significant digits would round this to 18 under Decimal's default context
    ("{ min = 18, below = 36", "{ min = 18.0000000000000000000000000000001, below = 36",
     "factors.age.bands[0].min", Decimal("18.0000000000000000000000000000001")),
])
def test_numbers_finer_than_a_millionth_are_refused(tmp_path: Path, old: str, new: str,
                                                    key: str, value: Any) -> None:
    text = edit(old, new)
    exc = load_one(tmp_path, text)
    assert "too many decimal places" in exc.reason
    assert (exc.path, exc.value, exc.line) == (key, value, line_of(text, new.strip()))


def test_trailing_zeros_do_not_count_as_decimal_places() -> None:
    s = points.loads_schedule(edit("per = 12\n", "per = 12.000000000000\n"))
    permit = s.factors["permit"]
    assert isinstance(permit, RateRule)
    assert permit.per == 12


def test_score_comparison_finer_than_the_precision(tmp_path: Path) -> None:
    # used to raise ValueError from inside the engine when scoring
    text = edit(ADULT, 'condition = { score = "total", ge = 0.05 }')
    exc = load_one(tmp_path, text)
    assert "finer than the schedule's precision 0.1" in exc.reason
    assert (exc.path, exc.value) == ("gates.adult.condition.ge", Decimal("0.05"))


def test_negative_lottery_seed(tmp_path: Path) -> None:
    text = edit('final = "all_admitted"', 'final = "lottery"\nseed = -1')
    exc = load_one(tmp_path, text)
    assert (exc.path, exc.value, exc.line) == ("ranking.seed", -1, line_of(text, "seed = -1"))


def test_file_over_the_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    # invalid TOML past the limit: a parse would name it, the size check comes first
    text = BASE + "\n" + "x" * _limits.MAX_FILE_BYTES + " = = =\n"
    exc = load_one(tmp_path, text)
    assert isinstance(exc, ScheduleSyntaxError)
    assert "too large" in exc.reason and str(_limits.MAX_FILE_BYTES) in exc.reason
    with pytest.raises(ScheduleSyntaxError, match="too large"):
        points.loads_schedule(text)


def test_file_at_the_size_limit_is_read(tmp_path: Path) -> None:
    padding = _limits.MAX_FILE_BYTES - len(BASE.encode()) - 1
    text = BASE + "#" * padding + "\n"
    assert len(text.encode()) == _limits.MAX_FILE_BYTES
    assert points.load_schedule(write(tmp_path, text)).id == "testville/2024"


def test_a_long_note_is_refused(tmp_path: Path) -> None:
    note = "长" * (_limits.MAX_TEXT_CHARS + 1)
    text = edit('precision = "0.1"', f'precision = "0.1"\nnote = "{note}"')
    exc = load_one(tmp_path, text)
    assert "too long" in exc.reason
    assert (exc.path, exc.value, exc.line) == ("schedule.note", note, line_of(text, "note ="))


@pytest.mark.parametrize(("escape", "code"), [
    ("\\u001b[2J", "U+001B"), ("\\r", "U+000D"), ("\\u009b31m", "U+009B"), ("\\b", "U+0008"),
    ("\\u007f", "U+007F"),
])
def test_control_characters_in_text_are_refused(tmp_path: Path, escape: str,
                                                code: str) -> None:
    text = edit('en = "Testville points rules"', f'en = "Testville{escape} rules"')
    exc = load_one(tmp_path, text)
    assert "control characters" in exc.reason and code in exc.reason
    assert exc.path == "schedule.title.en"
    assert exc.line == line_of(text, "Testville")


def test_tab_newline_and_crlf_line_ends_are_text() -> None:
    note = 'note = """first\tline\r\nsecond line"""\r\n'
    s = points.loads_schedule(edit('precision = "0.1"\n', 'precision = "0.1"\n' + note))
    assert s.schedule.note == "first\tline\nsecond line"


def test_too_many_entries(tmp_path: Path) -> None:
    levels = ", ".join(f"l{i} = 1" for i in range(_limits.MAX_ENTRIES + 1))
    text = edit("points = { associate = 10, bachelor = 20 }", f"points = {{ {levels} }}")
    exc = load_one(tmp_path, text)
    assert "too many entries" in exc.reason
    assert exc.path == "factors.education.points"
    assert exc.value == _limits.MAX_ENTRIES + 1
    assert exc.line == line_of(text, "points = { l0")


def test_too_many_tiers(tmp_path: Path) -> None:
    tier = '\n[[tiers]]\nid = "t{i}"\nlabel = {{ zh = "档", en = "T" }}\nmin_score = 90\n' \
        'ref = "a"\nstatus = "confirmed"\n'
    text = BASE + "".join(tier.format(i=i) for i in range(_limits.MAX_ENTRIES))
    exc = load_one(tmp_path, text)
    assert "too many entries" in exc.reason
    assert exc.path == "tiers"
    assert exc.line == line_of(text, 'id = "basic"') - 1


def test_a_huge_base_through_extends_is_refused(tmp_path: Path) -> None:
    base = write(tmp_path, BASE + "#" * _limits.MAX_FILE_BYTES, "base.toml")
    child = edit('place = "testville"\n', 'place = "testville"\nextends = "base.toml"\n')
    path = write(tmp_path, child, "child.toml")
    with pytest.raises(ScheduleError) as info:
        points.load_schedule(path)
    assert "too large" in str(info.value)
    assert info.value.file == str(base)


def test_a_long_extends_chain_is_refused(tmp_path: Path) -> None:
    # s0 is BASE; s1 extends s0, s2 extends s1, ...: the chain from s{n} holds n + 1 files
    write(tmp_path, BASE, "s0.toml")
    n = _limits.MAX_EXTENDS
    meta = BASE.split("\n\n")[0]  # the [schedule] table: a child's replaces its base's
    for i in range(1, n + 1):
        write(tmp_path, f'{meta}\nextends = "s{i - 1}.toml"\n', f"s{i}.toml")
    assert points.load_schedule(tmp_path / f"s{n - 1}.toml").id == "testville/2024"
    with pytest.raises(ScheduleValidationError) as info:
        points.load_schedule(tmp_path / f"s{n}.toml")
    exc = info.value
    assert "extends chains too long" in exc.reason
    assert exc.path == "schedule.extends" and exc.line == len(meta.splitlines()) + 1
    assert exc.file == str(tmp_path / "s1.toml") and exc.value == "s0.toml"


_LEAF = st.sampled_from(['{ fact = "age", ge = 18 }', '{ score = "total", ge = 10 }',
                         '{ fact = "employed", eq = true }'])


@st.composite
def _conditions(draw: st.DrawFn) -> str:
    """A random condition of up to 40 `all`/`any`/`not` tables inside each other."""
    text = draw(_LEAF)
    for _ in range(draw(st.integers(0, 40))):
        kind = draw(st.sampled_from(["all", "any", "not"]))
        if kind == "not":
            text = "{ not = " + text + " }"
        else:
            siblings = draw(st.lists(_LEAF, max_size=2))
            text = "{ " + kind + " = [" + ", ".join([text, *siblings]) + "] }"
    return text


@given(_conditions())
def test_any_condition_tree_loads_or_is_refused_for_depth(text: str) -> None:
    # gates.adult.condition is 3 levels; `all`/`any` add a table and an array, `not` a table
    levels = 3 + sum(2 if k in ("all", "any") else 1 for k in
                     re.findall(r"\{ (all|any|not) =", text))
    try:
        s = points.loads_schedule(edit(ADULT, "condition = " + text))
    except ScheduleError as exc:
        assert levels > _limits.MAX_NESTING, str(exc)
        assert "nested too deeply" in exc.reason
        return
    assert levels <= _limits.MAX_NESTING
    points.score({"age": 30}, s, on=date(2024, 6, 1))  # and it scores
