#!/usr/bin/env bash
# Mutation testing of the compiled form, the rule kinds and both engines (issue 8).
#
#   mutation/run.sh [MODULE ...]     # default: every module in MODULES below
#
# Runs in a scratch copy (never mutates the worktree): one cosmic-ray session per module,
# filtered by mutation/filter.py, then a report per module in $OUT (default: a new temp dir).
# Needs the `mutation` extra: pip install -e ".[dev,mutation]".
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PYTHON:-$(command -v python)}"
BIN="$(dirname "$PY")"
OUT="${OUT:-$(mktemp -d /tmp/points-mutation.XXXXXX)}"
MODULES=(
  src/points/engines/_columns.py src/points/engines/_record.py
  src/points/schedule/kinds/_base.py src/points/schedule/kinds/rate.py src/points/schedule/kinds/bands.py
  src/points/schedule/kinds/count.py src/points/schedule/kinds/flag.py src/points/schedule/kinds/flat_plus_rate.py
  src/points/schedule/kinds/levels.py src/points/schedule/kinds/table.py
  src/points/compiled/_form.py src/points/compiled/_conditions.py
)
[ $# -gt 0 ] && MODULES=("$@")
WORK="$OUT/tree"
mkdir -p "$WORK"
cp -r "$HERE/src" "$HERE/tests" "$HERE/schedules" "$HERE/pyproject.toml" "$HERE/mutation" "$WORK/"
cd "$WORK"
echo "scratch copy: $WORK"
PYTHON="$PY" bash mutation/tests.sh >"$OUT/baseline.txt" 2>&1 || {
  echo "baseline fails: see $OUT/baseline.txt"; exit 1; }
for m in "${MODULES[@]}"; do
  name="$(echo "$m" | tr '/' '_')"
  sed "s#MODULE#$m#" mutation/cosmic-ray.toml >"$OUT/$name.toml"
  sed -i "s#bash mutation/tests.sh#env PYTHON=$PY bash mutation/tests.sh#" "$OUT/$name.toml"
  "$BIN/cosmic-ray" init "$OUT/$name.toml" "$OUT/$name.sqlite"
  "$PY" mutation/filter.py "$OUT/$name.sqlite"
  start=$(date +%s)
  "$BIN/cosmic-ray" exec "$OUT/$name.toml" "$OUT/$name.sqlite"
  echo "$m: $(( $(date +%s) - start )) s" >>"$OUT/times.txt"
  "$BIN/cr-report" --show-pending "$OUT/$name.sqlite" >"$OUT/$name.report.txt" || true
  git -C "$HERE" diff --quiet -- src || { echo "worktree src changed?"; exit 1; }
done
echo "reports in $OUT"
