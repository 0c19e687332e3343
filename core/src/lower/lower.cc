// The lowering pipeline: a flat list of passes, an optional dump and check after each.
#include "loom/lower/lower.h"

#include "loom/ir/verify.h"
#include "loom/lower/compact_buffers.h"
#include "loom/lower/flatten_buffers.h"
#include "loom/lower/insert_barriers.h"
#include "loom/lower/lower_blocks.h"
#include "loom/lower/lower_cross_thread_reduction.h"
#include "loom/lower/lower_init.h"
#include "loom/lower/lower_vthreads.h"
#include "loom/lower/simplify.h"
#include "loom/lower/split_kernels.h"
#include "loom/lower/unroll_loops.h"
#include "loom/lower/vectorize_loops.h"

namespace loom::lower {

namespace {

/// Runs after each pass: the optional check and dump.
class PassHook {
 public:
  PassHook(const LowerOptions& options, ir::PrimFunc* f) : options_(options), f_(f) {}
  void operator()(const char* pass) const {
    if (options_.verify) ir::check_well_formed(*f_);
    if (options_.after_pass) options_.after_pass(pass, *f_);
  }

 private:
  const LowerOptions& options_;
  ir::PrimFunc* f_;
};

/// The passes both pipelines share, from lower_init to vectorize_loops.
void lower_loops(ir::PrimFunc* func, const LowerOptions& options) {
  ir::PrimFunc& f = *func;
  const PassHook after(options, func);
  f = lower_init(f);
  after("lower_init");
  f = lower_blocks(f);
  after("lower_blocks");
  f = compact_buffers(f);
  after("compact_buffers");
  f = flatten_buffers(f);
  after("flatten_buffers");
  f = simplify(f);
  after("simplify");
  if (options.unroll) {
    f = unroll_loops(f);
    after("unroll_loops");
    f = simplify(f);  // the copies' indices, with the unrolled variables now constants
    after("simplify");
  }
  VectorizeOptions vectorize;
  if (!options.vectorize) vectorize.max_lanes = 1;  // no loop qualifies: all become serial
  f = vectorize_loops(f, vectorize);
  after("vectorize_loops");
}

}  // namespace

ir::PrimFunc lower(const ir::PrimFunc& func, const LowerOptions& options) {
  ir::PrimFunc f = func;
  lower_loops(&f, options);
  return f;
}

ir::PrimFunc lower_gpu(const ir::PrimFunc& func, const LowerOptions& options) {
  ir::PrimFunc f = func;
  const PassHook after(options, &f);
  f = lower_vthreads(f);
  after("lower_vthreads");
  f = lower_cross_thread_reduction(f);
  after("lower_cross_thread_reduction");
  lower_loops(&f, options);
  f = split_kernels(f);
  after("split_kernels");
  f = insert_barriers(f);
  after("insert_barriers");
  return f;
}

}  // namespace loom::lower
