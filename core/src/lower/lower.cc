// The lowering pipeline: a flat list of passes, an optional dump and check after each.
#include "loom/lower/lower.h"

#include "loom/ir/verify.h"
#include "loom/lower/compact_buffers.h"
#include "loom/lower/flatten_buffers.h"
#include "loom/lower/lower_blocks.h"
#include "loom/lower/lower_init.h"
#include "loom/lower/simplify.h"
#include "loom/lower/unroll_loops.h"
#include "loom/lower/vectorize_loops.h"

namespace loom::lower {

ir::PrimFunc lower(const ir::PrimFunc& func, const LowerOptions& options) {
  ir::PrimFunc f = func;
  auto after = [&](const char* pass) {
    if (options.verify) ir::check_well_formed(f);
    if (options.after_pass) options.after_pass(pass, f);
  };
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
  return f;
}

}  // namespace loom::lower
