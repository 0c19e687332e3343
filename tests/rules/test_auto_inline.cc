// loom.auto_inline and loom.inline_constant_scalars: what they inline, the conditions under
// which they must not, and their config keys.
#include <gmock/gmock.h>

#include "../common/expect_error.h"
#include "rules_test_util.h"

using loom::testing::throws_with;

namespace loom::rules_test {
namespace {

using ::testing::HasSubstr;

// B = f(A) feeding the output C = B + 1, `f` spliced in; unless `spatial_only`, an
// unrelated reduction S makes the function non-spatial (in a function of spatial blocks
// only, TVM's AutoInline skips the operator, branch and index-pattern conditions).
std::string chain(const std::string& b_value, bool spatial_only = false) {
  std::string text = R"(
@T.prim_func
def main(A: T.Buffer((6, 6), "float32"), C: T.Buffer((6, 6), "float32"), S: T.Buffer((6,), "float32")):
    B = T.alloc_buffer((6, 6), "float32")
    for i, j in T.grid(6, 6):
        with T.block("B"):
            vi, vj = T.axis.remap("SS", [i, j])
            B[vi, vj] = )" +
                     b_value + R"(
    for i, j in T.grid(6, 6):
        with T.block("C"):
            vi, vj = T.axis.remap("SS", [i, j])
            C[vi, vj] = B[vi, vj] + T.float32(1)
)";
  if (!spatial_only) {
    text += R"(    for i, k in T.grid(6, 6):
        with T.block("S"):
            vi, vk = T.axis.remap("SR", [i, k])
            with T.init():
                S[vi] = T.float32(0)
            S[vi] = S[vi] + A[vi, vk]
)";
  }
  return text;
}

// Applies the rule at block B (or `at`) and returns the one schedule it makes.
sched::Schedule inline_at(const host::ComponentInstance& rule, const ir::PrimFunc& f, const std::string& at = "B") {
  std::vector<sched::Schedule> out = apply(rule, sched::Schedule(f, 1, sched::DebugMode::Verify), at);
  EXPECT_EQ(out.size(), 1u);
  return out.at(0);
}

TEST(AutoInline, InlinesAnElementwiseProducerIntoItsConsumer) {
  auto rule = make_rule("loom.auto_inline");
  ir::PrimFunc f = script::parse_func(chain("A[vi, vj] * T.float32(2)"));
  sched::Schedule s = inline_at(*rule, f);
  EXPECT_FALSE(has_block(func_of(s), "B"));
  EXPECT_EQ(kinds(s), (std::vector<std::string>{"GetBlock", "ComputeInline"}));
  expect_equivalent(f, func_of(s));
  // The output block has no consumer, and into_producer is off by default: unchanged.
  sched::Schedule c = inline_at(*rule, f, "C");
  EXPECT_TRUE(has_block(func_of(c), "B"));
  EXPECT_EQ(count(c, "ReverseComputeInline"), 0);
}

TEST(AutoInline, IntoProducerWhenConfigured) {
  auto rule = make_rule("loom.auto_inline", {entry("into_producer", config::ConfigValue::boolean(true)),
                                             entry("into_consumer", config::ConfigValue::boolean(false), 5)});
  ir::PrimFunc f = script::parse_func(chain("A[vi, vj] * T.float32(2)"));
  // B could go into C, but into_consumer is off.
  EXPECT_TRUE(has_block(func_of(inline_at(*rule, f)), "B"));
  sched::Schedule s = inline_at(*rule, f, "C");
  EXPECT_FALSE(has_block(func_of(s), "C"));
  EXPECT_EQ(count(s, "ReverseComputeInline"), 1);
  expect_equivalent(f, func_of(s));
}

TEST(AutoInline, LeavesDisallowedOperatorsUnlessConfigured) {
  ir::PrimFunc f = script::parse_func(chain("T.exp(A[vi, vj])"));
  EXPECT_TRUE(has_block(func_of(inline_at(*make_rule("loom.auto_inline"), f)), "B"));
  auto allow = make_rule("loom.auto_inline", {entry("disallow_op", strings({}))});
  sched::Schedule s = inline_at(*allow, f);
  EXPECT_FALSE(has_block(func_of(s), "B"));
  expect_equivalent(f, func_of(s));
  // Other operators may be listed, with or without TVM's "tir." prefix.
  ir::PrimFunc g = script::parse_func(chain("T.sqrt(A[vi, vj])"));
  EXPECT_FALSE(has_block(func_of(inline_at(*make_rule("loom.auto_inline"), g)), "B"));
  for (const char* name : {"tir.sqrt", "sqrt"}) {
    auto deny = make_rule("loom.auto_inline", {entry("disallow_op", strings({"tir.exp", name}))});
    EXPECT_TRUE(has_block(func_of(inline_at(*deny, g)), "B")) << name;
  }
}

