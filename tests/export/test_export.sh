#!/usr/bin/env bash
# End-to-end tests of `loom export`: a GMM exported unscheduled and with
# configs/schedules/gmm_tiled.py (parallel + vectorize + unroll) and a kernel with scalar
# parameters, each linked into a C99 program (and the GMM into a C++ one) that calls it and
# checks it against a naive loop; the header's documentation, symbols and link requirements;
# a wrong kernel caught by the check; the command's errors.
# Usage: test_export.sh LOOM_BINARY RUNTIME_LIBRARY SOURCE_DIR
set -uo pipefail

loom="$1"
runtime="$2"
src="$3"
here="$src/tests/export"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
passed=0
failed=0
cc="${CC:-cc}"
cxx="${CXX:-c++}"
# LOOM_EXPORT_EXTRA_FLAGS: flags every compile and link adds (the sanitizer build's runtime
# library needs its programs built with the same sanitizers).
read -r -a extra <<<"${LOOM_EXPORT_EXTRA_FLAGS:-}"
cflags=(-std=c99 -pedantic -Wall -Wextra -Werror -I"$tmp" "${extra[@]}")
cxxflags=(-std=c++17 -pedantic -Wall -Wextra -Werror -I"$tmp" "${extra[@]}")

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
  if grep -qE -- "$1" "$tmp/out" "$tmp/err"; then ok; else bad "$2: output does not match '$1'"; cat "$tmp/out" "$tmp/err" | head -20; fi
}

# expect_in FILE PATTERN DESCRIPTION / expect_not_in FILE PATTERN DESCRIPTION (fixed strings).
expect_in() { if grep -qF -- "$2" "$1"; then ok; else bad "$3: '$2' not in $1"; fi; }
expect_not_in() { if grep -qF -- "$2" "$1"; then bad "$3: '$2' in $1"; else ok; fi; }

# expect_clean_link DESCRIPTION: the last command printed nothing (no linker warnings such as
# text relocations in a PIE).
expect_clean_link() { if [[ -s "$tmp/err" ]]; then bad "$1: the build printed warnings"; cat "$tmp/err" | head; else ok; fi; }

M=64 N=96 K=48
"$loom" print gmm --set M=$M --set N=$N --set K=$K >gmm.py || { echo "FAIL: loom print gmm"; exit 1; }
defs=(-DM=$M -DN=$N -DK=$K)

# 1. Unscheduled: no parallel loops, so no runtime needed.
expect 0 "export unscheduled gmm" -- "$loom" export gmm.py -o plain
expect_output "wrote plain.o and plain.h" "export names its files"
[[ -s plain.o && -s plain.h ]] && ok || bad "plain.o / plain.h missing"
expect_in plain.h "const float* A, /* A: float32[$M, $K], read */" "A documented"
expect_in plain.h "const float* B, /* B: float32[$K, $N], read */" "B documented"
expect_in plain.h "float* C /* C: float32[$M, $N], written */" "C documented"
expect_in plain.h "void plain_packed(void** args);" "packed entry declared"
expect_in plain.h "#ifndef LOOM_EXPORT_PLAIN_H_" "include guard"
expect_in plain.h 'extern "C" {' "extern C for C++"
expect_in plain.h "Built for the CPU " "target CPU named"
expect_not_in plain.h "libloom_cpu_runtime.a" "no runtime for a serial kernel"
nm plain.o >syms
grep -qE " T plain$" syms && grep -qE " T plain_packed$" syms && ok || { bad "plain.o lacks its entries"; cat syms; }
grep -q "loom_parallel_for" syms && bad "serial kernel calls the parallel runtime" || ok
# The header alone parses as C and as C++.
expect 0 "header parses as C99" -- "$cc" "${cflags[@]}" -fsyntax-only -x c plain.h
expect 0 "header parses as C++" -- "$cxx" "${cxxflags[@]}" -fsyntax-only -x c++ plain.h
expect 0 "link plain (C99)" -- "$cc" "${cflags[@]}" "${defs[@]}" -DKERNEL=plain -DKERNEL_HEADER='"plain.h"' \
  "$here/main.c" plain.o -lm -o plain_c
expect_clean_link "link plain (C99)"
expect 0 "run plain (C99)" -- ./plain_c
expect_output "^ok: $M x $N x $K" "plain checked"
expect 0 "link plain (C++)" -- "$cxx" "${cxxflags[@]}" "${defs[@]}" -DKERNEL=plain -DKERNEL_HEADER='"plain.h"' \
  -x c++ "$here/main.c" -x none plain.o -lm -o plain_cxx
