#!/usr/bin/env bash
# End-to-end tests of `loom tune` and the tuning database on a real run: tiny workloads with
# the built-in plugins (rules, postprocessors, mutators, XGBoost, the CPU runner), the final
# table, the best schedule (it applies and keeps the kernel's result), the HTML report,
# resuming without remeasuring (--trials is the run's total, --more-trials asks for more), every
# search strategy and space kind, a run killed with SIGKILL in the middle (the database stays
# readable and the run resumes with what is left of its budget), and errors.
# Usage: test_tune.sh LOOM_BINARY CONFIGS_DIR
set -uo pipefail

loom="$1"
configs="$2"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# records DB: the number of records of workload 1.
records() { "$loom" db list "$1" | awk '$1 == 1 {print $4}'; }
# distinct_candidates DB: distinct candidate hashes among the exported records.
distinct_candidates() { "$loom" db export "$1" | grep -o '"candidate_hash":"[0-9a-f]*"' | sort -u | wc -l; }

cd "$tmp" || exit 1
# A small automatic run: the default CPU rules, evolutionary search with a small population.
cat >tiny.toml <<'TOML'
[workload]
zoo = "gmm"
params = { M = 32, N = 32, K = 32 }
[search]
population_size = 48
init_min_unmeasured = 16
[runner]
name = "loom.cpu"
min_repeat_ms = 1
repeat = 2
check = "interpreter"
[database]
path = "tiny.db"
[tune]
trials = 16
trials_per_round = 8
TOML
expect 0 "tune a tiny gmm" -- "$loom" tune tiny.toml --report tiny.html
expect_output "^loom tune: 1 workload\(s\), 16 trials \(8 per round\), evolutionary search, post-order-apply \(6 rules" "the run's header"
expect_output "^round 2 \| 16/16 trials \| gmm\(K=32,M=32,N=32\) best [0-9.]+ GFLOP/s \| 0 failed" "progress lines (not a TTY: one per round)"
expect_output "^workload +trials +failures +best ms +GFLOP/s +search ms$" "the final table's header"
expect_output "^gmm\(K=32,M=32,N=32\) +16 +0 +[0-9.]+ +[0-9.]+ +[0-9.]+$" "the final table's row"
expect_output "^\(best ms: the fastest of each workload's 5 best records timed again" "the best is re-measured"
expect_output "^time: [0-9.]+s total; search [0-9.]+s .*measure [0-9.]+s \(build [0-9.]+s, run [0-9.]+s\)" "where the time went"
expect_output "^# best schedule of gmm\(K=32,M=32,N=32\)" "the best schedule"
grep -q "<svg" tiny.html && grep -q "Where the time went" tiny.html && ok || bad "the report has no curve or phase table"
[[ $(records tiny.db) -eq 16 ]] && ok || bad "tiny.db has $(records tiny.db) records, expected 16"
# The best schedule printed applies to the kernel and keeps its result.
sed -n '/^# best schedule of/,$p' "$tmp/out" | tail -n +2 >best.py
"$loom" print gmm --set M=32 --set N=32 --set K=32 >gmm.py
expect 0 "apply the best schedule" -- "$loom" apply gmm.py best.py -o best_kernel.py
"$loom" run gmm.py --seed 2 >a.sum
"$loom" run best_kernel.py --seed 2 >b.sum
cmp -s a.sum b.sum && ok || bad "the best schedule changes the result"
expect 0 "the best schedule runs compiled" -- "$loom" run --target cpu gmm.py best.py
expect_output "GFLOP/s" "timed"

# Resuming: the budget is the run's total, the records in the database included. The same
# run again measures nothing; --trials 24 measures the 8 left; --more-trials 8 measures 8 more;
# none of them a candidate measured before.
expect 0 "the finished run again" -- "$loom" tune tiny.toml --report "" --remeasure 0
[[ $(records tiny.db) -eq 16 ]] && ok || bad "the finished run measured again: tiny.db has $(records tiny.db) records, expected 16"
expect 0 "resume to a total of 24" -- "$loom" tune tiny.toml --trials 24 --report "" --remeasure 0
expect_output "^gmm\(K=32,M=32,N=32\) +24 +0 +([0-9.]+) +[0-9.]+ +\1$" "--remeasure 0 reports the search's best as is"
expect_output "^\(trials: 16 records were in the database before this run, which measured 8" "the table says what was resumed"
[[ $(records tiny.db) -eq 24 ]] && ok || bad "after resuming tiny.db has $(records tiny.db) records, expected 24"
expect 0 "8 more trials" -- "$loom" tune tiny.toml --more-trials 8 --report "" --remeasure 0
expect_output "^loom tune: 1 workload\(s\), 8 more trials \(8 per round\)" "the header says more trials"
[[ $(records tiny.db) -eq 32 ]] && ok || bad "after --more-trials 8 tiny.db has $(records tiny.db) records, expected 32"
[[ $(distinct_candidates tiny.db) -eq 32 ]] && ok || bad "a candidate was measured twice: $(distinct_candidates tiny.db) distinct of 32"
[[ ! -e loom-report.html ]] && ok || bad "--report '' still wrote a report"
expect 108 "--trials and --more-trials together (a CLI11 usage error)" -- "$loom" tune tiny.toml --trials 8 --more-trials 8
expect_output "[-]-trials excludes --more-trials" "the two budgets exclude each other"

