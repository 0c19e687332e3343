#!/usr/bin/env bash
# End-to-end tests of the `loom` command line: every zoo workload prints, parses back,
# checks, and diffs equal to its reprint; run prints checksums; errors exit non-zero with a
# message. Usage: test_cli.sh LOOM_BINARY DATA_DIR
set -uo pipefail

loom="$1"
data="$2"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

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

# ---- loom apply / loom replay: schedule scripts and traces ----------------------------
"$loom" print gmm --set M=16 --set N=8 --set K=4 >"$tmp/gmm.py"
cat >"$tmp/sched.py" <<'PY'
# A schedule script as TVM users write it: block names, nested calls, keyword and positional
# arguments, a decision on a sampling call.
from tvm import tir
i, j, k = sch.get_loops("C")
b = sch.get_block(name="C")
(k1,) = sch.sample_perfect_tile(k, n=1)
tiles = sch.sample_perfect_tile(i, 2, 8, decision=[4, 4])
PY
expect 0 "apply a query/sampling script" -- "$loom" apply "$tmp/gmm.py" "$tmp/sched.py" -o "$tmp/applied.py" --trace "$tmp/trace.json"
expect 0 "applied kernel parses" -- "$loom" check "$tmp/applied.py"
expect 0 "queries and sampling leave the kernel equal" -- "$loom" diff "$tmp/gmm.py" "$tmp/applied.py"
grep -q '"SamplePerfectTile",\["l[0-9]*"\],\[2,8\]' "$tmp/trace.json" && ok || { bad "trace JSON lacks the sampling instruction"; cat "$tmp/trace.json"; }
grep -q '\[4,\[4,4\]\]\]\]$' "$tmp/trace.json" && ok || { bad "trace JSON lacks the decision [4, 4]"; cat "$tmp/trace.json"; }
expect 0 "apply prints to stdout" -- "$loom" apply "$tmp/gmm.py" "$tmp/sched.py"
cmp -s "$tmp/out" "$tmp/applied.py" && ok || bad "apply -o and stdout differ"
expect 0 "replay the trace" -- "$loom" replay "$tmp/gmm.py" "$tmp/trace.json" -o "$tmp/replayed.py"
cmp -s "$tmp/applied.py" "$tmp/replayed.py" && ok || bad "replay differs from apply"
# A def wrapper as TVM prints traces, from standard input.
printf 'def apply_trace(sch):\n    b0 = sch.get_block(name="C", func_name="gmm")\n    l1, l2, l3 = sch.get_loops(block=b0)\n' >"$tmp/wrapped.py"
expect 0 "apply a def wrapper from stdin" -- bash -c "\"$loom\" apply - \"$tmp/wrapped.py\" <\"$tmp/gmm.py\""
expect_output "T.prim_func" "apply from stdin prints the kernel"
# Sampling without a decision depends on --seed only.
printf 'i, j, k = sch.get_loops("C")\nt = sch.sample_perfect_tile(i, n=3)\n' >"$tmp/sample.py"
"$loom" apply "$tmp/gmm.py" "$tmp/sample.py" --seed 5 --trace "$tmp/s5a.json" >/dev/null
"$loom" apply "$tmp/gmm.py" "$tmp/sample.py" --seed 5 --trace "$tmp/s5b.json" >/dev/null
cmp -s "$tmp/s5a.json" "$tmp/s5b.json" && ok || bad "apply --seed is not deterministic"

# A hand-written GMM schedule (tile, reorder, cache, parallelize, vectorize, unroll) applies and
# computes the same checksum as the unscheduled kernel.
"$loom" print gmm --set M=64 --set N=32 --set K=16 >"$tmp/gmm64.py"
cat >"$tmp/gmm_sched.py" <<'PY'
b0 = sch.get_block("C")
i, j, k = sch.get_loops(b0)
i0, i1 = sch.split(i, factors=[None, 8])
j0, j1 = sch.split(j, [4, 8])
k0, k1 = sch.split(k, factors=[None, 4])
sch.reorder(i0, j0, k0, i1, k1, j1)
cw = sch.cache_write(b0, 0, "local")
sch.reverse_compute_at(cw, j0)
a_shared = sch.cache_read(b0, 0, "shared")
sch.compute_at(a_shared, k0)
ij = sch.fuse(i0, j0)
sch.parallel(ij)
sch.vectorize(j1)
sch.unroll(k1)
PY
expect 0 "apply the GMM schedule" -- "$loom" apply "$tmp/gmm64.py" "$tmp/gmm_sched.py" -o "$tmp/gmm64_sched.py" --trace "$tmp/gmm64.json"
grep -q "T.parallel(32)" "$tmp/gmm64_sched.py" && grep -q "T.vectorized(8)" "$tmp/gmm64_sched.py" &&
  grep -q "T.unroll(4)" "$tmp/gmm64_sched.py" && grep -q 'scope="shared"' "$tmp/gmm64_sched.py" && ok ||
  { bad "the scheduled GMM lacks parallel/vectorized/unroll/shared"; cat "$tmp/gmm64_sched.py"; }
