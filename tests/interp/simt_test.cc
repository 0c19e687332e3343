// The SIMT mode of the interpreter: results against the sequential interpreter and naive
// loops, barriers, warp shuffles, race reports and the errors of bad launches.
#include "loom/interp/simt.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "interp_test_util.h"
#include "loom/script/parser.h"

namespace loom::interp {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace)
using ::testing::HasSubstr;

PrimFunc parse(const std::string& text) { return script::parse_func(text, "simt_test"); }

std::vector<Arg> args_of(std::vector<NDArray>& arrays) {
  std::vector<Arg> args;
  for (NDArray& a : arrays) args.emplace_back(&a);
  return args;
}

/// random_params(f, seed), run in SIMT mode collecting races; returns the arrays.
std::vector<NDArray> simt_random(const PrimFunc& f, uint64_t seed, SimtReport* report) {
  std::vector<NDArray> arrays = random_params(f, seed);
  SimtOptions options;
  options.throw_on_race = false;
  *report = run_simt(f, args_of(arrays), options);
  return arrays;
}

/// The message of the RuntimeError that run_simt throws on random inputs ("" if none).
std::string simt_error(const PrimFunc& f) {
  std::vector<NDArray> arrays = random_params(f, 1);
  try {
    run_simt(f, args_of(arrays));
  } catch (const RuntimeError& e) {
    return e.what();
  }
  return "";
}

TEST(Simt, KernelsWithoutCommunicationMatchTheSequentialInterpreter) {
  PrimFunc f = parse(R"(
@T.prim_func
def f(A: T.Buffer((512,), "float32"), C: T.Buffer((512,), "float32")):
    for by in T.thread_binding(2, thread="blockIdx.y"):
        for bx in T.thread_binding(4, thread="blockIdx.x"):
            for ty in T.thread_binding(4, thread="threadIdx.y"):
                for tx in T.thread_binding(16, thread="threadIdx.x"):
                    acc = T.decl_buffer((1,), "float32", scope="local")
                    for k in T.serial(3):
                        acc[0] = acc[0] + A[((by * 4 + bx) * 64 + ty * 16 + tx + k) % 512]
                    C[(by * 4 + bx) * 64 + ty * 16 + tx] = acc[0] * T.float32(0.5)
)");
  for (uint64_t seed : {1u, 2u, 3u}) {
    std::vector<NDArray> want = run_random(f, seed);
    SimtReport report;
    std::vector<NDArray> got = simt_random(f, seed, &report);
    EXPECT_EQ(report.race_count, 0u);
    EXPECT_EQ(report.kernels, 1u);
    const CompareResult r = allclose(got[1], want[1], 0, 0);
    EXPECT_TRUE(r) << r.message;
  }
}

const char* const kReversal = R"(
@T.prim_func
def f(A: T.Buffer((256,), "float32"), B: T.Buffer((256,), "float32")):
    for bx in T.thread_binding(4, thread="blockIdx.x"):
        S = T.decl_buffer((64,), "float32", scope="shared")
        for tx in T.thread_binding(64, thread="threadIdx.x"):
            S[tx] = A[bx * 64 + tx]
        SYNC
        for tx in T.thread_binding(64, thread="threadIdx.x"):
            B[bx * 64 + tx] = S[63 - tx]
)";

std::string with(std::string text, const std::string& key, const std::string& value) {
  const size_t at = text.find(key);
  return text.replace(at, key.size(), value);
}

TEST(Simt, SharedReversalWithBarrierIsCorrectAndRaceFree) {
  PrimFunc f = parse(with(kReversal, "SYNC", "T.evaluate(T.storage_sync())"));
  SimtReport report;
  std::vector<NDArray> got = simt_random(f, 7, &report);
  EXPECT_EQ(report.race_count, 0u);
  for (int64_t i = 0; i < 256; ++i) EXPECT_EQ(got[1].get_double(i), got[0].get_double(i / 64 * 64 + 63 - i % 64));
}

