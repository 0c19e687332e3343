// Tests of block semantics: iteration bindings, predicates, init on the first reduction
// step, alloc_buffers zeroed per block instance, match_buffer views, and a matmul reduction
// against a naive C++ loop on random data.
#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>

#include "interp_test_util.h"

namespace loom::interp {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace)
using ir::IterType;

/// C[i, j] = sum_k A[i, k] * B[k, j], as TVM's create_prim_func writes it.
PrimFunc matmul(DataType t, int64_t n, int64_t m, int64_t kk) {
  Buffer a = make_buffer("A", t, {ir::make_int(n), ir::make_int(kk)});
  Buffer b = make_buffer("B", t, {ir::make_int(kk), ir::make_int(m)});
  Buffer c = make_buffer("C", t, {ir::make_int(n), ir::make_int(m)});
  Var i("i"), j("j"), k("k"), vi("vi"), vj("vj"), vk("vk");
  ir::Block block = make_block("C", {iter(vi, 0, n), iter(vj, 0, m), iter(vk, 0, kk, IterType::CommReduce)},
                               store(c, load(c, {vi, vj}) + load(a, {vi, vk}) * load(b, {vk, vj}), {vi, vj}),
                               store(c, ir::make_const(t, int64_t{0}), {vi, vj}));
  Stmt body = loop(i, ir::make_int(n), loop(j, ir::make_int(m), loop(k, ir::make_int(kk), realize({i, j, k}, block))));
  return make_func("matmul", {a, b, c}, root(body));
}

TEST(Block, MatmulMatchesNaiveLoopsOnRandomData) {
  const uint64_t seed = 2024;
  for (DataType t : {DataType::Float(32), DataType::Float(64), DataType::Int(32)}) {
    const int64_t n = 7, m = 5, kk = 9;
    std::vector<NDArray> arrays = random_params(matmul(t, n, m, kk), seed);
    NDArray want(t, {n, m});
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < m; ++j) {
        double acc = 0;
        for (int64_t k = 0; k < kk; ++k) {
          const double prod = arrays[0].get_double(i * kk + k) * arrays[1].get_double(k * m + j);
          acc = t.bits() == 32 && t.is_float() ? static_cast<float>(acc + static_cast<float>(prod)) : acc + prod;
        }
        want.set_double(i * m + j, acc);
      }
    }
    // C starts random: init must overwrite it.
    run(matmul(t, n, m, kk), {arrays[0], arrays[1], arrays[2]});
    CompareResult r = allclose(arrays[2], want, 1e-6, 1e-6);
    EXPECT_TRUE(r) << t.to_string() << ": " << r.message << " seed=" << seed;
  }
}

TEST(Block, Matmul64RunsWellUnderASecond) {
  PrimFunc f = matmul(DataType::Float(32), 64, 64, 64);
  std::vector<NDArray> out = random_params(f, 1);
  // CPU time, not wall time, so that other processes on a busy machine do not count.
  const std::clock_t start = std::clock();
  run(f, {out[0], out[1], out[2]});
  const double seconds = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
  RecordProperty("cpu_seconds", std::to_string(seconds));
  std::printf("64x64x64 matmul: %.3f s of CPU time\n", seconds);
#if defined(NDEBUG) && !defined(__SANITIZE_ADDRESS__)
  EXPECT_LT(seconds, 1.0);
#endif
  // Spot-check one element.
  std::vector<NDArray> in = random_params(f, 1);
  double acc = 0;
  for (int64_t k = 0; k < 64; ++k)
    acc = static_cast<float>(acc + static_cast<float>(in[0].get_double(5 * 64 + k) * in[1].get_double(k * 64 + 7)));
  EXPECT_NEAR(out[2].get_double(5 * 64 + 7), acc, 1e-5);
}

TEST(Block, InitRunsWhenEveryReductionVariableIsAtItsDomainMin) {
  // vk has domain [2, 5): init (out = 100) runs at vk == 2 only, then out += vk.
  // Two reduction variables (vr, vs over 3 x 2): init runs once per output, at (0, 0).
  Var k("k"), vk("vk"), r("r"), s("s"), vr("vr"), vs("vs"), vo("vo"), o("o");
  Buffer out = make_buffer("out", DataType::Int(32), {2});
  ir::Block one = make_block("one", {iter(vk, 2, 3, IterType::CommReduce)}, store(out, load(out, {0}) + vk, {0}),
                             store(out, 100, {0}));
  ir::Block two =
      make_block("two", {iter(vo, 1, 1), iter(vr, 0, 3, IterType::CommReduce), iter(vs, 0, 2, IterType::CommReduce)},
                 store(out, load(out, {vo}) + vr * 10 + vs, {vo}), store(out, 1000, {vo}));
  Stmt body = seq({loop(k, 3, realize({k + 2}, one)), loop(o, 1, loop(r, 3, loop(s, 2, realize({o + 1, r, s}, two))))});
  PrimFunc f = make_func("init", {out}, root(body));
  NDArray arr = NDArray::from_ints(DataType::Int(32), {2}, {-7, -7});
  run(f, {arr});
  EXPECT_EQ(arr.get_int(0), 100 + 2 + 3 + 4);
  EXPECT_EQ(arr.get_int(1), 1000 + (0 + 10 + 20) * 2 + (0 + 1) * 3);
}

