// A test plugin written with loom/plugin.hpp that uses the primitives of the block and
// layout families through the ABI (the example plugin covers tiling, caching and
// parallelization), and the IR views.
#include <string>
#include <vector>

#include "loom/plugin.hpp"

namespace lp = loom::plugin;

namespace {

std::vector<lp::Schedule> one(lp::Schedule s) {
  std::vector<lp::Schedule> out;
  out.push_back(std::move(s));
  return out;
}

/// Vectorizes a matmul's inner product with the tensor intrinsic loom.vec.fma_f32x4: splits
/// j by 4, moves the init out, puts k above the 4-lane loop and tensorizes it.
class TensorizeMatmul : public lp::ScheduleRule {
 public:
  explicit TensorizeMatmul(const lp::Config&) {}
  std::vector<lp::Schedule> apply(const lp::Schedule& sch, lp::BlockRV block) override {
    lp::Schedule s = sch.copy();
    std::vector<lp::LoopRV> loops = s.get_loops(block);  // i, j, k
    std::vector<lp::LoopRV> j = s.split(loops[1], {lp::none, 4});
    s.decompose_reduction(block, loops[0]);
    s.reorder({loops[2], j[1]});
    s.tensorize(j[1], "loom.vec.fma_f32x4");
    return one(std::move(s));
  }
};

/// Pads a matmul's loops to multiples of (8, 8, 4), then blockizes the innermost loop.
class PadThenBlockize : public lp::ScheduleRule {
 public:
  explicit PadThenBlockize(const lp::Config&) {}
  std::vector<lp::Schedule> apply(const lp::Schedule& sch, lp::BlockRV block) override {
    lp::Schedule s = sch.copy();
    s.pad_einsum(block, {8, 8, 4});
    std::vector<lp::LoopRV> loops = s.get_loops(block);
    std::vector<lp::LoopRV> k = s.split(loops.back(), {lp::none, 2});
    lp::BlockRV outer = s.blockize(k[1]);
    // The IR views see the new outer block and its name.
    lp::ir::Node node = s.block_node(outer);
    if (node.str("name").find("_o") == std::string::npos) throw lp::Error("blockize did not name the outer block *_o");
    return one(std::move(s));
  }
};

/// Stores the block's output (an intermediate buffer) tiled: (i // 4, j, i % 4).
class TileLayout : public lp::ScheduleRule {
 public:
  explicit TileLayout(const lp::Config&) {}
  std::vector<lp::Schedule> apply(const lp::Schedule& sch, lp::BlockRV block) override {
    lp::Schedule s = sch.copy();
    s.transform_layout(block, "write", 0, "lambda i, j: (i // 4, j, i % 4)");
    return one(std::move(s));
  }
};

}  // namespace

LOOM_DEFINE_PLUGIN("test_cpp", "1.0") {
  registry.add_rule<TensorizeMatmul>("test.tensorize_matmul", "1.0", "tensorizes a matmul with fma_f32x4");
  registry.add_rule<PadThenBlockize>("test.pad_then_blockize", "1.0", "pad_einsum, then blockize");
  registry.add_rule<TileLayout>("test.tile_layout", "1.0", "transform_layout of the block's output");
}
