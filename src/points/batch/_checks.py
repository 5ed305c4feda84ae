"""Rows a batch refuses after parsing: facts that contradict each other (the vocabulary's
consistency checks) and applicants matching none or several members of a branch."""

from __future__ import annotations

from typing import Any

import polars as pl

from ..expression import column_expr
from ..facts import Check, vocabulary
from ._problem import REJECTS_SCHEMA as _REJECTS_SCHEMA
from ._problem import Problem as _Problem
from ._problem import parsed as _p

__all__ = ["branch_masks", "branch_rejects", "check_problems"]


def check_problems(checks: tuple[Check, ...], present: set[str]
                    ) -> list[tuple[str, _Problem]]:
    """The vocabulary's consistency checks as row problems: a check applies to a row giving
    (a non-null cell of) every fact it reads and none of its `unless_given` facts."""
    out = []
    for ch in checks:
        if not ch.needs <= present:
            continue

        def col(name: str) -> pl.Expr:
            c = pl.col(_p(name))
            return c.cast(pl.Int64) if vocabulary()[name].kind == "int" else c

        given = pl.all_horizontal([pl.col(_p(n)).is_not_null() for n in sorted(ch.needs)])
        for n in sorted(ch.unless & present):
            given = given & pl.col(_p(n)).is_null()
        row = given & column_expr(ch.expr, col)
        out.append((ch.field, _Problem(row.fill_null(False), ch.en)))
    return out


def branch_masks(branches: Any, fact_col: Any) -> list[pl.Expr]:
    """Per branch, which of its members apply: bit i set when member i does (`_b.<id>`)."""
    return [pl.sum_horizontal([pl.col(fact_col(k)).cast(pl.Int64) * (1 << i)
                               for i, k in enumerate(b.keys)]).alias(f"_b.{b.id}")
            for b in branches]


def branch_rejects(scored: pl.DataFrame, branches: Any) -> pl.DataFrame | None:
    """The rows matching none (where one must apply) or several members of a branch, one
    reject per branch broken: an applicant's branch is an error, not a silent 0.

    The value names exactly the members that apply, as `ApplicantError` does per record
    (from the bit mask of `branch_masks`)."""
    parts = []
    for b in branches:
        mask = pl.col(f"_b.{b.id}")
        bits = [(mask // (1 << i)) % 2 == 1 for i in range(len(b.members))]
        n = pl.sum_horizontal([x.cast(pl.Int64) for x in bits])
        bad = (n > 1) | (n == 0) if b.exactly == "one" else n > 1
        names = ", ".join(b.members)
        value = pl.concat_str([pl.when(x).then(pl.lit(m)) for x, m in
                               zip(bits, b.members, strict=True)],
                              separator=", ", ignore_nulls=True)
        reason = pl.when(n > 1).then(pl.format(
            "branch {}: matches {} of its members ({}); at most one may apply",
            pl.lit(b.id), n, value)).otherwise(
            pl.lit(f"branch {b.id}: matches none of {names}; exactly one must apply"))
        parts.append(scored.lazy().filter(bad).select(
            pl.col("row"), pl.lit(f"branches.{b.id}").alias("field"),
            value.alias("value"), reason.alias("reason")))
    out = pl.concat(pl.collect_all(parts)).cast(_REJECTS_SCHEMA)  # type: ignore[arg-type]
    return out if out.height else None
