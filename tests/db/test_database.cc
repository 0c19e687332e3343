// Tests of the Database interface, run on every store (SQLite, in memory, in memory mirrored
// to JSON lines): workloads committed idempotently, records round-tripping every field, top-k
// order by median with failures excluded, dedup by candidate hash, atomic batches, listings;
// and open_database by kind.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>

#include "db_test_util.h"
#include "loom/db/memory_database.h"
#include "loom/db/sqlite_database.h"
#include "loom/script/script.h"

namespace loom::db {
namespace {

using testing::candidate;
using ::testing::HasSubstr;
using testing::small_gmm;
using testing::TempDir;

enum class Store { Sqlite, Memory, JsonLines };

std::string store_name(const ::testing::TestParamInfo<Store>& info) {
  switch (info.param) {
    case Store::Sqlite:
      return "Sqlite";
    case Store::Memory:
      return "Memory";
    case Store::JsonLines:
      return "JsonLines";
  }
  return "";
}

class DatabaseTest : public ::testing::TestWithParam<Store> {
 protected:
  std::unique_ptr<Database> open() {
    switch (GetParam()) {
      case Store::Sqlite:
        return std::make_unique<SqliteDatabase>(dir_.file("tune.db"));
      case Store::Memory:
        return std::make_unique<MemoryDatabase>();
      case Store::JsonLines:
        return std::make_unique<MemoryDatabase>(dir_.file("tune.jsonl"));
    }
    return nullptr;
  }
  TempDir dir_;
};

TEST_P(DatabaseTest, CommitWorkloadIsIdempotentAndIgnoresNames) {
  auto db = open();
  Workload a = db->commit_workload(small_gmm());
  EXPECT_EQ(a.id, 1);
  EXPECT_EQ(a.hash, ir::structural_hash(small_gmm()));
  EXPECT_TRUE(ir::structural_equal(a.func, small_gmm()));
  EXPECT_EQ(a.script, script::print(small_gmm()));
  // The same function again, and one that differs only in names: the same workload.
  EXPECT_EQ(db->commit_workload(small_gmm()).id, a.id);
  std::string renamed_text = a.script;
  size_t def = renamed_text.find("def gmm(");
  ASSERT_NE(def, std::string::npos) << renamed_text;
  renamed_text.replace(def, 8, "def matmul(");
  ir::PrimFunc renamed = script::parse_func(renamed_text);
  ASSERT_FALSE(ir::structural_equal(renamed, small_gmm(), {.strict_names = true, .map_free_vars = true}));
  EXPECT_EQ(db->commit_workload(renamed).id, a.id);
  // Another shape is another workload.
  Workload b = db->commit_workload(small_gmm(128));
  EXPECT_EQ(b.id, 2);
  ASSERT_EQ(db->workloads().size(), 2u);
  EXPECT_EQ(db->workloads()[1].script, b.script);
  ASSERT_TRUE(db->find_workload(small_gmm(128)).has_value());
  EXPECT_EQ(db->find_workload(small_gmm(128))->id, 2);
  EXPECT_FALSE(db->find_workload(small_gmm(256)).has_value());
  EXPECT_EQ(db->workloads().size(), 2u);
}

TEST_P(DatabaseTest, RecordsRoundTripEveryField) {
  auto db = open();
  Workload w = db->commit_workload(small_gmm());
  TuningRecord ok = candidate(w, 8, {3e-4, 1e-4, 2e-4});
  ok.timestamp_ms = 1764000000123;
  ok.result.build_secs = 0.25;
  ok.result.measure_secs = 0.125;
  ok.result.number = 3;
  ok.args_info = nlohmann::json::array({{{"name", "A"}, {"shape", {64, 16}}}});
  TuningRecord failed = candidate(w, 4, {}, "build failed: out of registers");
  db->commit_records({ok, failed});
  std::vector<TuningRecord> all = db->get_all(w);
  ASSERT_EQ(all.size(), 2u);
  const TuningRecord& r = all[0];
  EXPECT_EQ(r.workload_id, w.id);
  EXPECT_EQ(r.trace.to_json(), ok.trace.to_json());
  EXPECT_EQ(r.target, "llvm -mcpu=generic");
  EXPECT_EQ(r.result.run_secs, (std::vector<double>{3e-4, 1e-4, 2e-4}));
  EXPECT_EQ(r.result.error, "");
  EXPECT_EQ(r.candidate_hash, ok.candidate_hash);
  EXPECT_EQ(r.timestamp_ms, 1764000000123);
  EXPECT_EQ(r.result, ok.result);
  EXPECT_EQ(r.args_info, ok.args_info);
  EXPECT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r.median_secs(), 2e-4);
  EXPECT_FALSE(all[1].ok());
  EXPECT_EQ(all[1].result.error, "build failed: out of registers");
  EXPECT_TRUE(all[1].result.run_secs.empty());
  EXPECT_EQ(all[1].result.build_secs, 0);
  EXPECT_TRUE(all[1].args_info.is_null());
  // A zero timestamp is stamped at commit.
  EXPECT_GT(all[1].timestamp_ms, 1700000000000);
  // The stored trace replays onto the workload and gives the candidate back.
  sched::Schedule sch(w.func);
  r.trace.apply_to(sch);
  EXPECT_EQ(ir::structural_hash(sch.mod().at(sch.default_func())), ok.candidate_hash);
}

// What the tuner reads back from a store — the best record's trace (printed as the final
// schedule, replayed to re-measure it, seeding the search), its decisions, workload, target,
// measurement and args info — is what went in, value for value: bool and float attributes and
// decisions keep their types. SQLite and JSON lines are read from a fresh instance of the file.
TEST_P(DatabaseTest, WhatTheTunerReadsBackIsWhatWentIn) {
  auto db = open();
  Workload w = db->commit_workload(small_gmm());
  sched::Schedule sch(w.func, /*seed=*/7);
  sched::BlockRV c = sch.get_block("C");
  std::vector<sched::LoopRV> loops = sch.get_loops(c);
  std::vector<sched::ExprRV> f = sch.sample_perfect_tile(loops[0], 2, 16, std::vector<int64_t>{8, 8});
  std::vector<sched::LoopRV> split = sch.split(loops[0], std::vector<std::optional<sched::ExprRV>>{f[0], f[1]});
  sch.annotate(c, "test.flag", sched::Value(true));
  sch.annotate(split[0], "test.ratio", sched::Value(0.75));
  sched::ExprRV unroll = sch.sample_categorical({0, 16, 64}, {0.25, 0.5, 0.25}, int64_t{1});
  sch.annotate(c, "test.unroll", sched::Value(unroll));
  sch.parallel(split[0]);
  sch.enter_postproc();
  sch.unroll(split[1]);
  TuningRecord best;
  best.workload_id = w.id;
  best.trace = sch.trace();
  best.target = "llvm -mcpu=znver3 -mattr=+avx2,+fma";
  best.candidate_hash = ir::structural_hash(sch.mod().at(sch.default_func()));
  best.result.run_secs = {2.5e-4, 1.25e-4, 3.0e-4};
  best.result.build_secs = 0.375;
  best.result.measure_secs = 0.0625;
  best.result.number = 16;
  best.args_info = {{"A", {{"shape", {64, 16}}, {"dtype", "float32"}, {"aligned", true}}}, {"scale", 0.5}};
  TuningRecord failed = candidate(w, 4, {}, "wrong result: C[3, 1] is 2.5, expected 3");
  failed.result.error_kind = "wrong_result";
  failed.result.build_secs = 0.25;
  db->commit_records({best, failed});
  // What is read back, by a fresh instance where the store has a file.
  std::unique_ptr<Database> reopened = GetParam() == Store::Memory ? nullptr : open();
  const Database& read = reopened ? *reopened : *db;
  std::optional<Workload> found = read.find_workload(small_gmm());
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, w.id);
  EXPECT_EQ(found->script, w.script);
  EXPECT_TRUE(ir::structural_equal(found->func, w.func));
  std::vector<TuningRecord> top = read.get_top_k(*found, 5);
  ASSERT_EQ(top.size(), 1u);
  const TuningRecord& r = top[0];
  // The trace, instruction by instruction, value for value (a bool stays a bool, 0.75 a double).
  ASSERT_EQ(r.trace.size(), best.trace.size());
  for (size_t i = 0; i < r.trace.size(); ++i) {
    const sched::Instruction& got = r.trace.instructions()[i];
    const sched::Instruction& want = best.trace.instructions()[i];
    EXPECT_EQ(got.kind, want.kind) << "instruction " << i;
    EXPECT_EQ(got.attrs, want.attrs) << "instruction " << i << " (" << want.kind->name << ")";
    EXPECT_EQ(got.inputs.size(), want.inputs.size()) << "instruction " << i;
  }
  EXPECT_EQ(r.trace.decisions(), best.trace.decisions());
  EXPECT_EQ(r.trace.as_python(), best.trace.as_python());
  EXPECT_THAT(r.trace.as_python(), HasSubstr("ann_val=True"));
  EXPECT_THAT(r.trace.as_python(), HasSubstr("ann_val=0.75"));
  EXPECT_THAT(r.trace.as_python(), HasSubstr("preserve_unit_iters=True"));
  EXPECT_EQ(r.trace.postproc_start(), best.trace.postproc_start());
  EXPECT_LT(r.trace.postproc_start(), r.trace.size());
  EXPECT_EQ(r.workload_id, w.id);
  EXPECT_EQ(r.target, best.target);
  EXPECT_EQ(r.candidate_hash, best.candidate_hash);
  EXPECT_EQ(r.result, best.result);
  EXPECT_DOUBLE_EQ(r.median_secs(), 2.5e-4);
  EXPECT_EQ(r.args_info, best.args_info);
  EXPECT_TRUE(r.args_info["A"]["aligned"].is_boolean());
  // The trace replays onto the workload (the re-measure and the search's seeding) and gives
  // the candidate back.
  sched::Schedule replay(found->func);
  r.trace.apply_to(replay);
  EXPECT_EQ(ir::structural_hash(replay.mod().at(replay.default_func())), best.candidate_hash);
  EXPECT_EQ(replay.trace().as_python(), best.trace.as_python());
  // The failure, with its reason and kind, in commit order after the best.
  std::vector<TuningRecord> all = read.get_all(*found);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].result, failed.result);
  EXPECT_FALSE(all[1].ok());
  EXPECT_EQ(all[1].trace.as_python(), failed.trace.as_python());
  EXPECT_TRUE(read.has_candidate(*found, best.candidate_hash));
}

