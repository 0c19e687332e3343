#!/usr/bin/env bash
# The plugin author's walk (plugin_api/GUIDE.md "Building out of tree"), against an installed
# loom: `cmake --install` into a temporary prefix, plugins/examples copied out of the tree
# and built with find_package(loom) from that prefix alone, then the installed `loom` loads
# the result (`loom plugins --load`) and tunes with its rule and mutator, named in a config
# of the user's own next to the plugin ([[plugin]] path relative to the config's folder).
# Usage: test_out_of_tree_install.sh LOOM_BUILD_DIR LOOM_SOURCE_DIR
set -uo pipefail

build_dir="$(cd "$1" && pwd)"
source_dir="$(cd "$2" && pwd)"
source "$(dirname "${BASH_SOURCE[0]}")/../cli/lib.sh"
prefix="$tmp/prefix"
loom="$prefix/bin/loom"

expect 0 "cmake --install into a temporary prefix" -- cmake --install "$build_dir" --prefix "$prefix"
cp -r "$source_dir/plugins/examples" "$tmp/example"
cd "$tmp/example" || exit 1
expect 0 "configure the example against the installed package" -- \
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix"
expect_output "Build files have been written" "configured"
expect 0 "build the example" -- cmake --build build
plugin="$tmp/example/build/loom_example.so"
[[ -f "$plugin" ]] || plugin="$tmp/example/build/libloom_example.so"
[[ -f "$plugin" ]] && ok || bad "the build made no loom_example.so"

expect 0 "the installed loom loads the plugin" -- "$loom" plugins --load "$plugin"
expect_output "^schedule_rule +example.tile_cache_parallel +1.0 +example 1.0 +$plugin$" "its rule is listed"
expect_output "^mutator +example.mutate_tile +1.0 +example 1.0 +$plugin$" "its mutator is listed"
expect_output "^runner +loom.cpu .* $prefix/lib/loom/plugins/loom_cpu.so$" "beside the installed plugins"

cat >run.toml <<TOML
[workload]
zoo = "gmm"
params = { M = 64, N = 64, K = 64 }
[[plugin]]
path = "build/$(basename "$plugin")"
[[rule]]
name = "example.tile_cache_parallel"
max_innermost_factor = 8
[[mutator]]
name = "example.mutate_tile"
probability = 1.0
[search]
population_size = 16
init_min_unmeasured = 8
[runner]
name = "loom.cpu"
min_repeat_ms = 1
repeat = 2
check = "interpreter"
[database]
path = "run.db"
[tune]
trials = 4
trials_per_round = 4
TOML
expect 0 "tune with the out-of-tree rule and mutator" -- "$loom" tune run.toml --remeasure 0 --report ""
expect_output "post-order-apply \(1 rules?" "the space is the plugin's rule"
expect_output "^gmm\(K=64,M=64,N=64\) +4 +0 " "4 trials, none failed"
expect_output "sch.cache_write\(" "the best schedule is the rule's (tiled, cached)"

finish