TEST(AutoInline, LeavesBranchesUnlessConfigured) {
  ir::PrimFunc f = script::parse_func(chain("T.if_then_else(vi < 4, A[vi, vj], T.float32(0))"));
  EXPECT_TRUE(has_block(func_of(inline_at(*make_rule("loom.auto_inline"), f)), "B"));
  ir::PrimFunc g = script::parse_func(chain("T.Select(vi < 4, A[vi, vj], T.float32(0))"));
  EXPECT_TRUE(has_block(func_of(inline_at(*make_rule("loom.auto_inline"), g)), "B"));
  auto allow = make_rule("loom.auto_inline", {entry("disallow_if_then_else", config::ConfigValue::boolean(false))});
  sched::Schedule s = inline_at(*allow, f);
  EXPECT_FALSE(has_block(func_of(s), "B"));
  expect_equivalent(f, func_of(s));
  // The zoo's padding blocks branch: kept by the default rule.
  ir::PrimFunc c2d = workloads::make_workload(
      "c2d", {{"N", 1}, {"H", 5}, {"W", 6}, {"CI", 2}, {"CO", 4}, {"K", 3}, {"stride", 1}, {"padding", 1}});
  EXPECT_TRUE(has_block(func_of(inline_at(*make_rule("loom.auto_inline"), c2d, "pad_temp")), "pad_temp"));
}

TEST(AutoInline, RequiresInjectiveAndOrderedReads) {
  // A transposed read is injective but not ordered.
  ir::PrimFunc f = script::parse_func(chain("A[vj, vi]"));
  EXPECT_TRUE(has_block(func_of(inline_at(*make_rule("loom.auto_inline"), f)), "B"));
  auto unordered = make_rule("loom.auto_inline", {entry("require_ordered", config::ConfigValue::boolean(false))});
  sched::Schedule s = inline_at(*unordered, f);
  EXPECT_FALSE(has_block(func_of(s), "B"));
  expect_equivalent(f, func_of(s));
  // A diagonal read uses one write variable twice: not injective.
  ir::PrimFunc d = script::parse_func(chain("A[vi, vi] + A[vj, vj]"));
  EXPECT_TRUE(has_block(func_of(inline_at(*make_rule("loom.auto_inline"), d)), "B"));
  auto injective_only = make_rule("loom.auto_inline", {entry("require_ordered", config::ConfigValue::boolean(false))});
  EXPECT_TRUE(has_block(func_of(inline_at(*injective_only, d)), "B"));
  auto any = make_rule("loom.auto_inline", {entry("require_injective", config::ConfigValue::boolean(false)),
                                            entry("require_ordered", config::ConfigValue::boolean(false), 5)});
  sched::Schedule t = inline_at(*any, d);
  EXPECT_FALSE(has_block(func_of(t), "B"));
  expect_equivalent(d, func_of(t));
}

TEST(AutoInline, PureSpatialFunctionsSkipTheConditions) {
  // exp, a branch, a transposed read: all inlined when no block of the function reduces.
  for (const char* value : {"T.exp(A[vi, vj])", "T.if_then_else(vi < 4, A[vi, vj], T.float32(0))", "A[vj, vi]"}) {
    ir::PrimFunc f = script::parse_func(chain(value, /*spatial_only=*/true));
    sched::Schedule s = inline_at(*make_rule("loom.auto_inline"), f);
    EXPECT_FALSE(has_block(func_of(s), "B")) << value;
    expect_equivalent(f, func_of(s));
    EXPECT_TRUE(has_block(func_of(inline_at(*make_rule("loom.auto_inline"), script::parse_func(chain(value)))), "B"))
        << value;
  }
}

TEST(AutoInline, ConstantTensorsGoInWhateverTheirBody) {
  // No reads: inlined although it calls exp, a disallowed operator.
  ir::PrimFunc f = script::parse_func(chain("T.exp(T.float32(1))"));
  sched::Schedule s = inline_at(*make_rule("loom.auto_inline"), f);
  EXPECT_FALSE(has_block(func_of(s), "B"));
  expect_equivalent(f, func_of(s));
  auto off = make_rule("loom.auto_inline", {entry("inline_const_tensor", config::ConfigValue::boolean(false))});
  EXPECT_TRUE(has_block(func_of(inline_at(*off, f)), "B"));
}