expect_clean_link "link plain (C++)"
expect 0 "run plain (C++)" -- ./plain_cxx
expect_output "^ok: " "plain checked from C++"

# 2. The hand schedule: parallel (needs the runtime), vectorized, unrolled.
mkdir -p kernels
expect 0 "export tiled gmm" -- "$loom" export gmm.py "$src/configs/schedules/gmm_tiled.py" -o kernels/tiled
expect_output "parallel" "export says the kernel is parallel"
expect_in kernels/tiled.h "libloom_cpu_runtime.a" "header says to link the runtime"
expect_in kernels/tiled.h "-ltbb" "header says to link oneTBB"
expect_in kernels/tiled.h "float* C /* C: float32[$M, $N], written */" "C documented (tiled)"
nm kernels/tiled.o >syms
grep -qE " U loom_parallel_for$" syms && ok || { bad "tiled.o does not call loom_parallel_for"; cat syms; }
cp kernels/tiled.h .
expect 1 "tiled without the runtime does not link" -- "$cc" "${cflags[@]}" "${defs[@]}" -DKERNEL=tiled \
  -DKERNEL_HEADER='"tiled.h"' "$here/main.c" kernels/tiled.o -lm -o tiled_c
expect_output "loom_parallel_for" "the missing symbol is the runtime's"
expect 0 "link tiled (C99)" -- "$cc" "${cflags[@]}" "${defs[@]}" -DKERNEL=tiled -DKERNEL_HEADER='"tiled.h"' \
  "$here/main.c" kernels/tiled.o "$runtime" -ltbb -lstdc++ -lm -o tiled_c
expect_clean_link "link tiled (C99)"
expect 0 "run tiled (C99)" -- ./tiled_c
expect_output "^ok: $M x $N x $K" "tiled checked"

# An explicit target: the header names it, and the code runs here (an older ISA than the host's).
expect 0 "export for haswell" -- "$loom" export gmm.py "$src/configs/schedules/gmm_tiled.py" -o haswell --cpu haswell \
  --features +avx2,+fma,+f16c
expect_in haswell.h "Built for the CPU haswell with the features:" "target CPU named (haswell)"
grep -q "avx512f" haswell.h && bad "haswell header lists avx512f" || ok
expect 0 "link haswell" -- "$cc" "${cflags[@]}" "${defs[@]}" -DKERNEL=haswell -DKERNEL_HEADER='"haswell.h"' \
  "$here/main.c" haswell.o "$runtime" -ltbb -lstdc++ -lm -o haswell_c
expect 0 "run haswell" -- ./haswell_c
expect_output "^ok: " "haswell checked"

# 3. The check catches a wrong kernel: the same GMM with + instead of *.
sed 's/A\[v_i, v_k\] \* B\[v_k, v_j\]/A[v_i, v_k] + B[v_k, v_j]/' gmm.py >wrong.py
cmp -s gmm.py wrong.py && bad "could not make the wrong kernel (gmm.py changed shape?)" || ok
expect 0 "export wrong gmm" -- "$loom" export wrong.py -o wrong
expect 0 "link wrong" -- "$cc" "${cflags[@]}" "${defs[@]}" -DKERNEL=wrong -DKERNEL_HEADER='"wrong.h"' \
  "$here/main.c" wrong.o -lm -o wrong_c
expect 1 "the check rejects a wrong kernel" -- ./wrong_c
expect_output "mismatches" "the check reports mismatches"

# 4. Scalar parameters by value; a buffer read and written.
expect 0 "export axpy" -- "$loom" export "$here/axpy.py" -o axpy
expect_in axpy.h "float* Y, /* Y: float32[256], read and written" "Y read and written"
expect_in axpy.h "float a, /* a: float32 scalar */" "scalar float by value"
expect_in axpy.h "int32_t n /* n: int32 scalar */" "scalar int by value"
expect 0 "link axpy" -- "$cc" "${cflags[@]}" "$here/main_axpy.c" axpy.o -lm -o axpy_c
expect_clean_link "link axpy"
expect 0 "run axpy" -- ./axpy_c
expect_output "^ok: axpy" "axpy checked"

# A zoo workload by name, with its shape: the same kernel as the printed file.
expect 0 "export a zoo workload" -- "$loom" export gmm --set M=$M --set N=$N --set K=$K -o zoo_gmm
expect_in zoo_gmm.h "const float* A, /* A: float32[$M, $K], read */" "zoo workload documented"
expect 0 "link zoo_gmm" -- "$cc" "${cflags[@]}" "${defs[@]}" -DKERNEL=zoo_gmm -DKERNEL_HEADER='"zoo_gmm.h"' \
  "$here/main.c" zoo_gmm.o -lm -o zoo_gmm_c
