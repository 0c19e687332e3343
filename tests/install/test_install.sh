#!/usr/bin/env bash
# loom installed as a user installs it: `cmake --install` into a temporary prefix (nothing
# else is copied), then, from a working folder outside the build and source trees, the
# installed `loom` lists the installed plugins (and only those: never the build's) and runs a
# short tuning of an installed config whose schedule is a relative path (resolved against the
# config's own folder), writing its database into the working folder.
# Usage: test_install.sh LOOM_BUILD_DIR LOOM_SOURCE_DIR
set -uo pipefail

build_dir="$(cd "$1" && pwd)"
source_dir="$(cd "$2" && pwd)"
source "$(dirname "${BASH_SOURCE[0]}")/../cli/lib.sh"
prefix="$tmp/prefix"

expect 0 "cmake --install into a temporary prefix" -- cmake --install "$build_dir" --prefix "$prefix"
for f in bin/loom bin/loom-bench bin/loom-eval-cost-model lib/loom/plugins/loom-cpu-worker \
  lib/loom/plugins/loom_cpu.so lib/loom/plugins/loom_rules.so lib/loom/plugins/loom_postprocs.so \
  lib/loom/plugins/loom_mutators.so lib/loom/plugins/loom_cost_models.so lib/libloom_cpu_runtime.a \
  include/loom/plugin.h include/loom/plugin.hpp include/loom/cpu/runtime.h lib/cmake/loom/loomConfig.cmake \
  share/loom/configs/quickstart.toml share/loom/configs/tune/gmm_template.toml \
  share/loom/configs/schedules/gmm_template.py; do
  [[ -f "$prefix/$f" ]] && ok || bad "the install has no $f"
done
[[ -x "$prefix/bin/loom" ]] && ok || bad "bin/loom is not executable"
[[ ! -e "$prefix/lib/loom/plugins/loom_example.so" ]] && ok || bad "the example plugin is installed"

mkdir -p "$tmp/work" && cd "$tmp/work" || exit 1
case "$PWD" in "$build_dir"* | "$source_dir"*) bad "the working folder $PWD is inside the build or source tree" ;; esac

# The installed plugins, found relative to the installed executable.
expect 0 "the installed loom lists its plugins" -- "$prefix/bin/loom" plugins
for component in "runner +loom.cpu" "schedule_rule +loom.multi_level_tiling" "postproc +loom.rewrite_reduction_block" \
  "mutator +loom.mutate_tile_size" "cost_model +loom.xgboost"; do
  expect_output "^$component .* $prefix/lib/loom/plugins/" "plugins lists '$component' from the install"
done
grep -q "$build_dir" "$tmp/out" "$tmp/err" && bad "the installed loom loaded plugins of the build tree" || ok
# LOOM_PLUGIN_PATH still comes first.
mkdir -p "$tmp/extra" && cp "$build_dir/plugins/lib/loom_example.so" "$tmp/extra/"
LOOM_PLUGIN_PATH="$tmp/extra" expect 0 "LOOM_PLUGIN_PATH adds plugins" -- "$prefix/bin/loom" plugins
expect_output "^schedule_rule +example.tile_cache_parallel .* $tmp/extra/loom_example.so" "LOOM_PLUGIN_PATH's plugin"
expect_output "^runner +loom.cpu .* $prefix/lib/loom/plugins/loom_cpu.so" "and the installed ones beside it"

# A short tuning of an installed config: the template's relative schedule path resolves
# against the config's folder, the database (an output) lands in the working folder.
config="$prefix/share/loom/configs/tune/gmm_template.toml"
expect 0 "the installed loom tunes an installed config" -- \
  "$prefix/bin/loom" tune "$config" --trials 4 --remeasure 1 --db tuned.db --report report.html
expect_output "^gmm\(K=512,M=512,N=512\) +4 +0 +[0-9.]+ +[0-9.]+ +[0-9.]+$" "the final table: 4 trials, none failed"
expect_output "^# best schedule of gmm\(K=512,M=512,N=512\) \([0-9.]+ ms\)$" "a best schedule is reported"
expect_output "sch.sample_perfect_tile\(.*decision=" "the best schedule is the template's, with its decisions"
[[ -f tuned.db && -f report.html ]] && ok || bad "the database and the report are not in the working folder"
[[ -z "$(find "$prefix" -name '*.db' -o -name '*.html')" ]] && ok || bad "the run wrote into the install prefix"
expect 0 "the installed loom reads its database" -- "$prefix/bin/loom" db list tuned.db
expect_output "^1 +.* 4 +0 " "db list: 4 records, no failures"

finish
