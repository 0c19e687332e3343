// loom.rewrite_parallel_vectorize_unroll: TVM's RewriteParallelVectorizeUnroll
// (src/meta_schedule/postproc/rewrite_parallel_vectorize_unroll.cc) for CPU targets.
//
// The root block's annotations, written by loom.parallelize_vectorize_unroll (TVM's keys):
// - "meta_schedule.parallel" (int): the largest product of extents of the outer spatial
//   loops fused into one parallel loop;
// - "meta_schedule.vectorize" (int): the largest product of extents of the inner spatial
//   loops fused into one vectorized loop;
// - "meta_schedule.unroll_explicit" / "meta_schedule.unroll_implicit" (int): the maximum
//   number of unrolled steps;
// are removed from the root, and for each child block of the root with loops:
// 1. The plan (TVM's AdjustParallelVectorize): the number of outermost loops to parallelize
//    (spatial, serial, unannotated, constant extent, each but the last with a single child,
//    while the product of extents stays within the parallel limit; the last one may pass
//    it) and of innermost loops to vectorize (the same conditions, the product within the
//    vectorize limit, and no more than the loops over which every read and write of the
//    block is contiguous: strides of the loop variables in the accessed indices, innermost
//    stride 1 or 0, each next one the previous one times its extent). Vectorization is
//    preferred where the two overlap.
// 2. When the parallel plan covers every loop, the whole nest is one contiguous chain of
//    fusable loops, and its total extent is a multiple of the vectorize limit larger than
//    it: fuse them all, split by the vectorize limit, parallelize the outer and vectorize
//    the inner loop (TVM's RewriteFuseSplitParallelVectorize; TVM splits whatever the
//    total, loom only where the split needs no predicate, which would keep the inner loop
//    from vectorizing). Otherwise fuse and parallelize the outer loops, fuse and vectorize
//    the inner ones.
// 3. Unrolling (a block with a reduction variable and a positive step count): the outermost
//    loop gets "pragma_auto_unroll_max_step" (the count) and "pragma_unroll_explicit" (1 for
//    unroll_explicit, 0 for unroll_implicit), TVM's pragmas; for unroll_explicit loom's
//    lowering has no auto-unroll pass, so the block's innermost serial loops are also marked
//    `unroll` while the product of their extents stays within the count (config
//    "unroll_inner_loops", default true).
// A primitive that refuses one block's rewrite leaves that block (partly) serial: every step
// keeps the program's meaning, so the candidate stays valid.
#include <limits>

#include "postprocs.h"

