#!/usr/bin/env bash
# On a machine with a CUDA GPU: builds loom (tools/bootstrap) and runs the CUDA runner's tests
# against the device, the Device* ones included (they skip without a GPU), then the
# conformance suite's loom.cuda checks, and prints the results.
# Usage: tools/device/cuda_check.sh [build dir, default build]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-build}"
cd "$root"
LOOM_JOBS="${LOOM_JOBS:-$(nproc)}" tools/bootstrap >/tmp/loom_cuda_check_build.log 2>&1 ||
  { tail -40 /tmp/loom_cuda_check_build.log; exit 1; }
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
status=0
"$build/tests/loom_test_cuda_runner" --gtest_color=no || status=1
"$build/tests/loom_test_conformance" --gtest_filter='*loom_cuda*' --gtest_color=no || status=1
# A skipped Device* test on a GPU machine means the device was not found: a failure here.
if "$build/tests/loom_test_cuda_runner" --gtest_filter='*Device*' 2>&1 | grep -q '\[  SKIPPED \]'; then
  echo "cuda_check: the Device* tests were skipped: no CUDA device answered"; status=1
fi
echo "cuda_check: $([[ $status -eq 0 ]] && echo PASSED || echo FAILED)"
exit $status
