"""Re-run the survivors of cosmic-ray sessions against the current tests.

Usage: python mutation/rerun.py OUT.tsv SESSION.sqlite [...] [-- EXTRA TEST FILES]

For each surviving mutant: a fresh scratch copy of the worktree (src, tests, schedules,
pyproject.toml, mutation), the mutant applied there with `cosmic-ray apply`, then
`mutation/tests.sh` plus the extra test files. Writes one line per mutant to OUT.tsv:
module, line, column, operator, occurrence, function, killed|survived. The worktree is
never mutated. Survivors listed in EQUIVALENT.md, or already in OUT.tsv (from an earlier,
interrupted run: the file is appended to), are not run again.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(HERE / "mutation"))
from summary import equivalent  # noqa: E402


def survivors(session: str) -> list[dict[str, object]]:
    dump = subprocess.run([str(BIN / "cosmic-ray"), "dump", session], check=True,
                          capture_output=True, text=True).stdout
    out = []
    for line in dump.splitlines():
        job, result = json.loads(line)
        if result and result.get("test_outcome") == "survived":
            out.extend(job["mutations"])
    return out


def main(argv: list[str]) -> None:
    extra: list[str] = []
    if "--" in argv:
        extra = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    out_path, sessions = argv[0], argv[1:]
    skip = equivalent()
    if Path(out_path).exists():
        for line in Path(out_path).read_text(encoding="utf-8").splitlines():
            mod, ln, col, op, occ, *_ = line.split("\t")
            skip.add((mod, f"{ln}:{col}", op, occ))
    with open(out_path, "a", encoding="utf-8") as out:
        for session in sessions:
            for m in survivors(session):
                key = (str(m["module_path"]), "{}:{}".format(*m["start_pos"]),  # type: ignore[str-format]
                       str(m["operator_name"]), str(m["occurrence"]))
                if key in skip:
                    continue
                with tempfile.TemporaryDirectory(prefix="points-rerun.") as tmp:
                    for part in ("src", "tests", "schedules", "mutation"):
                        shutil.copytree(HERE / part, Path(tmp) / part)
                    shutil.copy(HERE / "pyproject.toml", tmp)
                    subprocess.run([str(BIN / "cosmic-ray"), "apply", str(m["module_path"]),
                                    str(m["operator_name"]), str(m["occurrence"])],
                                   cwd=tmp, check=True, capture_output=True)
                    env = {**os.environ, "PYTHON": sys.executable}
                    r = subprocess.run(["bash", "mutation/tests.sh", *extra], cwd=tmp,
                                       env=env, capture_output=True, text=True)
                verdict = "survived" if r.returncode == 0 else "killed"
                line, col = m["start_pos"]  # type: ignore[misc]
                row = [m["module_path"], line, col, m["operator_name"], m["occurrence"],
                       m["definition_name"], verdict]
                out.write("\t".join(str(x) for x in row) + "\n")
                out.flush()
                print(*row, sep="\t", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