TEST(Simt, SharedReversalWithoutBarrierReportsTheRace) {
  PrimFunc f = parse(with(kReversal, "SYNC", "T.evaluate(0)"));
  EXPECT_EQ(simt_error(f),
            "data race on S[32] in kernel 0: read by thread (0,0,0)/(31,0,0) and write by thread (0,0,0)/(32,0,0) "
            "with no barrier between them");
  std::vector<NDArray> arrays = random_params(f, 1);
  try {
    run_simt(f, args_of(arrays));
    FAIL() << "no race reported";
  } catch (const DataRaceError& e) {
    EXPECT_EQ(e.race().buffer, "S");
    EXPECT_EQ(e.race().index, 32);
    EXPECT_FALSE(e.race().first_is_write);
    EXPECT_TRUE(e.race().second_is_write);
  }
  SimtReport report;
  simt_random(f, 1, &report);
  // Every block races on its elements 32..63 (reads by 63-i before writes by i) and 0..31.
  EXPECT_GT(report.race_count, 4u);
  EXPECT_EQ(report.races.size(), 16u);
}

TEST(Simt, CrossBlockRaceIsReported) {
  PrimFunc f = parse(R"(
@T.prim_func
def f(A: T.Buffer((4,), "float32"), B: T.Buffer((4,), "float32")):
    for bx in T.thread_binding(4, thread="blockIdx.x"):
        for tx in T.thread_binding(2, thread="threadIdx.x"):
            if tx == 0:
                B[bx // 2] = A[bx]
)");
  EXPECT_EQ(simt_error(f),
            "data race on B[0] in kernel 0: write by thread (0,0,0)/(0,0,0) and write by thread (1,0,0)/(0,0,0) in "
            "different blocks");
}

TEST(Simt, BarriersDoNotOrderAccessesOfDifferentBlocks) {
  PrimFunc f = parse(R"(
@T.prim_func
def f(A: T.Buffer((4,), "float32"), B: T.Buffer((4,), "float32")):
    for bx in T.thread_binding(2, thread="blockIdx.x"):
        for tx in T.thread_binding(2, thread="threadIdx.x"):
            if bx == 0:
                B[tx] = A[tx]
        T.evaluate(T.storage_sync())
        for tx in T.thread_binding(2, thread="threadIdx.x"):
            if bx == 1:
                A[tx] = B[1 - tx]
)");
  EXPECT_EQ(simt_error(f),
            "data race on B[1] in kernel 0: write by thread (0,0,0)/(1,0,0) and read by thread (1,0,0)/(0,0,0) in "
            "different blocks");
}

std::string warp_reduction(int width) {
  std::string text = R"(
@T.prim_func
def f(A: T.Buffer((64,), "int32"), B: T.Buffer((64,), "int32")):
    for tx in T.thread_binding(64, thread="threadIdx.x"):
        v = T.decl_buffer((1,), "int32", scope="local")
        v[0] = A[tx]
)";
  for (int delta = width / 2; delta >= 1; delta /= 2) {
    text += "        v[0] = v[0] + T.warp_shuffle_down(v[0], " + std::to_string(delta) + ", " + std::to_string(width) +
            ")\n";
  }
  text += "        B[tx] = T.warp_shuffle(v[0], 0, " + std::to_string(width) + ")\n";
  return text;
}

TEST(Simt, WarpReductionWithShuffleDownAndBroadcast) {
  for (int width : {32, 16}) {
    SCOPED_TRACE("width " + std::to_string(width));
    PrimFunc f = parse(warp_reduction(width));
    SimtReport report;
    std::vector<NDArray> got = simt_random(f, 5, &report);
    EXPECT_EQ(report.race_count, 0u);
    for (int64_t t = 0; t < 64; ++t) {
      int64_t sum = 0;
      for (int64_t i = t / width * width; i < t / width * width + width; ++i) sum += got[0].get_int(i);
      EXPECT_EQ(got[1].get_int(t), sum) << "thread " << t;
    }
  }
}