TEST_P(DatabaseTest, TopKIsOrderedByMedianAndSkipsFailures) {
  auto db = open();
  Workload w = db->commit_workload(small_gmm());
  Workload other = db->commit_workload(small_gmm(128));
  db->commit_records({candidate(w, 1, {5.0, 5.0}), candidate(w, 2, {}, "timeout"), candidate(w, 4, {9.0, 1.0, 2.0})});
  db->commit_records({candidate(w, 8, {3.0, 4.0}), candidate(w, 16, {0.5}, "wrong result"), candidate(w, 32, {3.5})});
  TuningRecord elsewhere = candidate(w, 64, {0.1});
  elsewhere.workload_id = other.id;
  db->commit_records({elsewhere});
  std::vector<TuningRecord> top = db->get_top_k(w, 3);
  ASSERT_EQ(top.size(), 3u);
  // Medians: 5, 2, 3.5, 3.5 (tie: commit order), failed ones excluded even with times.
  EXPECT_DOUBLE_EQ(top[0].median_secs(), 2.0);
  EXPECT_EQ(top[0].result.run_secs.size(), 3u);
  EXPECT_DOUBLE_EQ(top[1].median_secs(), 3.5);
  EXPECT_EQ(top[1].result.run_secs.size(), 2u);
  EXPECT_DOUBLE_EQ(top[2].median_secs(), 3.5);
  EXPECT_EQ(top[2].result.run_secs.size(), 1u);
  EXPECT_EQ(db->get_top_k(w, 100).size(), 4u);
  EXPECT_TRUE(db->get_top_k(w, 0).empty());
  ASSERT_EQ(db->get_top_k(other, 5).size(), 1u);
  EXPECT_EQ(db->get_top_k(other, 5)[0].workload_id, other.id);
  EXPECT_EQ(db->size(), 7);
  EXPECT_EQ(db->get_all(w).size(), 6u);
}

