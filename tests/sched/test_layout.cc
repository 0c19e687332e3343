// Tests of IndexMap and the transform_layout primitive (before / schedule / expected
// fixtures, error paths, the Python and JSON forms of the instruction, random layouts of
// intermediate buffers against the interpreter).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fmt/format.h"
#include "loom/arith/analyzer.h"
#include "loom/ir/builder.h"
#include "loom/ir/printer.h"
#include "loom/sched/index_map.h"
#include "loom/sched/schedule.h"
#include "loom/sched/schedule_script.h"
#include "loom/script/parser.h"
#include "loom/workloads/zoo.h"
#include "sched_test_util.h"

namespace loom::sched {
namespace {

using testing::expect_equivalent;
using testing::expect_func_equal;
using testing::expect_schedule_error;
using ::testing::HasSubstr;
using testing::verify_trace_roundtrip;

std::vector<ir::Expr> ints(std::initializer_list<int64_t> xs) {
  std::vector<ir::Expr> out;
  for (int64_t x : xs) out.push_back(ir::make_int(x));
  return out;
}

std::vector<std::string> texts(const std::vector<ir::Expr>& es) {
  std::vector<std::string> out;
  for (const ir::Expr& e : es) out.push_back(ir::to_string(e));
  return out;
}

TEST(IndexMap, ParsesAndPrintsLambdas) {
  IndexMap m = IndexMap::parse("lambda i, j: (i // 16, j // 16, i % 16, j % 16)");
  ASSERT_EQ(m.input_ndim(), 2u);
  ASSERT_EQ(m.output_ndim(), 4u);
  EXPECT_EQ(m.to_python(), "lambda i, j: (i // 16, j // 16, i % 16, j % 16)");
  EXPECT_EQ(IndexMap::parse(m.to_python()).to_python(), m.to_python());
  // The T. spellings, a single result without a tuple, extra spaces.
  EXPECT_EQ(IndexMap::parse("lambda  i,j : (T.floordiv(i, 4), T.floormod(i, 4), j)").to_python(),
            "lambda i, j: (i // 4, i % 4, j)");
  EXPECT_EQ(IndexMap::parse("lambda i: i % 8").to_python(), "lambda i: i % 8");
  EXPECT_EQ(IndexMap::parse("lambda i, j: (j, i * 2 + 1, T.max(i, j))").to_python(),
            "lambda i, j: (j, i * 2 + 1, T.max(i, j))");
  IndexMap wide = IndexMap::parse("lambda i: (i // 4, i % 4)", ir::DataType::Int(64));
  EXPECT_EQ(wide.final_indices()[0].dtype(), ir::DataType::Int(64));
  EXPECT_EQ(IndexMap::parse(wide.to_python()).to_python(), "lambda i: (i // 4, i % 4)");
}

TEST(IndexMap, RejectsWhatIsNotAnIndexLambda) {
  auto error = [](const std::string& text) -> std::string {
    try {
      IndexMap::parse(text);
    } catch (const UserError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_THAT(error("lambda i, j: (i, k)"), HasSubstr("index map 'lambda i, j: (i, k)': name 'k' is not one"));
  EXPECT_THAT(error("lambda i: i / 2"), HasSubstr("write '//' for the integer (floor) division"));
  EXPECT_THAT(error("lambda i, i: i"), HasSubstr("parameter 'i' is repeated"));
  EXPECT_THAT(error("lambda i: (i,"), HasSubstr("not a valid Python lambda"));
  EXPECT_THAT(error("i // 4"), HasSubstr("expected one Python lambda"));
  EXPECT_THAT(error("lambda: 0"), HasSubstr("without parameters"));
  EXPECT_THAT(error("lambda i: T.exp(i)"), HasSubstr("call of 'exp' is not supported"));
  EXPECT_THAT(error("lambda i: i ** 2"), HasSubstr("operator '**' is not supported"));
}

TEST(IndexMap, MapsIndicesRangesAndShapes) {
  IndexMap m = IndexMap::parse("lambda i, j: (i // 4, j, i % 4)");
  ir::Var x("x"), y("y");
  arith::Analyzer analyzer;
  analyzer.bind(x, ir::Range{ir::make_int(0), ir::make_int(4)});
  EXPECT_THAT(texts(m.map_indices({x * 4 + 3, y}, &analyzer)), ::testing::ElementsAre("x", "y", "3"));
  EXPECT_THAT(texts(m.map_shape(ints({16, 8}))), ::testing::ElementsAre("4", "8", "4"));
  // A padded shape: 10 rows become 3 x 4.
  EXPECT_THAT(texts(m.map_shape(ints({10, 8}))), ::testing::ElementsAre("3", "8", "4"));
  // The region of rows [4x, 4x + 4), all columns: one row block.
  std::vector<ir::Range> r = m.map_ranges({{x * 4, ir::make_int(4)}, {ir::make_int(0), ir::make_int(8)}}, &analyzer);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(ir::to_string(r[0].min), "x");
  EXPECT_EQ(ir::to_string(r[0].extent), "1");
  EXPECT_EQ(ir::to_string(r[1].extent), "8");
  EXPECT_EQ(ir::to_string(r[2].min), "0");
  EXPECT_EQ(ir::to_string(r[2].extent), "4");
  try {
    IndexMap::parse("lambda i: i - 1").map_shape(ints({8}));
    ADD_FAILURE() << "expected an error";
  } catch (const UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("result 'i - 1' can be negative"));
  }
}

TEST(IndexMap, InvertsBijectiveMapsOnly) {
  IndexMap m = IndexMap::parse("lambda i, j: (j // 4, i, j % 4)");
  std::vector<ir::Expr> shape = ints({6, 8});
  EXPECT_TRUE(m.is_bijective(shape));
  std::optional<IndexMap> inv = m.inverse(shape);
  ASSERT_TRUE(inv.has_value());
  EXPECT_EQ(inv->to_python(), "lambda i0, i1, i2: (i1, i0 * 4 + i2)");
  // inverse(map(p)) == p at every point of the shape.
  for (int64_t i = 0; i < 6; ++i) {
    for (int64_t j = 0; j < 8; ++j) {
      std::vector<ir::Expr> back = inv->map_indices(m.map_indices(ints({i, j})));
      EXPECT_THAT(texts(back), ::testing::ElementsAre(std::to_string(i), std::to_string(j)));
    }
  }
  std::string why;
  EXPECT_FALSE(IndexMap::parse("lambda i, j: (i // 2, j)").is_bijective(shape, &why));
  EXPECT_FALSE(why.empty());
  EXPECT_FALSE(IndexMap::parse("lambda i, j: (i // 4, j, i % 4)").inverse(shape, &why).has_value());
  EXPECT_FALSE(IndexMap::parse("lambda i, j: (i + j, j)").is_bijective(shape));
  EXPECT_TRUE(IndexMap::parse("lambda i, j: (i * 8 + j,)").is_bijective(shape));
}

const char* const kTwoStage = testing::kTwoStageElementwise;

TEST(TransformLayout, IntermediateBufferTakesTheMappedShapeEverywhere) {
  ir::PrimFunc before = script::parse_func(kTwoStage);
  Schedule sch(before, 0, DebugMode::Verify);
  sch.transform_layout(sch.get_block("B"), BufferIndexType::Write, 0,
                       IndexMap::parse("lambda i, j: (i // 4, j, i % 4)"));
  ir::PrimFunc expected = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((16, 8), "float32"), C: T.Buffer((16, 8), "float32")):
    B = T.alloc_buffer((4, 8, 4))
    for i, j in T.grid(16, 8):
        with T.block("B"):
            vi, vj = T.axis.remap("SS", [i, j])
            T.reads(A[vi, vj])
            T.writes(B[vi // 4, vj, vi % 4])
            B[vi // 4, vj, vi % 4] = A[vi, vj] * T.float32(2)
    for i, j in T.grid(16, 8):
        with T.block("C"):
            vi, vj = T.axis.remap("SS", [i, j])
            T.reads(B[vi // 4, vj, vi % 4])
            T.writes(C[vi, vj])
            C[vi, vj] = B[vi // 4, vj, vi % 4] + T.float32(1)
)");
  expect_func_equal(sch.mod().at("main"), expected);
  expect_equivalent(before, sch.mod().at("main"));
  verify_trace_roundtrip(sch);
  EXPECT_THAT(sch.trace().as_python(),
              HasSubstr("sch.transform_layout(block=b0, buffer=(\"write\", 0), index_map=lambda i, j: (i // 4, j, i % "
                        "4), pad_value=None, assume_injective_transform=False)"));
  // TVM's JSON shape: attrs [buffer_index, buffer_index_type, index_map, pad_value,
  // assume_injective_transform], the index map as its lambda text.
  nlohmann::json json = sch.trace().to_json();
  EXPECT_EQ(json[0][1].dump(), R"J(["TransformLayout",["b0"],[0,1,"lambda i, j: (i // 4, j, i % 4)",null,0],[]])J");
}

TEST(TransformLayout, ReadOfATiledLoopNestMapsRegions) {
  // The consumer reads a 4-row tile of B per block instance: its region maps to one block row.
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((16, 8), "float32"), C: T.Buffer((4, 8), "float32")):
    B = T.alloc_buffer((16, 8))
    for i, j in T.grid(16, 8):
        with T.block("B"):
            vi, vj = T.axis.remap("SS", [i, j])
            B[vi, vj] = A[vi, vj] * T.float32(2)
    for i, j in T.grid(4, 8):
        with T.block("C"):
            vi, vj = T.axis.remap("SS", [i, j])
            T.reads(B[vi * 4:vi * 4 + 4, vj])
            T.writes(C[vi, vj])
            C[vi, vj] = B[vi * 4, vj] + B[vi * 4 + 1, vj] + B[vi * 4 + 2, vj] + B[vi * 4 + 3, vj]
)");
  Schedule sch(before, 0, DebugMode::Verify);
  sch.transform_layout(sch.get_block("C"), BufferIndexType::Read, 0,
                       IndexMap::parse("lambda i, j: (i // 4, j, i % 4)"));
  ir::PrimFunc expected = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((16, 8), "float32"), C: T.Buffer((4, 8), "float32")):
    B = T.alloc_buffer((4, 8, 4))
    for i, j in T.grid(16, 8):
        with T.block("B"):
            vi, vj = T.axis.remap("SS", [i, j])
            T.reads(A[vi, vj])
            T.writes(B[vi // 4, vj, vi % 4])
            B[vi // 4, vj, vi % 4] = A[vi, vj] * T.float32(2)
    for i, j in T.grid(4, 8):
        with T.block("C"):
            vi, vj = T.axis.remap("SS", [i, j])
            T.reads(B[vi, vj, 0:4])
            T.writes(C[vi, vj])
            C[vi, vj] = B[vi, vj, 0] + B[vi, vj, 1] + B[vi, vj, 2] + B[vi, vj, 3]
)");
  expect_func_equal(sch.mod().at("main"), expected);
  expect_equivalent(before, sch.mod().at("main"));
  verify_trace_roundtrip(sch);
}

TEST(TransformLayout, PaddingOfAnIntermediateBufferIsFilledWithThePadValue) {
  ir::PrimFunc before = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((10, 8), "float32"), C: T.Buffer((10, 8), "float32")):
    B = T.alloc_buffer((10, 8))
    for i, j in T.grid(10, 8):
        with T.block("B"):
            vi, vj = T.axis.remap("SS", [i, j])
            B[vi, vj] = A[vi, vj] * T.float32(2)
    for i, j in T.grid(10, 8):
        with T.block("C"):
            vi, vj = T.axis.remap("SS", [i, j])
            C[vi, vj] = B[vi, vj] + T.float32(1)
)");
  Schedule sch(before, 0, DebugMode::Verify);
  sch.transform_layout(sch.get_block("B"), BufferIndexType::Write, 0,
                       IndexMap::parse("lambda i, j: (i // 4, j, i % 4)"), Value(-1.5));
  ir::PrimFunc expected = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((10, 8), "float32"), C: T.Buffer((10, 8), "float32")):
    B = T.alloc_buffer((3, 8, 4))
    for ax0, ax1, ax2 in T.grid(3, 8, 4):
        with T.block("B_pad"):
            v0, v1, v2 = T.axis.remap("SSS", [ax0, ax1, ax2])
            T.reads()
            T.writes(B[v0, v1, v2])
            if v0 * 4 + v2 >= 10:
                B[v0, v1, v2] = T.float32(-1.5)
    for i, j in T.grid(10, 8):
        with T.block("B"):
            vi, vj = T.axis.remap("SS", [i, j])
            T.reads(A[vi, vj])
            T.writes(B[vi // 4, vj, vi % 4])
            B[vi // 4, vj, vi % 4] = A[vi, vj] * T.float32(2)
    for i, j in T.grid(10, 8):
        with T.block("C"):
            vi, vj = T.axis.remap("SS", [i, j])
            T.reads(B[vi // 4, vj, vi % 4])
            T.writes(C[vi, vj])
            C[vi, vj] = B[vi // 4, vj, vi % 4] + T.float32(1)
)");
  expect_func_equal(sch.mod().at("main"), expected);
  expect_equivalent(before, sch.mod().at("main"));
  verify_trace_roundtrip(sch);
  EXPECT_THAT(sch.trace().as_python(), HasSubstr("pad_value=-1.5, assume_injective_transform=False)"));
}

const char* kMatmul = R"(
@T.prim_func
def main(A: T.Buffer((16, 8), "float32"), B: T.Buffer((8, 4), "float32"), C: T.Buffer((16, 4), "float32")):
    for i, j, k in T.grid(16, 4, 8):
        with T.block("C"):
            vi, vj, vk = T.axis.remap("SSR", [i, j, k])
            with T.init():
                C[vi, vj] = T.float32(0)
            C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]
)";

TEST(TransformLayout, ParametersChangeTheFunctionSignature) {
  ir::PrimFunc before = script::parse_func(kMatmul);
  Schedule sch(before, 0, DebugMode::Verify);
  BlockRV c = sch.get_block("C");
  sch.transform_layout(c, BufferIndexType::Write, 0, IndexMap::parse("lambda i, j: (j, i)"));
  sch.transform_layout(c, "A", IndexMap::parse("lambda i, k: (i // 8, k, i % 8)"));
  ir::PrimFunc expected = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((2, 8, 8), "float32"), B: T.Buffer((8, 4), "float32"), C: T.Buffer((4, 16), "float32")):
    for i, j, k in T.grid(16, 4, 8):
        with T.block("C"):
            vi, vj, vk = T.axis.remap("SSR", [i, j, k])
            T.reads(C[vj, vi], A[vi // 8, vk, vi % 8], B[vk, vj])
            T.writes(C[vj, vi])
            with T.init():
                C[vj, vi] = T.float32(0)
            C[vj, vi] = C[vj, vi] + A[vi // 8, vk, vi % 8] * B[vk, vj]
)");
  expect_func_equal(sch.mod().at("main"), expected);
  verify_trace_roundtrip(sch);
  // The buffer given by name is recorded by its index.
  EXPECT_THAT(sch.trace().as_python(), HasSubstr("buffer=(\"read\", 1), index_map=lambda i, k: (i // 8, k, i % 8)"));
}

TEST(TransformLayout, Errors) {
  ir::PrimFunc before = script::parse_func(kTwoStage);
  Schedule sch(before, 0, DebugMode::Verify);
  BlockRV b = sch.get_block("B");
  auto map = [](const char* text) { return IndexMap::parse(text); };
  expect_schedule_error(
      sch, [&] { sch.transform_layout(b, BufferIndexType::Write, 1, map("lambda i, j: (j, i)")); },
      "BufferIndexOutOfRange", "block B has 1 write buffers, buffer index 1 is out of range");
  expect_schedule_error(
      sch, [&] { sch.transform_layout(b, BufferIndexType::Write, 0, map("lambda i: i")); }, "IndexMapArity",
      "index map 'lambda i: i' takes 1 indices but buffer B has 2 dimensions");
  expect_schedule_error(
      sch, [&] { sch.transform_layout(b, BufferIndexType::Write, 0, map("lambda i, j: (i // 2, j)")); },
      "TransformationNotBijective", "index map 'lambda i, j: (i // 2, j)' is not a bijection from buffer B of shape");
  expect_schedule_error(
      sch, [&] { sch.transform_layout(b, BufferIndexType::Write, 0, map("lambda i, j: (i // 5, j, i % 5)")); },
      "TransformationPadding",
      "maps buffer B of shape (16, 8) into the larger shape (4, 8, 5): it introduces padding, which needs a pad_value");
  expect_schedule_error(
      sch,
      [&] {
        sch.transform_layout(b, BufferIndexType::Write, 0, map("lambda i, j: ((i * 8 + j) // 5, (i * 8 + j) % 5)"),
                             Value(0.0));
      },
      "TransformationPadding", "and it is not injective with a padded inverse: result");
  expect_schedule_error(
      sch,
      [&] { sch.transform_layout(b, BufferIndexType::Read, 0, map("lambda i, j: (i // 5, j, i % 5)"), Value(0.0)); },
      "TransformationPadding",
      "maps buffer A of shape (16, 8) into the larger shape (4, 8, 5): it introduces padding; padding a function "
      "parameter is not supported");
  expect_schedule_error(
      sch, [&] { sch.transform_layout(b, BufferIndexType::Write, 0, map("lambda i, j: (i - 1, j)")); },
      "InvalidIndexMap", "result 'i - 1' can be negative");
  expect_schedule_error(
      sch, [&] { sch.transform_layout(b, "D", map("lambda i, j: (j, i)")); }, "BufferNotFound",
      "block B neither reads nor writes a buffer named D");
  expect_schedule_error(
      sch, [&] { sch.transform_layout(b, BufferIndexType::Write, 0, map("lambda i, j: (j, i)"), Value("zero")); },
      "InvalidIndexMap", "pad_value must be None or a number, got \"zero\"");

  // A buffer viewed through match_buffer keeps its layout.
  ir::PrimFunc viewed = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((4, 4), "float32"), C: T.Buffer((4, 4), "float32")):
    for i in range(4):
        with T.block("C"):
            vi = T.axis.spatial(4, i)
            T.reads(A[vi, 0:4])
            T.writes(C[vi, 0:4])
            Av = T.match_buffer(A[vi, 0:4], (4,))
            for j in range(4):
                C[vi, j] = Av[j]
)");
  Schedule vsch(viewed, 0, DebugMode::Verify);
  BlockRV vc = vsch.get_block("C");
  expect_schedule_error(
      vsch, [&] { vsch.transform_layout(vc, BufferIndexType::Read, 0, map("lambda i, j: (j, i)")); },
      "UnsupportedAccess", "block C views buffer A through match_buffer Av, cannot transform its layout");
}

TEST(TransformLayoutScript, LambdaArgumentsReadBack) {
  ir::PrimFunc before = script::parse_func(kTwoStage);
  Schedule sch(before, 0, DebugMode::Verify);
  apply_schedule_script(sch,
                        "b0 = sch.get_block(name=\"B\", func_name=\"main\")\n"
                        "sch.transform_layout(block=b0, buffer=(\"write\", 0),\n"
                        "                     index_map=lambda i, j: (T.floordiv(i, 4), j, i % 4))\n"
                        "sch.transform_layout(\"C\", \"B\", lambda a, b, c: (b, a, c), pad_value=0.0)\n");
  Schedule direct(before, 0, DebugMode::Verify);
  direct.transform_layout(direct.get_block("B"), BufferIndexType::Write, 0,
                          IndexMap::parse("lambda i, j: (i // 4, j, i % 4)"));
  direct.transform_layout(direct.get_block("C"), BufferIndexType::Read, 0, IndexMap::parse("lambda a, b, c: (b, a, c)"),
                          Value(0.0));
  expect_func_equal(sch.mod().at("main"), direct.mod().at("main"));
  EXPECT_EQ(sch.trace().as_python(), direct.trace().as_python());
  EXPECT_THAT(direct.trace().as_python(),
              HasSubstr("sch.transform_layout(block=b1, buffer=(\"read\", 0), index_map=lambda a, b, c: (b, a, c), "
                        "pad_value=0.0, assume_injective_transform=False)"));
  expect_equivalent(before, sch.mod().at("main"));
  verify_trace_roundtrip(sch);
  // The printed trace is itself a valid script.
  Schedule again(before, 0, DebugMode::Verify);
  apply_schedule_script(again, direct.trace().as_python());
  expect_func_equal(again.mod().at("main"), direct.mod().at("main"));

  Schedule bad(before, 0, DebugMode::Verify);
  try {
    apply_schedule_script(bad, "b0 = sch.get_block(\"B\")\nsch.transform_layout(b0, (\"write\", 0), lambda i, j: k)\n");
    ADD_FAILURE() << "expected a ScheduleScriptError";
  } catch (const ScheduleScriptError& e) {
    EXPECT_THAT(e.what(), HasSubstr("index map 'lambda i, j: k': name 'k' is not one of its parameters"));
    EXPECT_EQ(e.primitive(), "transform_layout");
  }
  EXPECT_EQ(bad.trace().size(), 0u);
}

/// A random split/transpose-style map of an n-dimensional buffer: one dimension split by a
/// factor of its extent (its outer part first, the inner part last), then a random rotation.
std::string random_map(RandomEngine& rng, const std::vector<int64_t>& shape) {
  size_t n = shape.size();
  std::vector<std::string> params, results;
  for (size_t d = 0; d < n; ++d) params.push_back("i" + std::to_string(d));
  size_t d = static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(n)));
  std::vector<int64_t> factors;
  // Now and then a factor that does not divide the extent: a padded map, which is rejected.
  bool padded = rng.uniform_int(0, 3) == 0;
  for (int64_t f = 2; f < shape[d]; ++f) {
    if (padded || shape[d] % f == 0) factors.push_back(f);
  }
  std::string inner;
  for (size_t k = 0; k < n; ++k) {
    if (k == d && !factors.empty()) {
      int64_t f = factors[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(factors.size())))];
      results.push_back(fmt::format("{} // {}", params[k], f));
      inner = fmt::format("{} % {}", params[k], f);
    } else {
      results.push_back(params[k]);
    }
  }
  size_t rot = static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(results.size())));
  std::rotate(results.begin(), results.begin() + static_cast<std::ptrdiff_t>(rot), results.end());
  if (!inner.empty()) results.push_back(inner);
  return fmt::format("lambda {}: ({},)", fmt::join(params, ", "), fmt::join(results, ", "));
}

/// Random layouts of the intermediate buffers of small zoo workloads, mixed with loop splits:
/// every schedule the primitive accepts computes what the workload computes and replays from
/// its trace.
TEST(TransformLayoutProperty, RandomLayoutsOfIntermediateBuffersKeepTheMeaning) {
  const std::vector<std::pair<std::string, std::map<std::string, int64_t>>> workloads = {
      {"gmm", {{"M", 4}, {"N", 4}, {"K", 4}}},
      {"bmm", {{"B", 2}, {"M", 4}, {"N", 6}, {"K", 4}}},
      {"c2d", {{"N", 1}, {"H", 4}, {"W", 4}, {"CI", 2}, {"CO", 4}, {"K", 3}, {"stride", 1}, {"padding", 1}}},
      {"nrm", {{"B", 2}, {"M", 4}, {"N", 4}}},
      {"sfm", {{"M", 4}, {"N", 6}}},
  };
  int checked = 0, attempted = 0, applied = 0;
  for (const auto& [name, shape] : workloads) {
    ir::PrimFunc func = workloads::make_workload(name, shape);
    for (int64_t seed = 0; seed < 10; ++seed) {
      SCOPED_TRACE("workload " + name + ", seed " + std::to_string(seed));
      Schedule sch(func, seed, DebugMode::Verify);
      RandomEngine& rng = sch.rng();
      for (int step = 0; step < 3; ++step) {
        std::vector<BlockRV> blocks = sch.get_child_blocks(sch.get_block("root"));
        BlockRV b = blocks[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(blocks.size())))];
        ir::Block block = sch.get(b);
        if (rng.uniform_int(0, 3) == 0) {  // a loop split, so layouts meet non-trivial bindings
          std::vector<LoopRV> loops = sch.get_loops(b);
          LoopRV l = loops[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(loops.size())))];
          try {
            sch.split(l, std::vector<std::optional<int64_t>>{std::nullopt, 2});
          } catch (const ScheduleError&) {
          }
        }
        bool read = rng.uniform_int(0, 2) == 0 && !block->reads.empty();
        const std::vector<ir::BufferRegion>& regions = read ? block->reads : block->writes;
        int index = static_cast<int>(rng.uniform_int(0, static_cast<int64_t>(regions.size())));
        ir::Buffer buffer = regions[static_cast<size_t>(index)].buffer;
        std::vector<int64_t> dims;
        for (const ir::Expr& e : buffer->shape) dims.push_back(*ir::as_const_int(e));
        std::string text = random_map(rng, dims);
        SCOPED_TRACE("map " + text + " of " + buffer->name);
        bool is_param = false;
        for (const ir::Buffer& p : sch.mod().at(sch.default_func())->param_buffers()) is_param |= p.same_as(buffer);
        if (is_param) continue;  // the interpreter compares parameters in their own layout
        try {
          ++attempted;
          // Half the calls give a pad value, which lets padded maps through.
          Value pad = rng.uniform_int(0, 2) == 0 ? Value() : Value(0.5);
          sch.transform_layout(b, read ? BufferIndexType::Read : BufferIndexType::Write, index, IndexMap::parse(text),
                               pad);
          ++applied;
        } catch (const ScheduleError&) {
        }
      }
      expect_equivalent(func, sch.mod().at(sch.default_func()), static_cast<uint64_t>(seed));
      verify_trace_roundtrip(sch);
      Schedule script(func, 0, DebugMode::Verify);
      apply_schedule_script(script, sch.trace().as_python());
      expect_func_equal(script.mod().at(script.default_func()), sch.mod().at(sch.default_func()));
      ++checked;
    }
  }
  RecordProperty("applied", applied);
  RecordProperty("attempted", attempted);
  EXPECT_EQ(checked, 50);
  EXPECT_GT(applied, attempted / 2) << applied << " of " << attempted << " calls applied";
}

}  // namespace
}  // namespace loom::sched
