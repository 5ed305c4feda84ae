"""Bad schedules never crash: each raises a `PointsError` naming file, line, key path, value.

Every case is the small valid schedule `BASE` with one targeted edit, written to a file and
loaded by path. The expected line is found in the edited text by a snippet that occurs on
exactly one line, so the test checks the line of the offending key, not a copied number.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import points
from points.errors import (
    PointsError,
    ScheduleError,
    ScheduleNotFound,
    ScheduleSyntaxError,
    ScheduleValidationError,
)
from points.schedule import loader
from points.schedule._locate import key_lines

BASE = """\
[schedule]
id = "testville/2024"
place = "testville"
title = { zh = "测试市积分办法", en = "Testville points rules" }
document = "测府规〔2024〕1号"
effective_from = 2024-01-01
effective_until = 2029-01-01
precision = "0.1"
floor = 0
default_purpose = "settlement"

[groups.base]
label = { zh = "基础指标", en = "Base indicators" }
combine = "sum"
cap = 100
ref = "art. 1"
status = "confirmed"

[factors.permit]
label = { zh = "居住证年限", en = "Years holding the permit" }
fact = "permit_months"
rule = "rate"
rate = 2
per = 12
cap = 20
group = "base"
ref = "art. 2"
status = "confirmed"

[factors.age]
label = { zh = "年龄", en = "Age" }
fact = "age"
rule = "bands"
bands = [
  { min = 18, below = 36, points = 20 },
  { min = 36, below = 46, points = 10 },
]
group = "base"
ref = "art. 3"
status = "confirmed"

[factors.education]
label = { zh = "文化程度", en = "Education" }
fact = "education"
rule = "levels"
points = { associate = 10, bachelor = 20 }
ref = "art. 4"
status = "confirmed"

[factors.blood]
label = { zh = "无偿献血", en = "Blood donations" }
fact = "blood_donations_5y"
rule = "count"
each = 2
cap = 10
window_years = 5
ref = "art. 5"
status = "confirmed"

[deductions.credit]
label = { zh = "不良信用记录", en = "Bad credit records" }
fact = "credit_records_over_90d"
rule = "count"
each = -5
purposes = ["settlement"]
ref = "art. 6"
status = "confirmed"

[gates.adult]
label = { zh = "年满18周岁", en = "Aged 18 or over" }
condition = { fact = "age", ge = 18 }
ref = "art. 7"
status = "confirmed"

[gates.clean]
label = { zh = "无犯罪记录", en = "No criminal record" }
condition = { all = [
  { fact = "criminal_record", eq = false },
  { fact = "education", ne = "none" },
] }
veto = true
ref = "art. 8"
status = "confirmed"

[purposes.settlement]
label = { zh = "积分入户", en = "Settlement" }
gates = ["adult", "clean"]
ref = "art. 9"
status = "confirmed"

[[tiers]]
id = "basic"
label = { zh = "基本服务", en = "Basic services" }
gates = ["adult"]
services = ["employment_services"]
ref = "art. 10"
status = "confirmed"

[[tiers]]
id = "settle"
label = { zh = "入户", en = "Settlement" }
purposes = ["settlement"]
min_score = 60
services = ["household_registration"]
ref = "art. 11"
status = "confirmed"

[[tiers]]
id = "settle_plus"
label = { zh = "入户加", en = "Settlement plus" }
purposes = ["settlement"]
min_score = 80
services = ["household_registration"]
ref = "art. 12"
status = "confirmed"

[ranking]
purpose = "settlement"
key = "total"
tie_breaks = [{ fact = "permit_months", order = "desc" }]
final = "all_admitted"
ref = "art. 13"
status = "confirmed"
"""

_BANDS = """\
  { min = 18, below = 36, points = 20 },
  { min = 36, below = 46, points = 10 },
