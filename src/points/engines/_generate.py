"""The per-record engine as generated Python: one straight-line function per schedule and
purpose, written once from the compiled form (as `attrs` writes `__init__`).

Only generated local names, whole numbers (ticks, caps, tier minimums: validated `int`s) and
operators from a closed set go into the source. Everything that comes from the schedule's
text — fact names, ids, level values, rule functions, expressions, conditions on facts — is
passed in as data: the function reads it from closure cells named `k0`, `f0`, `c0`…, never
from its source. The generated function computes the ticks of every factor, deduction and
group and whether its own cap cut it, the total, the purpose's gates, eligibility and the
unlocked tiers; the explanation (lines, the member a `highest` group chose, words) is built
from those only when a card's lines are read.

`RecordPlan.source` keeps the text for reading (tests print it); `RecordPlan.run(facts)`
takes the facts (mutated: derived facts, `when` conditions and `within` shares are added,
as the explanation reads them) and returns `(total, raw, eligible, mask, ticks, passes,
hits)`: `ticks` in `RecordPlan.score_ids` order, `passes` the gates in `RecordPlan.gate_ids`
order, `mask` the unlocked tiers of the purpose as bits, `hits` whether each factor's and
deduction's own cap cut it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import attrs

from ..compiled import (
    AllNode,
    AnyNode,
    CompiledSchedule,
    CondNode,
    FactTest,
    NotNode,
    ScoreTest,
    record_test,
)
from ..errors import ApplicantError
from ..expression import record_fn
from ..schedule.kinds import Arith, RuleFn, RuleKind
from ._sure import score_may, sure_plan

__all__ = ["RecordPlan", "counted_key", "generate", "rule_source"]

_OPS = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "ne": "!="}
Run = Callable[[dict[str, Any]], tuple[int, int, bool, int, tuple[int, ...], tuple[bool, ...],
                                      tuple[bool, ...]]]


def counted_key(factor_id: str) -> str:
    """The key of a `within` member's counted value among the facts (never a fact name)."""
    return f"{factor_id}@within"


@attrs.frozen
class RecordPlan:
    """The generated function of one schedule and purpose, and how to read its result."""

    c: CompiledSchedule
    purpose: str | None
    run: Run
    #: `sure(facts, ticks, total)` after `run`: (rests on provisional values, outcome sure,
    #: ranking key at its lowest, at its highest, admission to the ranking sure), the
    #: rules of `points.engines._sure` with every provisional entry varied at once
    sure: Callable[[dict[str, Any], tuple[int, ...], int], tuple[bool, bool, int, int, bool]]
    source: str
    #: every factor, every deduction, then every group (children first), as in `ticks`
    score_ids: tuple[str, ...]
    #: every gate, as in `passes`
    gate_ids: tuple[str, ...]
    #: per mask of unlocked tiers: the tier ids, their (id, zh, en) labels, the services
    tiers: tuple[tuple[tuple[str, ...], tuple[tuple[str, str, str], ...], tuple[str, ...]], ...]
    full: int  # the mask with every tier of the purpose unlocked
    #: per mask (but `full`): the first tier locked, its index and the gates it needs, each
    #: with its place in `passes`
    locked: tuple[Any, ...]
    purpose_label: tuple[str, str] | None
    #: the factors and deductions whose rule is written out in `source` (the others call
    #: their kind's `record` function)
    inlined: tuple[str, ...] = ()


def _int(v: Any) -> str:
    """A whole number as source (the only literal a generated function holds)."""
    if type(v) is not int:  # pragma: no cover - the compiled form holds ticks as int
        raise TypeError(f"not a whole number: {v!r}")
    return repr(v)


