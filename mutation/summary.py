"""Per-module counts of a mutation run, as in REPORT.md.

Usage: python mutation/summary.py RERUN.tsv SESSION.sqlite [...]

RERUN.tsv is what `rerun.py` wrote for the survivors (killed by the tests added since, or
still surviving); a survivor listed in EQUIVALENT.md (module, line:col, operator,
occurrence) counts as equivalent.
"""

from __future__ import annotations

import collections
import json
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent


ROW = re.compile(r"\|\s*`?([\w/.]+\.py)`?\s*\|\s*(\d+:\d+)\s*\|\s*`?([\w/]+)`?\s*\|"
                 r"\s*(\d+)\s*\|")


def equivalent() -> set[tuple[str, str, str, str]]:
    rows = set()
    for line in (HERE / "EQUIVALENT.md").read_text(encoding="utf-8").splitlines():
        m = ROW.match(line)
        if m:
            rows.add(m.groups())
    return rows


def main(argv: list[str]) -> None:
    rerun: dict[tuple[str, str, str, str], str] = {}
    for line in Path(argv[0]).read_text(encoding="utf-8").splitlines():
        mod, ln, col, op, occ, _fn, verdict = line.split("\t")
        rerun[(mod, f"{ln}:{col}", op, occ)] = verdict
    eq = equivalent()
    reasons: collections.Counter[str] = collections.Counter()
    print("| module | mutants | skipped | run | killed | equivalent | not killed | kill rate |")
    print("|---|---|---|---|---|---|---|---|")
    for session in argv[1:]:
        dump = subprocess.run([str(BIN / "cosmic-ray"), "dump", session], check=True,
                              capture_output=True, text=True).stdout
        c: collections.Counter[str] = collections.Counter()
        module = ""
        for line in dump.splitlines():
            job, res = json.loads(line)
            m = job["mutations"][0]
            module = m["module_path"]
            c["total"] += 1
            if res is None:
                c["pending"] += 1
                continue
            if res["worker_outcome"] == "skipped":
                c["skipped"] += 1
                why = str(res.get("output", "")).removeprefix("skipped: ").split(" (")[0]
                why = "off the scoring path" if "scoring path" in str(res.get("output")) \
                    else why
                reasons[why] += 1
                continue
            c["run"] += 1
            key = (m["module_path"], f"{m['start_pos'][0]}:{m['start_pos'][1]}",
                   m["operator_name"], str(m["occurrence"]))
            if res["test_outcome"] != "survived" or rerun.get(key) == "killed":
                c["killed"] += 1
            elif key in eq:
                c["equivalent"] += 1
            else:
                c["not killed"] += 1
        real = c["run"] - c["equivalent"]
        rate = f"{100 * c['killed'] / real:.1f}%" if real else "-"
        pending = f" ({c['pending']} pending)" if c["pending"] else ""
        print(f"| {module}{pending} | {c['total']} | {c['skipped']} | {c['run']} | "
              f"{c['killed']} | {c['equivalent']} | {c['not killed']} | {rate} |")
    print()
    for why, n in reasons.most_common():
        print(f"- skipped, {why}: {n}")


if __name__ == "__main__":
    main(sys.argv[1:])