expect 0 "run zoo_gmm" -- ./zoo_gmm_c

# 5. Errors: exit 2 with a message naming the problem.
expect 2 "missing kernel" -- "$loom" export nonexistent.py -o x
expect_output "'nonexistent.py' is neither a kernel file nor a zoo workload" "missing kernel named"
expect 2 "bad --set" -- "$loom" export gmm --set M=big -o x
expect_output "--set 'M=big': expected KEY=INTEGER" "bad --set named"
expect 2 "unknown workload parameter" -- "$loom" export gmm --set Q=3 -o x
expect_output "no parameter 'Q'" "unknown parameter named"
expect 2 "--set on a file" -- "$loom" export gmm.py --set M=3 -o x
expect_output "--set applies to zoo workloads" "--set on a file refused"
printf 'b = sch.get_block("nope")\n' >bad_schedule.py
expect 2 "schedule error" -- "$loom" export gmm.py bad_schedule.py -o x
expect_output "nope" "schedule error names the block"
expect_output "bad_schedule.py" "schedule error names the script"
expect 2 "unwritable output" -- "$loom" export gmm.py -o no/such/dir/x
expect_output "cannot write 'no/such/dir/x.o'" "unwritable output named"
cat >symbolic.py <<'PY'
@T.prim_func
def scale(a: T.handle, n: T.int32):
    A = T.match_buffer(a, (n,), "float32")
    for i in range(n):
        with T.block("A"):
            vi = T.axis.spatial(n, i)
            A[vi] = A[vi] * T.float32(2)
PY
expect 2 "symbolic shape" -- "$loom" export symbolic.py -o sym
expect_output "buffer parameter A of scale has a symbolic shape float32\[n\]" "symbolic shape named"
expect 2 "bad symbol" -- "$loom" export gmm.py -o bad-name
expect_output "'bad-name' is not a C identifier" "bad symbol named"
expect 0 "--symbol overrides the file name" -- "$loom" export gmm.py -o bad-name --symbol good_name
grep -qE " T good_name$" <(nm bad-name.o) && ok || bad "--symbol did not name the entry"
rm -f bad-name.o bad-name.h
[[ ! -e x.o && ! -e sym.o && ! -e bad-name.o ]] && ok || bad "a failed export left files behind"

# --target cuda, where the loom.cuda plugin is built (the CUDA toolkit is optional): the
# hand schedule binds the matmul; the files, the header's launch table and ptxas' notes.
if "$loom" plugins 2>/dev/null | grep -q "loom.cuda"; then
  expect 0 "cuda export" -- "$loom" export gmm "$src/configs/schedules/gmm_cuda.py" --set M=64 --set N=64 --set K=32 \
    --target cuda --arch sm_80 -o gmm_gpu
  expect_output "wrote .*gmm_gpu.cu.*gmm_gpu.cubin.*gmm_gpu.h" "cuda export lists its files"
  expect_output "grid \(16, 1, 1\), block \(256, 1, 1\), [0-9]+ registers" "cuda export prints the launch and registers"
  [[ "$(head -c 4 gmm_gpu.cubin | od -An -c | tr -d ' ')" == "177ELF" ]] && ok || bad "the CUBIN is not an ELF file"
  grep -q "extern \"C\" __global__" gmm_gpu.cu && ok || bad "the .cu has no extern \"C\" __global__ kernel"
  "$cc" "${cflags[@]}" -fsyntax-only -x c gmm_gpu.h && ok || bad "the CUDA header is not C99"
  # An unbound kernel is one kernel on one thread (the GPU lowering's single-thread form).
  expect 0 "cuda export of an unbound kernel" -- "$loom" export gmm --set M=8 --set N=8 --set K=8 --target cuda -o unbound
  expect_output "grid \(1, 1, 1\), block \(1, 1, 1\)" "an unbound kernel runs on one thread"
  expect 2 "--cpu with --target cuda" -- "$loom" export gmm --target cuda --cpu znver3 -o x
  expect_output "apply to --target llvm" "--cpu with cuda refused"
  expect 2 "--arch with llvm" -- "$loom" export gmm --arch sm_90 -o x
  expect_output "applies to --target cuda" "--arch with llvm refused"
else
  echo "export: loom.cuda not built; --target cuda not tested"
fi

echo "export: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
