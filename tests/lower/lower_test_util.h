// Shared checks for the lowering tests: structural comparison with a printed diff, and
// interpreter equivalence of a lowered function with its original on random inputs (the
// lowered function's flat parameters view the same bytes as the original's N-d ones).
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "loom/interp/interpreter.h"
#include "loom/interp/ndarray.h"
#include "loom/interp/simt.h"
#include "loom/ir/structural_equal.h"
#include "loom/ir/verify.h"
#include "loom/ir/visitor.h"
#include "loom/script/parser.h"
#include "loom/script/printer.h"

namespace loom::lower::testing {

/// Expects `actual` to be structurally equal to `expected` (names ignored), printing the
/// first difference and both functions on failure.
inline void expect_func_equal(const ir::PrimFunc& actual, const ir::PrimFunc& expected) {
  auto diff = ir::structural_diff(actual, expected);
  EXPECT_FALSE(diff.has_value()) << "first difference: " << (diff ? diff->to_string() : "") << "\n--- actual:\n"
                                 << script::print(actual) << "--- expected:\n"
                                 << script::print(expected);
}

/// `array`'s bytes as an array of `like`'s shape (same dtype and element count).
inline interp::NDArray reshaped(const interp::NDArray& array, const std::vector<int64_t>& shape) {
  interp::NDArray out(array.dtype(), shape);
  EXPECT_EQ(out.nbytes(), array.nbytes()) << "a lowered parameter has another size";
  if (out.nbytes() == array.nbytes()) std::memcpy(out.data(), array.data(), static_cast<size_t>(array.nbytes()));
  return out;
}

/// Expects `lowered` to be well formed and to compute what `original` computes: both run in
/// the interpreter on the same random inputs (seeded; the lowered function gets them
/// reshaped to its parameters' shapes), and every parameter buffer must match.
inline void expect_lowered_equivalent(const ir::PrimFunc& original, const ir::PrimFunc& lowered, uint64_t seed = 1,
                                      double rtol = 1e-5, double atol = 1e-5) {
  std::vector<std::string> problems = ir::verify_well_formed(lowered);
  EXPECT_TRUE(problems.empty()) << "the lowered function is not well formed: " << problems.front() << "\n"
                                << script::print(lowered);
  std::vector<interp::NDArray> a = interp::random_params(original, seed);
  std::vector<interp::NDArray> shapes = interp::allocate_params(lowered);
  ASSERT_EQ(a.size(), shapes.size()) << "lowering changed the number of buffer parameters";
  std::vector<interp::NDArray> b;
  for (size_t i = 0; i < a.size(); ++i) b.push_back(reshaped(a[i], shapes[i].shape()));
  std::vector<interp::Arg> args_a(a.begin(), a.end()), args_b(b.begin(), b.end());
  interp::run(original, args_a);
  try {
    interp::run(lowered, args_b);
  } catch (const std::exception& e) {
    FAIL() << "the lowered function fails in the interpreter (seed " << seed << "): " << e.what() << "\n"
           << script::print(lowered);
  }
  for (size_t i = 0; i < a.size(); ++i) {
    interp::CompareResult r = interp::allclose(reshaped(b[i], a[i].shape()), a[i], rtol, atol);
    EXPECT_TRUE(r.ok) << "parameter " << i << " differs (seed " << seed << "): " << r.message << "\n"
                      << script::print(lowered);
  }
}

/// Whether `lowered` runs and leaves every parameter as `original` does on random inputs
/// (seeded), without reporting a failure.
inline bool same_outputs(const ir::PrimFunc& original, const ir::PrimFunc& lowered, uint64_t seed, double tol = 1e-4) {
  std::vector<interp::NDArray> a = interp::random_params(original, seed);
  std::vector<interp::NDArray> shapes = interp::allocate_params(lowered);
  if (a.size() != shapes.size()) return false;
  std::vector<interp::NDArray> b;
  for (size_t i = 0; i < a.size(); ++i) b.push_back(reshaped(a[i], shapes[i].shape()));
  std::vector<interp::Arg> args_a(a.begin(), a.end()), args_b(b.begin(), b.end());
  try {
    interp::run(original, args_a);
    interp::run(lowered, args_b);
  } catch (const std::exception&) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (!interp::allclose(reshaped(b[i], a[i].shape()), a[i], tol, tol).ok) return false;
  }
  return true;
}

/// True when `func` contains a node of `kind`.
inline bool contains_kind(const ir::PrimFunc& func, ir::NodeKind kind) {
  bool found = false;
  ir::post_order_visit(func->body, [&](const ir::Object* n) { found = found || n->kind() == kind; });
  return found;
}

/// The number of loops of `kind` in `func`.
inline int count_loops(const ir::PrimFunc& func, ir::ForKind kind) {
  int n = 0;
  ir::post_order_visit(func->body, [&](const ir::Object* o) {
    if (o->kind() == ir::NodeKind::For && static_cast<const ir::ForNode*>(o)->for_kind == kind) ++n;
  });
  return n;
}

/// Runs the GPU-lowered `lowered` in the interpreter's SIMT mode on `original`'s random
/// inputs for `seed`: "" when it computes what `original` computes sequentially, else the
/// first data race or the first mismatching parameter.
inline std::string simt_mismatch(const ir::PrimFunc& original, const ir::PrimFunc& lowered, uint64_t seed) {
  std::vector<interp::NDArray> want = interp::run_random(original, seed);
  std::vector<interp::NDArray> base = interp::random_params(original, seed);
  std::vector<interp::NDArray> shapes = interp::allocate_params(lowered);
  std::vector<interp::NDArray> got;
  for (size_t i = 0; i < base.size(); ++i) got.push_back(reshaped(base[i], shapes[i].shape()));
  std::vector<interp::Arg> args(got.begin(), got.end());
  interp::SimtOptions options;
  options.throw_on_race = false;
  interp::SimtReport report = interp::run_simt(lowered, args, options);
  if (report.race_count > 0) return report.races[0].to_string();
  for (size_t i = 0; i < want.size(); ++i) {
    interp::CompareResult r = interp::allclose(reshaped(got[i], want[i].shape()), want[i], 1e-4, 1e-4);
    if (!r.ok) return "parameter " + std::to_string(i) + ": " + r.message;
  }
  return "";
}

}  // namespace loom::lower::testing
