"""The expression grammar of derived facts and conditions: hand-computed values (per record
and in columns), inferred bounds, normalised text, words, and every refusal with its place."""

from __future__ import annotations

import pickle
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from _expr_helpers import column_values, level, num
from points.expression import (
    MAX_DEPTH,
    MAX_LENGTH,
    ExpressionError,
    ExprType,
    describe_expr,
    parse_expression,
    record_fn,
)

BOOL = ExprType("bool")
NAMES = {
    "age": num("16", "70"),
    "permit_months": num("0", "600"),
    "salary": num("0", "100000", 2),
    "score": num("-10.5", "10.5", 1),
    "delta": num("-100", "100"),
    "rate": num("0", "1", 3),
    "married": BOOL,
    "insured": BOOL,
    "local": BOOL,
    "edu": level(),
    "spouse_edu": level(optional=True),
    "lang": level(levels=("a1", "a2", "b1")),
    "children": num("0", "5", optional=True),
    "has_home": ExprType("bool", optional=True),
}
BASE: dict[str, Any] = {
    "age": 30, "permit_months": 24, "salary": Decimal("8500.50"), "score": Decimal("-2.5"),
    "delta": -7, "rate": Decimal("0.125"), "married": True, "insured": False, "local": True,
    "edu": "bachelor", "spouse_edu": None, "lang": "a2", "children": None, "has_home": None,
}

GOLDEN: list[tuple[str, dict[str, Any], Any]] = [
    # precedence and associativity
    ("age + permit_months * 2", {}, 78),
    ("(age + permit_months) * 2", {}, 108),
    ("age - permit_months - 1", {}, 5),
    ("age - (permit_months - 1)", {}, 7),
    # floor division rounds down, negatives too; unary minus binds tighter than //
    ("delta // 2", {}, -4),
    ("delta // 7", {}, -1),
    ("delta // 8", {}, -1),
    ("-delta // 3", {}, 2),
    ("-(delta // 3)", {}, 3),
    ("score // 2", {}, -2),
    ("salary // 3", {}, 2833),
    ("permit_months // 12 * 12", {"permit_months": 30}, 24),
    ("delta * 3 // 2", {}, -11),
    ("score * 2 // 3 * 2", {}, -4),
    # decimals with different places: exact, result places by the rules
    ("salary + score", {}, Decimal("8498.00")),
    ("salary * rate", {}, Decimal("1062.56250")),
    ("delta * score", {}, Decimal("17.5")),
    ("rate * rate", {}, Decimal("0.015625")),
    ("1.5 * 2", {}, Decimal("3.0")),
    ("score - delta", {}, Decimal("4.5")),
    # functions
    ("min(age, permit_months, delta)", {}, -7),
    ("max(salary, score)", {}, Decimal("8500.50")),
    ("sum(age, permit_months, score)", {}, Decimal("51.5")),
    ("count(married, insured, local, age > 40)", {}, 2),
    ("max(if married then 1 else 2, min(age, 3))", {}, 3),
    # not binds tighter than and, and tighter than or
    ("not married and insured", {}, False),
    ("not married or local", {}, True),
    ("not (married or local)", {}, False),
    ("married or insured and local", {"local": False}, True),
    ("(married or insured) and local", {"local": False}, False),
    ("married and local and insured", {}, False),
    ("insured or not local or married", {}, True),
    ("married or insured or local", {"local": False}, True),
    # if, nested
    ("if age >= 30 then 10 else if age >= 25 then 5 else 0", {}, 10),
    ("if age >= 30 then 10 else if age >= 25 then 5 else 0", {"age": 27}, 5),
    ("if age >= 30 then 10 else if age >= 25 then 5 else 0", {"age": 20}, 0),
    ("if married then salary else 0", {"married": False}, Decimal("0.00")),
    ("if married then salary else score", {}, Decimal("8500.50")),
    # numbers in lists, yes/no equality
    ("age in [30, 31.5]", {}, True),
    ("score in [-2.5, 3]", {}, True),
    ("age in [31.5]", {}, False),
    ("married == local", {}, True),
    ("married != (age > 40)", {}, True),
    # levels: ordered by rank, aliases resolved
    ('edu >= "college"', {}, True),
    ("edu < '本科'", {}, False),
    ("edu == '本科'", {}, True),
    ("edu in ['硕士', 'doctor']", {}, False),
    ("edu in ['硕士', 'doctor']", {"edu": "master"}, True),
    ("spouse_edu > edu", {"spouse_edu": "master"}, True),
    ("lang < 'b1' and edu <= 'master'", {}, True),
    ("'high_school' < edu", {}, True),
    # absent values: comparisons false, != true, in false
    ("spouse_edu == edu", {}, False),
    ("spouse_edu != edu", {}, True),
    ("spouse_edu >= 'none'", {}, False),
    ("not spouse_edu >= 'none'", {}, True),
    ("spouse_edu in ['bachelor']", {}, False),
    ("children == 0", {}, False),
    ("children != 0", {}, True),
    ("children in [0, 1]", {}, False),
    ("children in [0, 1]", {"children": 1}, True),
    ("has_home == true", {}, False),
    ("has_home != true", {}, True),
    ("has_home == false", {"has_home": False}, True),
    ("if married then spouse_edu else '无'", {}, None),
    ("if married then spouse_edu else '无'", {"married": False}, "none"),
    ("if children == 2 then children else 7", {}, 7),
    ("if children == 2 then children else 7", {"children": 2}, 2),
]


