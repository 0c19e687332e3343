// Tests of affine iteration-map detection: positive cases with their structured form and
// negative cases with their reasons.
#include "loom/arith/iter_map.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../common/expect_error.h"
#include "loom/ir/ir.h"

using loom::testing::throws_with;

namespace loom::arith {
namespace {

using namespace loom::ir;
using ::testing::HasSubstr;

class IterMapTest : public ::testing::Test {
 protected:
  std::vector<std::pair<Var, Range>> iters(std::vector<std::pair<Var, int64_t>> extents) {
    std::vector<std::pair<Var, Range>> out;
    for (auto& [v, e] : extents) out.emplace_back(v, Range::from_min_extent(0, make_int(e)));
    return out;
  }

  ::testing::AssertionResult rebuilds_to(const IterSum& sum, const Expr& expected) {
    Expr got = iter_sum_to_expr(sum, DataType::Int(32));
    StructuralEqualOptions o;
    o.map_free_vars = false;
    if (structural_equal(got, expected, o)) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "got " << to_string(got) << ", expected " << to_string(expected);
  }

  Var i{"i"}, j{"j"}, k{"k"};
};

TEST_F(IterMapTest, FusedPairIsBijective) {
  IterMapResult r = detect_iter_map({i * 4 + j}, iters({{i, 32}, {j, 4}}));
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.indices.size(), 1u);
  EXPECT_EQ(r.indices[0].extent, 128);
  EXPECT_EQ(r.indices[0].base, 0);
  ASSERT_EQ(r.indices[0].splits.size(), 2u);
  EXPECT_TRUE(r.indices[0].splits[0].source.same_as(i));
  EXPECT_EQ(r.indices[0].splits[0].scale, 4);
  EXPECT_TRUE(r.indices[0].splits[1].source.same_as(j));
  EXPECT_EQ(r.indices[0].splits[1].scale, 1);
  EXPECT_TRUE(rebuilds_to(r.indices[0], i * 4 + j));
}

TEST_F(IterMapTest, FuseThenSplitIsBijective) {
  Expr fused = i * 4 + j;
  IterMapResult r = detect_iter_map({floordiv(fused, 8), floormod(fused, 8)}, iters({{i, 32}, {j, 4}}));
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.indices.size(), 2u);
  EXPECT_EQ(r.indices[0].extent, 16);
  EXPECT_EQ(r.indices[1].extent, 8);
  EXPECT_TRUE(rebuilds_to(r.indices[0], floordiv(i, 2)));
  EXPECT_TRUE(rebuilds_to(r.indices[1], floormod(i, 2) * 4 + j));
}

