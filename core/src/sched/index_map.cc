// Index maps: parsing and printing Python lambdas, mapping indices, regions and shapes, and
// inverting bijective maps with detect_iter_map.
#include "loom/sched/index_map.h"

#include <set>
#include <unordered_map>

#include "../script/py_parser.h"
#include "fmt/format.h"
#include "loom/arith/interval.h"
#include "loom/arith/iter_map.h"
#include "loom/ir/builder.h"
#include "loom/ir/error.h"
#include "loom/ir/mutator.h"
#include "loom/ir/printer.h"
#include "tree.h"

namespace loom::sched {

namespace {

using script::detail::ExprKind;
using script::detail::PyExpr;

/// Converts the body of an index-map lambda into loom IR.
class LambdaBuilder {
 public:
  LambdaBuilder(std::string_view text, ir::DataType dtype) : text_(text), dtype_(dtype) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw UserError(fmt::format("index map '{}': {}", text_, what));
  }

  void add_param(const PyExpr& p) {
    if (p.kind != ExprKind::Name) fail("its parameters must be plain names");
    if (params_.count(p.str)) fail(fmt::format("parameter '{}' is repeated", p.str));
    ir::Var v(p.str, dtype_);
    params_[p.str] = v;
    vars_.push_back(v);
  }
  const std::vector<ir::Var>& vars() const { return vars_; }

  ir::Expr build(const PyExpr& e) {
    switch (e.kind) {
      case ExprKind::Name: {
        auto it = params_.find(e.str);
        if (it == params_.end()) fail(fmt::format("name '{}' is not one of its parameters", e.str));
        return it->second;
      }
      case ExprKind::Int:
        if (e.int_value > (uint64_t{1} << 31)) fail(fmt::format("integer {} is too large for an index", e.str));
        return ir::make_const(dtype_, static_cast<int64_t>(e.int_value));
      case ExprKind::UnaryOp: {
        ir::Expr a = build(*e.children.at(0));
        if (e.str == "-") return ir::make_const(dtype_, int64_t{0}) - a;
        if (e.str == "+") return a;
        break;
      }
      case ExprKind::BinOp: {
        ir::Expr a = build(*e.children.at(0));
        ir::Expr b = build(*e.children.at(1));
        if (e.str == "+") return a + b;
        if (e.str == "-") return a - b;
        if (e.str == "*") return a * b;
        if (e.str == "//") return ir::floordiv(a, b);
        if (e.str == "%") return ir::floormod(a, b);
        if (e.str == "/") fail("'/' is true division; write '//' for the integer (floor) division of indices");
        fail(fmt::format("operator '{}' is not supported in an index map", e.str));
      }
      case ExprKind::Call:
        return call(e);
      default:
        break;
    }
    fail(
        "only parameters, integers, + - * // %, T.floordiv, T.floormod, T.min and T.max are supported in an "
        "index map");
  }

 private:
  static std::string callee(const PyExpr& e) {
    if (e.kind == ExprKind::Name) return e.str;
    if (e.kind == ExprKind::Attr && e.children.at(0)->kind == ExprKind::Name) return e.children[0]->str + "." + e.str;
    return "";
  }

  ir::Expr call(const PyExpr& e) {
    std::string name = callee(*e.children.at(0));
    if (name.starts_with("T.")) name = name.substr(2);
    if (!e.keywords.empty()) fail(fmt::format("{} takes no keyword arguments here", name));
    const size_t n = e.children.size() - 1;
    if (name == "int32" || name == "int64") {
      if (n != 1 || e.children[1]->kind != ExprKind::Int) fail(fmt::format("T.{} takes one integer literal", name));
      return build(*e.children[1]);
    }
    if (name != "floordiv" && name != "floormod" && name != "min" && name != "max")
      fail(fmt::format("call of '{}' is not supported (T.floordiv, T.floormod, T.min, T.max are)",
                       name.empty() ? "an expression" : name));
    if (n != 2) fail(fmt::format("T.{} takes two arguments, got {}", name, n));
    ir::Expr a = build(*e.children[1]);
    ir::Expr b = build(*e.children[2]);
    if (name == "floordiv") return ir::floordiv(a, b);
    if (name == "floormod") return ir::floormod(a, b);
    if (name == "min") return ir::min(a, b);
    return ir::max(a, b);
  }

  std::string text_;
  ir::DataType dtype_;
  std::unordered_map<std::string, ir::Var> params_;
  std::vector<ir::Var> vars_;
};

std::optional<int64_t> product(const std::vector<ir::Expr>& shape) {
  int64_t p = 1;
  for (const ir::Expr& e : shape) {
    auto c = ir::as_const_int(e);
    if (!c) return std::nullopt;
    p *= *c;
  }
  return p;
}

}  // namespace

