// The shared pad stage: its shape, its guarded load (conditions only on padded sides) and
// its values in the interpreter.
#include "loom/workloads/nn.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "block_helpers.h"
#include "loom/ir/builder.h"

namespace loom::workloads {
namespace {

using ::testing::HasSubstr;

std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const UserError& e) {
    return e.what();
  }
  return "<no UserError thrown>";
}

// The number of comparison nodes in an expression.
int count_compares(const ir::Expr& e) {
  int n = 0;
  ir::post_order_visit(e, [&](const ir::Object* node) {
    ir::NodeKind k = node->kind();
    n += k == ir::NodeKind::LT || k == ir::NodeKind::LE || k == ir::NodeKind::GT || k == ir::NodeKind::GE;
  });
  return n;
}

ir::Expr stored_value(const ir::PrimFunc& f) {
  const ir::BlockNode* block = testing::stage_blocks(f).at(0);
  return block->body.as<ir::BufferStoreNode>()->value;
}

TEST(Pad, ShapeAndValues) {
  Tensor a = placeholder({2, 3}, "A");
  Tensor p = pad(a, {1, 0}, {2, 1}, 0.0, "P");
  EXPECT_EQ(p.shape(), (std::vector<int64_t>{5, 4}));
  ir::PrimFunc f = create_prim_func({a, p});
  const auto* call = stored_value(f).as<ir::CallNode>();
  ASSERT_NE(call, nullptr);
  EXPECT_EQ(call->op, ir::Intrinsic::if_then_else);
  // Dimension 0 is padded on both sides, dimension 1 only after: three bound checks.
  EXPECT_EQ(count_compares(call->args[0]), 3);
  auto arrays = testing::run_on_random(f, 21);
  for (int64_t r = 0; r < 5; ++r) {
    for (int64_t c = 0; c < 4; ++c) {
      bool inside = r >= 1 && r < 3 && c < 3;
      double want = inside ? arrays[0].get_double((r - 1) * 3 + c) : 0.0;
      EXPECT_EQ(arrays[1].get_double(r * 4 + c), want) << r << ", " << c;
    }
  }
}

TEST(Pad, PadValueIsUsedOutside) {
  Tensor a = placeholder({2}, "A");
  Tensor p = pad(a, {1}, {1}, -3.5, "P");
  auto arrays = testing::run_on_random(create_prim_func({a, p}), 2);
  EXPECT_EQ(arrays[1].get_double(0), -3.5);
  EXPECT_EQ(arrays[1].get_double(3), -3.5);
  EXPECT_EQ(arrays[1].get_double(1), arrays[0].get_double(0));
}

TEST(Pad, NoPaddingIsAPlainCopy) {
  Tensor a = placeholder({2, 3}, "A");
  Tensor p = pad(a, {0, 0}, {0, 0}, 0.0, "P");
  ir::PrimFunc f = create_prim_func({a, p});
  EXPECT_NE(stored_value(f).as<ir::BufferLoadNode>(), nullptr);
}

TEST(Pad, Errors) {
  Tensor a = placeholder({2, 3}, "A");
  EXPECT_THAT(message_of([&] {
                pad(a, {1}, {1, 1}, 0.0, "P");
              }),
              HasSubstr("pad P: before and after need one entry per dimension of A (2)"));
  EXPECT_THAT(message_of([&] {
                pad(a, {0, -1}, {0, 0}, 0.0, "P");
              }),
              HasSubstr("pad P: padding of dimension 1 must not be negative"));
}

}  // namespace
}  // namespace loom::workloads