@pytest.mark.parametrize(("text", "changes", "expected"), GOLDEN)
def test_golden_values_per_record_and_in_columns(
        text: str, changes: dict[str, Any], expected: Any) -> None:
    expr = parse_expression(text, NAMES)
    facts = {**BASE, **changes}
    got = record_fn(expr)(facts)
    assert got == expected
    assert type(got) is type(expected)
    if isinstance(expected, Decimal):  # exactly the result's places
        assert str(got) == str(expected)
    [column] = column_values(expr, NAMES, [facts])
    assert column == expected and str(column) == str(expected)


BOUNDS = [
    ("age + permit_months * 2", "16", "1270", 0),
    ("delta // 3", "-34", "33", 0),
    ("-delta // 3", "-34", "33", 0),
    ("delta * score", "-1050", "1050", 1),
    ("salary * rate", "0", "100000", 5),
    ("if age >= 30 then 10 else if age >= 25 then 5 else 0", "0", "10", 0),
    ("count(married, insured, local, age > 40)", "0", "4", 0),
    ("min(age, delta)", "-100", "70", 0),
    ("max(age, delta)", "16", "100", 0),
    ("sum(age, score)", "5.5", "80.5", 1),
    ("score - delta", "-110.5", "110.5", 1),
    ("if married then salary else score", "-10.5", "100000", 2),
    ("-score * 2", "-21", "21", 1),
    ("rate * 0.5 - 1", "-1", "-0.5", 4),
]


@pytest.mark.parametrize(("text", "lo", "hi", "places"), BOUNDS)
def test_inferred_bounds_and_places(text: str, lo: str, hi: str, places: int) -> None:
    t = parse_expression(text, NAMES).type
    assert (t.kind, t.lo, t.hi, t.places) == ("number", Fraction(lo), Fraction(hi), places)


def test_types_of_other_results_and_reads() -> None:
    e = parse_expression("if married and age > 3 then spouse_edu else edu", NAMES)
    assert e.type.kind == "level" and e.type.levels == NAMES["edu"].levels
    assert e.type.optional
    assert e.reads == ("married", "age", "spouse_edu", "edu")
    c = parse_expression("age > 3 or age < 2 and married", NAMES)
    assert c.type == BOOL and c.reads == ("age", "married")
    assert parse_expression("children", NAMES).type.optional
    assert parse_expression("if married then 5 else children", NAMES).type.optional
    assert not parse_expression("if married then 5 else age", NAMES).type.optional


