// Shared checks for schedule-primitive tests: structural comparison with a printed diff,
// interpreter equivalence on random inputs, and trace round trips (JSON and replay).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "gmock/gmock.h"
#include "loom/interp/interpreter.h"
#include "loom/interp/ndarray.h"
#include "loom/ir/structural_equal.h"
#include "loom/sched/schedule.h"
#include "loom/script/parser.h"
#include "loom/script/printer.h"
#include "nlohmann/json.hpp"

namespace loom::sched::testing {

/// Two elementwise stages through an intermediate buffer: B = A * 2, C = B + 1 (16 x 8),
/// the fixture several families start from.
inline constexpr const char* kTwoStageElementwise = R"(
@T.prim_func
def main(A: T.Buffer((16, 8), "float32"), C: T.Buffer((16, 8), "float32")):
    B = T.alloc_buffer((16, 8))
    for i, j in T.grid(16, 8):
        with T.block("B"):
            vi, vj = T.axis.remap("SS", [i, j])
            B[vi, vj] = A[vi, vj] * T.float32(2)
    for i, j in T.grid(16, 8):
        with T.block("C"):
            vi, vj = T.axis.remap("SS", [i, j])
            C[vi, vj] = B[vi, vj] + T.float32(1)
)";

/// Expects `actual` to be structurally equal to `expected` (names ignored), printing the
/// first difference and both functions on failure.
inline void expect_func_equal(const ir::PrimFunc& actual, const ir::PrimFunc& expected) {
  auto diff = ir::structural_diff(actual, expected);
  EXPECT_FALSE(diff.has_value()) << "first difference: " << (diff ? diff->to_string() : "") << "\n--- actual:\n"
                                 << script::print(actual) << "--- expected:\n"
                                 << script::print(expected);
}

/// Expects `after` to compute what `before` computes: both run in the reference
/// interpreter on the same random inputs (seeded), and every parameter buffer must match.
inline void expect_equivalent(const ir::PrimFunc& before, const ir::PrimFunc& after, uint64_t seed = 1,
                              double rtol = 1e-5, double atol = 1e-5) {
  std::vector<interp::NDArray> a = interp::random_params(before, seed);
  std::vector<interp::NDArray> b = interp::random_params(after, seed);
  ASSERT_EQ(a.size(), b.size()) << "the schedule changed the number of buffer parameters";
  std::vector<interp::Arg> args_a(a.begin(), a.end()), args_b(b.begin(), b.end());
  interp::run(before, args_a);
  try {
    interp::run(after, args_b);
  } catch (const std::exception& e) {
    FAIL() << "the scheduled function fails in the interpreter (seed " << seed << "): " << e.what() << "\n"
           << script::print(after);
  }
  for (size_t i = 0; i < a.size(); ++i) {
    interp::CompareResult r = interp::allclose(b[i], a[i], rtol, atol);
    EXPECT_TRUE(r.ok) << "parameter " << i << " differs (seed " << seed << "): " << r.message << "\n"
                      << script::print(after);
  }
}

/// Replays the schedule's trace onto a fresh schedule of its original module, directly and
/// through JSON, and expects the same module (TVM's verify_trace_roundtrip).
inline void verify_trace_roundtrip(const Schedule& sch) {
  const std::string func = sch.default_func();
  Schedule direct(sch.original_mod(), 0, DebugMode::Verify);
  sch.trace().apply_to(direct);
  expect_func_equal(direct.mod().at(func), sch.mod().at(func));
  EXPECT_EQ(direct.trace().as_python(), sch.trace().as_python());

  nlohmann::json json = sch.trace().to_json();
  Trace parsed = Trace::from_json(nlohmann::json::parse(json.dump()));
  EXPECT_EQ(parsed.to_json(), json);
  Schedule via_json(sch.original_mod(), 0, DebugMode::Verify);
  parsed.apply_to(via_json);
  expect_func_equal(via_json.mod().at(func), sch.mod().at(func));
}

/// Runs `fn` and expects it to throw E with a message containing `message` (for calls that do
/// not change a schedule, e.g. lookups; primitives use expect_error).
template <typename E>
void expect_throw(const std::function<void()>& fn, const std::string& message) {
  try {
    fn();
    ADD_FAILURE() << "expected an error containing: " << message;
  } catch (const E& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr(message));
  }
}

/// Runs `fn`, expects it to throw E (a ScheduleError by default) whose message contains
/// `message`, and expects the schedule's module and trace unchanged by the failed call.
template <typename E = ScheduleError>
void expect_error(const Schedule& sch, const std::function<void()>& fn, const std::string& message) {
  ir::IRModule before = sch.mod();
  size_t trace_size = sch.trace().size();
  try {
    fn();
    ADD_FAILURE() << "expected an error containing: " << message;
  } catch (const E& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr(message));
  }
  EXPECT_FALSE(ir::structural_diff(sch.mod(), before).has_value()) << "a failed primitive changed the module";
  EXPECT_EQ(sch.trace().size(), trace_size) << "a failed primitive recorded an instruction";
}

/// expect_error, also checking the ScheduleError's kind() ("NotOnlyChild", ...).
inline void expect_schedule_error(const Schedule& sch, const std::function<void()>& fn, const char* kind,
                                  const std::string& message) {
  expect_error<ScheduleError>(
      sch,
      [&] {
        try {
          fn();
        } catch (const ScheduleError& e) {
          EXPECT_STREQ(e.kind(), kind) << e.what();
          throw;
        }
      },
      message);
}

}  // namespace loom::sched::testing
