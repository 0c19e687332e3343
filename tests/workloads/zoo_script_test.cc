// Every zoo workload through the TVMScript text form: printing then parsing gives a
// structurally equal function (names included), and printing is stable.
#include <gtest/gtest.h>

#include "loom/ir/structural_equal.h"
#include "loom/script/parser.h"
#include "loom/script/printer.h"
#include "loom/workloads/zoo.h"

namespace loom::workloads {
namespace {

TEST(ZooScript, PrintThenParseRoundTripsEveryWorkload) {
  ir::StructuralEqualOptions strict;
  strict.strict_names = true;
  for (const WorkloadInfo& info : workloads()) {
    SCOPED_TRACE(info.name);
    ir::PrimFunc func = make_workload(info.name);
    std::string text = script::print(func);
    ir::PrimFunc parsed;
    try {
      parsed = script::parse_func(text, info.name + ".py");
    } catch (const UserError& e) {
      ADD_FAILURE() << "the printed workload does not parse: " << e.what();
      continue;
    }
    auto diff = ir::structural_diff(func, parsed, strict);
    EXPECT_FALSE(diff.has_value()) << diff->to_string() << "\n" << text;
    EXPECT_EQ(script::print(parsed), text);
  }
}

TEST(ZooScript, MatmulPrintsLikeTvm) {
  std::string text = script::print(make_workload("gmm", {{"M", 64}, {"N", 32}, {"K", 16}}));
  EXPECT_NE(text.find("def gmm(A: T.Buffer((64, 16), \"float32\"), B: T.Buffer((16, 32), \"float32\"), "
                      "C: T.Buffer((64, 32), \"float32\")):"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("for i, j, k in T.grid(64, 32, 16):"), std::string::npos) << text;
  EXPECT_NE(text.find("v_i, v_j, v_k = T.axis.remap(\"SSR\", [i, j, k])"), std::string::npos) << text;
  EXPECT_NE(text.find("T.reads(A[v_i, v_k], B[v_k, v_j])"), std::string::npos) << text;
  EXPECT_NE(text.find("T.writes(C[v_i, v_j])"), std::string::npos) << text;
  EXPECT_NE(text.find("C[v_i, v_j] = C[v_i, v_j] + A[v_i, v_k] * B[v_k, v_j]"), std::string::npos) << text;
}

}  // namespace
}  // namespace loom::workloads