std::string tree_reduction(bool drop_one_barrier) {
  const std::string text = R"(
@T.prim_func
def f(A: T.Buffer((128,), "int32"), H: T.Buffer((6,), "int32"), B: T.Buffer((2,), "int32")):
    for bx in T.thread_binding(2, thread="blockIdx.x"):
        S = T.decl_buffer((64,), "int32", scope="shared")
        for tx in T.thread_binding(64, thread="threadIdx.x"):
            S[tx] = A[bx * 64 + tx]
        SYNC
        for k in T.serial(6):
            for tx in T.thread_binding(64, thread="threadIdx.x"):
                if tx < H[k]:
                    S[tx] = S[tx] + S[tx + H[k]]
            T.evaluate(T.storage_sync())
        for tx in T.thread_binding(64, thread="threadIdx.x"):
            if tx == 0:
                B[bx] = S[0]
)";
  // The barrier between filling S and the first level is the one that may be missing.
  return with(text, "SYNC", drop_one_barrier ? "T.evaluate(0)" : "T.evaluate(T.storage_sync())");
}

/// Random A, the halves 32, 16, ..., 1 in H and a zero B for the tree reductions.
std::vector<NDArray> tree_inputs(const PrimFunc& f) {
  std::vector<NDArray> arrays = random_params(f, 9);
  for (int64_t k = 0; k < 6; ++k) arrays[1].set_int(k, int64_t{32} >> k);
  return arrays;
}

TEST(Simt, TreeReductionWithBarriersInALoop) {
  PrimFunc f = parse(tree_reduction(false));
  std::vector<NDArray> got = tree_inputs(f);
  SimtOptions options;
  options.throw_on_race = false;
  const SimtReport report = run_simt(f, args_of(got), options);
  EXPECT_EQ(report.race_count, 0u);
  for (int64_t b = 0; b < 2; ++b) {
    int64_t sum = 0;
    for (int64_t i = 0; i < 64; ++i) sum += got[0].get_int(b * 64 + i);
    EXPECT_EQ(got[2].get_int(b), sum);
  }
}

TEST(Simt, TreeReductionMissingABarrierIsReported) {
  PrimFunc f = parse(tree_reduction(true));
  std::vector<NDArray> arrays = tree_inputs(f);
  std::string message;
  try {
    run_simt(f, args_of(arrays));
  } catch (const DataRaceError& e) {
    message = e.what();
  }
  EXPECT_EQ(message,
            "data race on S[32] in kernel 0: read by thread (0,0,0)/(0,0,0) and write by thread (0,0,0)/(32,0,0) "
            "with no barrier between them");
}