"$loom" run "$tmp/gmm64.py" --seed 7 >"$tmp/gmm64.sum"
"$loom" run "$tmp/gmm64_sched.py" --seed 7 >"$tmp/gmm64_sched.sum"
grep -q "sum=" "$tmp/gmm64.sum" && cmp -s "$tmp/gmm64.sum" "$tmp/gmm64_sched.sum" && ok ||
  { bad "scheduled GMM checksum differs"; cat "$tmp/gmm64.sum" "$tmp/gmm64_sched.sum"; }
expect 0 "replay the GMM trace" -- "$loom" replay "$tmp/gmm64.py" "$tmp/gmm64.json" -o "$tmp/gmm64_replayed.py"
cmp -s "$tmp/gmm64_sched.py" "$tmp/gmm64_replayed.py" && ok || bad "replayed GMM differs from applied"
printf 'i, j, k = sch.get_loops("C")\nf = sch.fuse(i, j)\nsch.parallel(i)\n' >"$tmp/removed.py"
expect 2 "apply: a loop removed by fuse" -- "$loom" apply "$tmp/gmm64.py" "$tmp/removed.py"
expect_output "removed.py:3:1: sch.parallel: loop i no longer exists: it was removed by fuse" "removed loop named"

# Errors name the schedule line and column, the primitive and why it failed.
printf 'b = sch.get_block("C")\n\ni, j = sch.get_loops(b)\n' >"$tmp/unpack.py"
expect 2 "apply: unpacking the wrong count" -- "$loom" apply "$tmp/gmm.py" "$tmp/unpack.py"
expect_output "unpack.py:3:1: cannot unpack sch.get_loops\(...\) into 2 names: it returned 3 values" "unpack error names line 3"
printf 'i, j, k = sch.get_loops("C")\nt = sch.sample_perfect_tile(i, n=2, decision=[3, 5])\n' >"$tmp/decision.py"
expect 2 "apply: invalid decision" -- "$loom" apply "$tmp/gmm.py" "$tmp/decision.py"
expect_output "decision.py:2:5: sch.sample_perfect_tile: decision \[3, 5\] is not a valid tiling" "bad decision names line 2"
printf '# comment\nl = sch.get_loops("D")\n' >"$tmp/noblock.py"
expect 2 "apply: unknown block" -- "$loom" apply "$tmp/gmm.py" "$tmp/noblock.py"
expect_output "noblock.py:2:19: sch.get_block: no block named D in function gmm" "unknown block names line 2"
# A refused primitive: the function is shown with the blocks and loops of its error marked.
printf 'i, j, k = sch.get_loops("C")\nsch.vectorize(k)\n' >"$tmp/refused.py"
expect 2 "apply: vectorize a reduction loop" -- "$loom" apply "$tmp/gmm.py" "$tmp/refused.py"
expect_output "refused.py:2:1: sch.vectorize: loop k is bound to the reduction iterator v_k of block C" "refusal named"
expect_output "the function when the call failed:" "the function is shown"
expect_output 'for i, j, k in T.grid\(.*\):  # <-- loop k \(WrongBlockIterType\)' "the loop is marked"
expect_output 'with T.block\("C"\):  # <-- block C \(WrongBlockIterType\)' "the block is marked"
printf 'l = sch.get_lops("C")\n' >"$tmp/typo.py"
expect 2 "apply: unknown primitive" -- "$loom" apply "$tmp/gmm.py" "$tmp/typo.py"
expect_output "typo.py:1:5: sch.get_lops is not a schedule primitive; did you mean sch.get_loops\?" "unknown primitive"
printf 'l = sch.get_loops(b0)\n' >"$tmp/undef.py"
expect 2 "apply: undefined name" -- "$loom" apply "$tmp/gmm.py" "$tmp/undef.py"
expect_output "undef.py:1:19: name 'b0' is not defined" "undefined name"
printf 'b = sch.get_block("C", "gmm", 3)\n' >"$tmp/args.py"
expect 2 "apply: too many arguments" -- "$loom" apply "$tmp/gmm.py" "$tmp/args.py"
expect_output "args.py:1:31: sch.get_block: takes at most 2 arguments" "too many arguments"
expect 2 "apply: missing schedule file" -- "$loom" apply "$tmp/gmm.py" "$tmp/none.py"
expect_output "cannot read" "missing schedule file"
printf 'i, j, k = sch.get_loops("C")\nt = sch.sample_perfect_tile(i, n=2) if True else None\n' >"$tmp/syntax.py"
expect 2 "apply: a syntax error" -- "$loom" apply "$tmp/gmm.py" "$tmp/syntax.py"
expect_output "syntax.py:2:37: conditional expressions" "syntax error names line 2"
sed 's/\[4,4\]/[3,5]/' "$tmp/trace.json" >"$tmp/bad_trace.json"
expect 2 "replay: invalid decision" -- "$loom" replay "$tmp/gmm.py" "$tmp/bad_trace.json"
expect_output "bad_trace.json: instruction [0-9]+ \(SamplePerfectTile\) failed on replay: .*decision \[3, 5\]" "replay names the instruction"
echo '[[' >"$tmp/broken.json"
expect 2 "replay: malformed JSON" -- "$loom" replay "$tmp/gmm.py" "$tmp/broken.json"
expect_output "broken.json: not valid JSON" "malformed JSON"
echo '[[["Frob",[],[],[]]],[]]' >"$tmp/unknown.json"
expect 2 "replay: unknown instruction kind" -- "$loom" replay "$tmp/gmm.py" "$tmp/unknown.json"
expect_output "unknown instruction kind 'Frob'" "unknown kind named"