TEXTS = [
    ("age+permit_months*2", "age + permit_months * 2"),
    ("((age))", "age"),
    ("(age) + (permit_months * 2)", "age + permit_months * 2"),
    ("(age + permit_months) * 2", "(age + permit_months) * 2"),
    ("age - (permit_months - 1)", "age - (permit_months - 1)"),
    ("(age + 1) + 2", "(age + 1) + 2"),
    ("not(married)", "not married"),
    ("not (married and insured)", "not (married and insured)"),
    ("(not married) and insured", "not married and insured"),
    ("edu >= '本科'", 'edu >= "bachelor"'),
    ("age in [1,2,]", "age in [1, 2]"),
    ("age in [ -1 ]", "age in [-1]"),
    ("007.50 + age", "7.50 + age"),
    ("if married then 1 else if insured then 2 else 3",
     "if married then 1 else if insured then 2 else 3"),
    ("(if married then 1 else 2) + 1", "(if married then 1 else 2) + 1"),
    ("if (if married then insured else local) then 1 else 2",
     "if (if married then insured else local) then 1 else 2"),
    ("- - age", "--age"),
    ("-(age * 2)", "-(age * 2)"),
    ("(married == local) == insured", "(married == local) == insured"),
    ("min( age ,\n 3 )", "min(age, 3)"),
    ("count(married, age>3)", "count(married, age > 3)"),
    ("age * (2 // 1)", "age * (2 // 1)"),
]


@pytest.mark.parametrize(("text", "normal"), TEXTS)
def test_normalised_text_is_stable(text: str, normal: str) -> None:
    e = parse_expression(text, NAMES)
    assert e.text == normal
    again = parse_expression(e.text, NAMES)
    assert again.text == normal and again.type == e.type


def test_words_in_english_and_chinese() -> None:
    e = parse_expression(
        "if married and edu >= '本科' then min(salary, 5000) // 100 else 0", NAMES)
    en = {"married": "married", "edu": "education", "salary": "monthly salary"}
    zh = {"married": "已婚", "edu": "学历", "salary": "月薪"}
    assert describe_expr(e, "en", en.__getitem__) == \
        "if married and education ≥ bachelor then ⌊lowest of (monthly salary, 5000) ÷ 100⌋ " \
        "else 0"
    assert describe_expr(e, "zh", zh.__getitem__) == \
        "如果 已婚 且 学历 ≥ 本科 则 ⌊最小值(月薪、5000) ÷ 100⌋ 否则 0"
    e2 = parse_expression("not insured or spouse_edu in ['master', 'doctor']", NAMES)
    assert describe_expr(e2, "zh") == "非 insured 或 spouse_edu为硕士、博士之一"
    assert describe_expr(e2, "en") == "not insured or spouse_edu is one of master, doctor"
    e3 = parse_expression("count(married, insured) != 1 and (age + 1) * -2 < 0", NAMES)
    assert describe_expr(e3, "en") == \
        "number true of (married, insured) ≠ 1 and (age + 1) × -2 < 0"
    with pytest.raises(ValueError, match="lang"):
        describe_expr(e3, "fr")


