// Schedule errors as objects (loom/sched/error.h): the message built from its template, the
// one-line form, the blocks and loops it names and the function printed with them marked.
#include <gtest/gtest.h>

#include "gmock/gmock.h"
#include "loom/sched/analysis.h"
#include "loom/sched/error.h"
#include "loom/sched/schedule_script.h"
#include "loom/script/parser.h"
#include "sched_test_util.h"

namespace loom::sched {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

/// Two stages whose loops have distinct names, so that a marked loop is one line.
constexpr const char* kNamedLoops = R"(
@T.prim_func
def main(A: T.Buffer((16, 8), "float32"), C: T.Buffer((16, 8), "float32")):
    B = T.alloc_buffer((16, 8))
    for i0, j0 in T.grid(16, 8):
        with T.block("B"):
            vi, vj = T.axis.remap("SS", [i0, j0])
            B[vi, vj] = A[vi, vj] * T.float32(2)
    for i1, j1 in T.grid(16, 8):
        with T.block("C"):
            vi, vj = T.axis.remap("SS", [i1, j1])
            C[vi, vj] = B[vi, vj] + T.float32(1)
)";

TEST(ScheduleError, RendersItsTemplateAndNamesItsLocations) {
  const std::string block = "B", loop = "i";
  NotCompactDataFlowError e("parallel", "the loop nest under loop {} has no compact data flow: block {} is under it",
                            loop, block);
  EXPECT_EQ(e.fast_message(), "sch.parallel: NotCompactDataFlow");
  EXPECT_STREQ(e.what(), "sch.parallel: the loop nest under loop i has no compact data flow: block B is under it");
  EXPECT_EQ(e.detail(), "the loop nest under loop i has no compact data flow: block B is under it");
  EXPECT_EQ(e.what(), e.what()) << "what() renders once and keeps the text";
  EXPECT_THAT(e.locations(), ElementsAre(ErrorLocation{ErrorLocation::Kind::Loop, "i"},
                                         ErrorLocation{ErrorLocation::Kind::Block, "B"}));
  // Numbers, and values of other formattable types (rendered when the error is created), are
  // owned by the error.
  ScheduleError counts("split", "loop {} has extent {}, {} factors, mark {}", loop, int64_t{12}, size_t{2}, 'x');
  EXPECT_STREQ(counts.what(), "sch.split: loop i has extent 12, 2 factors, mark x");
  EXPECT_THAT(counts.locations(), ElementsAre(ErrorLocation{ErrorLocation::Kind::Loop, "i"}));
  // A message built by the caller has no locations.
  ScheduleError built("fuse", std::string("cannot fuse"));
  EXPECT_STREQ(built.what(), "sch.fuse: cannot fuse");
  EXPECT_TRUE(built.locations().empty());
  // Copies (as exceptions are copied) share the rendered text.
  NotCompactDataFlowError copy = e;
  EXPECT_STREQ(copy.what(), e.what());
}

TEST(ScheduleError, RenderMarkedPointsAtTheBlocksAndLoops) {
  Schedule sch(script::parse_func(kNamedLoops), 0, DebugMode::Verify);
  LoopRV j = sch.get_loops(sch.get_block("C"))[1];
  BlockRV b = sch.get_block("B");
  try {
    sch.compute_at(b, j, false, 5);
    FAIL() << "index 5 is not a position under loop j1";
  } catch (const ScheduleError& e) {
    EXPECT_THAT(e.locations(), ElementsAre(ErrorLocation{ErrorLocation::Kind::Loop, "j1"}));
    std::string marked = e.render_marked(sch.mod().at("main"));
    EXPECT_THAT(marked, HasSubstr(std::string(e.what()) + "\n"));
    EXPECT_THAT(marked, HasSubstr("for i1, j1 in T.grid(16, 8):  # <-- loop j1 (InsertionIndex)\n"));
    EXPECT_EQ(marked.find("# <--"), marked.rfind("# <--")) << "only that line is marked:\n" << marked;
  }
  try {
    sch.compute_inline(sch.get_block("C"));
    FAIL() << "C is an output block";
  } catch (const ScheduleError& e) {
    EXPECT_THAT(e.render_marked(sch.mod().at("main")),
                HasSubstr("with T.block(\"C\"):  # <-- block C (OutputBlock)\n"));
  }
}

// A schedule script that a primitive refuses: the error shows the function as it was then, with
// the blocks and loops of the primitive's error marked (what `loom apply` prints).
TEST(ScheduleError, AScheduleScriptErrorMarksTheCulprits) {
  Schedule sch(script::parse_func(kNamedLoops), 0, DebugMode::Verify);
  try {
    apply_schedule_script(sch, "i1, j1 = sch.get_loops(\"C\")\nsch.compute_at(\"C\", i1)\n", "s.py");
    FAIL() << "C is under i1 already";
  } catch (const ScheduleScriptError& e) {
    EXPECT_THAT(e.what(), HasSubstr("s.py:2:1: sch.compute_at: loop i1 is an ancestor of block C"));
    std::string marked = e.marked_function();
    EXPECT_THAT(marked, HasSubstr("for i1, j1 in T.grid(16, 8):  # <-- loop i1 (NotInSameScope)\n"));
    EXPECT_THAT(marked, HasSubstr("with T.block(\"C\"):  # <-- block C (NotInSameScope)\n"));
    EXPECT_THAT(marked, HasSubstr("for i0, j0 in T.grid(16, 8):\n"));  // the other nest is not marked
  }
  // Errors that are not a primitive's refusal show no function.
  try {
    apply_schedule_script(sch, "x = sch.get_loops(y)\n", "s.py");
    FAIL() << "y is undefined";
  } catch (const ScheduleScriptError& e) {
    EXPECT_EQ(e.marked_function(), "");
  }
}

}  // namespace
}  // namespace loom::sched