class _Writer:
    """Source lines and the values the function reads from its closure."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names: list[str] = []
        self.values: list[Any] = []
        self._keys: dict[str, str] = {}

    def const(self, prefix: str, value: Any) -> str:
        """A new closure name holding `value`."""
        name = f"{prefix}{len(self.names)}"
        self.names.append(name)
        self.values.append(value)
        return name

    def key(self, text: str) -> str:
        """The closure name holding the dictionary key `text` (one per key)."""
        if text not in self._keys:
            self._keys[text] = self.const("k", text)
        return self._keys[text]

    def add(self, line: str, indent: int = 1) -> None:
        self.lines.append("    " * indent + line)


def _group(w: _Writer, target: str, g: Any, members: list[str]) -> None:
    """`target` = the group `g` of `members` (their sum, or the highest and at least 0),
    cut at its cap."""
    if g.combine == "highest":
        expr = f"max(0, {', '.join(members)})" if members else "0"
    else:
        expr = " + ".join(members) if members else "0"
    w.add(f"{target} = {expr}")
    if g.cap is not None:
        w.add(f"if {target} > {_int(g.cap)}:")
        w.add(f"{target} = {_int(g.cap)}", 2)


def generate(c: CompiledSchedule, purpose: str | None) -> RecordPlan:
    """Write and compile the function of `c` for `purpose` (see the module docstring)."""
    w = _Writer()
    node = c.purpose(purpose)
    F = "F"
    empty: dict[str, int] = {}
    empty_name = w.const("e", empty)

    # derived facts, each after those it reads (the compiled order): the expression's own
    # function (`points.expression.record_fn`, the one the consistency checks and main's
    # interpreter run), held in the closure
    for name, expr in c.derived:
        fn = record_fn(expr)
        w.add(f"{F}[{w.key(name)}] = {w.const('x', fn)}({F})")
    # the `when` conditions on facts (and on gates that read facts only), written out
    for key, cond in c.conditions:
        test = (f"{w.const('c', record_test(cond))}({F}, {empty_name})" if _reads_scores(cond)
                else _condition(w, cond, {}, F))
        w.add(f"{F}[{w.key(key)}] = {test}")
    # branches: the members that apply counted; a member too many (or none where one must
    # apply) raises the `ApplicantError` naming every broken branch
    if c.branches:
        broken = []
        for n, branch in enumerate(c.branches):
            count = " + ".join(f"(1 if {F}[{w.key(k)}] else 0)" for k in branch.keys) or "0"
            w.add(f"b{n} = {count}")
            broken.append(f"b{n} > 1" if branch.exactly != "one" else f"b{n} != 1")
        w.add(f"if {' or '.join(broken)}:")
        w.add(f"{w.const('b', _branches(c))}({F})", 2)

    # `within` budgets: each member counts at most what is left, in order
    counted: dict[str, str] = {}
    for b in c.budgets:
        w.add(f"left = {F}[{w.key(b.fact)}]")
        for f in b.members:
            value = f"{F}[{w.key(f.fact)}]"
            if f.when is not None:
                value = f"({value} if {F}[{w.key(f.when)}] else 0)"
            w.add(f"v = {value}")
            w.add("if v > left:")
            w.add("v = left", 2)
            w.add("left -= v")
            key = w.key(counted_key(f.id))
            w.add(f"{F}[{key}] = v")
            counted[f.id] = key

    var: dict[str, str] = {}

    seq = [0]  # a counter for the names of the parts of rules over several facts
    inlined: list[str] = []

    def one(f: Any, spec: Any, fn: Any, args: list[str], target: str, hit: str,
            depth: int) -> bool:
        """One rule: its kind's source written out, or a call of its function."""
        lines = _rule_lines(w, f.rule, spec, c.arith, f.sign, args, target, hit)
        if lines is None:
            w.add(f"{target}, {hit} = {w.const('f', fn)}({', '.join(args)})", depth)
            return False
        for line in lines:
            w.add(line, depth)
        return True

    def rule(f: Any, target: str, hit: str) -> None:
        depth = 1 if f.when is None else 2
        if f.when is not None:
            w.add(f"if {F}[{w.key(f.when)}]:")
        if f.part_fns and f.id not in counted:  # one rule per fact, then summed or the best
            names: list[tuple[str, str]] = []
            written = True
            for part, part_fn, fact in zip(f.parts, f.part_fns, f.facts, strict=True):
                j = seq[0]
                seq[0] += 1
                written &= one(f, part, part_fn, [f"{F}[{w.key(fact)}]"], f"n{j}", f"z{j}",
                               depth)
                names.append((f"n{j}", f"z{j}"))
            if written:
                inlined.append(f.id)
            if f.combine == "highest":  # a deduction's best is its lowest
                w.add(f"{target} = {'max' if f.sign > 0 else 'min'}"
                      f"({', '.join(n for n, _ in names)})", depth)
                w.add(f"{hit} = " + " or ".join(f"({z} and {n} == {target})"
                                                 for n, z in names), depth)
            else:
                w.add(f"{target} = {' + '.join(n for n, _ in names)}", depth)
                w.add(f"{hit} = {' or '.join(z for _, z in names)}", depth)
        else:
            if f.id in counted:
                args = [f"{F}[{counted[f.id]}]"]
            else:
                args = [f"{F}[{w.key(x)}]" for x in f.facts]
            if f.parts:  # a shared budget's count through a rule over several facts
                w.add(f"{target}, {hit} = {w.const('f', f.fn)}({', '.join(args)})", depth)
            elif one(f, f.spec, f.fn, args, target, hit, depth):
                inlined.append(f.id)
        if f.when is not None:
            w.add("else:")
            w.add(f"{target} = 0", 2)
            w.add(f"{hit} = False", 2)

    for i, f in enumerate(c.factors):
        var[f.id] = f"t{i}"
        rule(f, f"t{i}", f"h{i}")
    applied = {d.id for d in node.deductions}
    for j, d in enumerate(c.deductions):
        var[d.id] = f"d{j}"
        if d.id in applied:
            rule(d, f"d{j}", f"hd{j}")
        else:
            w.add(f"d{j} = 0")
            w.add(f"hd{j} = False")
    for k, g in enumerate(c.groups):
        _group(w, f"g{k}", g, [var[m] for m in g.members])
        var[g.id] = f"g{k}"
    parts = [var[r] for r in c.roots] + [var[d.id] for d in node.deductions]
    w.add(f"raw = {' + '.join(parts) if parts else '0'}")
    if c.floor is not None:
        w.add(f"total = raw if raw >= {_int(c.floor)} else {_int(c.floor)}")
    else:
        w.add("total = raw")
    var["total"] = "total"

    # every gate (the card shows them all), eligibility, the purpose's tiers
    gate_var = {}
    for n, gid in enumerate(c.gates):
        gate_var[gid] = f"p{n}"
        w.add(f"p{n} = {_condition(w, c.gates[gid].condition, var, F)}")
    w.add(f"ok = {' and '.join(gate_var[g] for g in node.gates) if node.gates else 'True'}")
    bits = []
    for i, (tier, needs) in enumerate(node.tiers):
        conds = [gate_var[g] for g in needs]
        if tier.min_ticks is not None:
            conds.append(f"total >= {_int(tier.min_ticks)}")
        test = " and ".join(conds) if conds else "True"
        bits.append(f"({_int(1 << i)} if {test} else 0)")
    w.add(f"mask = {' | '.join(bits) if bits else '0'}")
    ticks = [var[f.id] for f in (*c.factors, *c.deductions)] + [var[g.id] for g in c.groups]
    hits = [f"h{i}" for i in range(len(c.factors))] + [f"hd{j}" for j in range(len(c.deductions))]
    passes = [gate_var[g] for g in c.gates]
    w.add(f"return total, raw, ok, mask, ({''.join(t + ', ' for t in ticks)}), "
          f"({''.join(p + ', ' for p in passes)}), ({''.join(h + ', ' for h in hits)})")
    run_lines = w.lines
    w.lines = []
    _sure_source(w, c, node, var, ticks, F)
    params = ", ".join(w.names)
    source = (f"def make({params}):\n    def run({F}):\n"
              + "\n".join("    " + line for line in run_lines)
              + f"\n    def sure({F}, T, total):\n"
              + "\n".join("    " + line for line in w.lines) + "\n    return run, sure\n")
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<points generated: {len(run_lines) + len(w.lines)} lines>", "exec"),
         namespace)
    run, sure = namespace["make"](*w.values)
    tiers = []
    for m in range(1 << len(node.tiers)):
        on = [t for i, (t, _) in enumerate(node.tiers) if m >> i & 1]
        services: list[str] = []
        for t in on:
            services += [x for x in t.services if x not in services]
        tiers.append((tuple(t.id for t in on), tuple((t.id, t.label_zh, t.label_en) for t in on),
                      tuple(services)))
    return RecordPlan(
        c=c, purpose=purpose, run=run, sure=sure, source=source,
        score_ids=tuple(f.id for f in (*c.factors, *c.deductions)) + tuple(
            g.id for g in c.groups),
        gate_ids=tuple(c.gates), tiers=tuple(tiers), full=(1 << len(node.tiers)) - 1,
        locked=tuple(_first_locked(node, m, tuple(c.gates)) for m in range(len(tiers))),
        purpose_label=c.purposes[purpose].label if purpose in c.purposes else None,
        inlined=tuple(inlined))