ERRORS = [
    # unknown names, with a near miss when there is one
    ("permit_years + 1", "unknown fact permit_years; did you mean permit_months?", 0),
    ("1 + zzz", "unknown fact zzz", 4),
    ("Age", "unknown fact Age; did you mean age?", 0),
    # type mismatches
    ("age + married", "+ needs numbers; married is a yes/no value", 6),
    ("edu - 1", "- needs numbers; edu is a level", 0),
    ("married and age", "and needs yes/no values; age is a number", 12),
    ("not age", "not needs yes/no values; age is a number", 4),
    ("if age then 1 else 2", "if needs yes/no values; age is a number", 3),
    ("if married then 1 else edu",
     "the branches of if differ: then gives a number, else gives a level", 18),
    ("if married then edu else lang",
     "the branches of if have different levels: edu and lang", 20),
    ("if married then 'a' else 'b'",
     "if gives a text value in both branches; one must be a level fact", 0),
    ("edu > 1", "> cannot compare a level with a number: edu > 1", 4),
    ("married < insured", "yes/no values compare only with == or !=, not <", 8),
    ("edu == lang", "edu and lang have different levels", 4),
    ("age == 'x'", "a text value compares only with a level; age is a number", 7),
    ("'a' == 'b'", "two text values cannot be compared; compare a level with a text value", 0),
    ("'bachelor'", "a text value alone is no expression; compare a level with it", 0),
    ("count(age)", "count needs yes/no values; age is a number", 6),
    ("min(married)", "min needs numbers; married is a yes/no value", 4),
    ("married in [1]", "in needs a number or a level; married is a yes/no value", 8),
    ("edu in [1]", "edu is a level; the list needs text values", 8),
    ("age in ['x']", "age is a number; the list needs numbers", 8),
    ("age * 'x'", "* needs numbers; 'x' is a text value", 6),
    # unknown level values
    ("edu == 'phd'",
     "unknown value 'phd' for edu (one of 'none', 'high_school', 'college', 'bachelor', "
     "'master', 'doctor')", 7),
    ("edu >= 'docter'",
     "unknown value 'docter' for edu (one of 'none', 'high_school', 'college', 'bachelor', "
     "'master', 'doctor'); did you mean 'doctor'?", 7),
    # arithmetic or ordered comparison on what may be absent
    ("children + 1", "children may be absent; + needs a value that is always present", 0),
    ("children < 2", "children may be absent; < needs a value that is always present", 0),
    ("max(children, 1)", "children may be absent; max needs a value that is always present", 4),
    ("(if married then children else 1) * 2",
     "if married then children else 1 may be absent; * needs a value that is always present",
     1),
    ("has_home and married", "has_home may be absent; compare it: has_home == true", 0),
    ("has_home", "has_home may be absent; compare it: has_home == true", 0),
    ("if married then has_home else false",
     "has_home may be absent; compare it: has_home == true", 16),
    # literals and results too large or too precise
    ("1000000000000000", "the number 1000000000000000 is too large; numbers must stay below "
     "10^15", 0),
    ("age + 1.1234567", "the number 1.1234567 has more than 6 decimal places", 6),
    ("999999999999999 + 1", "this part may reach 1000000000000000; numbers must stay below "
     "10^15", 16),
    ("999999999999 * 10000", "this part may reach 9999999999990000; numbers must stay below "
     "10^15", 13),
    ("-999999999999999 - 1", "this part may reach -1000000000000000; numbers must stay below "
     "10^15", 17),
    ("999999999999999 * 1.0000", "this part may reach 999999999999999.0000 with 4 decimal "
     "places; at most 18 digits in all", 16),
    ("rate * rate * rate", "the result has 9 decimal places; at most 6", 12),
    # floor division by a whole number literal > 0 only
    ("age // 0", "// divides by a whole number greater than 0, not 0", 7),
    ("age // 2.5", "// divides by a whole number greater than 0, found '2.5'", 7),
    ("age // age", "// divides by a whole number greater than 0, found 'age'", 7),
    ("age // -2", "// divides by a whole number greater than 0, found '-'", 7),
    # syntax
    ("", "empty expression", 0),
    ("  \n ", "empty expression", 0),
    ("age age", "unexpected 'age' after the end of the expression", 4),
    ("age)", "unexpected ')' after the end of the expression", 3),
    ("age +", "the expression ends early; expected a value", 5),
    ("age = 1", "use == to compare", 4),
    ("age / 2", "only // divides (by a whole number, rounding down)", 4),
    ("age ! 2", "use != to compare, or not", 4),
    ("age # 2", "unexpected character '#'", 4),
    ("edu == 'abc", "a text value is not closed", 7),
    ("1. + age", "a number needs a digit after the point", 1),
    (".5 + age", "a number needs a digit before the point", 0),
    ("then", "expected a value, found 'then'", 0),
    ("if married 1 else 2", "expected then, found '1'", 11),
    ("min + 1", "min is a function: write min(...), found '+'", 4),
    ("1 < age < 3", "comparisons cannot be chained; join them with and", 8),
    ("age in [1", "the expression ends early; expected ]", 9),
    ("age in []", "expected a number or a text value in the list, found ']'", 8),
    ("age in [- x]", "expected a number after -, found 'x'", 10),
    ("min(age, )", "expected a value, found ')'", 9),
    # limits
    ("1" + " " * MAX_LENGTH, f"expression longer than {MAX_LENGTH} characters", MAX_LENGTH),
    ("(" * 33 + "1" + ")" * 33, f"expression nested deeper than {MAX_DEPTH}", 32),
    ("not " * 33 + "married", f"expression nested deeper than {MAX_DEPTH}", 128),
    ("-" * 33 + "1", f"expression nested deeper than {MAX_DEPTH}", 32),
    ("1" + "+1" * 250, "expression too large: more than 500 parts", 500),
]