TEST(Block, SpatialBlocksWithInitRunItEveryTime) {
  // No reduction variable: "every reduction variable is at its min" holds vacuously.
  Var i("i"), vi("vi");
  Buffer out = make_buffer("out", DataType::Int(32), {3});
  ir::Block b = make_block("b", {iter(vi, 0, 3)}, store(out, load(out, {vi}) + 1, {vi}), store(out, 10, {vi}));
  PrimFunc f = make_func("spatial", {out}, root(loop(i, 3, realize({i}, b))));
  NDArray arr(DataType::Int(32), {3});
  run(f, {arr});
  EXPECT_EQ(arr.to_string(), "[11, 11, 11]");
}

TEST(Block, BindingsAreExpressionsOfTheLoops) {
  // vi = i * 2 + j over a 3 x 2 nest covers [0, 6).
  Var i("i"), j("j"), vi("vi");
  Buffer out = make_buffer("out", DataType::Int(32), {6});
  ir::Block b = make_block("b", {iter(vi, 0, 6)}, store(out, vi * vi, {vi}));
  PrimFunc f = make_func("bind", {out}, root(loop(i, 3, loop(j, 2, realize({i * 2 + j}, b)))));
  NDArray arr(DataType::Int(32), {6});
  run(f, {arr});
  EXPECT_EQ(arr.to_string(), "[0, 1, 4, 9, 16, 25]");
}

TEST(Block, PredicateSkipsTheInstance) {
  // A 10-element loop split by 4: the predicate i * 4 + j < 10 masks the last two.
  Var i("i"), j("j"), vi("vi");
  Buffer out = make_buffer("out", DataType::Int(32), {10});
  ir::Block b = make_block("b", {iter(vi, 0, 10)}, store(out, vi + 1, {vi}));
  PrimFunc f = make_func("pred", {out}, root(loop(i, 3, loop(j, 4, realize({i * 4 + j}, b, i * 4 + j < 10)))));
  NDArray arr(DataType::Int(32), {10});
  run(f, {arr});  // without the predicate, vi = 10 would be outside the domain
  EXPECT_EQ(arr.to_string(), "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]");
}

TEST(Block, AllocBufferIsZeroedForEveryBlockInstance) {
  // T is allocated per instance of block "acc": B[vi] = (0 + A[vi]), never a running sum.
  Var i("i"), vi("vi");
  Buffer a = make_buffer("A", DataType::Float(32), {4});
  Buffer b = make_buffer("B", DataType::Float(32), {4});
  Buffer t = make_buffer("T", DataType::Float(32), {1});
  ir::Block acc = make_block("acc", {iter(vi, 0, 4)},
                             seq({store(t, load(t, {0}) + load(a, {vi}), {0}), store(b, load(t, {0}), {vi})}), {}, {t});
  PrimFunc f = make_func("alloc", {a, b}, root(loop(i, 4, realize({i}, acc))));
  NDArray in = NDArray::from_doubles(DataType::Float(32), {4}, {1, 2, 3, 4});
  NDArray out(DataType::Float(32), {4});
  run(f, {in, out});
  EXPECT_EQ(out.to_string(), "[1, 2, 3, 4]");
}

TEST(Block, RootAllocBufferCarriesAnIntermediate) {
  // T = A + 1 in one block, B = T * 2 in the next; T lives in the root block.
  Var i("i"), j("j"), vi("vi"), vj("vj");
  Buffer a = make_buffer("A", DataType::Int(32), {4});
  Buffer b = make_buffer("B", DataType::Int(32), {4});
  Buffer t = make_buffer("T", DataType::Int(32), {4});
  ir::Block produce = make_block("T", {iter(vi, 0, 4)}, store(t, load(a, {vi}) + 1, {vi}));
  ir::Block consume = make_block("B", {iter(vj, 0, 4)}, store(b, load(t, {vj}) * 2, {vj}));
  Stmt body = seq({loop(i, 4, realize({i}, produce)), loop(j, 4, realize({j}, consume))});
  PrimFunc f = make_func("two_stage", {a, b}, root(body, {t}));
  NDArray in = NDArray::from_ints(DataType::Int(32), {4}, {1, 2, 3, 4});
  NDArray out(DataType::Int(32), {4});
  run(f, {in, out});
  EXPECT_EQ(out.to_string(), "[4, 6, 8, 10]");
}

