# Helpers shared by the command-line tests (source it): a temporary folder $tmp removed on
# exit, pass/fail counters and expectations on a command's exit code and output.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }

# expect CODE DESCRIPTION -- COMMAND...: the command exits with CODE (its stdout in $tmp/out,
# stderr in $tmp/err).
expect() {
  local code="$1" desc="$2"; shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [[ $got -eq $code ]]; then ok; else bad "$desc: exit $got, expected $code"; cat "$tmp/out" "$tmp/err" | head -30; fi
}

# expect_output PATTERN DESCRIPTION: the last command's stdout+stderr matches PATTERN.
expect_output() {
  if grep -qE "$1" "$tmp/out" "$tmp/err"; then ok; else bad "$2: output does not match '$1'"; cat "$tmp/out" "$tmp/err" | head -30; fi
}

# finish: prints the counts; the script's exit status is 0 only when nothing failed.
finish() {
  echo "$passed passed, $failed failed"
  [[ $failed -eq 0 ]]
}
