"""What a schedule does, found by reasoning over its rules and the facts' bounds (no sampling).

- `bounds(schedule, purpose)`: the exact lowest and highest total any applicant can reach,
  with an applicant that reaches each.
- `analyse(schedule)`: the bounds of every purpose plus findings: tiers no applicant can
  reach, factors that can never change the total, gates that can never pass or never fail,
  thresholds within one rule unit of a cliff, caps that never bind. `points check` prints it.
- `what_if(applicant, schedule)`: the smallest single-fact changes that reach the next tier,
  and the date at which time alone gets there.
- `thresholds(schedule)`: the values on both sides of every cut the schedule makes in each
  fact (band edges, per-unit multiples, gate comparisons); `points.testing` draws near them.

Everything is read from the compiled form (`points.compiled`); what is particular to a rule
kind (where its points change, its cliffs) comes from the kind (`RuleKind.cuts`, `cliffs`).

How it is exact: every fact is independent of the others and bounded (`FACTS`). Facts that
one rule reads together (a `table` reads two) are linked into one *variable* (union-find
over the facts of each rule); distinct variables are independent, and a variable's values
are every combination of its facts' candidate values (levels and true/false facts are
few). A variable reaches the total only through the factors that read its facts, and every
group, cap, `highest`, the floor and the total are non-decreasing in every factor's points.
So each variable is reduced to its distinct outcomes (the points of its factors, and the
truth of every gate comparison on its facts) — levels, true/false facts and whole-number
facts of at most 20,000 values value by value, other numbers at the bounds and both sides of
every cut (`RuleKind.cuts` and the gates' comparisons; exact while no two rules on the fact
pull in opposite directions between cuts, for every value of the facts linked to it) —
and for a maximum only its Pareto-best outcomes can matter (Pareto-worst for a minimum).
A consistency check of the vocabulary (`[[checks]]`) whose facts the schedule all reads
links them too, and the combinations it refuses are left out (a witness applicant is not
checked against the others). A derived fact is searched through the facts it reads: a rule
or a comparison on it reads those facts (linked into one variable), and its value is
computed from them; when one of them is an amount sampled at cuts, the answer is not proven
exact. The facts `when`s read (directly, or through a condition or a derived fact) are
enumerated together (fixing that fact within its variable); a `within` group (members
sharing one number of months) is searched as one variable: the largest budget of each region
of its shared fact, and the least value of each points level of its members. Conditions are
put in disjunctive normal form;
comparisons on facts filter outcomes, comparisons on scores are checked on the combined
result. When a search would exceed its limit of combinations (`PRODUCT_LIMIT`, also the
most values one variable may take) the answer is flagged `exact = False`, as it is when a
`within` group's facts are linked to others by a rule (its budget is then left out).

The modules: `_space` (variables, atoms, outcomes), `_search` (the search), `_bounds`,
`_findings`, `_whatif`, `_thresholds` (cuts and candidate values), `_results`.
"""

from __future__ import annotations

from ._bounds import bounds, monotone_facts
from ._diff import NONE_TIER, Diff, FactorChange, Mover, diff, mean_of, tier_order
from ._findings import analyse
from ._results import Analysis, Bounds, Change, Finding, WhatIf
from ._thresholds import thresholds
from ._whatif import what_if

__all__ = [
    "NONE_TIER",
    "Analysis",
    "Bounds",
    "Change",
    "Diff",
    "FactorChange",
    "Finding",
    "Mover",
    "WhatIf",
    "analyse",
    "bounds",
    "diff",
    "mean_of",
    "monotone_facts",
    "thresholds",
    "tier_order",
    "what_if",
]
