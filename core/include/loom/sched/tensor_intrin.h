// Tensor intrinsics (TVM's TensorIntrin): a named pair of small functions, `desc` (what
// the intrinsic computes, as TensorIR) and `impl` (how: the code that replaces a matching
// block's body under sch.tensorize).
//
// Rules, checked when an intrinsic is registered:
// 1) desc and impl have the same number of parameters, all buffers, and parameter i of both
//    has the same dtype, shape and storage scope;
// 2) desc's body is its root block (no iteration variables) holding exactly one block
//    (under loops only); every desc buffer appears in the root block's reads or writes,
//    which say which region of the scheduled block's buffers each parameter stands for;
// 3) impl's body is its root block; every impl buffer appears in its reads or writes (the
//    region tensorize binds the buffer to, as a match_buffer view).
//
// Built-in intrinsics (registered on first use, no files needed):
//   "loom.vec.fma_f32x4", "loom.vec.fma_f32x8": C[0:L] += A[0] * B[0:L] over float32, the
//   inner loop of a matmul update; the impl is one vector multiply-accumulate
//   (Ramp loads/stores of B and C, a Broadcast of A).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "loom/ir/function.h"

namespace loom::sched {

struct TensorIntrin {
  std::string name;
  ir::PrimFunc desc;
  ir::PrimFunc impl;
};

/// Registers an intrinsic (TVM's TensorIntrin.register). Throws UserError naming the
/// intrinsic and the broken rule (above), or when `name` is already registered and not
/// `override_existing`. Thread-safe.
void register_tensor_intrin(const std::string& name, const ir::PrimFunc& desc, const ir::PrimFunc& impl,
                            bool override_existing = false);
/// The same with desc and impl written as TVMScript functions (parse errors are UserErrors).
void register_tensor_intrin(const std::string& name, std::string_view desc_text, std::string_view impl_text,
                            bool override_existing = false);
/// The intrinsic called `name`; throws UserError listing the registered names if absent.
TensorIntrin get_tensor_intrin(const std::string& name);
/// Whether an intrinsic called `name` is registered.
bool has_tensor_intrin(const std::string& name);
/// The registered names, sorted.
std::vector<std::string> tensor_intrin_names();

}  // namespace loom::sched
