// Durability under a real kill: a forked child commits batches of records in a loop and is
// SIGKILLed at random moments, several times over the same file; after each kill the file
// must open, pass SQLite's integrity check, and hold only whole batches of complete records
// (each record says which batch it belongs to, the batch's size and its index in it).
// The JSON lines store is killed the same way: it must reload with every record complete.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <thread>

#include "db_test_util.h"
#include "loom/db/memory_database.h"
#include "loom/db/sqlite_database.h"

namespace loom::db {
namespace {

using testing::candidate;
using testing::small_gmm;
using testing::TempDir;

constexpr int kRounds = 8;

/// Commits batches forever (batch ids first_batch, first_batch + 1, ...); never returns.
[[noreturn]] void commit_forever(Database& db, const std::vector<TuningRecord>& pool, int64_t first_batch) {
  try {
    Workload w = db.commit_workload(small_gmm());
    // A few kilobytes per record, so a batch takes several writes.
    std::string padding(4096, 'p');
    for (int64_t batch = first_batch;; ++batch) {
      int64_t size = 1 + batch % 13;
      std::vector<TuningRecord> records;
      for (int64_t i = 0; i < size; ++i) {
        TuningRecord r = pool[static_cast<size_t>(i) % pool.size()];
        r.workload_id = w.id;
        r.args_info = {{"batch", batch}, {"size", size}, {"index", i}};
        r.args_info["padding"] = padding;
        records.push_back(std::move(r));
      }
      db.commit_records(records);
    }
  } catch (const std::exception& e) {
    fprintf(stderr, "child: %s\n", e.what());
    _exit(2);
  }
  _exit(3);
}

/// Forks a child running `body`, kills it after `delay`, and checks it was still running.
template <typename Body>
void run_and_kill(std::chrono::microseconds delay, Body body) {
  fflush(nullptr);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    body();
    _exit(4);
  }
  std::this_thread::sleep_for(delay);
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the child ended before it was killed (exit status " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1) << ")";
}

/// Checks every record is complete and returns the number of records per batch.
std::map<int64_t, std::vector<int64_t>> batches_of(const Database& db, const TuningRecord& model) {
  std::map<int64_t, std::vector<int64_t>> out;
  for (const Workload& w : db.workloads()) {
    for (const TuningRecord& r : db.get_all(w)) {
      EXPECT_EQ(r.trace.to_json(), model.trace.to_json());
      EXPECT_EQ(r.target, model.target);
      EXPECT_EQ(r.result, model.result);
      EXPECT_EQ(r.args_info.at("padding").get<std::string>().size(), 4096u);
      int64_t batch = r.args_info.at("batch").get<int64_t>();
      int64_t size = r.args_info.at("size").get<int64_t>();
      EXPECT_EQ(size, 1 + batch % 13);
      out[batch].push_back(r.args_info.at("index").get<int64_t>());
    }
  }
  return out;
}

std::vector<TuningRecord> record_pool() {
  Workload w{.id = 1, .hash = 0, .script = "", .func = small_gmm()};
  return {candidate(w, 8, {1e-4, 2e-4, 3e-4})};
}

TEST(Kill, SqliteKeepsWholeBatchesAcrossKills) {
  TempDir dir;
  std::string path = dir.file("kill.db");
  std::vector<TuningRecord> pool = record_pool();
  // The run commits its workload before measuring (a kill may land before any batch).
  SqliteDatabase(path).commit_workload(small_gmm());
  unsigned seed = static_cast<unsigned>(std::random_device{}());
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> delay_us(20000, 250000);
  int64_t last_count = 0;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE(::testing::Message() << "round " << round);
    run_and_kill(std::chrono::microseconds(delay_us(rng)), [&] {
      SqliteDatabase db(path);
      commit_forever(db, pool, round * 1000000);
    });
    if (::testing::Test::HasFatalFailure()) return;
    SqliteDatabase db(path, SqliteDatabase::Mode::ReadWrite);
    ASSERT_EQ(db.integrity_check(), "ok");
    std::map<int64_t, std::vector<int64_t>> batches = batches_of(db, pool[0]);
    for (const auto& [batch, indices] : batches) {
      ASSERT_EQ(static_cast<int64_t>(indices.size()), 1 + batch % 13) << "batch " << batch << " is not whole";
      for (size_t i = 0; i < indices.size(); ++i) EXPECT_EQ(indices[i], static_cast<int64_t>(i));
    }
    EXPECT_EQ(db.workloads().size(), 1u);
    EXPECT_GE(db.size(), last_count) << "records were lost";
    last_count = db.size();
  }
  EXPECT_GT(last_count, 0) << "no child ever committed a batch";
  std::printf("sqlite: %lld records after %d kills\n", static_cast<long long>(last_count), kRounds);
}

TEST(Kill, JsonLinesStoreReloadsCompleteRecordsAcrossKills) {
  TempDir dir;
  std::string path = dir.file("kill.jsonl");
  std::vector<TuningRecord> pool = record_pool();
  MemoryDatabase(path).commit_workload(small_gmm());
  unsigned seed = static_cast<unsigned>(std::random_device{}());
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> delay_us(20000, 250000);
  int64_t last_count = 0;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE(::testing::Message() << "round " << round);
    run_and_kill(std::chrono::microseconds(delay_us(rng)), [&] {
      MemoryDatabase db(path);
      commit_forever(db, pool, round * 1000000);
    });
    if (::testing::Test::HasFatalFailure()) return;
    MemoryDatabase db(path);
    batches_of(db, pool[0]);
    EXPECT_EQ(db.workloads().size(), 1u);
    EXPECT_GE(db.size(), last_count) << "records were lost";
    last_count = db.size();
  }
  EXPECT_GT(last_count, 0) << "no child ever committed a batch";
  std::printf("json lines: %lld records after %d kills\n", static_cast<long long>(last_count), kRounds);
}

}  // namespace
}  // namespace loom::db
