// The reference interpreter: runs any ir::PrimFunc on host NDArrays by walking its IR with
// an environment of variable values, following the semantics documented at the top of
// loom/ir/expr.h and loom/ir/stmt.h exactly. Slow and obviously correct: it is the oracle
// that every schedule primitive, pass and code generator is checked against.
//
// What the interpreter adds to those semantics:
// - Every loop kind (parallel, vectorized, unrolled, thread binding) runs serially.
// - Every load and store is bounds-checked against the buffer's shape (and the element
//   offset against the storage behind it); a violation throws RuntimeError naming the
//   buffer, the index and the shape: "out-of-bounds store to C[128, 3]: shape is (128, 128)".
// - alloc_buffers and Allocate buffers start zeroed.
// - A buffer parameter's shape may use variables: an unbound variable dimension is bound to
//   the argument's extent (later dimensions and the body may use it). Declared strides and
//   elem_offset of a parameter address the argument's contiguous storage (so strides
//   (1, 4) on a 4x4 array read it column-major); unbound variables among them are bound to
//   the compact row-major strides and to 0.
// - A match_buffer views a region of its source: its dimensions match the region's
//   trailing extents (dropped leading extents must be 1), its strides are the source's and
//   its elem_offset is the region's start; declared variables are bound to those values and
//   declared constants must equal them.
// - float16 / bfloat16 arithmetic runs in float32 and rounds back after every operation;
//   math intrinsics run in float for 16/32-bit floats and in double for float64; T.round
//   rounds ties to even; min/max on floats behave as select(a < b, a, b).
#pragma once

#include <cstdint>
#include <variant>
#include <vector>

#include "loom/interp/error.h"
#include "loom/interp/ndarray.h"
#include "loom/ir/function.h"

namespace loom::interp {

/// One argument of `run`: an array for a buffer parameter (borrowed, read and written in
/// place) or a value for a scalar parameter.
struct Arg {
  std::variant<NDArray*, int64_t, double> value;

  Arg(NDArray& array) : value(&array) {}  // NOLINT(google-explicit-constructor)
  Arg(NDArray* array) : value(array) {}   // NOLINT(google-explicit-constructor)
  Arg(int64_t v) : value(v) {}            // NOLINT(google-explicit-constructor)
  Arg(int v) : value(int64_t{v}) {}       // NOLINT(google-explicit-constructor)
  Arg(double v) : value(v) {}             // NOLINT(google-explicit-constructor)
};

/// Runs `func` on `args`, one per parameter in order, writing results into the arrays.
///
/// Requires: 1) one Arg per parameter; 2) an NDArray (non-null) for each buffer parameter,
/// with the buffer's dtype and rank and, for each constant or already-bound dimension, its
/// extent; 3) an integer for an integer or bool scalar parameter (within the dtype's range;
/// bool takes 0 or 1) and an integer or double for a float one.
/// Throws ArgumentError when the arguments break a requirement (naming the parameter and
/// what was expected), RuntimeError when the program fails while running (out-of-bounds
/// access, integer division by zero, a block binding outside its domain, ...). Arrays may be
/// partly written when a RuntimeError is thrown. Runs share no state: concurrent calls on
/// different arrays are safe.
void run(const ir::PrimFunc& func, const std::vector<Arg>& args);

/// Zero-filled arrays for every buffer parameter of `func`, in parameter order.
/// Throws ArgumentError when a parameter's shape is not a constant (a symbolic dimension or
/// a scalar parameter makes the shape unknown without arguments).
std::vector<NDArray> allocate_params(const ir::PrimFunc& func);

/// allocate_params, then every array filled with fill_random(param_seed(seed, i)) where i
/// is the buffer's position among the buffer parameters. All buffers are filled, outputs
/// included: a kernel that leaves part of an output unwritten leaves the same random values
/// there on every run with the same seed.
std::vector<NDArray> random_params(const ir::PrimFunc& func, uint64_t seed);

/// The seed of the i-th buffer parameter's data in random_params (a fixed mix of both).
uint64_t param_seed(uint64_t seed, size_t index);

/// random_params(func, seed), then run(func, ...) on them; returns the arrays after the
/// run, one per buffer parameter in parameter order. Throws as allocate_params and run;
/// functions with scalar parameters are rejected with ArgumentError.
std::vector<NDArray> run_random(const ir::PrimFunc& func, uint64_t seed);

}  // namespace loom::interp