# The shipped hand schedule (configs/schedules) applies to gmm and keeps its result.
"$loom" print gmm --set M=64 --set N=64 --set K=32 >"$tmp/gmm_cfg.py"
expect 0 "apply configs/schedules/gmm_tiled.py" -- "$loom" apply "$tmp/gmm_cfg.py" "$data/../../configs/schedules/gmm_tiled.py" -o "$tmp/gmm_cfg_sched.py"
"$loom" run "$tmp/gmm_cfg.py" --seed 3 >"$tmp/cfg_a.sum"
"$loom" run "$tmp/gmm_cfg_sched.py" --seed 3 >"$tmp/cfg_b.sum"
cmp -s "$tmp/cfg_a.sum" "$tmp/cfg_b.sum" && ok || { bad "gmm_tiled.py changes the result"; cat "$tmp/cfg_a.sum" "$tmp/cfg_b.sum"; }

# ---- loom config check: TOML run configs ----------------------------------------------
configs="$data/../../configs"
expect 0 "config check configs/example.toml" -- "$loom" config check "$configs/example.toml"
cp "$tmp/out" "$tmp/example.resolved.toml"
expect_output '^\[\[workload\]\]$' "config check prints the resolved config"
expect_output '^population_size = 512$' "config check fills in the defaults"
# The printed config is valid TOML that reads back to the same output.
expect 0 "config check its own output" -- "$loom" config check "$tmp/example.resolved.toml"
cmp -s "$tmp/out" "$tmp/example.resolved.toml" && ok || { bad "config check output does not round-trip"; diff "$tmp/out" "$tmp/example.resolved.toml" | head; }
# example.toml writes every default: it resolves like a config giving only its workload.
printf '[workload]\nzoo = "gmm"\nparams = { M = 512, N = 512, K = 512 }\n' >"$tmp/minimal.toml"
"$loom" config check "$tmp/minimal.toml" >"$tmp/minimal.resolved.toml"
cmp -s "$tmp/minimal.resolved.toml" "$tmp/example.resolved.toml" && ok || { bad "example.toml differs from the defaults"; diff "$tmp/minimal.resolved.toml" "$tmp/example.resolved.toml" | head; }
expect 2 "config check a broken config" -- "$loom" config check "$data/configs/broken.toml"
expect_output "broken.toml:6:1: \[search\] unknown key 'populaton_size' \(did you mean 'population_size'\?\)" "config error names file:line:col"
[[ ! -s "$tmp/out" ]] && ok || bad "a broken config printed something on stdout"
printf '[workload]\nzoo = "gmm"\n[tune]\ntrials = "many"\nseed = -1\n' >"$tmp/two_errors.toml"
expect 2 "config check reports every error" -- "$loom" config check "$tmp/two_errors.toml"
expect_output "two_errors.toml:4:10: \[tune\] key 'trials' must be an integer, got a string" "type error"
expect_output "two_errors.toml:5:8: \[tune\] seed = -1 is out of range: must be >= 0" "second error"
expect 2 "config check a TOML syntax error" -- "$loom" config check "$data/configs/syntax_error.toml"
expect_output "syntax_error.toml:4:10: TOML syntax error" "syntax error position"
expect 2 "config check a missing file" -- "$loom" config check "$tmp/none.toml"
expect_output "none.toml: cannot read the config file" "missing config"
printf '[workload]\nzoo = "gmm"\n[[mutator]]\nname = "loom.mutate_tile_size"\nprobability = 0.3\n[[mutator]]\nname = "loom.mutate_unroll"\nprobability = 0.1\n' >"$tmp/mutators.toml"
expect 0 "config check normalizes mutator probabilities" -- "$loom" config check "$tmp/mutators.toml"
expect_output "note: .*probabilities sum to 0.4.*normalized" "normalization is reported"
expect_output "^probability = 0.75$" "normalized probability printed"
grep -q note "$tmp/out" && bad "the note went to stdout" || ok

