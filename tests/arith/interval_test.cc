// Tests of interval evaluation: symbolic ends, union/intersection, region relaxation, and
// soundness on random expressions (random points always fall inside the interval).
#include "loom/arith/interval.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "../common/expect_error.h"
#include "loom/ir/ir.h"

using loom::testing::throws_with;

namespace loom::arith {
namespace {

using namespace loom::ir;

::testing::AssertionResult same(const Expr& got, const Expr& expected) {
  StructuralEqualOptions o;
  o.map_free_vars = false;
  if (got.defined() && structural_equal(got, expected, o)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "got " << (got.defined() ? to_string(got) : "<unbounded>") << ", expected "
                                       << to_string(expected);
}

TEST(EvalInterval, AffineWithSymbolicOuterVariable) {
  Var vo("vo"), i("i"), j("j");
  VarIntervalMap dom = {{i, Interval{0, 7}}, {j, Interval{0, 3}}};
  Interval r = eval_interval(vo * 32 + i * 4 + j, dom);
  EXPECT_TRUE(same(r.min, vo * 32));
  EXPECT_TRUE(same(r.max, vo * 32 + 31));
  // Negative coefficients swap the ends.
  r = eval_interval(vo - i * 2, dom);
  EXPECT_TRUE(same(r.min, vo - 14));
  EXPECT_TRUE(same(r.max, vo));
}

TEST(EvalInterval, DivisionModAndMinMax) {
  Var i("i"), x("x");
  VarIntervalMap dom = {{i, Interval{0, 31}}};
  Interval r = eval_interval(floordiv(i, 4), dom);
  EXPECT_TRUE(same(r.min, 0));
  EXPECT_TRUE(same(r.max, 7));
  r = eval_interval(floormod(i, 8), dom);
  EXPECT_TRUE(same(r.min, 0));
  EXPECT_TRUE(same(r.max, 7));
  // Inside one period the remainder keeps the ends.
  r = eval_interval(floormod(i + 32, 64), dom);
  EXPECT_TRUE(same(r.min, 32));
  EXPECT_TRUE(same(r.max, 63));
  r = eval_interval(min(i, 16), dom);
  EXPECT_TRUE(same(r.min, 0));
  EXPECT_TRUE(same(r.max, 16));
  r = eval_interval(max(i, x), dom);
  EXPECT_TRUE(same(r.min, max(x, 0)));
  EXPECT_TRUE(same(r.max, max(x, 31)));
  // A point that does not mention relaxed variables stays a point.
  r = eval_interval(x * 2, dom);
  EXPECT_TRUE(r.is_single_point());
  EXPECT_TRUE(same(r.min, x * 2));
}

TEST(EvalInterval, UnboundedCases) {
  Var i("i"), j("j");
  VarIntervalMap dom = {{i, Interval{0, 7}}, {j, Interval{make_int(0), Expr()}}};
  Interval r = eval_interval(i + j, dom);
  EXPECT_TRUE(same(r.min, 0));
  EXPECT_FALSE(r.has_upper_bound());
  // A product of two relaxed variables of unknown sign is everything.
  VarIntervalMap signed_dom = {{i, Interval{-3, 7}}, {j, Interval{-2, 2}}};
  r = eval_interval(i * j, signed_dom);
  EXPECT_TRUE(same(r.min, -14));
  EXPECT_TRUE(same(r.max, 14));
  Buffer b = Buffer::make("B", DataType::Int(32), {16});
  r = eval_interval(BufferLoadNode::make(b, {i}), dom);
  EXPECT_TRUE(r.is_everything());
}

TEST(IntervalSetOps, UnionAndIntersection) {
  Var x("x");
  Interval a{x, x + 4}, b{x + 2, x + 8};
  Interval u = interval_union(a, b);
  EXPECT_TRUE(same(u.min, x));
  EXPECT_TRUE(same(u.max, x + 8));
  Interval n = interval_intersect(a, b);
  EXPECT_TRUE(same(n.min, x + 2));
  EXPECT_TRUE(same(n.max, x + 4));
  EXPECT_FALSE(interval_union(a, Interval::everything()).has_lower_bound());
  Interval m = interval_intersect(a, Interval::everything());
  EXPECT_TRUE(same(m.min, x));
  Interval c{0, 3};
  Interval d{5, 9};
  EXPECT_TRUE(same(interval_union(c, d).max, 9));
}

TEST(RelaxRegion, TiledAccessAndFallbackToShape) {
  Var vo("vo"), i("i"), j("j"), y("y");
  VarIntervalMap dom = {{i, Interval{0, 15}}, {j, Interval{0, 3}}};
  Buffer b = Buffer::make("B", DataType::Int(32), {64});
  std::vector<Range> region =
      relax_region({vo * 16 + i, j * 2, BufferLoadNode::make(b, {i})}, dom, {make_int(256), make_int(8), make_int(64)});
  ASSERT_EQ(region.size(), 3u);
  EXPECT_TRUE(same(region[0].min, vo * 16));
  EXPECT_TRUE(same(region[0].extent, 16));
  EXPECT_TRUE(same(region[1].min, 0));
  EXPECT_TRUE(same(region[1].extent, 7));
  // An index the analysis cannot bound covers the whole dimension.
  EXPECT_TRUE(same(region[2].min, 0));
  EXPECT_TRUE(same(region[2].extent, 64));
  EXPECT_TRUE(throws_with<InternalError>([&] { relax_region({BufferLoadNode::make(b, {i})}, dom); },
                                         "relax_region: unbounded index without a buffer shape"));
}

TEST(IntervalFromRange, EndsAreInclusive) {
  Var x("x");
  Interval r = Interval::from_range(Range::from_min_extent(x, 8));
  EXPECT_TRUE(same(r.min, x));
  EXPECT_TRUE(same(r.max, x + 7));
}

// Soundness: for random expressions over relaxed variables with constant ranges, every
// value at a random point lies inside the evaluated interval.
int64_t fdiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

struct Gen {
  std::mt19937_64 rng;
  std::vector<Var> vars;
  int64_t uniform(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); }
  Expr make(int depth) {
    if (depth == 0 || uniform(0, 4) == 0) {
      if (uniform(0, 3) == 0) return make_int(uniform(-9, 9));
      return vars[uniform(0, vars.size() - 1)];
    }
    Expr a = make(depth - 1), b = make(depth - 1);
    int64_t c = uniform(1, 7) * (uniform(0, 3) == 0 ? -1 : 1);
    switch (uniform(0, 8)) {
      case 0:
        return a + b;
      case 1:
        return a - b;
      case 2:
        return a * make_int(uniform(-4, 4));
      case 3:
        return a * b;
      case 4:
        return floordiv(a, make_int(c));
      case 5:
        return floormod(a, make_int(c));
      case 6:
        return min(a, b);
      case 7:
        return max(a, b);
      default:
        return select(a < b, a, b + 1);
    }
  }
};

int64_t evaluate(const Expr& e, const std::unordered_map<const VarNode*, int64_t>& env) {
  if (auto c = as_const_int(e)) return *c;
  if (const auto* v = e.as<VarNode>()) return env.at(v);
  if (const auto* n = e.as<AddNode>()) return evaluate(n->a, env) + evaluate(n->b, env);
  if (const auto* n = e.as<SubNode>()) return evaluate(n->a, env) - evaluate(n->b, env);
  if (const auto* n = e.as<MulNode>()) return evaluate(n->a, env) * evaluate(n->b, env);
  if (const auto* n = e.as<FloorDivNode>()) return fdiv(evaluate(n->a, env), evaluate(n->b, env));
  if (const auto* n = e.as<FloorModNode>()) {
    int64_t a = evaluate(n->a, env), b = evaluate(n->b, env);
    return a - b * fdiv(a, b);
  }
  if (const auto* n = e.as<MinNode>()) return std::min(evaluate(n->a, env), evaluate(n->b, env));
  if (const auto* n = e.as<MaxNode>()) return std::max(evaluate(n->a, env), evaluate(n->b, env));
  if (const auto* n = e.as<LTNode>()) return evaluate(n->a, env) < evaluate(n->b, env);
  if (const auto* n = e.as<SelectNode>())
    return evaluate(n->condition, env) ? evaluate(n->true_value, env) : evaluate(n->false_value, env);
  ADD_FAILURE() << "unsupported " << to_string(e);
  return 0;
}

TEST(EvalInterval, RandomPointsFallInside) {
  uint64_t seed = 7;
  if (const char* s = std::getenv("LOOM_TEST_SEED")) seed = std::strtoull(s, nullptr, 10);
  Gen gen{std::mt19937_64(seed), {Var("x"), Var("y")}};
  int failures = 0;
  for (int n = 0; n < 5000 && failures < 5; ++n) {
    VarIntervalMap dom;
    std::vector<std::pair<int64_t, int64_t>> ranges;
    for (const Var& v : gen.vars) {
      int64_t lo = gen.uniform(-15, 15), hi = lo + gen.uniform(0, 20);
      ranges.emplace_back(lo, hi);
      dom[v] = Interval{make_int(lo), make_int(hi)};
    }
    Expr e = gen.make(3);
    Interval iv = eval_interval(e, dom);
    auto lo = iv.min.defined() ? as_const_int(iv.min) : std::optional<int64_t>(INT64_MIN);
    auto hi = iv.max.defined() ? as_const_int(iv.max) : std::optional<int64_t>(INT64_MAX);
    if (!lo || !hi) {
      ++failures;
      ADD_FAILURE() << "seed " << seed << ": non-constant interval for constant ranges: " << to_string(e);
      continue;
    }
    for (int p = 0; p < 10; ++p) {
      std::unordered_map<const VarNode*, int64_t> env;
      for (size_t v = 0; v < gen.vars.size(); ++v)
        env[gen.vars[v].get()] = gen.uniform(ranges[v].first, ranges[v].second);
      int64_t value = evaluate(e, env);
      if (value < *lo || value > *hi) {
        ++failures;
        ADD_FAILURE() << "seed " << seed << ", expression #" << n << " " << to_string(e) << " = " << value
                      << " at x=" << env[gen.vars[0].get()] << " y=" << env[gen.vars[1].get()] << " lies outside ["
                      << *lo << ", " << *hi << "]";
        break;
      }
    }
  }
}

}  // namespace
}  // namespace loom::arith