def _rule_lines(w: _Writer, kind: type[RuleKind], spec: Any, arith: Arith, sign: int,
                args: list[str], target: str, hit: str) -> list[str] | None:
    """A rule kind's `source` with the facts' values read from `args` (source expressions):
    an argument read once goes in as it is, one read more often is bound first to `v0`,
    `v1`…; None when the kind does not write the rule out."""
    names = tuple(f"v{i}" for i in range(len(args)))
    lines = kind.source(spec, arith, sign, names, target, hit, lambda v: w.const("r", v))
    if lines is None:
        return None
    bind = []
    for name, arg in zip(names, args, strict=True):
        word = re.compile(rf"\b{name}\b")
        if name == arg:
            continue
        if sum(len(word.findall(line)) for line in lines) == 1:
            lines = [word.sub(lambda _: arg, line) for line in lines]  # noqa: B023
        else:
            bind.append(f"{name} = {arg}")
    return bind + lines


def rule_source(kind: type[RuleKind], spec: Any, arith: Arith, sign: int
                ) -> tuple[str, RuleFn] | None:
    """A rule kind's `source` alone, as the function `record` gives (the values of
    `kind.facts(spec)` → (ticks, cap hit)), and its source; None when the kind does not
    write the rule out. For tests: the generated function inlines the same lines."""
    w = _Writer()
    args = [f"v{i}" for i in range(len(kind.facts(spec)))]
    lines = _rule_lines(w, kind, spec, arith, sign, args, "t0", "h0")
    if lines is None:
        return None
    source = (f"def make({', '.join(w.names)}):\n    def rule({', '.join(args)}):\n"
              + "".join(f"        {line}\n" for line in lines)
              + "        return t0, h0\n    return rule\n")
    namespace: dict[str, Any] = {}
    exec(compile(source, "<points generated rule>", "exec"), namespace)
    return source, namespace["make"](*w.values)