expect 0 "config check --components: the built-in plugins provide every component of example.toml" -- "$loom" config check --components "$configs/example.toml"
sed 's/"loom.auto_inline"/"loom.auto_inlin"/' "$configs/example.toml" >"$tmp/typo_rule.toml"
expect 2 "config check --components names components no plugin provides" -- "$loom" config check --components "$tmp/typo_rule.toml"
expect_output "typo_rule.toml:[0-9]+:8: \[\[rule\]\] no schedule_rule named 'loom.auto_inlin' is loaded; loaded schedule_rules: .*loom.auto_inline" "unknown component with its position"

# ----- loom plugins ---------------------------------------------------------------------
expect 0 "plugins lists the build's plugins" -- "$loom" plugins
expect_output "^KIND +NAME +VERSION +PLUGIN +FILE" "plugins prints a header"
expect_output "^schedule_rule +example.tile_cache_parallel +1.0 +example 1.0 +/.*loom_example.so" "plugins lists the example rule"
expect_output "^mutator +example.mutate_tile " "plugins lists the example mutator"
echo "not a shared library" >"$tmp/fake.so"
expect 2 "plugins --load a file that is not a library" -- "$loom" plugins --load "$tmp/fake.so"
expect_output "fake.so: cannot load it as a shared library" "bad plugin message names the file"
expect_output "example.tile_cache_parallel" "the other plugins are still listed"
expect 2 "plugins --load a missing file" -- "$loom" plugins --load "$tmp/missing.so"
expect_output "missing.so: no such file" "missing plugin message"
mkdir -p "$tmp/plugin_dir"
cp "$tmp/fake.so" "$tmp/plugin_dir/libfake.so"
LOOM_PLUGIN_PATH="$tmp/plugin_dir" expect 0 "plugins skips non-plugins in the search path" -- "$loom" plugins

# ----- loom run --target cpu: the loom.cpu runner plugin -------------------------------
"$loom" print gmm --set M=64 --set N=64 --set K=32 >"$tmp/rgmm.py"
cat >"$tmp/rgmm_sched.py" <<'PY'
b0 = sch.get_block("C")
i, j, k = sch.get_loops(b0)
i0, i1 = sch.split(i, factors=[None, 8])
j0, j1 = sch.split(j, factors=[None, 16])
sch.reorder(i0, j0, k, i1, j1)
sch.parallel(i0)
sch.vectorize(j1)
PY
expect 0 "run --target cpu" -- "$loom" run --target cpu "$tmp/rgmm.py" --min-repeat-ms 1
expect_output "^cpu: [0-9.]+ (s|ms|us) median of 3 \(min [0-9.]+ (s|ms|us), max [0-9.]+ (s|ms|us)\), [0-9.]+ GFLOP/s \(2\.62e\+05 flop\)$" "cpu timing line"
expect_output "^samples \(ms per call, [0-9]+ calls? each\):( [0-9.e-]+){3}$" "three samples printed"
expect 0 "run --target cpu with a schedule, checked by the interpreter" -- \
  "$loom" run --target cpu "$tmp/rgmm.py" "$tmp/rgmm_sched.py" --check interpreter --repeat 5 --min-repeat-ms 0 --threads 2
