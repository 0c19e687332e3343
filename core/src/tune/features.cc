#include "loom/tune/features.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <optional>
#include <unordered_set>

#include "loom/ir/structural_equal.h"
#include "loom/ir/thread_tag.h"
#include "loom/ir/visitor.h"
#include "loom/lower/lower.h"

namespace loom::tune {
namespace {

using namespace loom::ir;

float slog(double x) { return static_cast<float>(std::log2(1.0 + std::max(0.0, x))); }

enum Arith : size_t {
  kFloatAddSub,
  kFloatMul,
  kFloatDivMod,
  kFloatMinMax,
  kFloatCmp,
  kFloatMath,
  kIntAddSub,
  kIntMul,
  kIntDivMod,
  kIntMinMaxCmp,
  kLogical,
  kSelect,
  kCast,
};

struct Loop {
  const VarNode* var;
  int64_t extent;
  ForKind kind;
  std::optional<ThreadTag> tag;  // a loop bound to a GPU thread tag
};

// One access of a buffer by a store: its (flat) index and whether it writes.
struct Access {
  const BufferNode* buffer;
  std::vector<Expr> indices;
  bool write;
};

// The coefficient of `v` in `e` when `e` is affine in `v` (other variables are constants
// as far as v is concerned); nullopt when not affine.
std::optional<int64_t> coefficient(const Expr& e, const VarNode* v) {
  if (e.get() == v) return 1;
  if (const auto* add = e.as<AddNode>()) {
    auto a = coefficient(add->a, v), b = coefficient(add->b, v);
    if (a && b) return *a + *b;
    return std::nullopt;
  }
  if (const auto* sub = e.as<SubNode>()) {
    auto a = coefficient(sub->a, v), b = coefficient(sub->b, v);
    if (a && b) return *a - *b;
    return std::nullopt;
  }
  if (const auto* mul = e.as<MulNode>()) {
    auto a = coefficient(mul->a, v), b = coefficient(mul->b, v);
    if (!a || !b) return std::nullopt;
    const auto* ca = mul->a.as<IntImmNode>();
    const auto* cb = mul->b.as<IntImmNode>();
    if (cb != nullptr) return *a * cb->value;
    if (ca != nullptr) return *b * ca->value;
    if (*a == 0 && *b == 0) return 0;
    return std::nullopt;
  }
  if (const auto* ramp = e.as<RampNode>()) return coefficient(ramp->base, v);
  if (const auto* bc = e.as<BroadcastNode>()) return coefficient(bc->value, v);
  // Anything else: affine (coefficient 0) only when it does not mention v.
  bool mentions = false;
  post_order_visit(e, [&](const Object* o) { mentions = mentions || o == v; });
  if (mentions) return std::nullopt;
  return 0;
}

// Counts the operations of an expression tree (once per lane) and collects its loads.
class ExprScan : public IRVisitor {
 public:
  std::array<double, kArithmeticFeatures> counts{};
  std::vector<Access> loads;