def _first_locked(node: Any, mask: int, gates: tuple[str, ...]) -> Any:
    for i, (tier, needs) in enumerate(node.tiers):
        if not mask >> i & 1:
            return i, tier, tuple((g, gates.index(g)) for g in needs)
    return None


def _sure_source(w: _Writer, c: CompiledSchedule, node: Any, var: dict[str, str],
                 ticks: list[str], F: str) -> None:
    """The body of `sure`: each score's lowest and highest with every provisional entry
    varied, then whether eligibility and each tier may go either way (`_sure.sure_of`'s
    first test, and the columns of `_sure_columns`)."""
    sp = sure_plan(c)
    w.add(f"({''.join(t + ', ' for t in ticks)}) = T" if ticks else "pass")
    lo: dict[str, str] = {}
    hi: dict[str, str] = {}
    varied: list[str] = []
    for f in (*c.factors, *c.deductions):
        x = var[f.id]
        rng = sp.lines.get(f.id)
        if rng is not None and rng[0] != rng[1]:
            varied.append(x)
            lo[f.id], hi[f.id] = f"l{x}", f"u{x}"
            w.add(f"l{x} = {_int(rng[0])} if {x} else {x}")
            w.add(f"u{x} = {_int(rng[1])} if {x} else {x}")
        else:
            lo[f.id] = hi[f.id] = x
    for g in c.groups:
        x = var[g.id]
        los, his = [lo[m] for m in g.members], [hi[m] for m in g.members]
        if los == his and g.id not in sp.groups:
            lo[g.id] = hi[g.id] = x
            continue
        lo[g.id], hi[g.id] = f"l{x}", f"u{x}"
        for side, names in (("l", los), ("u", his)):
            _group(w, f"{side}{x}", g, names)
        if g.id in sp.groups:  # scoring, its combination unconfirmed: highest .. sum
            varied.append(x)
            w.add(f"if {x}:")
            w.add(f"l{x} = max(0, {', '.join(los)})" if los else f"l{x} = 0", 2)
            if g.cap is not None:
                w.add(f"if l{x} > {_int(g.cap)}:", 2)
                w.add(f"l{x} = {_int(g.cap)}", 3)
            w.add(f"u{x} = {' + '.join(his) if his else '0'}", 2)
    parts = [*c.roots, *(d.id for d in node.deductions)]
    if [lo[p] for p in parts] == [hi[p] for p in parts]:
        lo["total"] = hi["total"] = "total"
    else:
        lo["total"], hi["total"] = "ltotal", "utotal"
        for side, bound in (("l", lo), ("u", hi)):
            w.add(f"{side}total = {' + '.join(bound[p] for p in parts) if parts else '0'}")
            if c.floor is not None:
                w.add(f"if {side}total < {_int(c.floor)}:")
                w.add(f"{side}total = {_int(c.floor)}", 2)
    read: list[str] = list(node.gates)
    for _, needs in node.tiers:
        read += [g for g in needs if g not in read]
    may: dict[str, tuple[str, str]] = {}
    for gid in read:
        may[gid] = ("True", "True") if gid in sp.gates else _may(
            w, c.gates[gid].condition, lo, hi, F)

    def both(pairs: list[tuple[str, str]]) -> str:
        if not pairs:
            return "False"
        return (f"({' and '.join(t for t, _ in pairs)} and "
                f"({' or '.join(f for _, f in pairs)}))")

    w.add(f"u0 = {both([may[g] for g in node.gates])}")
    unsure = ["u0"]
    for i, (tier, needs) in enumerate(node.tiers, start=1):
        if tier.id in sp.tiers:
            unsure.append("True")
            continue
        pairs = [may[g] for g in needs]
        if tier.min_ticks is not None:
            pairs.append(_score_may(w, "ge", tier.min_ticks, lo["total"], hi["total"]))
        w.add(f"u{i} = {both(pairs)}")
        unsure.append(f"u{i}")
    fixed = any(g in sp.gates for g in read) or any(t.id in sp.tiers for t, _ in node.tiers)
    rests = "True" if fixed else " or ".join(f"{x} != 0" for x in varied) or "False"
    key = "total" if c.ranking is None else c.ranking.key
    w.add(f"return ({rests}), not ({' or '.join(unsure)}), {lo[key]}, {hi[key]}, not u0")


