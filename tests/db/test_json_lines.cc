// Tests of JSON lines import and export: the documented line shapes, round trips between
// stores, idempotent re-import, errors naming the line and the problem, and the JSON lines
// store's recovery from a line cut short by a crash.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "db_test_util.h"
#include "fmt/format.h"
#include "loom/db/json_lines.h"
#include "loom/db/memory_database.h"
#include "loom/db/sqlite_database.h"

namespace loom::db {
namespace {

using testing::candidate;
using ::testing::HasSubstr;
using testing::small_gmm;
using testing::TempDir;

/// A database with two workloads, a failed record and records carrying every optional field.
void fill(Database& db) {
  Workload a = db.commit_workload(small_gmm());
  Workload b = db.commit_workload(small_gmm(128));
  TuningRecord r = candidate(a, 8, {2e-4, 1e-4});
  r.result.build_secs = 0.5;
  r.result.number = 4;
  r.args_info = {{"A", {64, 16}}};
  r.timestamp_ms = 1764000000000;
  TuningRecord other = candidate(b, 4, {3e-4}, "", 128);
  db.commit_records({r, candidate(a, 16, {}, "timeout after 10 s")});
  db.commit_records({other});
}

std::string export_text(const Database& db) {
  std::ostringstream out;
  export_json_lines(db, out);
  return out.str();
}

ImportStats import_text(Database& db, const std::string& text) {
  std::istringstream in(text);
  return import_json_lines(db, in, "in.jsonl");
}

/// The message of the DatabaseError importing `text` throws.
std::string import_error(const std::string& text) {
  MemoryDatabase db;
  try {
    import_text(db, text);
  } catch (const DatabaseError& e) {
    EXPECT_EQ(db.size(), 0) << "a failed import added records";
    return e.what();
  }
  return "";
}

TEST(JsonLines, ExportWritesTheDocumentedLines) {
  MemoryDatabase db;
  fill(db);
  std::string text = export_text(db);
  std::vector<nlohmann::json> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[0], (nlohmann::json{{"type", "loom.db"}, {"version", 1}}));
  EXPECT_EQ(lines[1]["type"], "workload");
  EXPECT_EQ(lines[1]["id"], 1);
  EXPECT_EQ(lines[1]["hash"], fmt::format("{:016x}", ir::structural_hash(small_gmm())));
  EXPECT_EQ(lines[1]["script"], db.workloads()[0].script);
  EXPECT_EQ(lines[2]["type"], "record");
  EXPECT_EQ(lines[2]["workload"], 1);
  EXPECT_EQ(lines[2]["run_secs"], nlohmann::json({2e-4, 1e-4}));
  EXPECT_EQ(lines[2]["error"], "");
  EXPECT_EQ(lines[2]["timestamp_ms"], 1764000000000);
  EXPECT_EQ(lines[2]["info"],
            nlohmann::json({{"build_secs", 0.5}, {"measure_secs", 0.0}, {"error_kind", ""}, {"number", 4}}));
  // The trace in TVM's shape, its bool attributes as JSON booleans (split's
  // preserve_unit_iters, disable_predication), reading back to the same trace.
  const sched::Trace trace = db.get_all(db.workloads()[0])[0].trace;
  nlohmann::json expected = trace.to_json();
  expected[0][3][2] = nlohmann::json::array({true, false});
  EXPECT_EQ(lines[2]["trace"], expected);
  EXPECT_EQ(sched::Trace::from_json(lines[2]["trace"]).instructions()[3].attrs, trace.instructions()[3].attrs);
  EXPECT_EQ(lines[2]["candidate_hash"].get<std::string>().size(), 16u);
  EXPECT_EQ(lines[3]["error"], "timeout after 10 s");
  EXPECT_FALSE(lines[3].contains("info"));
  EXPECT_EQ(lines[4]["type"], "workload");
  EXPECT_EQ(lines[4]["id"], 2);
  EXPECT_EQ(lines[5]["workload"], 2);
}

TEST(JsonLines, RoundTripsThroughSqliteAndBack) {
  TempDir dir;
  MemoryDatabase source;
  fill(source);
  std::string text = export_text(source);
  SqliteDatabase sqlite(dir.file("copy.db"));
  ImportStats stats = import_text(sqlite, text);
  EXPECT_EQ(stats.workloads, 2);
  EXPECT_EQ(stats.records, 3);
  EXPECT_EQ(stats.duplicates, 0);
  EXPECT_EQ((stats.workload_ids), (std::map<int64_t, int64_t>{{1, 1}, {2, 2}}));
  EXPECT_EQ(export_text(sqlite), text);
  // Importing the same lines again adds nothing.
  ImportStats again = import_text(sqlite, text);
  EXPECT_EQ(again.records, 0);
  EXPECT_EQ(again.duplicates, 3);
  EXPECT_EQ(sqlite.size(), 3);
  EXPECT_EQ(sqlite.workloads().size(), 2u);
}

TEST(JsonLines, ImportMergesWithWorkloadsAlreadyThere) {
  MemoryDatabase source;
  fill(source);
  MemoryDatabase target;
  Workload first = target.commit_workload(small_gmm(256));
  Workload shared = target.commit_workload(small_gmm(128));
  ImportStats stats = import_text(target, export_text(source));
  // File workload 1 is new (id 3), file workload 2 is the one already there (id 2).
  EXPECT_EQ((stats.workload_ids), (std::map<int64_t, int64_t>{{1, 3}, {2, shared.id}}));
  EXPECT_EQ(target.workloads().size(), 3u);
  EXPECT_EQ(target.get_all(shared).size(), 1u);
  EXPECT_TRUE(target.get_all(first).empty());
}

TEST(JsonLines, ErrorsNameTheLineAndTheProblem) {
  MemoryDatabase source;
  fill(source);
  std::string good = export_text(source);
  std::vector<std::string> lines;
  std::istringstream in(good);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  auto with_line = [&](size_t index, const std::string& replacement) {
    std::string out;
    for (size_t i = 0; i < lines.size(); ++i) out += (i == index ? replacement : lines[i]) + "\n";
    return out;
  };
  auto edited = [&](size_t index, const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json j = nlohmann::json::parse(lines[index]);
    edit(j);
    return with_line(index, j.dump());
  };
  EXPECT_THAT(import_error(with_line(2, "{\"type\": \"record\", ")), HasSubstr("in.jsonl:3: not JSON: "));
  EXPECT_THAT(import_error(with_line(2, "[1, 2]")), HasSubstr("in.jsonl:3: expected a JSON object, got array"));
  EXPECT_THAT(import_error(edited(2, [](auto& j) { j.erase("target"); })),
              HasSubstr("in.jsonl:3: missing key 'target'"));
  EXPECT_THAT(import_error(edited(2, [](auto& j) { j["taget"] = "llvm"; })),
              HasSubstr("in.jsonl:3: unknown key 'taget'"));
  EXPECT_THAT(import_error(edited(2, [](auto& j) { j["run_secs"] = "fast"; })),
              HasSubstr("in.jsonl:3: key 'run_secs' must be an array, got string"));
  EXPECT_THAT(import_error(edited(2,
                                  [](auto& j) {
                                    j["run_secs"] = {1.0, "x"};
                                  })),
              HasSubstr("in.jsonl:3: key 'run_secs' must hold run times in seconds (numbers >= 0), got \"x\""));
  EXPECT_THAT(import_error(edited(3, [](auto& j) { j["error"] = ""; })),
              HasSubstr("in.jsonl:4: a record with no run times must say why in 'error'"));
  EXPECT_THAT(import_error(edited(2, [](auto& j) { j["workload"] = 9; })),
              HasSubstr("in.jsonl:3: the record names workload 9, which no line above defines"));
  EXPECT_THAT(import_error(edited(2, [](auto& j) { j["candidate_hash"] = "xyz"; })),
              HasSubstr("in.jsonl:3: key 'candidate_hash': 'xyz' is not a hash"));
  EXPECT_THAT(import_error(edited(2,
                                  [](auto& j) {
                                    j["trace"] = {{{"Frob", {}, {}, {}}}, {}};
                                  })),
              HasSubstr("in.jsonl:3: the trace does not read: "));
  EXPECT_THAT(import_error(edited(2, [](auto& j) { j["type"] = "recrod"; })),
              HasSubstr("in.jsonl:3: unknown line type 'recrod'"));
  EXPECT_THAT(import_error(edited(1, [](auto& j) { j["hash"] = "0000000000000001"; })),
              HasSubstr("in.jsonl:2: workload 1 has hash 0000000000000001 but its script hashes to "));
  EXPECT_THAT(import_error(edited(1, [](auto& j) { j["script"] = "def f(:"; })),
              HasSubstr("in.jsonl:2: the script of workload 1 does not parse: "));
  EXPECT_THAT(import_error(with_line(4, lines[1])), HasSubstr("in.jsonl:5: workload 1 is defined twice"));
  EXPECT_THAT(
      import_error(edited(0, [](auto& j) { j["version"] = 2; })),
      HasSubstr("in.jsonl:1: format version 2; this loom reads version 1 (the file was written by a newer loom)"));
  EXPECT_THAT(import_error(with_line(0, lines[1])),
              HasSubstr("in.jsonl:1: expected the header {\"type\":\"loom.db\",\"version\":1} as the first line, got "
                        "type 'workload'"));
  EXPECT_THAT(import_error(""), HasSubstr("in.jsonl: empty: not a loom JSON lines database"));
  // A good file with blank lines imports.
  MemoryDatabase db;
  EXPECT_EQ(import_text(db, with_line(1, "\n" + lines[1] + "\n   ")).records, 3);
}

TEST(JsonLines, ImportComputesMissingHashes) {
  MemoryDatabase source;
  fill(source);
  std::string text;
  std::istringstream in(export_text(source));
  for (std::string line; std::getline(in, line);) {
    nlohmann::json j = nlohmann::json::parse(line);
    j.erase("hash");
    j.erase("candidate_hash");
    text += j.dump() + "\n";
  }
  MemoryDatabase db;
  EXPECT_EQ(import_text(db, text).records, 3);
  EXPECT_EQ(export_text(db), export_text(source));
  // A trace that does not replay on its workload cannot give a candidate hash.
  std::string bad = text;
  size_t at = bad.find("[\"C\",\"gmm\"]");
  ASSERT_NE(at, std::string::npos);
  bad.replace(at, 11, "[\"Z\",\"gmm\"]");
  EXPECT_THAT(import_error(bad), HasSubstr("in.jsonl:3: the trace does not replay on its workload: "));
}

TEST(JsonLinesStore, AppendsAsItGoesAndReloads) {
  TempDir dir;
  std::string path = dir.file("tune.jsonl");
  {
    MemoryDatabase db(path);
    fill(db);
  }
  // The mirror file is a valid export (timestamps aside, which were stamped at commit).
  MemoryDatabase copy;
  std::ifstream in(path);
  ImportStats stats = import_json_lines(copy, in, path);
  EXPECT_EQ(stats.records, 3);
  MemoryDatabase reloaded(path);
  EXPECT_EQ(export_text(reloaded), export_text(copy));
  EXPECT_EQ(reloaded.size(), 3);
}

TEST(JsonLinesStore, DropsALastLineCutShortByACrash) {
  TempDir dir;
  std::string path = dir.file("tune.jsonl");
  uint64_t kept = 0;
  {
    MemoryDatabase db(path);
    Workload w = db.commit_workload(small_gmm());
    TuningRecord r = candidate(w, 8, {1.0});
    kept = r.candidate_hash;
    db.commit_records({r});
  }
  std::string cut =
      record_line(candidate(Workload{.id = 1, .hash = 0, .script = "", .func = small_gmm()}, 4, {1.0}), 1);
  std::ofstream(path, std::ios::app) << cut.substr(0, cut.size() / 2);
  MemoryDatabase db(path);
  EXPECT_EQ(db.size(), 1);
  EXPECT_TRUE(db.has_candidate(db.workloads()[0], kept));
  // The cut line is gone from the file, so appending goes on cleanly.
  db.commit_records({candidate(db.workloads()[0], 16, {2.0})});
  MemoryDatabase again(path);
  EXPECT_EQ(again.size(), 2);
}

TEST(JsonLinesStore, RejectsACorruptLineInTheMiddle) {
  TempDir dir;
  std::string path = dir.file("tune.jsonl");
  {
    MemoryDatabase db(path);
    fill(db);
  }
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  text.replace(text.find("\"type\":\"record\""), 15, "\"type\":17");
  std::ofstream(path) << text;
  try {
    MemoryDatabase db(path);
    FAIL() << "expected DatabaseError";
  } catch (const DatabaseError& e) {
    EXPECT_THAT(e.what(), HasSubstr("tune.jsonl:4: key 'type' must be a string, got number"));
  }
}

}  // namespace
}  // namespace loom::db
