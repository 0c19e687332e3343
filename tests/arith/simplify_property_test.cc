// Property tests: Analyzer::simplify keeps the value of random integer expressions at
// random points inside the bound variable ranges, and const_int_bound contains every value.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <unordered_map>

#include "loom/arith/analyzer.h"
#include "loom/ir/ir.h"

namespace loom::arith {
namespace {

using namespace loom::ir;

using Env = std::unordered_map<const VarNode*, int64_t>;

int64_t floordiv_ref(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
int64_t floormod_ref(int64_t a, int64_t b) { return a - b * floordiv_ref(a, b); }

/// A tiny reference evaluator for scalar int32/int64/bool expressions (values stay small,
/// so no wrap-around happens).
int64_t eval(const Expr& e, const Env& env) {
  switch (e->kind()) {
    case NodeKind::IntImm:
      return e.as<IntImmNode>()->value;
    case NodeKind::Var:
      return env.at(e.as<VarNode>());
    case NodeKind::Add:
      return eval(e.as<AddNode>()->a, env) + eval(e.as<AddNode>()->b, env);
    case NodeKind::Sub:
      return eval(e.as<SubNode>()->a, env) - eval(e.as<SubNode>()->b, env);
    case NodeKind::Mul:
      return eval(e.as<MulNode>()->a, env) * eval(e.as<MulNode>()->b, env);
    case NodeKind::Div:
      return eval(e.as<DivNode>()->a, env) / eval(e.as<DivNode>()->b, env);
    case NodeKind::Mod:
      return eval(e.as<ModNode>()->a, env) % eval(e.as<ModNode>()->b, env);
    case NodeKind::FloorDiv:
      return floordiv_ref(eval(e.as<FloorDivNode>()->a, env), eval(e.as<FloorDivNode>()->b, env));
    case NodeKind::FloorMod:
      return floormod_ref(eval(e.as<FloorModNode>()->a, env), eval(e.as<FloorModNode>()->b, env));
    case NodeKind::Min:
      return std::min(eval(e.as<MinNode>()->a, env), eval(e.as<MinNode>()->b, env));
    case NodeKind::Max:
      return std::max(eval(e.as<MaxNode>()->a, env), eval(e.as<MaxNode>()->b, env));
    case NodeKind::EQ:
      return eval(e.as<EQNode>()->a, env) == eval(e.as<EQNode>()->b, env);
    case NodeKind::NE:
      return eval(e.as<NENode>()->a, env) != eval(e.as<NENode>()->b, env);
    case NodeKind::LT:
      return eval(e.as<LTNode>()->a, env) < eval(e.as<LTNode>()->b, env);
    case NodeKind::LE:
      return eval(e.as<LENode>()->a, env) <= eval(e.as<LENode>()->b, env);
    case NodeKind::GT:
      return eval(e.as<GTNode>()->a, env) > eval(e.as<GTNode>()->b, env);
    case NodeKind::GE:
      return eval(e.as<GENode>()->a, env) >= eval(e.as<GENode>()->b, env);
    case NodeKind::And:
      return eval(e.as<AndNode>()->a, env) && eval(e.as<AndNode>()->b, env);
    case NodeKind::Or:
      return eval(e.as<OrNode>()->a, env) || eval(e.as<OrNode>()->b, env);
    case NodeKind::Not:
      return !eval(e.as<NotNode>()->a, env);
    case NodeKind::Select: {
      const auto* n = e.as<SelectNode>();
      int64_t c = eval(n->condition, env), t = eval(n->true_value, env), f = eval(n->false_value, env);
      return c ? t : f;
    }
    case NodeKind::Cast:
      return eval(e.as<CastNode>()->value, env);
    default:
      ADD_FAILURE() << "evaluator: unsupported node " << node_kind_name(e->kind());
      return 0;
  }
}

class ExprGenerator {
 public:
  ExprGenerator(std::mt19937_64* rng, std::vector<Var> vars) : rng_(*rng), vars_(std::move(vars)) {}

  int64_t uniform(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng_); }

  int64_t nonzero(int64_t lo, int64_t hi) {
    int64_t v = 0;
    while (v == 0) v = uniform(lo, hi);
    return v;
  }

  Expr integer(int depth) {
    if (depth <= 0 || uniform(0, 9) < 2) {
      if (uniform(0, 3) == 0) return make_int(uniform(-10, 10));
      return vars_[uniform(0, vars_.size() - 1)];
    }
    Expr a = integer(depth - 1);
    switch (uniform(0, 12)) {
      case 0:
      case 1:
        return AddNode::make(a, integer(depth - 1));
      case 2:
        return SubNode::make(a, integer(depth - 1));
      case 3:
        return MulNode::make(a, make_int(uniform(-5, 5)));
      case 4:
        return MulNode::make(a, integer(depth - 2));
      case 5:
        return FloorDivNode::make(a, make_int(nonzero(-9, 9)));
      case 6:
        return FloorModNode::make(a, make_int(nonzero(-9, 9)));
      case 7:
        return DivNode::make(a, make_int(nonzero(-9, 9)));
      case 8:
        return ModNode::make(a, make_int(nonzero(-9, 9)));
      case 9:
        return MinNode::make(a, integer(depth - 1));
      case 10:
        return MaxNode::make(a, integer(depth - 1));
      case 11:
        return SelectNode::make(boolean(depth - 1), a, integer(depth - 1));
      default: {
        // Split-and-fuse patterns: (a // c) * c + a % c with a positive c.
        int64_t c = uniform(1, 8);
        return AddNode::make(MulNode::make(FloorDivNode::make(a, make_int(c)), make_int(c)),
                             FloorModNode::make(a, make_int(c)));
      }
    }
  }

  Expr boolean(int depth) {
    int pick = static_cast<int>(uniform(0, 8));
    if (depth <= 0 || pick < 6) {
      Expr a = integer(depth - 1), b = integer(depth - 1);
      switch (pick % 6) {
        case 0:
          return LTNode::make(a, b);
        case 1:
          return LENode::make(a, b);
        case 2:
          return GTNode::make(a, b);
        case 3:
          return GENode::make(a, b);
        case 4:
          return EQNode::make(a, b);
        default:
          return NENode::make(a, b);
      }
    }
    if (pick == 6) return AndNode::make(boolean(depth - 1), boolean(depth - 1));
    if (pick == 7) return OrNode::make(boolean(depth - 1), boolean(depth - 1));
    return NotNode::make(boolean(depth - 1));
  }

 private:
  std::mt19937_64& rng_;
  std::vector<Var> vars_;
};

uint64_t test_seed() {
  if (const char* s = std::getenv("LOOM_TEST_SEED")) return std::strtoull(s, nullptr, 10);
  return 20240611;
}

TEST(SimplifyProperty, KeepsValueAtRandomPointsInRanges) {
  const uint64_t seed = test_seed();
  std::mt19937_64 rng(seed);
  std::vector<Var> vars = {Var("x"), Var("y"), Var("z")};
  ExprGenerator gen(&rng, vars);
  constexpr int kExprs = 25000;
  constexpr int kPoints = 8;
  int failures = 0;
  for (int n = 0; n < kExprs && failures < 5; ++n) {
    Analyzer an;
    std::vector<std::pair<int64_t, int64_t>> ranges;
    for (const Var& v : vars) {
      int64_t lo = gen.uniform(-20, 20), extent = gen.uniform(1, 30);
      ranges.emplace_back(lo, extent);
      an.bind(v, Range::from_min_extent(make_int(lo), make_int(extent)));
    }
    Expr e = n % 5 == 4 ? gen.boolean(3) : gen.integer(4);
    Expr s = an.simplify(e);
    ConstIntBound bound = an.const_int_bound(e);
    ConstIntBound sbound = an.const_int_bound(s);
    for (int p = 0; p < kPoints; ++p) {
      Env env;
      for (size_t v = 0; v < vars.size(); ++v)
        env[vars[v].get()] = ranges[v].first + gen.uniform(0, ranges[v].second - 1);
      int64_t expected = eval(e, env), got = eval(s, env);
      bool in_bound = expected >= bound.min_value && expected <= bound.max_value && got >= sbound.min_value &&
                      got <= sbound.max_value;
      if (expected != got || !in_bound) {
        ++failures;
        ADD_FAILURE() << "seed " << seed << ", expression #" << n << ": " << to_string(e)
                      << "\n  simplified: " << to_string(s) << "\n  at x=" << env[vars[0].get()]
                      << " y=" << env[vars[1].get()] << " z=" << env[vars[2].get()] << " (ranges x in ["
                      << ranges[0].first << ", +" << ranges[0].second << "), y in [" << ranges[1].first << ", +"
                      << ranges[1].second << "), z in [" << ranges[2].first << ", +" << ranges[2].second
                      << ")): expected " << expected << ", got " << got << "; bound [" << bound.min_value << ", "
                      << bound.max_value << "]";
        break;
      }
    }
  }
}

TEST(SimplifyProperty, IsIdempotentOnRandomExpressions) {
  const uint64_t seed = test_seed() + 1;
  std::mt19937_64 rng(seed);
  std::vector<Var> vars = {Var("x"), Var("y")};
  ExprGenerator gen(&rng, vars);
  int failures = 0;
  for (int n = 0; n < 3000 && failures < 3; ++n) {
    Analyzer an;
    for (const Var& v : vars) an.bind(v, Range::from_min_extent(0, make_int(gen.uniform(1, 40))));
    Expr once = an.simplify(gen.integer(3));
    Expr twice = an.simplify(once);
    // A second pass may still find something (rules enable rules) but must keep the value;
    // it must never grow the expression.
    StructuralEqualOptions o;
    o.map_free_vars = false;
    if (!structural_equal(once, twice, o) && to_string(twice).size() > to_string(once).size()) {
      ++failures;
      ADD_FAILURE() << "seed " << seed << ": second pass grew " << to_string(once) << " into " << to_string(twice);
    }
  }
}

}  // namespace
}  // namespace loom::arith