def _score_may(w: _Writer, op: str, ticks: Any, lo: str, hi: str) -> tuple[str, str]:
    """`_sure.score_may` as source: may `score <op> ticks` be true, may it be false."""
    if lo == hi:
        test = (f"({lo} in {w.const('s', ticks)})" if op == "in"
                else f"({lo} {_OPS[op]} {_int(ticks)})")
        return test, f"(not {test})"
    if op in ("ge", "gt", "le", "lt"):
        k = _int(ticks)
        return {"ge": (f"({hi} >= {k})", f"({lo} < {k})"),
                "gt": (f"({hi} > {k})", f"({lo} <= {k})"),
                "le": (f"({lo} <= {k})", f"({hi} > {k})"),
                "lt": (f"({lo} < {k})", f"({hi} >= {k})")}[op]
    name = f"m{len(w.lines)}"
    w.add(f"{name} = {w.const('y', score_may)}({w.const('o', op)}, "
          f"{w.const('s', ticks)}, {lo}, {hi})")
    return f"{name}[0]", f"{name}[1]"


def _may(w: _Writer, node: CondNode, lo: dict[str, str], hi: dict[str, str],
         F: str) -> tuple[str, str]:
    """A condition as (may be true, may be false) source expressions (three-valued)."""
    if isinstance(node, AllNode | AnyNode):
        pairs = [_may(w, x, lo, hi, F) for x in node.items]
        ts, fs = [t for t, _ in pairs], [f for _, f in pairs]
        t = ("(" + " and ".join(ts) + ")") if ts else "True"
        f = ("(" + " or ".join(fs) + ")") if fs else "False"
        if isinstance(node, AnyNode):
            t = ("(" + " or ".join(ts) + ")") if ts else "False"
            f = ("(" + " and ".join(fs) + ")") if fs else "True"
        name = f"m{len(w.lines)}"
        w.add(f"{name} = ({t}, {f})")
        return f"{name}[0]", f"{name}[1]"
    if isinstance(node, NotNode):
        t, f = _may(w, node.item, lo, hi, F)
        return f, t
    if isinstance(node, ScoreTest):
        return _score_may(w, node.op, node.ticks, lo[node.score], hi[node.score])
    assert isinstance(node, FactTest)
    name = f"m{len(w.lines)}"
    w.add(f"{name} = {_fact_test(w, node, F)}")
    return name, f"(not {name})"