@pytest.mark.parametrize(("text", "message", "position"), ERRORS)
def test_refusals_say_what_and_where(text: str, message: str, position: int) -> None:
    with pytest.raises(ExpressionError) as info:
        parse_expression(text, NAMES)
    assert (info.value.message, info.value.position) == (message, position)
    assert info.value.text == text
    assert str(info.value) == f"{message} (at character {position + 1})"


def test_limits_are_inclusive() -> None:
    """Exactly at each limit is accepted: the refusals above are the first step beyond."""
    assert parse_expression("(" * 32 + "1" + ")" * 32, NAMES).text == "1"
    assert parse_expression("-" * 32 + "1", NAMES).type.lo == 1
    assert parse_expression("1" + "+1" * 249 + " " * (MAX_LENGTH - 500), NAMES).type.hi == 250
    assert parse_expression("999999999999999 * 1.000", NAMES).type.places == 3
    assert parse_expression("0.000001", NAMES).type.places == 6
    assert parse_expression("rate * rate", NAMES).type.places == 6


def test_a_number_fact_needs_bounds() -> None:
    with pytest.raises(ExpressionError) as info:
        parse_expression("1 + loose", {"loose": ExprType("number")})
    assert (info.value.message, info.value.position) == \
        ("fact loose is a number without bounds", 4)
    with pytest.raises(ExpressionError, match="fact huge has 7 decimal places"):
        parse_expression("huge", {"huge": num("0", "1", 7)})
    with pytest.raises(ExpressionError, match="fact twice needs distinct levels"):
        parse_expression("twice == 'a'", {"twice": level(levels=("a", "a"))})


HOSTILE = [
    "(" * 100_000, "1" * 100_000, "-" * 100_000, "not " * 100_000,
    "(" * 3999, "1" * 4000, "-" * 3999 + "1", "not " * 990 + "married", "min(" * 1000,
    "1+" * 1999 + "1", "[" * 4000, "if " * 1000, "a" * 4000, '"' + "x" * 3998 + '"',
    "age in [" + "1," * 1990, "age * " * 666 + "1", "9" * 15 + " * " + "9" * 15,
    "(" * 32 + "1" + ")" * 31, "edu == '" + "本" * 3990 + "'",
]


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: f"{t[:12]}...{len(t)}")
def test_hostile_text_is_refused(text: str) -> None:
    with pytest.raises(ExpressionError):
        parse_expression(text, NAMES)


def test_messages_stay_short_and_errors_pickle() -> None:
    with pytest.raises(ExpressionError) as info:
        parse_expression("b" * 3000, NAMES)
    assert info.value.message == f"unknown fact {'b' * 37}..."
    with pytest.raises(ExpressionError) as info:
        parse_expression("edu == '" + "x" * 3000 + "'", NAMES)
    assert info.value.message.startswith(f"unknown value '{'x' * 36}... for edu (one of")
    again = pickle.loads(pickle.dumps(info.value))
    assert (again.message, again.position, again.text) == \
        (info.value.message, 7, info.value.text)
    expr = parse_expression("if married then salary * rate else 1", NAMES)
    assert pickle.loads(pickle.dumps(expr)) == expr


def test_record_fn_results_are_exact_whatever_the_decimal_context() -> None:
    import decimal

    fn = record_fn(parse_expression("salary * rate + 0.00001", NAMES))
    with decimal.localcontext() as ctx:
        ctx.prec = 3
        got = fn({**BASE, "salary": Decimal("99999.99"), "rate": Decimal("0.999")})
    assert str(got) == "99899.99002"  # 99899.99001 + 0.00001
    # whole numbers given for a number with places are accepted as they are
    assert record_fn(parse_expression("salary", NAMES))({"salary": 12}) == Decimal("12.00")