IndexMap::IndexMap(std::vector<ir::Var> initial_indices, std::vector<ir::Expr> final_indices)
    : initial_(std::move(initial_indices)), final_(std::move(final_indices)) {
  detail::VarSet params;
  for (const ir::Var& v : initial_) params.insert(v.get());
  for (const ir::Expr& e : final_) {
    LOOM_ICHECK(e.dtype().is_int(), "an index map's final index is not an integer: " + ir::to_string(e));
    for (const ir::VarNode* v : detail::vars_in(e))
      LOOM_ICHECK(params.count(v), "an index map's final index uses a variable that is not a parameter: " + v->name);
  }
}

IndexMap IndexMap::parse(std::string_view text, ir::DataType dtype) {
  LambdaBuilder builder(text, dtype);
  std::vector<script::detail::PyStmtPtr> stmts;
  try {
    script::detail::Source src(text, "<index_map>");
    stmts = script::detail::parse_python(src);
  } catch (const UserError& e) {
    builder.fail(fmt::format("not a valid Python lambda: {}", e.what()));
  }
  if (stmts.size() != 1 || stmts[0]->kind != script::detail::StmtKind::ExprStmt ||
      stmts[0]->value->kind != ExprKind::Lambda)
    builder.fail("expected one Python lambda, as in 'lambda i, j: (i // 16, j, i % 16)'");
  const PyExpr& lambda = *stmts[0]->value;
  if (lambda.children.size() < 2) builder.fail("a lambda without parameters maps no buffer dimension");
  for (size_t i = 0; i + 1 < lambda.children.size(); ++i) builder.add_param(*lambda.children[i]);
  const PyExpr& body = *lambda.children.back();
  std::vector<ir::Expr> finals;
  if (body.kind == ExprKind::Tuple || body.kind == ExprKind::List) {
    if (body.children.empty()) builder.fail("the lambda returns no index");
    for (const auto& c : body.children) finals.push_back(builder.build(*c));
  } else {
    finals.push_back(builder.build(body));
  }
  for (const ir::Expr& e : finals) {
    if (!e.dtype().is_int()) builder.fail(fmt::format("result '{}' is not an integer", ir::to_string(e)));
  }
  return IndexMap(builder.vars(), std::move(finals));
}

std::string IndexMap::to_python() const {
  std::vector<std::string> params, results;
  for (const ir::Var& v : initial_) params.push_back(v->name);
  for (const ir::Expr& e : final_) results.push_back(ir::to_string(e));
  std::string body = results.size() == 1 ? results[0] : fmt::format("({})", fmt::join(results, ", "));
  return fmt::format("lambda {}: {}", fmt::join(params, ", "), body);
}

std::vector<ir::Expr> IndexMap::map_indices(const std::vector<ir::Expr>& indices, arith::Analyzer* analyzer) const {
  LOOM_ICHECK(indices.size() == initial_.size(), "map_indices: wrong number of indices");
  std::unordered_map<ir::Var, ir::Expr, ir::RefHash, ir::RefEqual> sub;
  for (size_t i = 0; i < indices.size(); ++i) sub[initial_[i]] = ir::cast(initial_[i].dtype(), indices[i]);
  arith::Analyzer local;
  arith::Analyzer* a = analyzer ? analyzer : &local;
  std::vector<ir::Expr> out;
  for (const ir::Expr& e : final_) out.push_back(a->simplify(ir::substitute(e, sub)));
  return out;
}

std::vector<ir::Range> IndexMap::map_ranges(const std::vector<ir::Range>& ranges, arith::Analyzer* analyzer,
                                            const std::vector<ir::Expr>& new_shape) const {
  LOOM_ICHECK(ranges.size() == initial_.size(), "map_ranges: wrong number of ranges");
  arith::Analyzer local;
  arith::Analyzer* a = analyzer ? analyzer : &local;
  bool points = true;
  for (const ir::Range& r : ranges) points = points && ir::is_one(a->simplify(r.extent));
  std::vector<ir::Range> out;
  if (points) {
    std::vector<ir::Expr> mins;
    for (const ir::Range& r : ranges) mins.push_back(r.min);
    for (const ir::Expr& e : map_indices(mins, a)) out.push_back(ir::Range{e, ir::make_const(e.dtype(), int64_t{1})});
    return out;
  }
  arith::VarIntervalMap dom;
  for (size_t i = 0; i < ranges.size(); ++i) {
    ir::Range r{ir::cast(initial_[i].dtype(), ranges[i].min), ir::cast(initial_[i].dtype(), ranges[i].extent)};
    dom[initial_[i]] = arith::Interval::from_range(r, a);
  }
  for (size_t k = 0; k < final_.size(); ++k) {
    arith::Interval iv = arith::eval_interval(final_[k], dom, a);
    if (!iv.is_bounded()) {
      LOOM_ICHECK(k < new_shape.size(), "map_ranges: an unbounded final index needs the new shape");
      ir::Range full{ir::make_const(new_shape[k].dtype(), int64_t{0}), new_shape[k]};
      out.push_back(arith::interval_to_range(iv, &full, a));
    } else {
      out.push_back(arith::interval_to_range(iv, nullptr, a));
    }
  }
  return out;
}

