// Helpers shared by the script tests: reading fixtures and checking the print/parse
// round trip.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "loom/ir/ir.h"
#include "loom/script/script.h"

namespace loom::script::testing {

inline std::string read_data_file(const std::string& name) {
  std::ifstream in(std::string(LOOM_TEST_DATA_DIR) + "/" + name);
  EXPECT_TRUE(in.good()) << "cannot open fixture " << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// parse(print(f)) equals f with strict names, and printing is stable.
inline void expect_roundtrip(const ir::PrimFunc& f) {
  std::string text = print(f);
  ir::PrimFunc g;
  try {
    g = parse_func(text, "<printed>");
  } catch (const ParseError& e) {
    ADD_FAILURE() << "printed text does not parse: " << e.what() << "\n" << text;
    return;
  }
  ir::StructuralEqualOptions strict;
  strict.strict_names = true;
  auto diff = ir::structural_diff(f, g, strict);
  EXPECT_FALSE(diff.has_value()) << (diff ? diff->to_string() : "") << "\n" << text;
  EXPECT_EQ(print(g), text);
}

/// Parses `text` as one function, failing the test with the error report if it throws.
inline ir::PrimFunc parse_ok(const std::string& text) {
  try {
    return parse_func(text);
  } catch (const ParseError& e) {
    ADD_FAILURE() << e.what();
    throw;
  }
}

/// Wraps statements (indented by 4) into a function with buffers A, B (128x128 float32)
/// and C (128 float32) and an int32 scalar n.
inline std::string func_with_body(const std::string& body) {
  return "@T.prim_func\n"
         "def f(A: T.Buffer((128, 128), \"float32\"), B: T.Buffer((128, 128), \"float32\"), "
         "C: T.Buffer((128,), \"float32\"), n: T.int32):\n" +
         body;
}

}  // namespace loom::script::testing
