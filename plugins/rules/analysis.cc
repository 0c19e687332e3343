#include "analysis.h"

#include <algorithm>
#include <set>
#include <unordered_map>

namespace loom::rules {

ir::Block block_of(const lp::Schedule& sch, lp::BlockRV block) { return ir::Block(sch.block_node(block)); }

bool has_annotation(const ir::List<ir::Annotation>& annotations, std::string_view key) {
  for (ir::Annotation a : annotations) {
    if (a.key() == key) return true;
  }
  return false;
}

std::optional<std::string> string_annotation(const ir::List<ir::Annotation>& annotations, std::string_view key) {
  for (ir::Annotation a : annotations) {
    if (a.key() != key) continue;
    ir::Field value = a.value();
    if (value.is_str()) return std::string(value.str());
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<std::vector<int64_t>> int_list_annotation(const ir::List<ir::Annotation>& annotations,
                                                        std::string_view key) {
  for (ir::Annotation a : annotations) {
    if (a.key() != key) continue;
    ir::Field value = a.value();
    if (!value.is_list()) return std::nullopt;
    std::vector<int64_t> out;
    for (size_t k = 0, n = value.size(); k < n; ++k) {
      ir::Field item = value.item(k);
      if (!item.is_node()) return std::nullopt;
      ir::Field v = ir::AnnValue(item.node()).value();
      if (v.is_int()) {
        out.push_back(v.int_());
      } else if (v.is_node() && v.node().is<ir::IntImm>()) {
        out.push_back(ir::IntImm(v.node()).value());
      } else {
        return std::nullopt;
      }
    }
    return out;
  }
  return std::nullopt;
}

namespace {

// `var`, `var + c`, `c + var` or `var - c` (TVM's AnalyzeVarWithShift): the variable and
// whether it is shifted.
std::optional<std::pair<ir::Var, bool>> var_with_shift(const ir::Expr& e) {
  if (auto v = e.as<ir::Var>()) return std::make_pair(*v, false);
  auto bin = e.as<ir::Binary>();
  if (!bin || (bin->op() != LOOM_NODE_ADD && bin->op() != LOOM_NODE_SUB)) return std::nullopt;
  auto a = bin->a().as<ir::Var>();
  auto b = bin->b().as<ir::Var>();
  if (a && const_int(bin->b())) return std::make_pair(*a, true);
  if (bin->op() == LOOM_NODE_ADD && b && const_int(bin->a())) return std::make_pair(*b, true);
  return std::nullopt;
}

}  // namespace

ReadWritePattern analyze_read_write_pattern(const ir::BufferRegion& read, const ir::BufferRegion& write) {
  // 1. Each write index must be a block variable with a constant extent.
  std::vector<ir::Var> write_vars;
  for (ir::Range r : write.region()) {
    auto v = r.min().as<ir::Var>();
    if (!const_int(r.extent()) || !v) return {};
    write_vars.push_back(*v);
  }
  auto index_of = [&](const ir::Var& v) -> int {
    for (size_t i = 0; i < write_vars.size(); ++i) {
      if (write_vars[i].same(v)) return static_cast<int>(i);
    }
    return -1;
  };
  // 2. Map each read index onto a write index: a constant, or a write variable (shifted).
  ReadWritePattern p;
  p.exists = true;
  p.no_const_read = true;
  p.no_shift_read = true;
  std::vector<int> mapped;
  for (ir::Range r : read.region()) {
    if (!const_int(r.extent())) return {};
    if (const_int(r.min())) {
      p.no_const_read = false;
      continue;
    }
    auto vs = var_with_shift(r.min());
    if (!vs) return {};
    int index = index_of(vs->first);
    if (index < 0) return {};
    mapped.push_back(index);
    if (vs->second) p.no_shift_read = false;
  }
  // 3. Ordered: the mapped write indices never go back; 4. count the uses of each.
  std::vector<int> uses(write_vars.size(), 0);
  p.ordered = true;
  int last = -1;
  for (int i : mapped) {
    ++uses[static_cast<size_t>(i)];
    if (last > i) p.ordered = false;
    last = i;
  }
  p.surjective = std::none_of(uses.begin(), uses.end(), [](int n) { return n == 0; });
  p.injective = std::none_of(uses.begin(), uses.end(), [](int n) { return n >= 2; });
  return p;
}

bool is_write_cache(const ir::Block& block) {
  if (block.writes().size() != 1) return false;
  ir::BufferRegion write = block.writes()[0];
  for (ir::BufferRegion read : block.reads()) {
    ReadWritePattern p = analyze_read_write_pattern(read, write);
    if (!(p.injective && p.surjective && p.ordered && p.no_const_read && p.no_shift_read)) return false;
  }
  return true;
}

bool has_if_then_else(const ir::Node& stmt) {
  bool found = false;
  walk(stmt, [&](const ir::Node& n) {
    if (found) return false;
    if (auto realize = n.as<ir::BlockRealize>()) {
      std::optional<int64_t> pred = const_int(realize->predicate());
      if (!pred || *pred != 1) found = true;
    } else if (n.is<ir::IfThenElse>() || n.is<ir::Select>()) {
      found = true;
    } else if (auto call = n.as<ir::Call>()) {
      if (call->op() == "if_then_else") found = true;
    } else if (n.is<ir::Buffer>()) {
      return false;  // shapes and strides hold no branches of the computation
    }
    return !found;
  });
  return found;
}

bool has_op(const ir::Node& stmt, const std::vector<std::string>& ops) {
  std::set<std::string, std::less<>> names;
  for (const std::string& op : ops) names.insert(op.rfind("tir.", 0) == 0 ? op.substr(4) : op);
  bool found = false;
  walk(stmt, [&](const ir::Node& n) {
    if (found || n.is<ir::Buffer>()) return false;
    if (auto call = n.as<ir::Call>()) found = names.count(call->op()) > 0;
    return !found;
  });
  return found;
}

bool has_been_multi_level_tiled(const ir::Block& block) {
  return has_annotation(block.annotations(), kTilingStructure);
}

bool needs_multi_level_tiling(const lp::Schedule& sch, lp::BlockRV block_rv) {
  lp::BlockInfo info = sch.block_info(block_rv);
  ir::Block block = block_of(sch, block_rv);
  if (has_been_multi_level_tiled(block)) return false;
  if (info.n_writes != 1 || info.n_reads == 0 || info.is_spatial || !info.has_trivial_binding) return false;
  ir::Buffer written = block.writes()[0].buffer();
  // 1. The spatial block variables, skipping those of domain [0, 1).
  std::vector<ir::Var> spatial;
  for (ir::IterVar iv : block.iter_vars()) {
    bool unit = const_int(iv.dom().min()) == 0 && const_int(iv.dom().extent()) == 1;
    if (iv.iter_type() == "spatial" && !unit) spatial.push_back(iv.var());
  }
  // 2. Count, over the read regions, the spatial variables that do not index them.
  int unused = 0;
  std::vector<ir::Buffer> seen;
  for (ir::BufferRegion read : block.reads()) {
    ir::Buffer buffer = read.buffer();
    for (const ir::Buffer& b : seen) {
      if (b.same(buffer)) return false;  // a buffer read twice
    }
    seen.push_back(buffer);
    if (buffer.same(written)) continue;  // the reduction's own buffer
    std::vector<ir::Var> used;
    for (ir::Range r : read.region()) {
      if (!const_int(r.extent())) return false;
      walk(r.min(), [&](const ir::Node& n) {
        if (auto v = n.as<ir::Var>()) used.push_back(*v);
        return true;
      });
    }
    for (const ir::Var& v : spatial) {
      if (std::none_of(used.begin(), used.end(), [&](const ir::Var& u) { return u.same(v); })) ++unused;
    }
  }
  return unused >= 1;
}

namespace {

// Depth-first search for the block named `name`, counting the blocks on the way.
int depth_of(const ir::Node& node, std::string_view name, int enclosing) {
  int found = -1;
  walk(node, [&](const ir::Node& n) {
    if (found >= 0 || n.is<ir::Buffer>()) return false;
    auto block = n.as<ir::Block>();
    if (!block) return true;
    if (block->name() == name) {
      found = enclosing;
      return false;
    }
    int inner = depth_of(block->body(), name, enclosing + 1);
    if (inner < 0 && !block->init().is_null()) inner = depth_of(block->init(), name, enclosing + 1);
    if (inner >= 0) found = inner;
    return false;
  });
  return found;
}

}  // namespace

int block_depth(const ir::PrimFunc& func, std::string_view name) { return depth_of(func.body(), name, 0); }

ir::BlockRealize block_realize(const ir::PrimFunc& func, std::string_view name) {
  ir::BlockRealize found;
  walk(func.body(), [&](const ir::Node& n) {
    if (!found.is_null() || n.is<ir::Buffer>()) return false;
    if (auto realize = n.as<ir::BlockRealize>(); realize && realize->block().name() == name) found = *realize;
    return found.is_null();
  });
  return found;
}

bool is_spatial_prim_func(const ir::PrimFunc& func) {
  bool spatial = true;
  walk(func.body(), [&](const ir::Node& n) {
    if (!spatial || n.is<ir::Buffer>()) return false;
    if (auto block = n.as<ir::Block>()) {
      for (ir::IterVar iv : block->iter_vars()) spatial = spatial && iv.iter_type() == "spatial";
    }
    return spatial;
  });
  return spatial;
}

int64_t target_cores(std::string_view rule, int64_t configured, const lp::TuningContext& context) {
  if (configured > 0) return configured;
  if (context.target.num_cores > 0) return context.target.num_cores;
  throw lp::Error(std::string(rule) + ": the target '" + context.target.description +
                      "' does not say how many cores it has; set the rule's num_cores or [target] num_cores",
                  LOOM_ERROR_CONFIG);
}

void require_initialized(std::string_view rule, bool ok, std::string_view what) {
  if (ok) return;
  throw lp::Error(std::string(rule) + ": applied before it was initialized with a tuning context; it needs " +
                      std::string(what) + " (initialize it, or set its num_cores)",
                  LOOM_ERROR_ARGUMENT);
}

void config_error(std::string_view rule, std::string_view key, std::string_view what) {
  throw lp::Error(std::string(rule) + ": config key " + std::string(key) + " " + std::string(what), LOOM_ERROR_CONFIG);
}

// TVM's NeedsRFactorOrCrossThreadReduction: a reduction block with trivial binding, not
// tiled, whose loops are only spatial or reduction loops, perfectly nested with the block
// innermost, with a reduction loop and constant extents; and then either a block
// multi-level tiling would take with less spatial than reduction work and at most
// `max_parallel_extent` spatial iterations (-1: none), or another block whose reduction is
// longer than one iteration.
bool needs_rfactor_or_cross_thread_reduction(const lp::Schedule& sch, lp::BlockRV block_rv,
                                             int64_t max_parallel_extent) {
  lp::BlockInfo info = sch.block_info(block_rv);
  if (info.n_writes == 0 || !info.is_reduction || !info.has_trivial_binding) return false;
  ir::Block block = block_of(sch, block_rv);
  if (has_been_multi_level_tiled(block)) return false;
  std::vector<ir::For> loops = sch.query_loops(block);
  if (loops.empty()) return false;
  int64_t space = 1, reduce = 1;
  bool has_reduce = false;
  for (size_t i = 0; i < loops.size(); ++i) {
    lp::LoopInfo li = sch.query_loop_info(loops[i]);
    if (li.iter_kind != LOOM_ITER_SPATIAL && li.iter_kind != LOOM_ITER_REDUCE) return false;
    // Perfectly nested: each loop's body is the next loop, the last one's the block.
    ir::Stmt body = loops[i].body();
    if (i + 1 < loops.size()) {
      if (!body.same(loops[i + 1])) return false;
    } else {
      auto realize = body.as<ir::BlockRealize>();
      if (!realize || realize->block().name() != block.name()) return false;
    }
    if (li.extent < 0) return false;
    if (li.iter_kind == LOOM_ITER_REDUCE) {
      has_reduce = true;
      reduce *= li.extent;
    } else {
      space *= li.extent;
    }
  }
  if (!has_reduce) return false;
  if (needs_multi_level_tiling(sch, block_rv)) return !(space >= reduce || space > max_parallel_extent);
  return reduce > 1;
}

}  // namespace loom::rules