 protected:
  void add(Arith kind, const ExprNode* op) { counts[kind] += op->dtype.lanes(); }
  void binary(const ExprNode* op, Arith float_kind, Arith int_kind) {
    add(op->dtype.is_float() ? float_kind : int_kind, op);
  }
  void visit(const AddNode* op) override {
    binary(op, kFloatAddSub, kIntAddSub);
    IRVisitor::visit(op);
  }
  void visit(const SubNode* op) override {
    binary(op, kFloatAddSub, kIntAddSub);
    IRVisitor::visit(op);
  }
  void visit(const MulNode* op) override {
    binary(op, kFloatMul, kIntMul);
    IRVisitor::visit(op);
  }
#define LOOM_X(T)                          \
  void visit(const T##Node* op) override { \
    binary(op, kFloatDivMod, kIntDivMod);  \
    IRVisitor::visit(op);                  \
  }
  LOOM_X(Div)
  LOOM_X(Mod)
  LOOM_X(FloorDiv)
  LOOM_X(FloorMod)
#undef LOOM_X
#define LOOM_X(T)                            \
  void visit(const T##Node* op) override {   \
    binary(op, kFloatMinMax, kIntMinMaxCmp); \
    IRVisitor::visit(op);                    \
  }
  LOOM_X(Min)
  LOOM_X(Max)
#undef LOOM_X
#define LOOM_X(T)                                                                      \
  void visit(const T##Node* op) override {                                             \
    counts[op->a.dtype().is_float() ? kFloatCmp : kIntMinMaxCmp] += op->dtype.lanes(); \
    IRVisitor::visit(op);                                                              \
  }
  LOOM_FOR_EACH_COMPARE_EXPR(LOOM_X)
#undef LOOM_X
  void visit(const AndNode* op) override {
    add(kLogical, op);
    IRVisitor::visit(op);
  }
  void visit(const OrNode* op) override {
    add(kLogical, op);
    IRVisitor::visit(op);
  }
  void visit(const NotNode* op) override {
    add(kLogical, op);
    IRVisitor::visit(op);
  }
  void visit(const SelectNode* op) override {
    add(kSelect, op);
    IRVisitor::visit(op);
  }
  void visit(const CastNode* op) override {
    add(kCast, op);
    IRVisitor::visit(op);
  }
  void visit(const CallNode* op) override {
    if (!is_gpu_intrinsic(op->op)) add(op->op == Intrinsic::if_then_else ? kSelect : kFloatMath, op);
    IRVisitor::visit(op);
  }
  void visit(const BufferLoadNode* op) override {
    loads.push_back({op->buffer.get(), op->indices, false});
    IRVisitor::visit(op);
  }
};

class Extractor : public IRVisitor {
 public:
  explicit Extractor(const PrimFunc& func) {
    for (const auto& [var, buffer] : func->buffer_map) params_.insert(buffer.get());
  }

  std::vector<std::vector<float>> rows;

 protected:
  void visit(const ForNode* op) override {
    const auto* extent = op->extent.as<IntImmNode>();
    loops_.push_back({op->loop_var.get(), extent != nullptr ? extent->value : 1, op->for_kind, thread_tag_of(op)});
    visit_stmt(op->body);
    loops_.pop_back();
  }

  void visit(const AllocateNode* op) override {
    allocs_.push_back(bytes_of(op->buffer.get()));
    visit_stmt(op->body);
    allocs_.pop_back();
  }

  void visit(const BufferStoreNode* op) override {
    ExprScan scan;
    scan.visit_expr(op->value);
    for (const Expr& index : op->indices) scan.visit_expr(index);
    std::vector<Access> accesses = scan.loads;
    accesses.push_back({op->buffer.get(), op->indices, true});
    rows.push_back(row(op, scan, accesses));
  }

 private:
  static double bytes_of(const BufferNode* buffer) {
    double elems = 1;
    for (const Expr& dim : buffer->shape) {
      const auto* imm = dim.as<IntImmNode>();
      elems *= imm != nullptr ? static_cast<double>(imm->value) : 1.0;
    }
    return elems * buffer->dtype.bytes();
  }

