#!/usr/bin/env bash
# End-to-end tests of the `loom` command line: every zoo workload prints, parses back,
# checks, and diffs equal to its reprint; run prints checksums; errors exit non-zero with a
# message. Usage: test_cli.sh LOOM_BINARY DATA_DIR
set -uo pipefail

loom="$1"
data="$2"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }

# expect CODE DESCRIPTION -- COMMAND...: the command exits with CODE.
expect() {
  local code="$1" desc="$2"; shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [[ $got -eq $code ]]; then ok; else bad "$desc: exit $got, expected $code"; cat "$tmp/out" "$tmp/err" | head -20; fi
}

# expect_output PATTERN DESCRIPTION: the last command's stdout+stderr matches PATTERN.
expect_output() {
  if grep -qE "$1" "$tmp/out" "$tmp/err"; then ok; else bad "$2: output does not match '$1'"; cat "$tmp/out" "$tmp/err" | head -20; fi
}

expect 0 "help" -- "$loom" --help
expect_output "print" "help lists subcommands"
expect 0 "print --list" -- "$loom" print --list
expect_output "gmm" "list has gmm"

workloads=$("$loom" print --list | awk 'NF && $0 !~ /^ / {print $1}')
count=0
for w in $workloads; do
  count=$((count + 1))
  "$loom" print "$w" >"$tmp/$w.py" 2>"$tmp/err" || { bad "print $w"; cat "$tmp/err"; continue; }
  ok
  expect 0 "check $w from stdin" -- bash -c "\"$loom\" print $w | \"$loom\" check -"
  expect_output "ok, 1 function" "check $w summary"
  expect 0 "check $w file" -- "$loom" check "$tmp/$w.py"
  # print -> parse -> print again is stable and structurally equal.
  expect 0 "reprint $w" -- "$loom" check --print "$tmp/$w.py"
  cp "$tmp/out" "$tmp/$w.reprint.py"
  cmp -s "$tmp/$w.py" "$tmp/$w.reprint.py" && ok || { bad "reprint of $w is not identical"; diff "$tmp/$w.py" "$tmp/$w.reprint.py" | head; }
  expect 0 "diff $w with its reprint" -- "$loom" diff "$tmp/$w.py" "$tmp/$w.reprint.py"
  expect 0 "diff --strict-names $w with itself" -- "$loom" diff --strict-names "$tmp/$w.py" "$tmp/$w.py"
done
[[ $count -ge 14 ]] && ok || bad "expected at least 14 workloads, got $count"

# A workload printed at a small shape runs in the interpreter, deterministically per seed.
"$loom" print gmm --set M=16 --set N=8 --set K=4 >"$tmp/small.py"
expect 0 "run small gmm" -- "$loom" run "$tmp/small.py" --seed 3
expect_output "sum=" "run prints a checksum"
cp "$tmp/out" "$tmp/run1"
"$loom" run "$tmp/small.py" --seed 3 >"$tmp/run2"
cmp -s "$tmp/run1" "$tmp/run2" && ok || bad "run is not deterministic for one seed"
"$loom" run "$tmp/small.py" --seed 4 >"$tmp/run3"
cmp -s "$tmp/run1" "$tmp/run3" && bad "different seeds gave the same checksum" || ok

# Different shapes differ, and diff names the difference.
"$loom" print gmm --set M=16 --set N=8 --set K=8 >"$tmp/small2.py"
expect 1 "diff of different shapes" -- "$loom" diff "$tmp/small.py" "$tmp/small2.py"
expect_output "differ at .*: 4 vs 8" "diff reports the differing extent"

# Renaming a variable: equal by default, different with --strict-names.
sed 's/\bk\b/kk/g' "$tmp/small.py" >"$tmp/renamed.py"
expect 0 "diff ignores names" -- "$loom" diff "$tmp/small.py" "$tmp/renamed.py"
expect 1 "diff --strict-names sees names" -- "$loom" diff --strict-names "$tmp/small.py" "$tmp/renamed.py"

# Errors: exit 2 with a message naming the problem.
expect 2 "unknown workload" -- "$loom" print nosuch
expect_output "nosuch" "unknown workload is named"
expect 2 "bad --set" -- "$loom" print gmm --set M=abc
expect_output "not an integer" "bad --set value"
expect 2 "unknown parameter" -- "$loom" print gmm --set Q=3
expect_output "Q" "unknown parameter is named"
expect 2 "missing file" -- "$loom" check "$tmp/does-not-exist.py"
expect_output "cannot read" "missing file message"
printf '@T.prim_func\ndef main(A: T.Buffer((4,), "float32")):\n    for i in range(4:\n        A[i] = 0.0\n' >"$tmp/broken.py"
expect 2 "malformed kernel" -- "$loom" check "$tmp/broken.py"
expect_output "broken.py:3:" "malformed kernel error has file:line"
expect 106 "no subcommand (CLI11 RequiredError)" -- "$loom"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
