// Property test: random expression trees (every operator, mixed dtypes, negative and
// special constants) print and parse back to the same tree. Fixed seed, printed on failure.
#include <gtest/gtest.h>

#include <random>

#include "script_test_util.h"

namespace loom::script {
namespace {

using namespace loom::ir;

class RandomExpr {
 public:
  RandomExpr(uint32_t seed, std::vector<Var> ints, std::vector<Var> floats, Var flag)
      : rng_(seed), ints_(std::move(ints)), floats_(std::move(floats)), flag_(std::move(flag)) {}

  Expr integer(int depth) {
    if (depth == 0 || pick(4) == 0) {
      switch (pick(3)) {
        case 0:
          return ints_[pick(ints_.size())];
        case 1:
          return make_int(static_cast<int64_t>(pick(21)) - 10);
        default:
          return make_const(DataType::Int(64), static_cast<int64_t>(pick(7)) - 3);
      }
    }
    Expr a = integer(depth - 1), b = integer(depth - 1);
    match_types(&a, &b);
    switch (pick(9)) {
      case 0:
        return AddNode::make(a, b);
      case 1:
        return SubNode::make(a, b);
      case 2:
        return MulNode::make(a, b);
      case 3:
        return FloorDivNode::make(a, b);
      case 4:
        return FloorModNode::make(a, b);
      case 5:
        return DivNode::make(a, b);
      case 6:
        return MinNode::make(a, b);
      case 7:
        return SelectNode::make(boolean(depth - 1), a, b);
      default:
        return SubNode::make(make_const(a.dtype(), int64_t{0}), a);
    }
  }

  Expr floating(int depth) {
    if (depth == 0 || pick(4) == 0) {
      switch (pick(4)) {
        case 0:
          return floats_[pick(floats_.size())];
        case 1:
          return make_float(static_cast<double>(pick(2001)) / 64.0 - 15.0);
        case 2:
          return CastNode::make(DataType::Float(32), integer(0));
        default:
          return make_float(pick(2) ? -0.1 : 3.4e38);
      }
    }
    Expr a = floating(depth - 1), b = floating(depth - 1);
    switch (pick(7)) {
      case 0:
        return AddNode::make(a, b);
      case 1:
        return MulNode::make(a, b);
      case 2:
        return DivNode::make(a, b);
      case 3:
        return MaxNode::make(a, b);
      case 4:
        return CallNode::make(Intrinsic::exp, {a});
      case 5:
        return CallNode::make(Intrinsic::if_then_else, {boolean(depth - 1), a, b});
      default:
        return ModNode::make(a, b);
    }
  }

  Expr boolean(int depth) {
    if (depth <= 0 || pick(4) == 0) return pick(2) ? Expr(flag_) : make_bool(pick(2) == 0);
    switch (pick(6)) {
      case 0:
        return AndNode::make(boolean(depth - 1), boolean(depth - 1));
      case 1:
        return OrNode::make(boolean(depth - 1), boolean(depth - 1));
      case 2:
        return NotNode::make(boolean(depth - 1));
      case 3:
        return EQNode::make(boolean(depth - 1), boolean(depth - 1));
      case 4: {
        Expr a = integer(depth - 1), b = integer(depth - 1);
        match_types(&a, &b);
        return LTNode::make(a, b);
      }
      default:
        return GENode::make(floating(depth - 1), floating(depth - 1));
    }
  }

 private:
  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

  std::mt19937 rng_;
  std::vector<Var> ints_;
  std::vector<Var> floats_;
  Var flag_;
};

TEST(RoundTripProperty, RandomExpressions) {
  constexpr uint32_t kSeed = 20240611;
  Var n("n"), m("m", DataType::Int(64)), x("x", DataType::Float(32)), b("b", DataType::Bool());
  RandomExpr gen(kSeed, {n, m}, {x}, b);
  StructuralEqualOptions strict;
  strict.strict_names = true;
  for (int iter = 0; iter < 1500; ++iter) {
    Expr e;
    switch (iter % 3) {
      case 0:
        e = gen.integer(4);
        break;
      case 1:
        e = gen.floating(4);
        break;
      default:
        e = gen.boolean(4);
        break;
    }
    PrimFunc f = PrimFunc::make("f", {n, m, x, b}, {}, EvaluateNode::make(e));
    std::string text = print(f);
    PrimFunc g;
    try {
      g = parse_func(text);
    } catch (const ParseError& err) {
      FAIL() << "seed " << kSeed << " iteration " << iter << ": " << err.what();
    }
    auto diff = structural_diff(f, g, strict);
    ASSERT_FALSE(diff.has_value()) << "seed " << kSeed << " iteration " << iter << ": " << diff->to_string() << "\n"
                                   << text;
    ASSERT_EQ(print(g), text) << "seed " << kSeed << " iteration " << iter;
  }
}

}  // namespace
}  // namespace loom::script