TEST_P(DatabaseTest, HasCandidateFindsMeasuredAndFailedCandidates) {
  auto db = open();
  Workload w = db->commit_workload(small_gmm());
  Workload other = db->commit_workload(small_gmm(128));
  TuningRecord a = candidate(w, 8, {1.0});
  TuningRecord b = candidate(w, 16, {}, "crashed");
  TuningRecord c = candidate(w, 32, {1.0});
  ASSERT_NE(a.candidate_hash, b.candidate_hash);
  ASSERT_NE(a.candidate_hash, c.candidate_hash);
  EXPECT_FALSE(db->has_candidate(w, a.candidate_hash));
  db->commit_records({a, b});
  EXPECT_TRUE(db->has_candidate(w, a.candidate_hash));
  EXPECT_TRUE(db->has_candidate(w, b.candidate_hash));
  EXPECT_FALSE(db->has_candidate(w, c.candidate_hash));
  EXPECT_FALSE(db->has_candidate(other, a.candidate_hash));
}

TEST_P(DatabaseTest, ABatchNamingAnUnknownWorkloadAddsNothing) {
  auto db = open();
  Workload w = db->commit_workload(small_gmm());
  TuningRecord stray = candidate(w, 8, {1.0});
  stray.workload_id = 42;
  try {
    db->commit_records({candidate(w, 4, {1.0}), stray});
    FAIL() << "expected DatabaseError";
  } catch (const DatabaseError& e) {
    EXPECT_THAT(e.what(), HasSubstr("a record names workload 42, which is not in the database"));
  }
  EXPECT_EQ(db->size(), 0);
  EXPECT_TRUE(db->get_all(w).empty());
}

