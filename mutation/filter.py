"""Mark cosmic-ray work items outside the reduced operator set as skipped.

Usage: python mutation/filter.py SESSION.sqlite

Skipped (never run), each with its reason stored as the item's output:
- a mutation inside a type annotation: every module under test starts with
  `from __future__ import annotations`, so annotations are never evaluated (equivalent);
- a mutation on a line marked `pragma: no cover` (defensive guards no input reaches);
- a mutation in a function outside the scoring path (`OUT_OF_SCOPE`: the words a rule is
  described with, load checks, `points check` cuts and cliffs, Hypothesis strategies, the
  registry), which neither engine runs when scoring;
- a replacement outside the reduced set: a binary or comparison operator is replaced only by
  its nearest neighbours (+ and -, * and //, < and <=, == and !=, ...), not by every other
  operator (`+` to `<<` or `**` adds hundreds of mutants that the nearest ones subsume).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from cosmic_ray.work_db import WorkDB, use_db
from cosmic_ray.work_item import WorkerOutcome, WorkResult

#: kept replacements of binary operators (from → to)
BINARY = {
    "Add": {"Sub"}, "Sub": {"Add"}, "Mul": {"FloorDiv", "Add"}, "FloorDiv": {"Mul", "Div"},
    "Div": {"Mul", "FloorDiv"}, "Mod": {"FloorDiv"}, "Pow": {"Mul"},
    "BitOr": {"BitAnd"}, "BitAnd": {"BitOr"}, "LShift": {"RShift"}, "RShift": {"LShift"},
}
#: kept replacements of comparison operators (from → to)
COMPARE = {
    "Eq": {"NotEq"}, "NotEq": {"Eq"}, "Lt": {"LtE", "Gt"}, "LtE": {"Lt", "GtE"},
    "Gt": {"GtE", "Lt"}, "GtE": {"Gt", "LtE"}, "Is": {"IsNot"}, "IsNot": {"Is"},
    "In": {"NotIn"}, "NotIn": {"In"},
}


#: functions (innermost definition names) that scoring never runs
OUT_OF_SCOPE = {
    "describe", "cuts", "cliffs", "line_cap", "strategy", "specs", "check", "per_text",
    "cap_text", "amount", "amounts", "fine", "huge", "register", "fact_step", "fact_value",
    "unit_of", "number", "facts_of_kind", "RuleKind",
    "name",  # `table.describe`'s helper (cosmic-ray names the innermost function)
}


def annotation_spans(tree: ast.AST) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    spans = []
    for node in ast.walk(tree):
        anns: list[ast.expr | None] = []
        if isinstance(node, ast.arg):
            anns.append(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            anns.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            anns.append(node.annotation)
        for a in anns:
            if a is not None:
                spans.append(((a.lineno, a.col_offset),
                              (a.end_lineno or a.lineno, a.end_col_offset or 0)))
    return spans


def why_skip(op: str, path: str, start: tuple[int, int], cache: dict[str, object],
             definition: str | None = None) -> str | None:
    if path not in cache:
        text = Path(path).read_text(encoding="utf-8")
        cache[path] = (annotation_spans(ast.parse(text)), text.splitlines())
    spans, lines = cache[path]  # type: ignore[misc]
    pos = tuple(start)
    if any(a <= pos < b for a, b in spans):
        return "annotation (never evaluated: from __future__ import annotations)"
    if "pragma: no cover" in lines[start[0] - 1]:
        return "line marked pragma: no cover"
    if definition in OUT_OF_SCOPE and "/kinds/" in path:
        return f"{definition}: not on the scoring path"
    name = op.split("/", 1)[1]
    for prefix, table in (("ReplaceBinaryOperator_", BINARY),
                          ("ReplaceComparisonOperator_", COMPARE)):
        if name.startswith(prefix):
            src, dst = name[len(prefix):].split("_")
            if dst not in table.get(src, set()):
                return "outside the reduced operator set"
    return None


def main(session: str) -> None:
    cache: dict[str, object] = {}
    skipped = 0
    with use_db(session, WorkDB.Mode.open) as db:
        for item in list(db.pending_work_items):
            for m in item.mutations:
                why = why_skip(m.operator_name, str(m.module_path), tuple(m.start_pos), cache,
                               m.definition_name)
                if why is not None:
                    db.set_result(item.job_id, WorkResult(
                        output=f"skipped: {why}", worker_outcome=WorkerOutcome.SKIPPED))
                    skipped += 1
                    break
        left = sum(1 for _ in db.pending_work_items)
    print(f"{session}: skipped {skipped}, to run {left}")


if __name__ == "__main__":
    main(sys.argv[1])