  std::vector<float> row(const BufferStoreNode* store, const ExprScan& scan, const std::vector<Access>& accesses) {
    std::vector<float> out;
    out.reserve(kNumFeatures);
    double trips = 1;
    for (const Loop& l : loops_) trips *= static_cast<double>(l.extent);

    // 1. Arithmetic.
    for (double c : scan.counts) out.push_back(slog(c * trips));

    // 2. Loops.
    double vec_len = 0, vec_prod = 1, vec_pos = 0, unroll_len = 0, unroll_prod = 1, par_len = 0, par_prod = 1;
    bool any_vec = false, any_unroll = false, any_par = false;
    for (size_t i = 0; i < loops_.size(); ++i) {
      const Loop& l = loops_[i];
      const double e = static_cast<double>(l.extent);
      if (l.kind == ForKind::Vectorized) {
        vec_len = e;
        vec_prod *= e;
        vec_pos = static_cast<double>(loops_.size() - i);
        any_vec = true;
      } else if (l.kind == ForKind::Unrolled) {
        unroll_len = e;
        unroll_prod *= e;
        any_unroll = true;
      } else if (l.kind == ForKind::Parallel) {
        if (!any_par) par_len = e;
        par_prod *= e;
        any_par = true;
      }
    }
    // A vector store (loops the lowering vectorized) counts as an innermost vectorized loop.
    const int store_lanes = store->value.dtype().lanes();
    if (store_lanes > 1) {
      vec_len = store_lanes;
      vec_prod = (any_vec ? vec_prod : 1) * store_lanes;
      vec_pos = 1;
      any_vec = true;
    }
    bool reduction = false;
    for (const Access& a : accesses) {
      if (a.write || a.buffer != store->buffer.get() || a.indices.size() != store->indices.size()) continue;
      bool same = true;
      StructuralEqualOptions exact;
      exact.map_free_vars = false;
      for (size_t d = 0; d < a.indices.size(); ++d) {
        same = same && structural_equal(a.indices[d], store->indices[d], exact);
      }
      reduction = reduction || same;
    }
    out.push_back(slog(vec_len));
    out.push_back(slog(any_vec ? vec_prod : 0));
    out.push_back(static_cast<float>(vec_pos));
    out.push_back(slog(unroll_len));
    out.push_back(slog(any_unroll ? unroll_prod : 0));
    out.push_back(slog(par_len));
    out.push_back(slog(any_par ? par_prod : 0));
    out.push_back(static_cast<float>(loops_.size()));
    out.push_back(slog(trips));
    out.push_back(slog(loops_.empty() ? 0 : static_cast<double>(loops_.back().extent)));
    out.push_back(reduction ? 1.0f : 0.0f);
    out.push_back(static_cast<float>(store->value.dtype().lanes()));
    // Thread bindings: blockIdx.{x,y,z}, threadIdx.{x,y,z} extents, the vthread product.
    double grid[3] = {0, 0, 0}, block[3] = {0, 0, 0}, vthreads = 0;
    for (const Loop& l : loops_) {
      if (!l.tag) continue;
      const double e = static_cast<double>(l.extent);
      const auto d = static_cast<size_t>(l.tag->dim);
      if (l.tag->rank == ThreadRank::Block) grid[d] = e;
      if (l.tag->rank == ThreadRank::Thread) block[d] = e;
      if (l.tag->rank == ThreadRank::VThread) vthreads = (vthreads == 0 ? 1 : vthreads) * e;
    }
    for (double e : grid) out.push_back(slog(e));
    for (double e : block) out.push_back(slog(e));
    out.push_back(slog(vthreads));

    // 3. Buffers, grouped, in decreasing order of bytes accessed.
    struct BufferStats {
      const BufferNode* buffer = nullptr;
      bool read = false, write = false;
      double bytes = 0, unique_bytes = 0, lines = 0, stride = 0, reuse_type = 0, reuse_dist = 0, reuse_count = 0;
    };
    std::vector<BufferStats> stats;
    for (const Access& a : accesses) {
      auto it = std::find_if(stats.begin(), stats.end(), [&](const BufferStats& s) { return s.buffer == a.buffer; });
      if (it == stats.end()) {
        stats.push_back({});
        it = stats.end() - 1;
        it->buffer = a.buffer;
      }
      access_stats(a, trips, *it);
    }
    std::stable_sort(stats.begin(), stats.end(),
                     [](const BufferStats& x, const BufferStats& y) { return x.bytes > y.bytes; });
    for (size_t slot = 0; slot < kBufferSlots; ++slot) {
      if (slot >= stats.size()) {
        out.insert(out.end(), kBufferFeatures, 0.0f);
        continue;
      }
      const BufferStats& s = stats[slot];
      out.push_back(static_cast<float>((s.read ? 1 : 0) + (s.write ? 2 : 0)));
      out.push_back(slog(s.bytes));
      out.push_back(slog(s.unique_bytes));
      out.push_back(slog(s.lines));
      out.push_back(static_cast<float>(s.stride));
      out.push_back(static_cast<float>(s.reuse_type));
      out.push_back(slog(s.reuse_dist));
      out.push_back(slog(s.reuse_count));
      out.push_back(slog(s.reuse_count > 0 ? s.bytes / s.reuse_count : s.bytes));
      out.push_back(params_.count(s.buffer) != 0 ? 1.0f : 0.0f);
    }

    // 4. Allocations.
    double total = 0;
    for (double b : allocs_) total += b;
    out.push_back(static_cast<float>(allocs_.size()));
    out.push_back(slog(total));
    out.push_back(slog(allocs_.empty() ? 0 : allocs_.back()));
    return out;
  }