// A fused loop split again where the split point falls inside one of the fused loops: with
// f = i * 7 + j (i in [0, 3), j in [0, 7)) split into (o, p) by 3 (o in [0, 7), p in
// [0, 3)), the original bindings floordiv(f, 7) and floormod(f, 7) become those of
// o * 3 + p, whose cut at 7 falls inside o (extent 7, not a multiple of 7 / 3). TVM fuses
// o * 3 + p into one iterator and splits that.
TEST_F(IterMapTest, AFusedLoopSplitAgainIsBijective) {
  Var o{"o"}, p{"p"};
  Expr f = o * 3 + p;
  IterMapResult r = detect_iter_map({floordiv(f, 7), floormod(f, 7)}, iters({{o, 7}, {p, 3}}));
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.indices.size(), 2u);
  EXPECT_EQ(r.indices[0].extent, 3);
  EXPECT_EQ(r.indices[1].extent, 7);
  ASSERT_EQ(r.indices[0].splits.size(), 1u);
  ASSERT_NE(r.indices[0].splits[0].fused, nullptr);
  // Both bindings split the same fused iterator, which tiles it exactly.
  EXPECT_EQ(r.indices[0].splits[0].fused, r.indices[1].splits[0].fused);
  EXPECT_EQ(r.indices[0].splits[0].fused->extent, 21);
  EXPECT_TRUE(has_fused_split(r));
  EXPECT_TRUE(rebuilds_to(r.indices[0], floordiv(o * 3 + p, 7)));
  EXPECT_TRUE(rebuilds_to(r.indices[1], floormod(o * 3 + p, 7)));
  // The brief's shape: fuse(i, j) of 16 x 16 split by 3 would not be perfect; split by 32,
  // the cut at 16 is inside p (extent 32) and splits it: no fused iterator is needed.
  IterMapResult aligned =
      detect_iter_map({floordiv(o * 32 + p, 16), floormod(o * 32 + p, 16)}, iters({{o, 8}, {p, 32}}));
  ASSERT_TRUE(aligned.ok()) << aligned.error;
  EXPECT_FALSE(has_fused_split(aligned));
  // Three fused loops (a reduction over rh, rw, rc of 3 x 7 x 3, fused and split by 9):
  // rh = f // 21, rw = f % 21 // 3, rc = f % 3 with f = o * 9 + p. rc alone could split p,
  // but p is also inside the fused iterator the others need: all three split that one.
  Expr g = o * 9 + p;
  IterMapResult three =
      detect_iter_map({floordiv(g, 21), floordiv(floormod(g, 21), 3), floormod(g, 3)}, iters({{o, 7}, {p, 9}}));
  ASSERT_TRUE(three.ok()) << three.error;
  EXPECT_EQ(three.indices[0].extent, 3);
  EXPECT_EQ(three.indices[1].extent, 7);
  EXPECT_EQ(three.indices[2].extent, 3);
  ASSERT_EQ(three.indices[2].splits.size(), 1u);
  EXPECT_EQ(three.indices[2].splits[0].fused, three.indices[0].splits[0].fused);
  EXPECT_TRUE(rebuilds_to(three.indices[2], floormod(o * 9 + p, 3)));
  // The same bindings under Surjective, and a further split of a binding of the fused
  // iterator, are accepted too.
  EXPECT_TRUE(
      detect_iter_map({floordiv(f, 7), floormod(f, 7)}, iters({{o, 7}, {p, 3}}), {}, IterMapLevel::Surjective).ok());
  IterMapResult deeper = detect_iter_map({floordiv(f, 7), floordiv(floormod(f, 7), 7), floormod(f, 7)},
                                         iters({{o, 7}, {p, 3}}), {}, IterMapLevel::NoCheck);
  EXPECT_TRUE(deeper.ok()) << deeper.error;
}

TEST_F(IterMapTest, AFusedIteratorUsedTwiceOrPartlyIsRefused) {
  Var o{"o"}, p{"p"};
  Expr f = o * 3 + p;
  // Overlapping: the same digits of the fused iterator twice.
  IterMapResult twice =
      detect_iter_map({floordiv(f, 7), floordiv(f, 7)}, iters({{o, 7}, {p, 3}}), {}, IterMapLevel::Surjective);
  EXPECT_FALSE(twice.ok());
  EXPECT_THAT(twice.error, HasSubstr("is used twice"));
  // The fused iterator and one of its loops again: o is used twice.
  IterMapResult again = detect_iter_map({floordiv(f, 7), floormod(f, 7), o}, iters({{o, 7}, {p, 3}}));
  EXPECT_FALSE(again.ok());
  EXPECT_THAT(again.error, HasSubstr("iterator o is used twice"));
  EXPECT_FALSE(
      detect_iter_map({floordiv(f, 7), floormod(f, 7), o}, iters({{o, 7}, {p, 3}}), {}, IterMapLevel::Surjective).ok());
  // Not bijective: only the high digits of the fused iterator.
  IterMapResult part = detect_iter_map({floordiv(f, 7)}, iters({{o, 7}, {p, 3}}));
  EXPECT_FALSE(part.ok());
  EXPECT_THAT(part.error, HasSubstr("not fully used"));
  // ... which is surjective.
  EXPECT_TRUE(detect_iter_map({floordiv(f, 7)}, iters({{o, 7}, {p, 3}}), {}, IterMapLevel::Surjective).ok());
  // A cut that does not divide the fused extent (21 by 4) is not affine.
  IterMapResult uneven = detect_iter_map({floordiv(f, 4), floormod(f, 4)}, iters({{o, 7}, {p, 3}}));
  EXPECT_FALSE(uneven.ok());
  EXPECT_THAT(uneven.error, HasSubstr("cannot be split by 4"));
  // A sum with a gap is still no fused iterator.
  EXPECT_FALSE(detect_iter_map({floordiv(o * 4 + p, 7)}, iters({{o, 7}, {p, 3}}), {}, IterMapLevel::Surjective).ok());
}