namespace loom::postprocs {

namespace {

constexpr std::string_view kName = "loom.rewrite_parallel_vectorize_unroll";
using lp::attr::kParallel;
using lp::attr::kUnrollExplicit;
using lp::attr::kUnrollImplicit;
using lp::attr::kVectorize;
constexpr std::string_view kAutoUnrollMaxStep = "pragma_auto_unroll_max_step";
constexpr std::string_view kUnrollExplicitPragma = "pragma_unroll_explicit";

// The root's annotations; -1 for an absent one.
struct Parsed {
  int64_t max_parallel_extent = -1;
  int64_t max_vectorize_extent = -1;
  int64_t unroll_explicit = -1;
  int64_t unroll_implicit = -1;
};

// Whether `var` occurs in `node` (directly or through a block variable bound to it).
bool uses(const ir::Node& node, const ir::Var& var, const std::vector<std::pair<ir::Var, ir::Expr>>& bindings) {
  if (node.is_null()) return false;
  if (auto v = node.as<ir::Var>()) {
    if (v->same(var)) return true;
    for (const auto& [iv, value] : bindings) {
      if (iv.same(*v)) return uses(value, var, {});
    }
    return false;
  }
  for (size_t i = 0, n = node.num_fields(); i < n; ++i) {
    ir::Field f = node.field(node.field_name(i));
    if (f.is_node() && uses(f.node(), var, bindings)) return true;
    if (f.is_list()) {
      for (size_t k = 0; k < f.size(); ++k) {
        ir::Field item = f.item(k);
        if (item.is_node() && uses(item.node(), var, bindings)) return true;
      }
    }
  }
  return false;
}

// The coefficient of `var` in the affine expression `e` (block variables replaced by their
// bindings); nullopt when `e` depends on `var` in a non-affine way.
std::optional<int64_t> coefficient(const ir::Expr& e, const ir::Var& var,
                                   const std::vector<std::pair<ir::Var, ir::Expr>>& bindings) {
  if (e.is<ir::IntImm>() || e.is<ir::FloatImm>()) return 0;
  if (auto v = e.as<ir::Var>()) {
    if (v->same(var)) return 1;
    for (const auto& [iv, value] : bindings) {
      if (iv.same(*v)) return coefficient(value, var, {});
    }
    return 0;
  }
  if (auto c = e.as<ir::Cast>()) return coefficient(c->value(), var, bindings);
  if (auto b = e.as<ir::Binary>()) {
    if (b->op() == LOOM_NODE_ADD || b->op() == LOOM_NODE_SUB) {
      std::optional<int64_t> x = coefficient(b->a(), var, bindings), y = coefficient(b->b(), var, bindings);
      if (!x || !y) return std::nullopt;
      return b->op() == LOOM_NODE_ADD ? *x + *y : *x - *y;
    }
    if (b->op() == LOOM_NODE_MUL) {
      if (auto k = const_int(b->a())) {
        std::optional<int64_t> y = coefficient(b->b(), var, bindings);
        return y ? std::optional<int64_t>(*k * *y) : std::nullopt;
      }
      if (auto k = const_int(b->b())) {
        std::optional<int64_t> x = coefficient(b->a(), var, bindings);
        return x ? std::optional<int64_t>(*k * *x) : std::nullopt;
      }
    }
  }
  return uses(e, var, bindings) ? std::nullopt : std::optional<int64_t>(0);
}

struct LoopFacts {
  lp::LoopInfo info;
  ir::Var var;
  bool has_annotations = false;
  bool single_child = false;
};

// How many innermost loops every access of the block reads or writes contiguously (TVM's
// max_fusible in AdjustParallelVectorize).
int64_t max_contiguous_loops(const ir::BlockRealize& realize, const std::vector<LoopFacts>& loops) {
  ir::Block block = realize.block();
  std::vector<std::pair<ir::Var, ir::Expr>> bindings;
  ir::List<ir::IterVar> ivs = block.iter_vars();
  ir::List<ir::Expr> values = realize.iter_values();
  for (size_t i = 0; i < ivs.size(); ++i) bindings.emplace_back(ivs[i].var(), values[i]);
  std::vector<ir::BufferRegion> accesses = block.reads().to_vector();
  for (ir::BufferRegion w : block.writes()) accesses.push_back(w);
  int64_t max_fusible = std::numeric_limits<int64_t>::max();
  constexpr int64_t kNotAffine = -1;
  for (const ir::BufferRegion& access : accesses) {
    ir::List<ir::Range> region = access.region();
    ir::List<ir::Expr> shape = access.buffer().shape();
    std::vector<int64_t> strides;
    for (const LoopFacts& loop : loops) {
      int64_t stride = 0, buffer_stride = 1;
      for (size_t d = region.size(); d-- > 0;) {
        std::optional<int64_t> coef = coefficient(region[d].min(), loop.var, bindings);
        if (!coef) {
          stride = kNotAffine;
          break;
        }
        if (*coef != 0) {
          stride = *coef * buffer_stride;
          break;
        }
        std::optional<int64_t> dim = const_int(shape[d]);
        if (!dim) {
          stride = kNotAffine;
          break;
        }
        buffer_stride *= *dim;
      }
      strides.push_back(stride);
    }
    int64_t fusible = 0;
    int prev = -1;
    for (int i = static_cast<int>(strides.size()) - 1; i >= 0; --i) {
      if (strides[i] == 0) {
        ++fusible;
      } else if (strides[i] == kNotAffine) {
        break;
      } else if (prev == -1) {
        if (strides[i] != 1) break;
        ++fusible;
        prev = i;
      } else if (strides[i] == strides[prev] * loops[prev].info.extent) {
        ++fusible;
        prev = i;
      } else {
        break;
      }
    }
    max_fusible = std::min(max_fusible, fusible);
  }
  return max_fusible;
}

bool fusable(const LoopFacts& l) {
  return l.info.iter_kind == LOOM_ITER_SPATIAL && l.info.for_kind == "serial" && !l.has_annotations &&
         l.info.extent > 0;
}

// Steps 1 and 2 for one block; returns the block's outermost loop afterwards.
lp::LoopRV parallelize_vectorize(lp::Schedule& sch, lp::BlockRV block, std::vector<lp::LoopRV> loop_rvs,
                                 const Parsed& parsed) {
  const int64_t n = static_cast<int64_t>(loop_rvs.size());
  std::vector<LoopFacts> loops;
  for (lp::LoopRV l : loop_rvs) {
    LoopFacts f;
    f.info = sch.loop_info(l);
    ir::For node(sch.loop_node(l));
    f.var = node.loop_var();
    f.has_annotations = !node.annotations().empty();
    f.single_child = !node.body().is<ir::SeqStmt>();
    loops.push_back(std::move(f));
  }
  int64_t num_parallel = -1, num_vectorize = -1;
  bool chain = true;  // every loop fusable, each with a single child
  int64_t total = 1;
  for (const LoopFacts& l : loops) {
    chain = chain && fusable(l) && l.single_child;
    total *= std::max<int64_t>(l.info.extent, 1);
  }
  if (parsed.max_parallel_extent != -1) {
    num_parallel = 0;
    int64_t prod = 1;
    for (int64_t i = 0; i < n && fusable(loops[i]); ++i) {
      ++num_parallel;
      prod *= loops[i].info.extent;
      if (prod > parsed.max_parallel_extent || !loops[i].single_child) break;
    }
    if (prod == 1) num_parallel = -1;
  }
  int64_t max_fusible = 0;
  if (parsed.max_vectorize_extent != -1) {
    ir::BlockRealize realize;
    ir::Stmt body = ir::For(sch.loop_node(loop_rvs.back())).body();
    walk_stmts(body, [&](const ir::Stmt& s) {
      if (!realize.is_null()) return false;
      if (auto r = s.as<ir::BlockRealize>()) {
        if (r->block().same(sch.block_node(block))) realize = *r;
        return false;
      }
      return true;
    });
    max_fusible = realize.is_null() ? 0 : max_contiguous_loops(realize, loops);
    num_vectorize = 0;
    int64_t prod = 1;
    for (int64_t i = n - 1; i >= 0 && num_vectorize < max_fusible && fusable(loops[i]); --i) {
      if (!loops[i].single_child) break;
      prod *= loops[i].info.extent;
      if (prod > parsed.max_vectorize_extent) break;
      ++num_vectorize;
    }
    if (prod == 1 || num_vectorize == 0) num_vectorize = -1;
  }
  // The whole nest is one contiguous chain too long to vectorize: fuse, split by the
  // vectorize limit (when it divides the total, so the inner loop needs no predicate).
  if (num_parallel == n && chain && max_fusible >= n && parsed.max_vectorize_extent > 1 &&
      total > parsed.max_vectorize_extent && total % parsed.max_vectorize_extent == 0) {
    num_vectorize = n;
  } else if (num_parallel != -1 && num_vectorize != -1) {
    num_parallel = std::min(num_parallel, n - num_vectorize);
  }
  auto fuse = [&](int64_t begin, int64_t end) {
    if (end - begin == 1) return loop_rvs[begin];
    return sch.fuse(std::vector<lp::LoopRV>(loop_rvs.begin() + begin, loop_rvs.begin() + end));
  };
  if (num_parallel == n && num_vectorize == n) {
    lp::LoopRV fused = fuse(0, n);
    std::vector<lp::LoopRV> split = sch.split(fused, {lp::none, parsed.max_vectorize_extent});
    sch.parallel(split[0]);
    sch.vectorize(split[1]);
    return split[0];
  }
  lp::LoopRV outer = loop_rvs[0];
  if (num_parallel > 0) {
    outer = fuse(0, num_parallel);
    sch.parallel(outer);
  }
  if (num_vectorize > 0) {
    lp::LoopRV inner = fuse(n - num_vectorize, n);
    sch.vectorize(inner);
    if (num_vectorize == n) outer = inner;
  }
  return outer;
}

// Step 3 for one block.
void unroll(lp::Schedule& sch, lp::BlockRV block, lp::LoopRV outer, int64_t max_step, bool explicit_unroll,
            bool unroll_inner_loops) {
  if (max_step <= 0 || sch.block_info(block).is_spatial) return;
  sch.annotate(outer, kAutoUnrollMaxStep, max_step);
  sch.annotate(outer, kUnrollExplicitPragma, int64_t{explicit_unroll ? 1 : 0});
  if (!explicit_unroll || !unroll_inner_loops) return;
  std::vector<lp::LoopRV> loops = sch.get_loops(block);
  int64_t prod = 1;
  for (size_t i = loops.size(); i-- > 0;) {
    lp::LoopInfo info = sch.loop_info(loops[i]);
    if (info.for_kind != "serial" || info.extent <= 0 || !ir::For(sch.loop_node(loops[i])).annotations().empty()) break;
    prod *= info.extent;
    if (prod > max_step) break;
    sch.unroll(loops[i]);
  }
}

}  // namespace

RewriteParallelVectorizeUnroll::RewriteParallelVectorizeUnroll(const lp::Config& config)
    : unroll_inner_loops_(config.get_bool("unroll_inner_loops", true)) {}

bool RewriteParallelVectorizeUnroll::apply(lp::Schedule& sch) {
  ir::Func func = sch.func();
  ir::Block root = func.node().root_block();
  ir::List<ir::Annotation> anns = root.annotations();
  Parsed parsed;
  std::vector<std::string_view> present;
  for (auto [key, slot] :
       {std::pair{kParallel, &parsed.max_parallel_extent}, std::pair{kVectorize, &parsed.max_vectorize_extent},
        std::pair{kUnrollExplicit, &parsed.unroll_explicit}, std::pair{kUnrollImplicit, &parsed.unroll_implicit}}) {
    if (std::optional<int64_t> v = int_annotation(anns, key)) {
      *slot = *v;
      present.push_back(key);
    }
  }
  if (present.empty()) return true;
  lp::BlockRV root_rv = sch.get_block(root.name());
  for (std::string_view key : present) sch.unannotate(root_rv, key);
  if (parsed.unroll_explicit != -1 && parsed.unroll_implicit != -1) {
    throw lp::Error(std::string(kName) + ": the root block has both " + std::string(kUnrollExplicit) + " and " +
                        std::string(kUnrollImplicit),
                    LOOM_ERROR_ARGUMENT);
  }
  for (lp::BlockRV block : sch.get_child_blocks(root_rv)) {
    std::vector<lp::LoopRV> loops = sch.get_loops(block);
    if (loops.empty()) continue;
    try {
      lp::LoopRV outer = loops[0];
      if (parsed.max_parallel_extent != -1 || parsed.max_vectorize_extent != -1)
        outer = parallelize_vectorize(sch, block, loops, parsed);
      if (parsed.unroll_explicit != -1)
        unroll(sch, block, outer, parsed.unroll_explicit, true, unroll_inner_loops_);
      else if (parsed.unroll_implicit != -1)
        unroll(sch, block, outer, parsed.unroll_implicit, false, false);
    } catch (const lp::Error& e) {
      if (!is_schedule_error(e)) throw;
      // The error's kind, not its message (rendered only when read; most refusals are not).
      lp::log(LOOM_LOG_DEBUG, kName, "a block stays serial (" + e.kind() + ")");
    }
  }
  return true;
}

}  // namespace loom::postprocs