std::vector<ir::Expr> IndexMap::map_shape(const std::vector<ir::Expr>& shape, arith::Analyzer* analyzer) const {
  LOOM_ICHECK(shape.size() == initial_.size(), "map_shape: wrong number of dimensions");
  arith::Analyzer local;
  arith::Analyzer* a = analyzer ? analyzer : &local;
  arith::VarIntervalMap dom;
  for (size_t i = 0; i < shape.size(); ++i) {
    ir::Expr extent = ir::cast(initial_[i].dtype(), shape[i]);
    dom[initial_[i]] = arith::Interval{ir::make_const(extent.dtype(), int64_t{0}),
                                       a->simplify(extent - ir::make_const(extent.dtype(), int64_t{1}))};
  }
  std::vector<ir::Expr> out;
  for (const ir::Expr& e : final_) {
    arith::Interval iv = arith::eval_interval(e, dom, a);
    if (!iv.is_bounded())
      throw UserError(
          fmt::format("index map '{}': result '{}' is unbounded over the shape", to_python(), ir::to_string(e)));
    if (!a->can_prove(iv.min >= ir::make_const(iv.min.dtype(), int64_t{0})))
      throw UserError(fmt::format("index map '{}': result '{}' can be negative (its least value is {}) over the shape",
                                  to_python(), ir::to_string(e), ir::to_string(iv.min)));
    out.push_back(a->simplify(iv.max + ir::make_const(iv.max.dtype(), int64_t{1})));
  }
  return out;
}

namespace {

/// The structured form of a map over [0, shape), with a reason when it is not bijective.
arith::IterMapResult detect(const IndexMap& map, const std::vector<ir::Expr>& shape) {
  std::vector<std::pair<ir::Var, ir::Range>> iters;
  for (size_t i = 0; i < shape.size(); ++i) {
    auto c = ir::as_const_int(shape[i]);
    if (!c) {
      arith::IterMapResult r;
      r.error = fmt::format("dimension {} has the non-constant extent {}", i, ir::to_string(shape[i]));
      return r;
    }
    ir::DataType t = map.initial_indices()[i].dtype();
    iters.emplace_back(map.initial_indices()[i], ir::Range{ir::make_const(t, int64_t{0}), ir::make_const(t, *c)});
  }
  arith::IterMapResult r = arith::detect_iter_map(map.final_indices(), iters, {}, arith::IterMapLevel::Bijective);
  if (!r.ok()) return r;
  if (arith::has_fused_split(r)) {
    r.error = "a result splits a sum of indices at a point inside one of them (not invertible digit by digit)";
    r.indices.clear();
    return r;
  }
  std::vector<ir::Expr> new_shape = map.map_shape(shape);
  for (size_t k = 0; k < r.indices.size(); ++k) {
    auto c = ir::as_const_int(new_shape[k]);
    if (r.indices[k].base != 0 || !c || *c != r.indices[k].extent) {
      r.error = fmt::format("result {} does not cover [0, {}) densely", k, ir::to_string(new_shape[k]));
      return r;
    }
  }
  auto before = product(shape), after = product(new_shape);
  if (!before || !after || *before != *after)
    r.error = fmt::format("the new shape has {} elements, the old one {}", after.value_or(-1), before.value_or(-1));
  return r;
}

}  // namespace

bool IndexMap::is_bijective(const std::vector<ir::Expr>& shape, std::string* why) const {
  arith::IterMapResult r = detect(*this, shape);
  if (!r.ok() && why) *why = r.error;
  return r.ok();
}

std::optional<IndexMap> IndexMap::inverse(const std::vector<ir::Expr>& shape, std::string* why) const {
  arith::IterMapResult r = detect(*this, shape);
  if (!r.ok()) {
    if (why) *why = r.error;
    return std::nullopt;
  }
  std::vector<ir::Expr> new_shape = map_shape(shape);
  std::vector<ir::Var> ys;
  arith::Analyzer analyzer;
  for (size_t k = 0; k < final_.size(); ++k) {
    ys.emplace_back("i" + std::to_string(k), final_[k].dtype());
    analyzer.bind(ys.back(), ir::Range{ir::make_const(final_[k].dtype(), int64_t{0}), new_shape[k]});
  }
  std::vector<ir::Expr> xs;
  for (const ir::Var& x : initial_) {
    ir::DataType t = x.dtype();
    auto c = [&](int64_t v) { return ir::make_const(t, v); };
    ir::Expr value = c(0);
    int64_t source_min = 0;
    for (size_t k = 0; k < r.indices.size(); ++k) {
      const arith::IterSum& sum = r.indices[k];
      ir::Expr y = ir::cast(t, ys[k]) - c(sum.base);
      for (const arith::IterSplit& s : sum.splits) {
        if (!s.source.same_as(x)) continue;
        ir::Expr digit = ir::floordiv(ir::floormod(y, c(s.scale * s.extent)), c(s.scale));
        value = value + digit * c(s.lower_factor);
        source_min = s.source_min;
      }
    }
    xs.push_back(analyzer.simplify(value + c(source_min)));
  }
  return IndexMap(std::move(ys), std::move(xs));
}

}  // namespace loom::sched
