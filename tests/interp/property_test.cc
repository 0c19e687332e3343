// Property test: random integer expression trees evaluated by the interpreter agree with
// an independent C++ evaluator (int32 wrap-around, truncating and flooring division,
// min/max, select), including which ones fail with a division by zero.
#include <gtest/gtest.h>

#include <memory>
#include <random>

#include "interp_test_util.h"

namespace loom::interp {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace)

/// A random expression with its IR form and a reference evaluator. `ok` is cleared when
/// the reference divides by zero.
struct Node {
  Expr expr;
  std::function<int32_t(int32_t x, int32_t y, bool* ok)> eval;
};

int32_t wrap32(int64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(v))); }

class Generator {
 public:
  Generator(uint64_t seed, Var x, Var y) : rng_(seed), x_(std::move(x)), y_(std::move(y)) {}

  Node make(int depth) {
    const int leaf_choice = pick(depth == 0 ? 3 : 14);
    switch (leaf_choice) {
      case 0:
        return {x_, [](int32_t x, int32_t, bool*) { return x; }};
      case 1:
        return {y_, [](int32_t, int32_t y, bool*) { return y; }};
      case 2: {
        const int32_t c = static_cast<int32_t>(pick(21)) - 10;
        return {ir::make_int(c), [c](int32_t, int32_t, bool*) { return c; }};
      }
      default:
        break;
    }
    Node a = make(depth - 1);
    Node b = make(depth - 1);
    auto ea = a.eval;
    auto eb = b.eval;
    using K = ir::NodeKind;
    switch (leaf_choice) {
      case 3:
        return {ir::AddNode::make(a.expr, b.expr),
                [=](int32_t x, int32_t y, bool* ok) { return wrap32(int64_t{ea(x, y, ok)} + eb(x, y, ok)); }};
      case 4:
        return {ir::SubNode::make(a.expr, b.expr),
                [=](int32_t x, int32_t y, bool* ok) { return wrap32(int64_t{ea(x, y, ok)} - eb(x, y, ok)); }};
      case 5:
        return {ir::MulNode::make(a.expr, b.expr),
                [=](int32_t x, int32_t y, bool* ok) { return wrap32(int64_t{ea(x, y, ok)} * eb(x, y, ok)); }};
      case 6:
      case 7:
      case 8:
      case 9: {
        const K kind = leaf_choice == 6   ? K::Div
                       : leaf_choice == 7 ? K::Mod
                       : leaf_choice == 8 ? K::FloorDiv
                                          : K::FloorMod;
        Expr e = kind == K::Div        ? ir::DivNode::make(a.expr, b.expr)
                 : kind == K::Mod      ? ir::ModNode::make(a.expr, b.expr)
                 : kind == K::FloorDiv ? ir::FloorDivNode::make(a.expr, b.expr)
                                       : ir::FloorModNode::make(a.expr, b.expr);
        return {e, [=](int32_t x, int32_t y, bool* ok) -> int32_t {
                  const int64_t p = ea(x, y, ok), q = eb(x, y, ok);
                  if (q == 0) {
                    *ok = false;
                    return 0;
                  }
                  const int64_t t = p / q, r = p % q;  // exact in int64 for int32 operands
                  const int64_t f = (r != 0 && ((r < 0) != (q < 0))) ? t - 1 : t;
                  switch (kind) {
                    case K::Div:
                      return wrap32(t);
                    case K::Mod:
                      return wrap32(r);
                    case K::FloorDiv:
                      return wrap32(f);
                    default:
                      return wrap32(p - q * f);
                  }
                }};
      }
      case 10:
        return {ir::MinNode::make(a.expr, b.expr),
                [=](int32_t x, int32_t y, bool* ok) { return std::min(ea(x, y, ok), eb(x, y, ok)); }};
      case 11:
        return {ir::MaxNode::make(a.expr, b.expr),
                [=](int32_t x, int32_t y, bool* ok) { return std::max(ea(x, y, ok), eb(x, y, ok)); }};
      case 12: {
        Node c = make(depth - 1);
        auto ec = c.eval;
        return {ir::SelectNode::make(ir::LTNode::make(c.expr, a.expr), a.expr, b.expr),
                [=](int32_t x, int32_t y, bool* ok) {
                  const int32_t vc = ec(x, y, ok), va = ea(x, y, ok), vb = eb(x, y, ok);  // all evaluated
                  return vc < va ? va : vb;
                }};
      }
      default: {
        // A wrap-around through int8 and back.
        return {ir::CastNode::make(DataType::Int(32),
                                   ir::CastNode::make(DataType::Int(8), ir::AddNode::make(a.expr, b.expr))),
                [=](int32_t x, int32_t y, bool* ok) {
                  return static_cast<int32_t>(
                      static_cast<int8_t>(static_cast<uint8_t>(wrap32(int64_t{ea(x, y, ok)} + eb(x, y, ok)))));
                }};
      }
    }
  }

  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  int32_t value() { return std::uniform_int_distribution<int32_t>(-50, 50)(rng_); }

 private:
  std::mt19937_64 rng_;
  Var x_, y_;
};

TEST(Property, RandomIntegerExpressionsMatchAReferenceEvaluator) {
  const uint64_t seed = 12345;
  Var x("x"), y("y");
  Generator gen(seed, x, y);
  Buffer out = make_buffer("out", DataType::Int(32), {1});
  int checked = 0, div_by_zero = 0;
  for (int n = 0; n < 1500; ++n) {
    Node node = gen.make(1 + gen.pick(4));
    PrimFunc f = make_func("prop", {x, y, out}, store(out, node.expr, {0}));
    for (int p = 0; p < 4; ++p) {
      const int32_t vx = gen.value(), vy = gen.value();
      bool ok = true;
      const int32_t want = node.eval(vx, vy, &ok);
      NDArray o(DataType::Int(32), {1});
      const std::string err = error_of<RuntimeError>([&] { run(f, {vx, vy, o}); });
      if (!ok) {
        ++div_by_zero;
        ASSERT_NE(err.find("integer division by zero"), std::string::npos)
            << ir::to_string(node.expr) << " at x=" << vx << " y=" << vy << " seed=" << seed;
        continue;
      }
      ASSERT_EQ(err, "") << ir::to_string(node.expr) << " seed=" << seed;
      ASSERT_EQ(o.get_int(0), want) << ir::to_string(node.expr) << " at x=" << vx << " y=" << vy << " seed=" << seed;
      ++checked;
    }
  }
  // The generator exercises both outcomes.
  EXPECT_GT(checked, 4000);
  EXPECT_GT(div_by_zero, 10);
}

}  // namespace
}  // namespace loom::interp
