// Tests of the storage-scope / thread-scope ranks: which thread loops each scope relaxes.
#include <gtest/gtest.h>

#include "loom/ir/storage_scope.h"

namespace loom::ir {
namespace {

TEST(StorageScope, Ranks) {
  EXPECT_EQ(storage_rank(""), StorageRank::Global);
  EXPECT_EQ(storage_rank("global"), StorageRank::Global);
  EXPECT_EQ(storage_rank("shared"), StorageRank::Shared);
  EXPECT_EQ(storage_rank("shared.dyn"), StorageRank::Shared);
  EXPECT_EQ(storage_rank("warp"), StorageRank::Warp);
  EXPECT_EQ(storage_rank("local"), StorageRank::Local);
  EXPECT_EQ(storage_rank("wmma.matrix_a"), StorageRank::Other);
  EXPECT_EQ(thread_rank("blockIdx.y"), 0);
  EXPECT_EQ(thread_rank("threadIdx.z"), 1);
  EXPECT_EQ(thread_rank("vthread"), 1);
  EXPECT_EQ(thread_rank("vthread.x"), 1);
  EXPECT_EQ(thread_rank("parallel"), -1);
}

TEST(StorageScope, WhichThreadLoopsEachScopeRelaxes) {
  for (const char* tag : {"blockIdx.x", "blockIdx.z", "threadIdx.x", "threadIdx.y", "vthread", "vthread.y"}) {
    EXPECT_TRUE(thread_tag_relaxed_by_scope("global", tag)) << tag;
    EXPECT_TRUE(thread_tag_relaxed_by_scope("", tag)) << tag;
    EXPECT_FALSE(thread_tag_relaxed_by_scope("local", tag)) << tag;
    EXPECT_FALSE(thread_tag_relaxed_by_scope("wmma.accumulator", tag)) << tag;
  }
  EXPECT_FALSE(thread_tag_relaxed_by_scope("shared", "blockIdx.x"));
  EXPECT_TRUE(thread_tag_relaxed_by_scope("shared", "threadIdx.x"));
  EXPECT_TRUE(thread_tag_relaxed_by_scope("shared", "threadIdx.y"));
  EXPECT_TRUE(thread_tag_relaxed_by_scope("shared.dyn", "vthread.x"));
  EXPECT_TRUE(thread_tag_relaxed_by_scope("warp", "threadIdx.x"));
  EXPECT_FALSE(thread_tag_relaxed_by_scope("warp", "threadIdx.y"));
  EXPECT_FALSE(thread_tag_relaxed_by_scope("warp", "vthread"));
  EXPECT_FALSE(thread_tag_relaxed_by_scope("warp", "blockIdx.x"));
  EXPECT_FALSE(thread_tag_relaxed_by_scope("global", "not_a_thread"));
}

}  // namespace
}  // namespace loom::ir