TEST_P(DatabaseTest, SummariesCountRecordsFailuresAndBest) {
  auto db = open();
  Workload w = db->commit_workload(small_gmm());
  Workload empty = db->commit_workload(small_gmm(128));
  db->commit_records({candidate(w, 1, {4.0}), candidate(w, 2, {}, "timeout"), candidate(w, 4, {2.0, 3.0})});
  std::vector<WorkloadSummary> s = db->summaries();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].workload.id, w.id);
  EXPECT_EQ(s[0].records, 3);
  EXPECT_EQ(s[0].failed, 1);
  ASSERT_TRUE(s[0].best_secs.has_value());
  EXPECT_DOUBLE_EQ(*s[0].best_secs, 2.5);
  EXPECT_EQ(s[1].workload.id, empty.id);
  EXPECT_EQ(s[1].records, 0);
  EXPECT_EQ(s[1].failed, 0);
  EXPECT_FALSE(s[1].best_secs.has_value());
}

TEST_P(DatabaseTest, ReopeningResumesWithEveryRecord) {
  if (GetParam() == Store::Memory) GTEST_SKIP() << "an in-memory database keeps nothing";
  uint64_t best_hash = 0;
  {
    auto db = open();
    Workload w = db->commit_workload(small_gmm());
    TuningRecord best = candidate(w, 8, {1.0});
    best_hash = best.candidate_hash;
    db->commit_records({candidate(w, 4, {2.0}), best});
    db->commit_records({candidate(w, 16, {}, "timeout")});
  }
  auto db = open();
  ASSERT_EQ(db->workloads().size(), 1u);
  Workload w = db->commit_workload(small_gmm());
  EXPECT_EQ(w.id, 1);
  EXPECT_EQ(db->size(), 3);
  EXPECT_TRUE(db->has_candidate(w, best_hash));
  ASSERT_EQ(db->get_top_k(w, 1).size(), 1u);
  EXPECT_EQ(db->get_top_k(w, 1)[0].candidate_hash, best_hash);
  // New work appends to what was there.
  db->commit_records({candidate(w, 32, {0.5})});
  Workload w2 = db->commit_workload(small_gmm(128));
  EXPECT_EQ(w2.id, 2);
  db = nullptr;
  db = open();
  EXPECT_EQ(db->size(), 4);
  EXPECT_EQ(db->workloads().size(), 2u);
  EXPECT_DOUBLE_EQ(db->get_top_k(w, 1)[0].median_secs(), 0.5);
}

INSTANTIATE_TEST_SUITE_P(Stores, DatabaseTest, ::testing::Values(Store::Sqlite, Store::Memory, Store::JsonLines),
                         store_name);

TEST(MeasureResult, MedianOfOddAndEvenCounts) {
  MeasureResult r;
  r.run_secs = {3.0, 1.0, 2.0};
  EXPECT_DOUBLE_EQ(r.median_secs(), 2.0);
  r.run_secs = {4.0, 1.0, 3.0, 2.0};
  EXPECT_DOUBLE_EQ(r.median_secs(), 2.5);
  r.error = "failed";
  EXPECT_FALSE(r.ok());
  try {
    r.median_secs();
    FAIL() << "expected InternalError";
  } catch (const InternalError& e) {
    EXPECT_THAT(e.what(), HasSubstr("median_secs of a failed record"));
  }
}

TEST(OpenDatabase, OpensTheKindNamed) {
  TempDir dir;
  auto a = open_database("sqlite", dir.file("run.db"));
  EXPECT_NE(dynamic_cast<SqliteDatabase*>(a.get()), nullptr);
  EXPECT_TRUE(std::filesystem::exists(dir.file("run.db")));
  auto b = open_database("json", dir.file("run.jsonl"));
  ASSERT_NE(dynamic_cast<MemoryDatabase*>(b.get()), nullptr);
  EXPECT_EQ(dynamic_cast<MemoryDatabase*>(b.get())->path(), dir.file("run.jsonl"));
  EXPECT_TRUE(std::filesystem::exists(dir.file("run.jsonl")));
  auto c = open_database("memory", "");
  ASSERT_NE(dynamic_cast<MemoryDatabase*>(c.get()), nullptr);
  EXPECT_EQ(dynamic_cast<MemoryDatabase*>(c.get())->path(), "");
  try {
    open_database("postgres", "");
    FAIL() << "expected UserError";
  } catch (const UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr("unknown database kind 'postgres'"));
  }
}

}  // namespace
}  // namespace loom::db
