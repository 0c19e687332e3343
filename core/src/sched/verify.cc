// The schedule invariants of DebugMode::Verify (verify.h).
#include "loom/sched/verify.h"

#include <map>
#include <set>
#include <unordered_map>

#include "fmt/format.h"
#include "loom/arith/analyzer.h"
#include "loom/arith/interval.h"
#include "loom/arith/iter_map.h"
#include "loom/arith/region.h"
#include "loom/ir/builder.h"
#include "loom/ir/error.h"
#include "loom/ir/mutator.h"
#include "loom/ir/printer.h"

namespace loom::sched {

namespace {

using VarMap = std::unordered_map<ir::Var, ir::Expr, ir::RefHash, ir::RefEqual>;

/// A block as reached from the function body: its realize, the loops above it up to the
/// function body (outermost first), the enclosing realizes, in execution order.
struct BlockVisit {
  const ir::BlockRealizeNode* realize = nullptr;
  std::vector<const ir::ForNode*> loops;           // all loops above, outermost first
  std::vector<const ir::ForNode*> scope_loops;     // loops between the enclosing block and this one
  std::vector<const ir::BlockRealizeNode*> outer;  // enclosing realizes, outermost first
  bool leaf = true;                                // no block inside
};

class Collector {
 public:
  std::vector<BlockVisit> blocks;

  void visit(const ir::Stmt& s) {
    if (!s.defined()) return;
    switch (s->kind()) {
      case ir::NodeKind::For: {
        const auto* f = s.as<ir::ForNode>();
        loops_.push_back(f);
        scope_loops_.push_back(f);
        visit(f->body);
        loops_.pop_back();
        scope_loops_.pop_back();
        break;
      }
      case ir::NodeKind::BlockRealize: {
        const auto* r = s.as<ir::BlockRealizeNode>();
        if (!open_.empty()) blocks[open_.back()].leaf = false;
        blocks.push_back(BlockVisit{r, loops_, scope_loops_, outer_, true});
        size_t index = blocks.size() - 1;
        open_.push_back(index);
        outer_.push_back(r);
        std::vector<const ir::ForNode*> saved;
        std::swap(saved, scope_loops_);
        visit(r->block->init);
        visit(r->block->body);
        std::swap(saved, scope_loops_);
        outer_.pop_back();
        open_.pop_back();
        break;
      }
      case ir::NodeKind::SeqStmt:
        for (const ir::Stmt& x : s.as<ir::SeqStmtNode>()->seq) visit(x);
        break;
      case ir::NodeKind::IfThenElse:
        visit(s.as<ir::IfThenElseNode>()->then_case);
        visit(s.as<ir::IfThenElseNode>()->else_case);
        break;
      case ir::NodeKind::LetStmt:
        visit(s.as<ir::LetStmtNode>()->body);
        break;
      case ir::NodeKind::Allocate:
        visit(s.as<ir::AllocateNode>()->body);
        break;
      default:
        break;
    }
  }