  // Adds one access to its buffer's statistics (the largest footprint and reuse of the
  // buffer's accesses are kept; bytes add up).
  void access_stats(const Access& a, double trips, auto& s) const {
    const double elem = a.buffer->dtype.bytes();
    (a.write ? s.write : s.read) = true;
    int lanes = 1;
    for (const Expr& index : a.indices) lanes = std::max(lanes, index.dtype().lanes());
    s.bytes += trips * elem * lanes;
    // Coefficients of every loop variable in the (flat) index; not affine -> footprint T.
    bool affine = true;
    std::vector<int64_t> coeffs(loops_.size(), 0);
    for (size_t i = 0; i < loops_.size(); ++i) {
      for (const Expr& index : a.indices) {
        auto c = coefficient(index, loops_[i].var);
        if (!c) {
          affine = false;
          break;
        }
        coeffs[i] += std::abs(*c);
      }
    }
    double footprint = lanes, rows = 1, stride = 0, reuse_dist = 0, reuse_count = 0, reuse_type = 0;
    bool found_stride = false;
    double inner_trips = 1;
    for (size_t k = loops_.size(); k-- > 0;) {
      const double e = static_cast<double>(loops_[k].extent);
      if (!affine || coeffs[k] != 0) {
        footprint *= e;
        if (!found_stride) {
          stride = affine ? static_cast<double>(coeffs[k]) : -1;
          found_stride = true;
          // Lines along the contiguous run of the innermost dependent loop.
          double run_bytes = e * std::max<double>(1, stride) * elem;
          rows = std::ceil(std::min(run_bytes, e * 64.0) / 64.0);
        } else {
          rows *= e;
        }
      } else if (reuse_type == 0 && e > 1) {
        reuse_type = 1;
        reuse_dist = inner_trips;
        reuse_count = e;
      }
      inner_trips *= e;
    }
    if (!found_stride) rows = 1;
    s.unique_bytes = std::max(s.unique_bytes, std::min(footprint * elem, trips * elem * lanes));
    s.lines = std::max(s.lines, rows);
    if (s.stride == 0) s.stride = stride;
    if (reuse_type > s.reuse_type || reuse_count > s.reuse_count) {
      s.reuse_type = reuse_type;
      s.reuse_dist = reuse_dist;
      s.reuse_count = reuse_count;
    }
  }

  std::vector<Loop> loops_;
  std::vector<double> allocs_;
  std::unordered_set<const BufferNode*> params_;
};

}  // namespace

const std::vector<std::string>& feature_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n = {"float_add_sub",
                                  "float_mul",
                                  "float_div_mod",
                                  "float_min_max",
                                  "float_cmp",
                                  "float_math",
                                  "int_add_sub",
                                  "int_mul",
                                  "int_div_mod",
                                  "int_min_max_cmp",
                                  "logical",
                                  "select",
                                  "cast",
                                  "vec_innermost",
                                  "vec_product",
                                  "vec_position",
                                  "unroll_innermost",
                                  "unroll_product",
                                  "parallel_outermost",
                                  "parallel_product",
                                  "num_loops",
                                  "trip_count",
                                  "innermost_extent",
                                  "is_reduction_update",
                                  "lanes",
                                  "blockIdx_x",
                                  "blockIdx_y",
                                  "blockIdx_z",
                                  "threadIdx_x",
                                  "threadIdx_y",
                                  "threadIdx_z",
                                  "vthread"};
    for (size_t slot = 0; slot < kBufferSlots; ++slot) {
      for (const char* f : {"kind", "bytes", "unique_bytes", "lines", "stride", "reuse_type", "reuse_distance",
                            "reuse_count", "bytes_per_reuse", "is_param"}) {
        n.push_back("buf" + std::to_string(slot) + "." + f);
      }
    }
    for (const char* f : {"alloc_count", "alloc_total_bytes", "alloc_innermost_bytes"}) n.emplace_back(f);
    return n;
  }();
  return names;
}

std::vector<std::vector<float>> extract_features(const PrimFunc& lowered) {
  Extractor extractor(lowered);
  extractor.visit_stmt(lowered->body);
  return std::move(extractor.rows);
}

std::vector<std::vector<float>> featurize(const PrimFunc& func) {
  lower::LowerOptions options;
  options.verify = false;
  options.unroll = false;
  return extract_features(lower::lower(func, options));
}

}  // namespace loom::tune