"""
_EXTRA_GROUP = """
[groups.extra]
label = { zh = "其他", en = "Extra" }
group = "base"
ref = "art. 14"
status = "confirmed"
"""


def edit(old: str, new: str, text: str = BASE) -> str:
    """`text` with the one occurrence of `old` replaced by `new`."""
    assert text.count(old) == 1, f"{old!r} is not unique in the text"
    return text.replace(old, new)


def line_of(text: str, snippet: str) -> int:
    """The 1-based number of the one line of `text` containing `snippet`."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if snippet in line]
    assert len(hits) == 1, f"{snippet!r} is on lines {hits}"
    return hits[0]


def find_line(text: str, where: str | tuple[str, str]) -> int:
    """`line_of(text, where)`, or for `(after, snippet)` the first line holding `snippet`
    below the one line holding `after`."""
    if isinstance(where, str):
        return line_of(text, where)
    after, snippet = where
    start = line_of(text, after)
    lines = text.splitlines()
    return next(n for n in range(start + 1, len(lines) + 1) if snippet in lines[n - 1])


def write(tmp_path: Path, text: str | bytes, name: str = "bad.toml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def assert_names(exc: ScheduleError, text: str) -> None:
    """`text` (the error as printed) names the file, line, key path and value of `exc`."""
    assert f"{exc.file}:{exc.line}" in text
    if exc.path is not None:
        assert exc.path in text
    if exc.value is not None:
        assert shown(exc.value)[:60] in text


def shown(value: Any) -> str:
    """How a message shows a value: dates and numbers as written, anything else by repr."""
    return str(value) if isinstance(value, (date, Decimal)) else repr(value)


def test_base_schedule_is_valid() -> None:
    s = points.loads_schedule(BASE)
    assert s.id == "testville/2024"
    card = points.score({"age": 30, "permit_months": 36, "education": "bachelor"}, s,
                        on=date(2024, 6, 1))
    # permit: 36 // 12 = 3 full years x 2 = 6; age 30 in [18, 36): 20; bachelor: 20
    assert card.total == Decimal("46")


# --- one problem per case --------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """An edit of BASE that breaks exactly one thing."""

    id: str
    text: str
    path: str
    value: Any
    line: str | tuple[str, str]  # a snippet on the offending line only, or (after, snippet)
    reason: str  # a piece of the message


CASES = [
    Case("bad id", edit('id = "testville/2024"', 'id = "Testville 2024"'),
         "schedule.id", "Testville 2024", 'id = "Testville 2024"', "pattern"),
    Case("id of another place", edit('id = "testville/2024"', 'id = "elsewhere/2024"'),
         "schedule.id", "elsewhere/2024", 'id = "elsewhere/2024"', "place 'testville'"),
    Case("unknown top-level table", BASE + "\n[bonus]\nextra = 1\n",
         "bonus", {"extra": 1}, "[bonus]", "unknown key"),
    Case("unknown key in a factor", edit("cap = 20\n", "capp = 20\n"),
         "factors.permit.capp", 20, "capp = 20", "unknown key"),
    Case("string for a number", edit("rate = 2\n", 'rate = "two"\n'),
         "factors.permit.rate", "two", 'rate = "two"', "decimal"),
    Case("unknown rule kind", edit('rule = "levels"', 'rule = "lookup"'),
         "factors.education.rule", "lookup", 'rule = "lookup"', "rule must be one of"),
    Case("missing required key", edit('fact = "permit_months"\n', ""),
         "factors.permit.fact", None, "[factors.permit]", "missing required key"),
    Case("missing rule", edit('rule = "levels"\n', ""),
         "factors.education.rule", None, "[factors.education]", "missing required key"),
    Case("unknown fact", edit('fact = "permit_months"\nrule', 'fact = "permit_years"\nrule'),
         "factors.permit.fact", "permit_years", 'fact = "permit_years"', "unknown fact"),
    Case("level fact with rate", edit('fact = "permit_months"\nrule', 'fact = "education"\nrule'),
         "factors.permit.fact", "education", ("[factors.permit]", 'fact = "education"'),
         "not a level fact"),
    Case("unknown group", edit('cap = 20\ngroup = "base"', 'cap = 20\ngroup = "bases"'),
         "factors.permit.group", "bases", 'group = "bases"', "names no group"),
    Case("negative cap", edit("cap = 20\n", "cap = -20\n"),
         "factors.permit.cap", -20, "cap = -20", "greater than or equal to 0"),
    Case("negative group cap", edit("cap = 100\n", "cap = -1\n"),
         "groups.base.cap", -1, "cap = -1", "greater than or equal to 0"),
    Case("positive deduction", edit("each = -5", "each = 5"),
         "deductions.credit.each", Decimal(5), "each = 5", "must be negative"),
    Case("negative factor points", edit("each = 2\n", "each = -2\n"),
         "factors.blood.each", Decimal(-2), "each = -2", "zero or more"),
    Case("finer than the precision", edit("rate = 2\n", "rate = 2.25\n"),
         "factors.permit.rate", Decimal("2.25"), "rate = 2.25", "precision 0.1"),
    Case("overlapping bands", edit("{ min = 36, below = 46", "{ min = 30, below = 46"),
         "factors.age.bands[1].min", Decimal(30), "{ min = 30", "overlap"),
    Case("unsorted bands",
         edit(_BANDS, "\n".join(reversed(_BANDS.splitlines())) + "\n"),
         "factors.age.bands[1].min", Decimal(18), "{ min = 18", "unsorted"),
    Case("band below its min", edit("{ min = 36, below = 46", "{ min = 36, below = 30"),
         "factors.age.bands[1].below", Decimal(30), "below = 30", "must be above min 36"),
    Case("effective_until before effective_from",
         edit("effective_until = 2029-01-01", "effective_until = 2023-01-01"),
         "schedule.effective_until", date(2023, 1, 1), "effective_until =", "not after"),
    Case("duplicate tier id", edit('id = "settle_plus"', 'id = "settle"'),
         "tiers[2].id", "settle", ("min_score = 60", 'id = "settle"'), "duplicate tier id"),
    Case("unsorted tiers", edit("min_score = 80", "min_score = 50"),
         "tiers[2].min_score", Decimal(50), "min_score = 50", "unsorted"),
    Case("unknown service in a tier",
         edit('services = ["employment_services"]', 'services = ["free_lunch"]'),
         "tiers[0].services[0]", "free_lunch", "free_lunch", "unknown service"),
    Case("tier naming an unknown gate",
         edit('gates = ["adult"]\nservices', 'gates = ["adulthood"]\nservices'),
         "tiers[0].gates[0]", "adulthood", "adulthood", "names no gate"),
    Case("unknown deduction purpose",
         edit('purposes = ["settlement"]\nref = "art. 6"', 'purposes = ["school"]\nref = "art. 6"'),
         "deductions.credit.purposes[0]", "school", '["school"]', "names no purpose"),
    Case("unknown default_purpose",
         edit('default_purpose = "settlement"', 'default_purpose = "school"'),
         "schedule.default_purpose", "school", "default_purpose", "names no purpose"),
    Case("condition with two operators",
         edit('{ fact = "age", ge = 18 }', '{ fact = "age", ge = 18, le = 60 }'),
         "gates.adult.condition", {"fact": "age", "ge": 18, "le": 60}, "le = 60",
         "exactly one comparison"),
    Case("level fact compared with a number",
         edit('{ fact = "education", ne = "none" }', '{ fact = "education", ne = 3 }'),
         "gates.clean.condition.all[1].ne", 3, "ne = 3", "not a level of education"),
    Case("value fitting no comparable type",
         edit('{ fact = "age", ge = 18 }', '{ fact = "age", ge = [18] }'),
         "gates.adult.condition.ge", [18], "ge = [18]", "must be a number"),
    Case("count window mismatching the fact", edit("window_years = 5", "window_years = 3"),
         "factors.blood.window_years", 3, "window_years = 3", "5-year window"),
    Case("lottery without seed", edit('final = "all_admitted"', 'final = "lottery"'),
         "ranking.final", "lottery", 'final = "lottery"', "needs a seed"),
    Case("extends a missing schedule",
         edit('place = "testville"\n', 'place = "testville"\nextends = "testville/2020"\n'),
         "schedule.extends", "testville/2020", "extends", "no bundled schedule"),
    Case("extends something not an id", edit('place = "testville"\n',
                                             'place = "testville"\nextends = "No Such"\n'),
         "schedule.extends", "No Such", "extends", "not a schedule id"),
    Case("factor id not an id", edit("[factors.blood]", "[factors.Blood]"),
         "factors.Blood", "Blood", "[factors.Blood]", "lower-case"),
    Case("number too large", edit("rate = 2\n", "rate = 1e999999\n"),
         "factors.permit.rate", Decimal("1e999999"), "rate = 1e999999", "too large"),
    Case("per too large", edit("per = 12\n", "per = 1e999999\n"),
         "factors.permit.per", Decimal("1e999999"), "per = 1e999999", "too large"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_one_problem_named_with_file_line_path_value(case: Case, tmp_path: Path) -> None:
    path = write(tmp_path, case.text)
    with pytest.raises(ScheduleValidationError) as info:
        points.load_schedule(path)
    exc = info.value
    assert len(exc.problems) == 1, str(exc)
    (p,) = exc.problems
    assert isinstance(p, ScheduleError)
    assert p.file == str(path)
    assert p.line == find_line(case.text, case.line)
    assert p.path == case.path
    assert p.value == case.value
    assert type(p.value) is type(case.value)
    assert case.reason in p.reason
    # the error itself carries the first problem, and its message names all of it
    assert (exc.file, exc.line, exc.path, exc.value) == (p.file, p.line, p.path, p.value)
    assert_names(exc, str(exc))
    assert str(exc).startswith(f"{path}:{p.line}: {case.path}: ")


@pytest.mark.parametrize("case", CASES[:6], ids=[c.id for c in CASES[:6]])
def test_loads_schedule_names_the_source(case: Case) -> None:
    with pytest.raises(ScheduleValidationError) as info:
        points.loads_schedule(case.text, source="inline.toml")
    assert info.value.file == "inline.toml"
    assert info.value.line == find_line(case.text, case.line)
    assert str(info.value).startswith(f"inline.toml:{info.value.line}: {case.path}")


# --- syntax, encoding, missing files -----------------------------------------------------


def test_toml_syntax_error(tmp_path: Path) -> None:
    text = edit("cap = 100\n", "cap = = 100\n")
    path = write(tmp_path, text)
    with pytest.raises(ScheduleSyntaxError) as info:
        points.load_schedule(path)
    exc = info.value
    assert exc.file == str(path)
    assert exc.line == line_of(text, "cap = = 100")
    assert exc.path == "groups.base.cap"
    assert exc.value == "cap = = 100"
    assert "invalid TOML" in str(exc)
    assert_names(exc, str(exc))


def test_duplicate_key_is_a_syntax_error(tmp_path: Path) -> None:
    text = edit("per = 12\n", "per = 12\nper = 6\n")
    with pytest.raises(ScheduleSyntaxError) as info:
        points.load_schedule(write(tmp_path, text))
    assert info.value.line == line_of(text, "per = 6")
    assert info.value.path == "factors.permit.per"


def test_not_utf8(tmp_path: Path) -> None:
    data = BASE.encode("utf-8").replace("测试市".encode(), b"\xff\xfe")
    path = write(tmp_path, data)
    with pytest.raises(ScheduleSyntaxError) as info:
        points.load_schedule(path)
    exc = info.value
    assert exc.file == str(path)
    assert exc.line == line_of(BASE, "测试市")
    assert exc.path == "schedule.title"
    assert exc.value == b"\xff"
    assert "not UTF-8" in str(exc)
    assert_names(exc, str(exc))


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "2024.toml"
    with pytest.raises(ScheduleNotFound) as info:
        points.load_schedule(path)
    assert info.value.file == str(path)
    assert info.value.value == str(path)
    assert str(path) in str(info.value)


def test_missing_file_by_string(tmp_path: Path) -> None:
    ref = str(tmp_path / "gone.toml")
    with pytest.raises(ScheduleNotFound) as info:
        points.load_schedule(ref)
    assert info.value.file == ref


@pytest.mark.parametrize("ref", ["testville/1999", "Not An Id", ""])
def test_unknown_schedule_id(ref: str) -> None:
    with pytest.raises(ScheduleNotFound) as info:
        points.load_schedule(ref)
    assert info.value.value == ref
    assert repr(ref) in str(info.value)


# --- several problems, cycles, extends -----------------------------------------------------


def test_several_problems_are_all_reported(tmp_path: Path) -> None:
    text = edit('fact = "permit_months"\nrule', 'fact = "permit_years"\nrule')
    text = edit('default_purpose = "settlement"', 'default_purpose = "school"', text)
    text = edit('services = ["employment_services"]', 'services = ["free_lunch"]', text)
    path = write(tmp_path, text)
    with pytest.raises(ScheduleValidationError) as info:
        points.load_schedule(path)
    exc = info.value
    found = {(p.path, p.line, p.value) for p in exc.problems}
    assert found == {
        ("schedule.default_purpose", line_of(text, "default_purpose"), "school"),
        ("factors.permit.fact", line_of(text, "permit_years"), "permit_years"),
        ("tiers[0].services[0]", line_of(text, "free_lunch"), "free_lunch"),
    }
    message = str(exc)
    assert message.startswith(f"{path}: 3 problems")
    for p in exc.problems:
        assert_names(p, message)


def test_several_format_problems_are_all_reported(tmp_path: Path) -> None:
    text = edit("rate = 2\n", 'rate = "two"\n')
    text = edit("each = -5", 'each = "minus five"', text)
    with pytest.raises(ScheduleValidationError) as info:
        points.load_schedule(write(tmp_path, text))
    paths = {(p.path, p.line) for p in info.value.problems}
    assert paths == {("factors.permit.rate", line_of(text, '"two"')),
                     ("deductions.credit.each", line_of(text, "minus five"))}


def test_groups_in_a_cycle(tmp_path: Path) -> None:
    text = edit("cap = 100\nref", 'cap = 100\ngroup = "extra"\nref') + _EXTRA_GROUP
    # a group leading into the cycle is not itself in it: no problem at groups.lead
    text = edit('window_years = 5\n', 'window_years = 5\ngroup = "lead"\n', text)
    text += _EXTRA_GROUP.replace("extra", "lead").replace("Extra", "Lead")
    with pytest.raises(ScheduleValidationError) as info:
        points.load_schedule(write(tmp_path, text))
    found = {(p.path, p.line, p.value) for p in info.value.problems}
    assert found == {
        ("groups.base.group", line_of(text, 'group = "extra"'), "extra"),
        ("groups.extra.group", find_line(text, ("[groups.extra]", 'group = "base"')), "base"),
    }
    assert all("cycle" in p.reason for p in info.value.problems)


def _extending(target: Path | str) -> str:
    return edit('place = "testville"\n', f'place = "testville"\nextends = "{target}"\n')


def test_extends_cycle_of_two_files(tmp_path: Path) -> None:
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    write(tmp_path, _extending("b.toml"), "a.toml")
    write(tmp_path, _extending("a.toml"), "b.toml")
    with pytest.raises(ScheduleValidationError) as info:
        points.load_schedule(a)
    exc = info.value
    assert exc.file in (str(a), str(b))
    assert exc.line == line_of(_extending("a.toml"), "extends")
    assert exc.path == "schedule.extends"
    assert exc.value in ("a.toml", "b.toml")
    assert "cycle" in str(exc)


def test_extends_itself(tmp_path: Path) -> None:
    path = tmp_path / "self.toml"
    write(tmp_path, _extending("self.toml"), "self.toml")
    with pytest.raises(ScheduleValidationError) as info:
        points.load_schedule(path)
    assert (info.value.file, info.value.path, info.value.value) == (
        str(path), "schedule.extends", "self.toml")
    assert "cycle" in str(info.value)


def test_extends_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    base = write(tmp_path, BASE.encode().replace("测试市".encode(), b"\xff"), "base.toml")
    child = write(tmp_path, _extending("base.toml"), "child.toml")
    with pytest.raises(ScheduleSyntaxError) as info:
        points.load_schedule(child)
    assert info.value.file == str(base)
    assert info.value.line == line_of(BASE, "测试市")


def test_extends_a_file_that_is_not_toml(tmp_path: Path) -> None:
    base = write(tmp_path, "[schedule\n", "base.toml")
    child = write(tmp_path, _extending("base.toml"), "child.toml")
    with pytest.raises(ScheduleSyntaxError) as info:
        points.load_schedule(child)
    assert (info.value.file, info.value.line) == (str(base), 1)
    assert "[schedule" not in str(info.value)  # the line of a base is not echoed


def test_extends_a_base_in_a_subfolder(tmp_path: Path) -> None:
    write(tmp_path / "base", BASE, "2024.toml")
    child = write(tmp_path, _extending("base/2024.toml").replace(
        "testville/2024", "testville/2025"), "child.toml")
    assert points.load_schedule(child).id == "testville/2025"


def test_extending_file_missing_meta_keys_is_named(tmp_path: Path) -> None:
    """A child's [schedule] replaces its base's: keys missing there are the child's fault."""
    write(tmp_path, BASE, "base.toml")
    child_text = '[schedule]\nextends = "base.toml"\n\n[factors.permit]\nrate = 3\n'
    child = write(tmp_path, child_text, "child.toml")
    with pytest.raises(ScheduleValidationError) as info:
        points.load_schedule(child)
    by_path = {p.path: p for p in info.value.problems}
    assert {"schedule.id", "schedule.place", "factors.permit.rule"} <= set(by_path)
    assert (by_path["schedule.id"].file, by_path["schedule.id"].line) == (str(child), 1)
    rule = by_path["factors.permit.rule"]
    assert (rule.file, rule.line) == (str(child), line_of(child_text, "[factors.permit]"))


# --- extends reads nothing outside the schedule's own tree ---------------------------------

_SECRET = 'registry = { token = "s3cr3t" }\n'


def _refused(child: Path, value: str, reason: str) -> None:
    with pytest.raises(ScheduleValidationError) as info:
        points.load_schedule(child)
    exc = info.value
    assert (exc.file, exc.path, exc.value) == (str(child), "schedule.extends", value)
    assert exc.line == line_of(child.read_text("utf-8"), "extends")
    assert reason in str(exc)
    assert "s3cr3t" not in str(exc) and "registry" not in str(exc)


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A TOML file outside the schedule's folder, in a schedule's shape but with a secret."""
    return write(tmp_path / "secrets", BASE + _SECRET, "creds.toml")


def test_extends_an_absolute_path_is_refused_unread(
    tmp_path: Path, secret: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    child = write(tmp_path / "mine", _extending(secret), "child.toml")
    read: list[Path] = []
    real = loader._read

    def spy(path: Path, **kw: Any) -> str:
        read.append(path)
        return real(path, **kw)

    monkeypatch.setattr(loader, "_read", spy)
    _refused(child, str(secret), "no absolute path")
    assert read == [child]  # the child only: the secret was never opened


def test_extends_up_the_tree_is_refused(tmp_path: Path, secret: Path) -> None:
    child = write(tmp_path / "mine", _extending("../secrets/creds.toml"), "child.toml")
    _refused(child, "../secrets/creds.toml", "no '..'")


def test_extends_through_a_symlink_out_is_refused(tmp_path: Path, secret: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "base.toml").symlink_to(secret)
    child = write(tmp_path / "mine", _extending("base.toml"), "child.toml")
    _refused(child, "base.toml", "outside this schedule's folder")
    (tmp_path / "mine" / "up").symlink_to(tmp_path / "secrets")
    child = write(tmp_path / "mine", _extending("up/creds.toml"), "child.toml")
    _refused(child, "up/creds.toml", "outside this schedule's folder")


def test_extends_a_backslash_path_is_refused(tmp_path: Path) -> None:
    child = write(tmp_path, _extending("..\\\\secrets\\\\creds.toml"), "child.toml")
    with pytest.raises(ScheduleValidationError, match="no absolute path"):
        points.load_schedule(child)


def test_extends_a_toml_file_that_is_not_a_schedule(tmp_path: Path) -> None:
    write(tmp_path, _SECRET, "creds.toml")
    child = write(tmp_path, _extending("creds.toml"), "child.toml")
    _refused(child, "creds.toml", "not a schedule")


def test_schedule_text_extends_only_bundled_ids(tmp_path: Path, secret: Path) -> None:
    for target in (str(secret), "creds.toml"):
        with pytest.raises(ScheduleValidationError) as info:
            points.loads_schedule(_extending(target), source="text.toml")
        assert "s3cr3t" not in str(info.value)
        assert info.value.path == "schedule.extends"


# --- the line finder ---------------------------------------------------------------------


def test_key_lines_sees_inside_multiline_arrays_and_strings() -> None:
    text = (
        '[a]\n'                      # 1
        'note = """\n'               # 2
        '[not.a.table]\n'            # 3
        'x = 1\n'                    # 4
        '"""\n'                      # 5
        'items = [\n'                # 6
        '  "one", # a ] in a comment\n'  # 7
        "  'two',\n"                 # 8
        '  { k = "}", j = [3,\n'     # 9
        '     4] },\n'               # 10
        ']\n'                        # 11
        'after = 1\n'                # 12
    )
    lines = key_lines(text)
    assert ("not", "a", "table") not in lines
    assert ("a", "x") not in lines
    assert lines[("a", "items", 0)] == 7
    assert lines[("a", "items", 1)] == 8
    assert lines[("a", "items", 2, "k")] == 9
    assert lines[("a", "items", 2, "j", 1)] == 10
    assert lines[("a", "after")] == 12


# --- nothing but PointsError, whatever the text -------------------------------------------

_VALUES = ['"x"', "-1", "0", "1e999999", "2.25", "true", "[]", "{}", '["adult"]',
           "2020-01-01", '"settlement"', '"age"', "{ fact = 1 }", '"', "[", "nan"]


@st.composite
def _mutations(draw: st.DrawFn) -> str:
    lines = BASE.splitlines()
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        how = draw(st.sampled_from(["delete", "duplicate", "value", "key"]))
        line = lines[i]
        if how == "delete":
            del lines[i]
        elif how == "duplicate":
            lines.insert(i, line)
        elif how == "value" and " = " in line:
            lines[i] = line.split(" = ", 1)[0] + " = " + draw(st.sampled_from(_VALUES))
        elif how == "key" and " = " in line:
            key = draw(st.text(string.ascii_lowercase + "_", min_size=1, max_size=8))
            lines[i] = key + " = " + line.split(" = ", 1)[1]
    return "\n".join(lines) + "\n"


@pytest.mark.slow  # Hypothesis: 150 mutated schedules
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutations())
def test_mutated_schedule_raises_only_points_errors(text: str) -> None:
    try:
        points.loads_schedule(text, source="mutant.toml")
    except ScheduleError as exc:
        assert exc.file == "mutant.toml"
        assert str(exc)
        for p in getattr(exc, "problems", ()):
            assert p.file == "mutant.toml" and p.path
    except PointsError:  # pragma: no cover - any other PointsError is a failure too
        raise AssertionError("a schedule error is a ScheduleError") from None


@pytest.mark.slow  # Hypothesis: 150 texts
@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([*'[]{}=,."\'#\n ab1-_\\', '"""', "[[", "]]"]), max_size=60)
       .map("".join))
def test_arbitrary_text_raises_only_schedule_errors(text: str) -> None:
    key_lines(text)
    with pytest.raises(ScheduleError):
        points.loads_schedule(text)
