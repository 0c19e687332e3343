#!/usr/bin/env bash
# Builds the example plugin OUT of loom's tree, in a temporary folder, against the installed
# plugin_api package only (find_package(loom) -> loom::plugin_api), then loads it into the
# host and runs it on a zoo workload (the OutOfTree.* tests of loom_test_host).
# usage: test_out_of_tree.sh LOOM_BUILD_DIR LOOM_SOURCE_DIR LOOM_TEST_HOST
set -euo pipefail
build_dir=$1
source_dir=$2
test_bin=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build_dir" --component plugin_api --prefix "$work/prefix" >/dev/null
test -f "$work/prefix/include/loom/plugin.h"
test -f "$work/prefix/include/loom/plugin.hpp"
# Only the example's own folder is copied: nothing else of the tree is visible to its build.
cp -r "$source_dir/plugins/examples" "$work/src"
cmake -S "$work/src" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build"
plugin=$(find "$work/build" -name 'loom_example*.so' -o -name 'libloom_example*.so' | head -n1)
test -n "$plugin"
out=$(LOOM_EXAMPLE_PLUGIN="$plugin" "$test_bin" --gtest_filter='OutOfTree.*' 2>&1) || { echo "$out"; exit 1; }
echo "$out"
# The test must have run, not been skipped.
grep -q '\[  PASSED  \] 1 test' <<<"$out"
! grep -q 'SKIPPED' <<<"$out"