TEST_F(IterMapTest, SplitOfOneIteratorIsBijective) {
  IterMapResult r = detect_iter_map({floordiv(i, 8), floordiv(floormod(i, 8), 2), floormod(i, 2)}, iters({{i, 64}}));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.indices[0].extent, 8);
  EXPECT_EQ(r.indices[1].extent, 4);
  EXPECT_EQ(r.indices[2].extent, 2);
  EXPECT_TRUE(rebuilds_to(r.indices[1], floordiv(floormod(i, 8), 2)));
}

TEST_F(IterMapTest, ReorderedAndOffsetBindings) {
  IterMapResult r = detect_iter_map({j, i + 3}, iters({{i, 16}, {j, 8}}));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.indices[1].base, 3);
  EXPECT_TRUE(rebuilds_to(r.indices[1], i + 3));
}

TEST_F(IterMapTest, ThreeWayFuse) {
  IterMapResult r = detect_iter_map({i * 32 + j * 4 + k}, iters({{i, 2}, {j, 8}, {k, 4}}));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.indices[0].extent, 64);
}

TEST_F(IterMapTest, NonZeroIteratorMin) {
  std::vector<std::pair<Var, Range>> it = {{i, Range::from_min_extent(2, 8)}};
  IterMapResult r = detect_iter_map({i}, it);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.indices[0].base, 2);
  EXPECT_EQ(r.indices[0].extent, 8);
}

TEST_F(IterMapTest, SumOfIteratorsIsNotAffineMap) {
  IterMapResult r = detect_iter_map({i + j}, iters({{i, 8}, {j, 8}}));
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.error, HasSubstr("binding 0"));
  EXPECT_THAT(r.error, HasSubstr("scale"));
  EXPECT_TRUE(r.indices.empty());
}

TEST_F(IterMapTest, RepeatedIteratorIsNotBijective) {
  IterMapResult r = detect_iter_map({i, i}, iters({{i, 8}}));
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.error, HasSubstr("used twice"));
  EXPECT_FALSE(detect_iter_map({i, i}, iters({{i, 8}}), {}, IterMapLevel::Surjective).ok());
}

TEST_F(IterMapTest, UnusedIteratorIsSurjectiveButNotBijective) {
  IterMapResult r = detect_iter_map({i}, iters({{i, 8}, {j, 4}}));
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.error, HasSubstr("iterator j"));
  EXPECT_TRUE(detect_iter_map({i}, iters({{i, 8}, {j, 4}}), {}, IterMapLevel::Surjective).ok());
  // An iterator of extent 1 needs no use.
  EXPECT_TRUE(detect_iter_map({i}, iters({{i, 8}, {j, 1}})).ok());
  // Only the high digits of i: surjective onto [0, 4), not bijective.
  EXPECT_FALSE(detect_iter_map({floordiv(i, 2)}, iters({{i, 8}})).ok());
  EXPECT_TRUE(detect_iter_map({floordiv(i, 2)}, iters({{i, 8}}), {}, IterMapLevel::Surjective).ok());
}