expect_output "median of 5 " "--repeat 5 gives five samples"
expect_output "^check \(interpreter\): outputs match the unscheduled kernel$" "check passed"
expect 0 "run --target cpu --check compiled --flush-cache" -- \
  "$loom" run --target cpu "$tmp/rgmm.py" "$tmp/rgmm_sched.py" --check compiled --flush-cache --number 2 --repeat 2 --min-repeat-ms 0
expect_output "^samples \(ms per call, 2 calls each\):( [0-9.e-]+){2}$" "--number 2 with no minimum sample time"
# The interpreter target runs the scheduled kernel too: same checksum as unscheduled.
"$loom" run "$tmp/rgmm.py" --seed 2 >"$tmp/rgmm.sum"
"$loom" run "$tmp/rgmm.py" "$tmp/rgmm_sched.py" --seed 2 >"$tmp/rgmm_sched.sum"
grep -q "sum=" "$tmp/rgmm.sum" && cmp -s "$tmp/rgmm.sum" "$tmp/rgmm_sched.sum" && ok || { bad "run with a schedule changes the checksum"; cat "$tmp/rgmm.sum" "$tmp/rgmm_sched.sum"; }
# A kernel whose store lands far out of bounds crashes the worker, not loom.
cat >"$tmp/oob.py" <<'PY'
@T.prim_func
def oob(A: T.Buffer((16,), "float32"), B: T.Buffer((16,), "float32")):
    for i in range(16):
        with T.block("B"):
            vi = T.axis.spatial(16, i)
            B[vi * 100000000] = A[vi]
PY
expect 1 "run --target cpu: an out-of-bounds store" -- "$loom" run --target cpu "$tmp/oob.py" --min-repeat-ms 0
expect_output "^measurement failed: crashed: SIGSEGV \(segmentation fault\) while running oob$" "crash reported"
expect 2 "run --target cpu --repeat 0" -- "$loom" run --target cpu "$tmp/rgmm.py" --repeat 0
expect_output "loom.cpu: repeat = 0 is out of range: must be >= 1" "bad runner option named"
expect 105 "run --target with an unknown target" -- "$loom" run --target gpu "$tmp/rgmm.py"
expect_output "target: gpu not in" "unknown target named"
expect 2 "run: a cpu option with the interpreter" -- "$loom" run "$tmp/rgmm.py" --repeat 5
expect_output "loom run: --repeat applies to --target cpu only" "cpu-only option named"