TEST(AutoInline, LeavesReductionsAndOptedOutBlocks) {
  ir::PrimFunc gmm = workloads::make_workload("gmm", {{"M", 6}, {"N", 8}, {"K", 4}});
  sched::Schedule s = inline_at(*make_rule("loom.auto_inline"), gmm, "C");
  EXPECT_TRUE(has_block(func_of(s), "C"));
  ir::PrimFunc f = script::parse_func(chain("A[vi, vj] * T.float32(2)"));
  sched::Schedule marked(f);
  marked.annotate(marked.get_block("B"), "meta_schedule.inline_rule", sched::Value(std::string("disable")));
  EXPECT_TRUE(has_block(func_of(inline_at(*make_rule("loom.auto_inline"), func_of(marked))), "B"));
}

TEST(AutoInline, ConfigErrorsNameTheKey) {
  for (auto& [key, value] : std::vector<std::pair<std::string, config::ConfigValue>>{
           {"into_consumer", config::ConfigValue::string("yes")},
           {"disallow_op", config::ConfigValue::integer(3)},
           {"disallow_op", ints({1, 2})},
           {"disallow_op", strings({""})},
           {"inline_everything", config::ConfigValue::boolean(true)}}) {
    try {
      make_rule("loom.auto_inline", {entry(key, value)});
      ADD_FAILURE() << "expected an error for " << key;
    } catch (const std::exception& e) {
      EXPECT_THAT(e.what(), HasSubstr(key));
    }
  }
}

// ----- loom.inline_constant_scalars --------------------------------------------------

const char* kScalar = R"(
@T.prim_func
def main(A: T.Buffer((8,), "float32"), C: T.Buffer((8,), "float32")):
    s = T.alloc_buffer((), "float32")
    with T.block("s"):
        s[()] = T.float32(3)
    for i in range(8):
        with T.block("C"):
            vi = T.axis.spatial(8, i)
            C[vi] = A[vi] * s[()]
)";

TEST(InlineConstantScalars, InlinesAScalarConstant) {
  auto rule = make_rule("loom.inline_constant_scalars");
  ir::PrimFunc f = script::parse_func(kScalar);
  sched::Schedule s = inline_at(*rule, f, "s");
  EXPECT_FALSE(has_block(func_of(s), "s"));
  EXPECT_EQ(count(s, "ComputeInline"), 1);
  expect_equivalent(f, func_of(s));
  // Not at the consumer.
  EXPECT_TRUE(has_block(func_of(inline_at(*rule, f, "C")), "s"));
}

TEST(InlineConstantScalars, LeavesTensorsAndBlocksThatRead) {
  auto rule = make_rule("loom.inline_constant_scalars");
  // A constant tensor (not a scalar) is auto_inline's business.
  ir::PrimFunc tensor = script::parse_func(chain("T.float32(3)"));
  EXPECT_TRUE(has_block(func_of(inline_at(*rule, tensor)), "B"));
  // A scalar computed from an input.
  ir::PrimFunc reads = script::parse_func(R"(
@T.prim_func
def main(A: T.Buffer((8,), "float32"), C: T.Buffer((8,), "float32")):
    s = T.alloc_buffer((), "float32")
    with T.block("s"):
        s[()] = A[0] * T.float32(2)
    for i in range(8):
        with T.block("C"):
            vi = T.axis.spatial(8, i)
            C[vi] = A[vi] * s[()]
)");
  EXPECT_TRUE(has_block(func_of(inline_at(*rule, reads, "s")), "s"));
  // An output scalar.
  ir::PrimFunc output = script::parse_func(R"(
@T.prim_func
def main(S: T.Buffer((), "float32")):
    with T.block("s"):
        S[()] = T.float32(3)
)");
  EXPECT_TRUE(has_block(func_of(inline_at(*rule, output, "s")), "s"));
  EXPECT_TRUE(throws_with<config::ConfigError>(
      [&] { make_rule("loom.inline_constant_scalars", {entry("max", config::ConfigValue::integer(1))}); },
      "rules.toml:4:1: [[rule]] loom.inline_constant_scalars: unknown key 'max'"));
}

}  // namespace
}  // namespace loom::rules_test