TEST(Simt, SiblingThreadLoopsOfDifferentExtentsAreGuarded) {
  PrimFunc f = parse(R"(
@T.prim_func
def f(A: T.Buffer((64,), "float32"), B: T.Buffer((128,), "float32")):
    for bx in T.thread_binding(1, thread="blockIdx.x"):
        S = T.decl_buffer((64,), "float32", scope="shared")
        for tx in T.thread_binding(64, thread="threadIdx.x"):
            S[tx] = A[tx] + T.float32(1)
        T.evaluate(T.storage_sync())
        for tx in T.thread_binding(128, thread="threadIdx.x"):
            B[tx] = S[tx // 2]
)");
  SimtReport report;
  std::vector<NDArray> got = simt_random(f, 3, &report);
  EXPECT_EQ(report.race_count, 0u);
  for (int64_t i = 0; i < 128; ++i) EXPECT_EQ(got[1].get_double(i), static_cast<float>(got[0].get_double(i / 2) + 1));
}

TEST(Simt, DivergentBarrierIsAnError) {
  PrimFunc f = parse(R"(
@T.prim_func
def f(A: T.Buffer((32,), "float32")):
    for tx in T.thread_binding(32, thread="threadIdx.x"):
        if tx < 16:
            T.evaluate(T.storage_sync())
        A[tx] = T.float32(1)
)");
  EXPECT_EQ(simt_error(f),
            "divergent barrier in kernel 0 of function \"f\": thread (0,0,0)/(0,0,0) waits at a T.storage_sync() but "
            "thread (0,0,0)/(16,0,0) finished the kernel (every thread of a block must reach the same barrier)");
}

TEST(Simt, ShuffleFromAnInactiveLaneIsAnError) {
  PrimFunc f = parse(R"(
@T.prim_func
def f(A: T.Buffer((32,), "float32"), B: T.Buffer((32,), "float32")):
    for tx in T.thread_binding(32, thread="threadIdx.x"):
        if tx < 16:
            B[tx] = T.warp_shuffle_down(A[tx], 8, 32)
)");
  EXPECT_EQ(simt_error(f),
            "T.warp_shuffle_down reads lane 16 of warp 0 (thread (0,0,0)/(16,0,0), which finished the kernel): the "
            "source lane is not active at this shuffle, in thread (0,0,0)/(8,0,0) of kernel 0");
}

TEST(Simt, OutOfBoundsAccessNamesTheThread) {
  PrimFunc f = parse(R"(
@T.prim_func
def f(A: T.Buffer((32,), "float32"), B: T.Buffer((32,), "float32")):
    for tx in T.thread_binding(32, thread="threadIdx.x"):
        B[tx] = A[tx + 1]
)");
  EXPECT_EQ(simt_error(f),
            "out-of-bounds load from A[32]: shape is (32,), in function \"f\", in thread (0,0,0)/(31,0,0) of kernel 0");
}

TEST(Simt, BlockLoopBelowAThreadLoopIsRejected) {
  PrimFunc f = parse(R"(
@T.prim_func
def f(A: T.Buffer((32,), "float32")):
    for tx in T.thread_binding(4, thread="threadIdx.x"):
        for bx in T.thread_binding(8, thread="blockIdx.x"):
            A[bx * 4 + tx] = T.float32(1)
)");
  EXPECT_EQ(simt_error(f),
            "loop \"bx\" bound to blockIdx.x is below a threadIdx loop: the function is not in the GPU-lowered form, "
            "in kernel 0 of function \"f\"");
}

TEST(Simt, StatementsWithoutThreadLoopsRunAsOneThreadKernels) {
  PrimFunc f = parse(R"(
@T.prim_func
def f(A: T.Buffer((8,), "float32"), B: T.Buffer((8,), "float32")):
    for i in T.serial(8):
        B[i] = A[i] * T.float32(2)
    for i in T.serial(8):
        B[i] = B[i] + A[7 - i]
)");
  std::vector<NDArray> want = run_random(f, 4);
  SimtReport report;
  std::vector<NDArray> got = simt_random(f, 4, &report);
  EXPECT_EQ(report.kernels, 2u);
  EXPECT_EQ(report.race_count, 0u);
  const CompareResult r = allclose(got[1], want[1], 0, 0);
  EXPECT_TRUE(r) << r.message;
}

TEST(Simt, ThreadsAtDifferentBarriersAreAnError) {
  PrimFunc f = parse(R"(
@T.prim_func
def f(A: T.Buffer((32,), "float32")):
    for tx in T.thread_binding(32, thread="threadIdx.x"):
        if tx < 16:
            T.evaluate(T.storage_sync())
        else:
            T.evaluate(T.storage_sync())
        A[tx] = T.float32(1)
)");
  EXPECT_EQ(simt_error(f),
            "divergent barrier in kernel 0 of function \"f\": thread (0,0,0)/(0,0,0) waits at a T.storage_sync() but "
            "thread (0,0,0)/(16,0,0) waits at a different T.storage_sync() (every thread of a block must reach the "
            "same barrier)");
}

TEST(Simt, AQuarterMillionThreadIterationsRunQuickly) {
  // 16 blocks x 256 threads x 64 iterations, each with a global load, a shared store and
  // load and a barrier per iteration.
  PrimFunc f = parse(R"(
@T.prim_func
def f(A: T.Buffer((4096,), "float32"), B: T.Buffer((4096,), "float32")):
    for bx in T.thread_binding(16, thread="blockIdx.x"):
        S = T.decl_buffer((256,), "float32", scope="shared")
        for k in T.serial(64):
            for tx in T.thread_binding(256, thread="threadIdx.x"):
                S[tx] = S[tx] + A[bx * 256 + (tx + k) % 256]
            T.evaluate(T.storage_sync())
        for tx in T.thread_binding(256, thread="threadIdx.x"):
            B[bx * 256 + tx] = S[255 - tx]
)");
  SimtReport report;
  std::vector<NDArray> got = simt_random(f, 11, &report);
  EXPECT_EQ(report.race_count, 0u);
  for (int64_t i = 0; i < 4096; i += 251) {
    const int64_t b = i / 256, t = 255 - i % 256;
    float sum = 0;
    for (int64_t k = 0; k < 64; ++k) sum += static_cast<float>(got[0].get_double(b * 256 + (t + k) % 256));
    EXPECT_EQ(got[1].get_double(i), sum) << "element " << i;
  }
}

TEST(Simt, CollectedRacesStopAtTheLimit) {
  PrimFunc f = parse(with(kReversal, "SYNC", "T.evaluate(0)"));
  std::vector<NDArray> arrays = random_params(f, 1);
  SimtOptions options;
  options.throw_on_race = false;
  options.max_races = 3;
  const SimtReport report = run_simt(f, args_of(arrays), options);
  EXPECT_EQ(report.races.size(), 3u);
  EXPECT_GT(report.race_count, 3u);
  EXPECT_EQ(report.races[0].to_string(),
            "data race on S[32] in kernel 0: read by thread (0,0,0)/(31,0,0) and write by thread (0,0,0)/(32,0,0) "
            "with no barrier between them");
}

TEST(Simt, AFailingThreadStopsTheLaunch) {
  PrimFunc f = parse(R"(
@T.prim_func
def f(A: T.Buffer((32,), "float32"), B: T.Buffer((32,), "float32")):
    for tx in T.thread_binding(32, thread="threadIdx.x"):
        B[tx] = A[tx - 1]
)");
  std::vector<NDArray> arrays = random_params(f, 2);
  const NDArray before = arrays[1];
  try {
    run_simt(f, args_of(arrays));
    FAIL() << "no error";
  } catch (const RuntimeError& e) {
    EXPECT_EQ(
        std::string(e.what()),
        "out-of-bounds load from A[-1]: shape is (32,), in function \"f\", in thread (0,0,0)/(0,0,0) of kernel 0");
  }
  // Thread 0 runs first and fails; the others never run.
  const CompareResult r = allclose(arrays[1], before, 0, 0);
  EXPECT_TRUE(r) << r.message;
}

TEST(Simt, WarpsAreConsecutiveLinearThreadIndices) {
  // A 16 x 4 block: warp 0 holds rows ty = 0, 1 and warp 1 rows 2, 3.
  PrimFunc f = parse(R"(
@T.prim_func
def f(A: T.Buffer((64,), "int32"), B: T.Buffer((64,), "int32")):
    for ty in T.thread_binding(4, thread="threadIdx.y"):
        for tx in T.thread_binding(16, thread="threadIdx.x"):
            B[ty * 16 + tx] = T.warp_shuffle(A[ty * 16 + tx], 31 - (ty % 2) * 16 - tx, 32)
)");
  SimtReport report;
  std::vector<NDArray> got = simt_random(f, 6, &report);
  for (int64_t i = 0; i < 64; ++i) {
    const int64_t lane = 31 - i % 32;
    EXPECT_EQ(got[1].get_int(i), got[0].get_int(i / 32 * 32 + lane)) << "thread " << i;
  }
}

}  // namespace
}  // namespace loom::interp