TEST(Block, MatchBufferViewsARegionForReadsAndWrites) {
  // For each vi in 2: Sub = A[vi*2 : vi*2+2, 1:3] (read) and W = Out[vi*2 : vi*2+2, 0:2]
  // (written); W[x, y] = Sub[x, y] * 10.
  Var i("i"), vi("vi"), x("x"), y("y");
  Buffer a = make_buffer("A", DataType::Int(32), {4, 4});
  Buffer out = make_buffer("Out", DataType::Int(32), {4, 2});
  Buffer sub = make_buffer("Sub", DataType::Int(32), {2, 2});
  Buffer w = make_buffer("W", DataType::Int(32), {2, 2});
  auto region = [](const Buffer& src, Expr r0, Expr c0) {
    return ir::BufferRegion{src, {ir::Range::from_min_extent(r0, 2), ir::Range::from_min_extent(c0, 2)}};
  };
  ir::Block b = make_block("tile", {iter(vi, 0, 2)}, loop(x, 2, loop(y, 2, store(w, load(sub, {x, y}) * 10, {x, y}))),
                           {}, {}, {{sub, region(a, vi * 2, 1)}, {w, region(out, vi * 2, 0)}});
  PrimFunc f = make_func("match", {a, out}, root(loop(i, 2, realize({i}, b))));
  NDArray in(DataType::Int(32), {4, 4});
  for (int64_t e = 0; e < 16; ++e) in.set_int(e, e);
  NDArray o(DataType::Int(32), {4, 2});
  run(f, {in, o});
  EXPECT_EQ(o.to_string(), "[[10, 20], [50, 60], [90, 100], [130, 140]]");
}

TEST(Block, MatchBufferBindsSymbolicShapeStridesAndOffset) {
  // Sub has shape (m, n), strides (s0, s1) and elem_offset off, all unbound variables: they
  // take the region's extents, the source's strides and the region's start offset.
  Var vi("vi"), m("m"), n("n"), s0("s0"), s1("s1"), off("off");
  Buffer a = make_buffer("A", DataType::Int(32), {6, 5});
  Buffer out = make_buffer("Out", DataType::Int(32), {6});
  Buffer sub = Buffer::make("Sub", DataType::Int(32), {m, n}, {s0, s1}, off);
  ir::BufferRegion region{a, {ir::Range::from_min_extent(2, 3), ir::Range::from_min_extent(1, 4)}};
  ir::Block b = make_block("b", {iter(vi, 0, 1)},
                           seq({store(out, m, {0}), store(out, n, {1}), store(out, s0, {2}), store(out, s1, {3}),
                                store(out, off, {4}), store(out, load(sub, {m - 1, n - 1}), {5})}),
                           {}, {}, {{sub, region}});
  PrimFunc f = make_func("sym", {a, out}, root(realize({0}, b)));
  NDArray in(DataType::Int(32), {6, 5});
  for (int64_t e = 0; e < 30; ++e) in.set_int(e, e);
  NDArray o(DataType::Int(32), {6});
  run(f, {in, o});
  EXPECT_EQ(o.to_string(), "[3, 4, 5, 1, 11, 24]");  // A[4, 4] = 24
}

TEST(Block, MatchBufferMayDropUnitLeadingDimensions) {
  // Row = A[vi, 0:4] as a 1-D buffer of shape (4,).
  Var i("i"), vi("vi"), x("x");
  Buffer a = make_buffer("A", DataType::Int(32), {3, 4});
  Buffer out = make_buffer("Out", DataType::Int(32), {3});
  Buffer row = make_buffer("Row", DataType::Int(32), {4});
  ir::BufferRegion region{a, {ir::Range::from_min_extent(vi, 1), ir::Range::from_min_extent(0, 4)}};
  ir::Block b = make_block("sum", {iter(vi, 0, 3)}, loop(x, 4, store(out, load(out, {vi}) + load(row, {x}), {vi})), {},
                           {}, {{row, region}});
  PrimFunc f = make_func("rows", {a, out}, root(loop(i, 3, realize({i}, b))));
  NDArray in(DataType::Int(32), {3, 4});
  for (int64_t e = 0; e < 12; ++e) in.set_int(e, e);
  NDArray o(DataType::Int(32), {3});
  run(f, {in, o});
  EXPECT_EQ(o.to_string(), "[6, 22, 38]");
}

}  // namespace
}  // namespace loom::interp