def _condition(w: _Writer, node: CondNode, var: dict[str, str], F: str) -> str:
    """A condition as a source expression: scores compared inline, facts through their
    compiled per-record test (held in the closure)."""
    if isinstance(node, AllNode):
        items = [_condition(w, x, var, F) for x in node.items]
        return "(" + " and ".join(items) + ")" if items else "True"
    if isinstance(node, AnyNode):
        items = [_condition(w, x, var, F) for x in node.items]
        return "(" + " or ".join(items) + ")" if items else "False"
    if isinstance(node, NotNode):
        return f"(not {_condition(w, node.item, var, F)})"
    if isinstance(node, ScoreTest):
        score = var[node.score]
        if node.op == "in":
            return f"({score} in {w.const('s', node.ticks)})"
        return f"({score} {_OPS[node.op]} {_int(node.ticks)})"
    assert isinstance(node, FactTest)
    return _fact_test(w, node, F)


def _fact_test(w: _Writer, node: FactTest, F: str) -> str:
    """`record_test(node)` as a source expression: the comparison written out with the fact's
    key and the value as closure values (an ordered comparison of levels: the test itself)."""
    if node.rank is not None:
        return f"{w.const('q', record_test(node))}({F}, None)"
    fact = f"{F}[{w.key(node.fact)}]"
    if node.op == "in":
        return f"({fact} in {w.const('s', set(node.value))})"
    op = _OPS[node.op]
    value = w.const("s", node.value)
    if node.kind in ("int", "decimal", "fraction"):  # an absent number compares false
        return f"((x := {fact}) is not None and x {op} {value})"
    return f"({fact} {op} {value})"


def _reads_scores(node: CondNode) -> bool:
    """Whether a condition compares a score (worked out before scoring: it must not)."""
    if isinstance(node, AllNode | AnyNode):
        return any(_reads_scores(x) for x in node.items)
    if isinstance(node, NotNode):
        return _reads_scores(node.item)
    return isinstance(node, ScoreTest)


def _branches(c: CompiledSchedule) -> Callable[[dict[str, Any]], None]:
    """Raise `ApplicantError` naming every branch the applicant matches none or two of."""
    branches = c.branches

    def check(facts: dict[str, Any]) -> None:
        problems = []
        for b in branches:
            hit = [m for m, k in zip(b.members, b.keys, strict=True) if facts[k]]
            if len(hit) > 1:
                problems.append((f"branches.{b.id}", hit,
                                 f"matches {len(hit)} of its members; at most one may apply"))
            elif not hit and b.exactly == "one":
                problems.append((f"branches.{b.id}", [], f"matches none of "
                                 f"{', '.join(b.members)}; exactly one must apply"))
        if problems:
            raise ApplicantError(problems, row=None, source=None)
    return check