# ----- loom db: tuning databases -------------------------------------------------------
# json_string FILE: the file's text as a JSON string.
json_string() { sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/\t/\\t/g' "$1" | awk 'BEGIN { ORS = ""; print "\"" } { print $0 "\\n" } END { print "\"" }'; }
"$loom" print gmm --set M=64 --set N=64 --set K=32 >"$tmp/db_gmm.py"
"$loom" apply "$tmp/db_gmm.py" "$configs/schedules/gmm_tiled.py" --trace "$tmp/db_t1.json" >/dev/null
printf 'i, j, k = sch.get_loops(sch.get_block("C"))\nsch.split(j, factors=[None, 16])\n' >"$tmp/db_split.py"
"$loom" apply "$tmp/db_gmm.py" "$tmp/db_split.py" --trace "$tmp/db_t2.json" >/dev/null
t1=$(tr -d '\n' <"$tmp/db_t1.json")
t2=$(tr -d '\n' <"$tmp/db_t2.json")
{
  echo '{"type":"loom.db","version":1}'
  echo "{\"type\":\"workload\",\"id\":7,\"script\":$(json_string "$tmp/db_gmm.py")}"
  echo "{\"type\":\"record\",\"workload\":7,\"target\":\"llvm\",\"trace\":$t2,\"run_secs\":[0.004],\"error\":\"\",\"timestamp_ms\":1764000000000}"
  echo "{\"type\":\"record\",\"workload\":7,\"target\":\"llvm\",\"trace\":$t1,\"run_secs\":[0.002,0.001,0.0015],\"error\":\"\",\"timestamp_ms\":1764000000001}"
  echo "{\"type\":\"record\",\"workload\":7,\"target\":\"llvm\",\"trace\":$t2,\"run_secs\":[],\"error\":\"timeout\",\"timestamp_ms\":1764000000002}"
} >"$tmp/db_in.jsonl"
expect 0 "db import into a new SQLite file" -- "$loom" db import "$tmp/tune.db" "$tmp/db_in.jsonl"
expect_output "^imported 1 workloads and 3 records into .*tune.db \(0 duplicate records skipped\)$" "import counts"
expect 0 "db list" -- "$loom" db list "$tmp/tune.db"
expect_output "^ID +FUNCTION +HASH +RECORDS +FAILED +BEST$" "list header"
expect_output "^1 +gmm +[0-9a-f]{16} +3 +1 +1.500 ms$" "list counts records, failures and the best median"
expect 0 "db best" -- "$loom" db best "$tmp/tune.db"
expect_output "^# workload 1 \(gmm, hash [0-9a-f]{16}\): best median 1.500 ms over 3 runs, target \"llvm\"$" "best names its time"
expect_output "sch.cache_write" "best prints the best record's schedule"
# The printed schedule applies and keeps the kernel's result.
cp "$tmp/out" "$tmp/db_best.py"
expect 0 "apply the schedule db best printed" -- "$loom" apply "$tmp/db_gmm.py" "$tmp/db_best.py" -o "$tmp/db_best_kernel.py"
"$loom" run "$tmp/db_gmm.py" --seed 5 >"$tmp/db_a.sum"
"$loom" run "$tmp/db_best_kernel.py" --seed 5 >"$tmp/db_b.sum"
cmp -s "$tmp/db_a.sum" "$tmp/db_b.sum" && ok || bad "the best schedule changes the result"
# Export, import elsewhere, export again: the same lines.
expect 0 "db export" -- "$loom" db export "$tmp/tune.db" -o "$tmp/db_out.jsonl"
[[ $(wc -l <"$tmp/db_out.jsonl") -eq 5 ]] && ok || bad "export wrote $(wc -l <"$tmp/db_out.jsonl") lines, expected 5"
expect 0 "db import the export into a JSON lines database" -- "$loom" db import "$tmp/copy.jsonl" "$tmp/db_out.jsonl"
expect 0 "db export the copy" -- "$loom" db export "$tmp/copy.jsonl"
cmp -s "$tmp/out" "$tmp/db_out.jsonl" && ok || { bad "export does not round-trip"; diff "$tmp/out" "$tmp/db_out.jsonl" | head; }
expect 0 "db import the same file again" -- "$loom" db import "$tmp/tune.db" "$tmp/db_out.jsonl"
expect_output "imported 1 workloads and 0 records .*\(3 duplicate records skipped\)" "a second import adds nothing"
# Errors.
sed '3s/.*/{"type": "record", "workload": 7,/' "$tmp/db_in.jsonl" >"$tmp/db_bad.jsonl"
expect 2 "db import a corrupt line" -- "$loom" db import "$tmp/bad.db" "$tmp/db_bad.jsonl"
expect_output "db_bad.jsonl:3: not JSON" "the corrupt line is named"
sed '4s/"target"/"taget"/' "$tmp/db_in.jsonl" >"$tmp/db_bad2.jsonl"
expect 2 "db import a misspelt key" -- "$loom" db import "$tmp/bad.db" "$tmp/db_bad2.jsonl"
expect_output "db_bad2.jsonl:4: missing key 'target'" "a missing key is named"
expect 2 "db list a file that is not a database" -- "$loom" db list "$tmp/db_gmm.py"
expect_output "db_gmm.py: is not a loom database \(not an SQLite file\)" "not a database"
expect 2 "db list a missing database" -- "$loom" db list "$tmp/none.db"
expect_output "none.db: no such database file" "missing database"
head -4 "$tmp/db_in.jsonl" | sed '3,4d' >"$tmp/db_failed.jsonl"
sed -n 5p "$tmp/db_in.jsonl" >>"$tmp/db_failed.jsonl"
expect 0 "db import a failed record" -- "$loom" db import "$tmp/failed.db" "$tmp/db_failed.jsonl"
expect 1 "db best without a successful record" -- "$loom" db best "$tmp/failed.db"
expect_output "workload 1 \(gmm\) has no successful record" "best says why"
expect 2 "db best --workload that does not exist" -- "$loom" db best "$tmp/tune.db" --workload 9
expect_output "no workload 9; it has workload 1" "unknown workload"

finish