TEST_F(IterMapTest, GapsAndNonAffineOperators) {
  // i * 8 + j with j < 4 leaves holes.
  EXPECT_FALSE(detect_iter_map({i * 8 + j}, iters({{i, 4}, {j, 4}})).ok());
  EXPECT_FALSE(detect_iter_map({i * j}, iters({{i, 4}, {j, 4}})).ok());
  EXPECT_FALSE(detect_iter_map({min(i, 3)}, iters({{i, 4}})).ok());
  // A split that does not divide the extent.
  IterMapResult r = detect_iter_map({floordiv(i, 4), floormod(i, 4)}, iters({{i, 10}}));
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.error, HasSubstr("cannot be split"));
  // A free variable.
  Var n("n");
  r = detect_iter_map({i + n}, iters({{i, 4}}));
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.error, HasSubstr("n is not an input iterator"));
  // Negative coefficient.
  EXPECT_FALSE(detect_iter_map({0 - i}, iters({{i, 4}})).ok());
}

TEST_F(IterMapTest, APredicateBoundsAFusedLoopSplitByANonDividingFactor) {
  // A fused loop of 120 iterations split by 32: f = i * 32 + j over (4, 32), kept while
  // f < 120; the bindings cut f at 20 and 2 (a cooperative fetch of a 6 x 10 x 2 region).
  Expr f = i * 32 + j;
  std::vector<Expr> bindings = {floordiv(f, 20), floordiv(floormod(f, 20), 2), floormod(f, 2)};
  IterMapResult r = detect_iter_map(bindings, iters({{i, 4}, {j, 32}}), f < 120);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.indices[0].extent, 6);
  EXPECT_EQ(r.indices[1].extent, 10);
  EXPECT_EQ(r.indices[2].extent, 2);
  // The simplifier's form of the last binding: j % 2 is f % 2, j being f's lowest digit.
  bindings[2] = floormod(j, 2);
  r = detect_iter_map(bindings, iters({{i, 4}, {j, 32}}), f < 120);
  ASSERT_TRUE(r.ok()) << r.error;
  // Without the predicate the cut at 20 does not divide the 128 iterations.
  EXPECT_THAT(detect_iter_map(bindings, iters({{i, 4}, {j, 32}})).error, HasSubstr("cannot be split by 20"));
  // A predicate that keeps more than the loops run, or bounds no fused iterator, is refused.
  EXPECT_THAT(detect_iter_map(bindings, iters({{i, 4}, {j, 32}}), f < 200).error,
              HasSubstr("does not bound a fused iterator"));
  r = detect_iter_map({i}, iters({{i, 8}}), i < 6);
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.error, HasSubstr("predicate"));
  EXPECT_THAT(detect_iter_map({i}, iters({{i, 8}}), eq(i, 6)).error, HasSubstr("not a conjunction"));
  EXPECT_TRUE(detect_iter_map({i}, iters({{i, 8}}), make_bool(true)).ok());
}

TEST_F(IterMapTest, AHaloWindowIsSurjectiveWhenOverlappingIsAllowed) {
  // 4 * i + j with j in [0, 6): the rows a 4-row tile's 3 x 3 convolution reads; values
  // repeat across i, none is skipped: [0, 14).
  IterMapResult r = detect_iter_map({i * 4 + j}, iters({{i, 3}, {j, 6}}), {}, IterMapLevel::SurjectiveOverlapping);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.indices[0].extent, 14);
  EXPECT_THAT(detect_iter_map({i * 4 + j}, iters({{i, 3}, {j, 6}}), {}, IterMapLevel::Surjective).error,
              HasSubstr("scale"));
  // A hole (j in [0, 3) under steps of 4) is not surjective either way.
  EXPECT_FALSE(detect_iter_map({i * 4 + j}, iters({{i, 3}, {j, 3}}), {}, IterMapLevel::SurjectiveOverlapping).ok());
  // Splits of one iterator still must not overlap across bindings.
  EXPECT_FALSE(detect_iter_map({i, i}, iters({{i, 8}}), {}, IterMapLevel::SurjectiveOverlapping).ok());
}

TEST_F(IterMapTest, SymbolicRangeIsAUserError) {
  Var n("n");
  std::vector<std::pair<Var, Range>> it = {{i, Range::from_min_extent(0, n)}};
  EXPECT_TRUE(throws_with<UserError>([&] { detect_iter_map({i}, it); }, "must have a constant range"));
}

}  // namespace
}  // namespace loom::arith