# Every strategy on each kind of space, into a JSON lines database.
cp "$configs/schedules/gmm_template.py" template.py
for strategy in replay-trace replay-func evolutionary; do
  for space in post-order-apply schedule-fn union; do
    schedule_key=""
    [[ $space != post-order-apply ]] && schedule_key='schedule = "template.py"'
    evo=""
    [[ $strategy == evolutionary ]] && evo=$'population_size = 32\ninit_min_unmeasured = 8'
    cat >s.toml <<TOML
[workload]
zoo = "gmm"
params = { M = 64, N = 64, K = 32 }
[search]
strategy = "$strategy"
space = "$space"
$schedule_key
$evo
[runner]
name = "loom.cpu"
min_repeat_ms = 1
repeat = 1
check = "interpreter"
[database]
kind = "json"
path = "$strategy-$space.jsonl"
[tune]
trials = 8
trials_per_round = 4
TOML
    expect 0 "tune with $strategy on $space" -- "$loom" tune s.toml --report "" -q
    expect_output "^gmm\(K=32,M=64,N=64\) +[1-8] +0 +[0-9.]+ +[0-9.]+ +[0-9.]+$" "$strategy on $space measured candidates without failures"
  done
done
# The manual schedule: one candidate; the next round finds nothing new and the run ends.
sed -e 's/M = 1024, N = 1024, K = 1024/M = 64, N = 64, K = 32/' -e 's#"../schedules/gmm_1024.py"#"manual.py"#' \
  -e 's/path = "gmm_manual.db"/path = "manual.db"/' "$configs/tune/gmm_manual.toml" >manual.toml
cp "$configs/schedules/gmm_1024.py" manual.py
expect 0 "tune the manual schedule" -- "$loom" tune manual.toml --report ""
expect_output "^gmm\(K=32,M=64,N=64\) +1 +0 " "one candidate measured"

# A run killed with SIGKILL while it measures: the database stays readable, keeps whole
# batches only, and the run started again measures only what is left of its 48 trials.
sed -e 's/trials = 16/trials = 48/' -e 's/path = "tiny.db"/path = "killed.db"/' tiny.toml >long.toml
"$loom" tune long.toml --report "" -q >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  n=$("$loom" db list killed.db 2>/dev/null | awk '$1 == 1 {print $4}')
  [[ -n $n && $n -ge 16 ]] && break
  sleep 0.1
done
kill -9 "$pid"
wait "$pid" 2>/dev/null
n=$(records killed.db)
[[ -n $n && $n -ge 16 && $((n % 8)) -eq 0 ]] && ok || bad "after SIGKILL killed.db has '$n' records, expected whole batches of 8"
expect 0 "the killed run's database reads" -- "$loom" db export killed.db -o killed.jsonl
expect 0 "resume the killed run" -- "$loom" tune long.toml --report ""
[[ $(records killed.db) -eq 48 ]] && ok || bad "resuming the killed run at $n: $(records killed.db) records, expected 48"
[[ $(distinct_candidates killed.db) -eq 48 ]] && ok || bad "resuming the killed run remeasured a candidate"

# Errors.
expect 2 "tune a missing config" -- "$loom" tune none.toml
expect_output "none.toml: cannot read the config file" "missing config"
sed 's/name = "loom.cpu"/name = "loom.cpux"/' tiny.toml >bad_runner.toml
expect 2 "tune with an unknown runner" -- "$loom" tune bad_runner.toml
expect_output "bad_runner.toml:[0-9]+:8: \[runner\] no runner named 'loom.cpux' is loaded" "the unknown runner with its position"
printf '[workload]\nzoo = "gmm"\n[search]\nspace = "schedule-fn"\nschedule = "missing.py"\n' >bad_schedule.toml
expect 2 "tune with a missing template" -- "$loom" tune bad_schedule.toml
expect_output "missing.py" "the missing template is named"

finish