 private:
  std::vector<const ir::ForNode*> loops_, scope_loops_;
  std::vector<const ir::BlockRealizeNode*> outer_;
  std::vector<size_t> open_;
};

std::vector<BlockVisit> collect(const ir::PrimFunc& func) {
  Collector c;
  c.visit(func->body);
  return c.blocks;
}

std::string region_text(const ir::BufferRegion& r) {
  std::vector<std::string> dims;
  for (const ir::Range& d : r.region)
    dims.push_back(fmt::format("{}:{}", ir::to_string(d.min), ir::to_string(d.min + d.extent)));
  return fmt::format("{}[{}]", r.buffer->name, fmt::join(dims, ", "));
}

// ----- 1) declared regions cover the accesses --------------------------------------------

void check_declared_regions(const BlockVisit& v, std::vector<std::string>& problems) {
  const ir::BlockNode& b = *v.realize->block.get();
  // The root block declares nothing; the regions of a block holding blocks summarize the
  // inner blocks' regions, which inference cannot see through (their bindings).
  if (v.outer.empty() || !v.leaf) return;
  std::set<const ir::BufferNode*> matched;
  for (const ir::MatchBufferRegion& m : b.match_buffers) matched.insert(m.buffer.get());
  arith::Analyzer analyzer;
  for (const ir::BlockRealizeNode* o : v.outer) {  // enclosing blocks' variables may appear
    for (const ir::IterVar& iv : o->block->iter_vars) analyzer.bind(iv.var, iv.dom);
  }
  for (const ir::IterVar& iv : b.iter_vars) analyzer.bind(iv.var, iv.dom);
  arith::AccessRegions inferred = arith::infer_block_access_regions(b);
  auto covered = [&](const ir::BufferRegion& access, const std::vector<ir::BufferRegion>& declared) {
    for (const ir::BufferRegion& d : declared) {
      if (d.buffer.get() != access.buffer.get() || d.region.size() != access.region.size()) continue;
      bool inside = true;
      for (size_t k = 0; inside && k < d.region.size(); ++k) {
        const ir::Range& a = access.region[k];
        const ir::Range& r = d.region[k];
        inside = analyzer.can_prove(r.min <= a.min) && analyzer.can_prove(a.min + a.extent <= r.min + r.extent);
      }
      if (inside) return true;
    }
    return false;
  };
  std::vector<ir::BufferRegion> reads_or_writes = b.reads;
  reads_or_writes.insert(reads_or_writes.end(), b.writes.begin(), b.writes.end());
  for (const ir::BufferRegion& r : inferred.reads) {
    if (matched.count(r.buffer.get()) || covered(r, reads_or_writes)) continue;
    problems.push_back(fmt::format("block {} reads {} outside its declared regions", b.name, region_text(r)));
  }
  for (const ir::BufferRegion& w : inferred.writes) {
    if (matched.count(w.buffer.get()) || covered(w, b.writes)) continue;
    problems.push_back(fmt::format("block {} writes {} outside its declared write regions", b.name, region_text(w)));
  }
}

// ----- 2) affine bindings --------------------------------------------------------------

/// Whether `e` is a quasi-affine expression of `vars`: integer constants and those
/// variables combined with +, -, multiplication by a constant, and floordiv / floormod by a
/// positive constant.
bool quasi_affine(const ir::Expr& e, const std::set<const ir::VarNode*>& vars) {
  auto constant = [](const ir::Expr& x) { return x.as<ir::IntImmNode>() != nullptr; };
  auto positive = [](const ir::Expr& x) {
    const auto* c = x.as<ir::IntImmNode>();
    return c != nullptr && c->value > 0;
  };
  switch (e->kind()) {
    case ir::NodeKind::IntImm:
      return true;
    case ir::NodeKind::Var:
      return vars.count(e.as<ir::VarNode>()) != 0;
    case ir::NodeKind::Add:
      return quasi_affine(e.as<ir::AddNode>()->a, vars) && quasi_affine(e.as<ir::AddNode>()->b, vars);
    case ir::NodeKind::Sub:
      return quasi_affine(e.as<ir::SubNode>()->a, vars) && quasi_affine(e.as<ir::SubNode>()->b, vars);
    case ir::NodeKind::Mul: {
      const auto* m = e.as<ir::MulNode>();
      return (constant(m->a) && quasi_affine(m->b, vars)) || (constant(m->b) && quasi_affine(m->a, vars));
    }
    case ir::NodeKind::FloorDiv:
      return positive(e.as<ir::FloorDivNode>()->b) && quasi_affine(e.as<ir::FloorDivNode>()->a, vars);
    case ir::NodeKind::FloorMod:
      return positive(e.as<ir::FloorModNode>()->b) && quasi_affine(e.as<ir::FloorModNode>()->a, vars);
    default:
      return false;
  }
}

/// Whether the block's bindings are quasi-affine expressions of the loops above it within
/// its scope and of the enclosing blocks' iteration variables.
bool is_affine(const BlockVisit& v) {
  std::set<const ir::VarNode*> vars;
  for (const ir::ForNode* loop : v.scope_loops) vars.insert(loop->loop_var.get());
  for (const ir::BlockRealizeNode* o : v.outer) {
    for (const ir::IterVar& iv : o->block->iter_vars) vars.insert(iv.var.get());
  }
  for (const ir::Expr& value : v.realize->iter_values) {
    if (!quasi_affine(value, vars)) return false;
  }
  return true;
}

// ----- 3) and 4): order and cover of allocated buffers ----------------------------------------

/// The block's accesses to buffer regions, in terms of the loops above it (iteration
/// variables replaced by their bindings, through the enclosing blocks).
std::vector<ir::BufferRegion> in_loop_terms(const BlockVisit& v, const std::vector<ir::BufferRegion>& regions) {
  VarMap bind;
  auto add = [&](const ir::BlockRealizeNode* r) {
    for (size_t k = 0; k < r->iter_values.size(); ++k)
      bind[r->block->iter_vars[k].var] = ir::substitute(r->iter_values[k], bind);
  };
  for (const ir::BlockRealizeNode* o : v.outer) add(o);
  add(v.realize);
  std::vector<ir::BufferRegion> out;
  for (const ir::BufferRegion& r : regions) {
    ir::BufferRegion m{r.buffer, {}};
    for (const ir::Range& d : r.region)
      m.region.push_back({ir::substitute(d.min, bind), ir::substitute(d.extent, bind)});
    out.push_back(std::move(m));
  }
  return out;
}

/// [lo, hi] per dimension of `region` relaxed over every loop above the block, clipped to
/// the buffer; nullopt when a bound is not constant.
std::optional<std::vector<std::pair<int64_t, int64_t>>> relaxed_bounds(const BlockVisit& v,
                                                                       const ir::BufferRegion& region) {
  arith::VarIntervalMap dom;
  arith::Analyzer analyzer;
  for (const ir::ForNode* loop : v.loops) dom[loop->loop_var] = arith::Interval::from_range({loop->min, loop->extent});
  std::vector<std::pair<int64_t, int64_t>> out;
  for (size_t k = 0; k < region.region.size(); ++k) {
    const ir::Range& d = region.region[k];
    arith::Interval lo = arith::eval_interval(d.min, dom, &analyzer);
    arith::Interval hi = arith::eval_interval(d.min + d.extent - 1, dom, &analyzer);
    const auto* l = lo.min.defined() ? lo.min.as<ir::IntImmNode>() : nullptr;
    const auto* h = hi.max.defined() ? hi.max.as<ir::IntImmNode>() : nullptr;
    const auto* shape = region.buffer->shape[k].as<ir::IntImmNode>();
    if (l == nullptr || h == nullptr || shape == nullptr) return std::nullopt;
    out.emplace_back(std::max<int64_t>(l->value, 0), std::min<int64_t>(h->value, shape->value - 1));
  }
  return out;
}

void check_allocated_buffers(const ir::PrimFunc& func, const std::vector<BlockVisit>& blocks,
                             std::vector<std::string>& problems) {
  std::set<const ir::BufferNode*> params;
  for (const ir::Buffer& b : func->param_buffers()) params.insert(b.get());
  std::set<const ir::BufferNode*> seen;
  struct Hull {
    std::vector<std::pair<int64_t, int64_t>> reads, writes;
    bool exact = true;
    const ir::BufferNode* buffer = nullptr;
  };
  std::map<const ir::BufferNode*, Hull> hulls;
  auto grow = [](std::vector<std::pair<int64_t, int64_t>>& hull, const std::vector<std::pair<int64_t, int64_t>>& b) {
    if (hull.empty()) {
      hull = b;
      return;
    }
    for (size_t k = 0; k < b.size() && k < hull.size(); ++k) {
      hull[k].first = std::min(hull[k].first, b[k].first);
      hull[k].second = std::max(hull[k].second, b[k].second);
    }
  };
  for (const BlockVisit& v : blocks) {
    if (!v.leaf || v.outer.empty()) continue;
    const ir::BlockNode& b = *v.realize->block.get();
    std::set<const ir::BufferNode*> local;  // allocated or matched by the block itself
    for (const ir::Buffer& a : b.alloc_buffers) local.insert(a.get());
    for (const ir::MatchBufferRegion& m : b.match_buffers) local.insert(m.buffer.get());
    auto tracked = [&](const ir::Buffer& buf) { return !params.count(buf.get()) && !local.count(buf.get()); };
    std::set<const ir::BufferNode*> writes;
    for (const ir::BufferRegion& w : b.writes) writes.insert(w.buffer.get());
    // 3) the first block touching an allocated buffer writes it.
    for (const ir::BufferRegion& r : b.reads) {
      if (!tracked(r.buffer) || seen.count(r.buffer.get())) continue;
      if (!writes.count(r.buffer.get()))
        problems.push_back(fmt::format("block {} reads {} before any block writes it", b.name, r.buffer->name));
      else if (!b.init.defined())
        problems.push_back(
            fmt::format("block {} is the first to touch {} and reads it without an init", b.name, r.buffer->name));
    }
    for (const ir::BufferRegion& w : b.writes) {
      if (tracked(w.buffer)) seen.insert(w.buffer.get());
    }
    for (const ir::BufferRegion& r : b.reads) {
      if (tracked(r.buffer)) seen.insert(r.buffer.get());
    }
    // 4) hulls of reads and writes over the whole function.
    auto add = [&](const std::vector<ir::BufferRegion>& regions, bool is_write) {
      for (const ir::BufferRegion& r : in_loop_terms(v, regions)) {
        if (!tracked(r.buffer)) continue;
        Hull& h = hulls[r.buffer.get()];
        h.buffer = r.buffer.get();
        std::optional<std::vector<std::pair<int64_t, int64_t>>> bounds = relaxed_bounds(v, r);
        if (!bounds) {
          h.exact = false;
          continue;
        }
        grow(is_write ? h.writes : h.reads, *bounds);
      }
    };
    add(b.reads, false);
    add(b.writes, true);
  }
  for (const auto& [buffer, h] : hulls) {
    if (!h.exact || h.reads.empty()) continue;
    for (size_t k = 0; k < h.reads.size(); ++k) {
      if (h.writes.size() != h.reads.size() || h.reads[k].first < h.writes[k].first ||
          h.reads[k].second > h.writes[k].second) {
        problems.push_back(fmt::format(
            "the writes of {} do not cover its reads: dimension {} is read over [{}, {}] but written over [{}, {}]",
            h.buffer->name, k, h.reads[k].first, h.reads[k].second, h.writes.empty() ? 0 : h.writes[k].first,
            h.writes.empty() ? -1 : h.writes[k].second));
        break;
      }
    }
  }
}

}  // namespace

std::vector<std::string> verify_schedule_invariants(const ir::PrimFunc& before, const ir::PrimFunc& after) {
  std::vector<std::string> problems;
  std::vector<BlockVisit> old_blocks = collect(before);
  std::vector<BlockVisit> blocks = collect(after);
  std::map<std::string, bool> was_affine;
  bool all_affine = true;
  for (const BlockVisit& v : old_blocks) {
    bool a = is_affine(v);
    was_affine[v.realize->block->name] = a;
    all_affine = all_affine && a;
  }
  for (const BlockVisit& v : blocks) {
    check_declared_regions(v, problems);
    if (is_affine(v)) continue;
    auto it = was_affine.find(v.realize->block->name);
    bool required = it != was_affine.end() ? it->second : all_affine;
    if (required)
      problems.push_back(fmt::format("the bindings of block {} are no longer an affine map of the loops above it",
                                     v.realize->block->name));
  }
  check_allocated_buffers(after, blocks, problems);
  return problems;
}

}  // namespace loom::sched
