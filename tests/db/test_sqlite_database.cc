// Tests of the SQLite store beyond the shared interface: its schema marks (application id,
// schema version), WAL durability settings, clear errors for files that are not loom
// databases, newer schemas, missing and read-only paths, and two connections sharing a file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "db_test_util.h"
#include "loom/db/sqlite_database.h"

namespace loom::db {
namespace {

using testing::candidate;
using ::testing::HasSubstr;
using testing::small_gmm;
using testing::TempDir;

/// Runs `sql` on the file with the plain SQLite API (as another program would).
void raw_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

int64_t raw_pragma(const std::string& path, const std::string& pragma) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, ("PRAGMA " + pragma).c_str(), -1, &s, nullptr);
  int64_t v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
  sqlite3_finalize(s);
  sqlite3_close(db);
  return v;
}

/// The message of the DatabaseError that opening `path` throws; "" when it opens.
std::string open_error(const std::string& path, SqliteDatabase::Mode mode = SqliteDatabase::Mode::Create) {
  try {
    SqliteDatabase db(path, mode);
  } catch (const DatabaseError& e) {
    return e.what();
  }
  return "";
}

TEST(SqliteDatabase, MarksTheFileAsALoomDatabaseInWalMode) {
  TempDir dir;
  std::string path = dir.file("tune.db");
  {
    SqliteDatabase db(path);
    EXPECT_EQ(db.integrity_check(), "ok");
    Workload w = db.commit_workload(small_gmm());
    db.commit_records({candidate(w, 8, {1.0})});
  }
  EXPECT_EQ(raw_pragma(path, "application_id"), SqliteDatabase::kApplicationId);
  EXPECT_EQ(raw_pragma(path, "user_version"), SqliteDatabase::kSchemaVersion);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, nullptr);
  ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)), "wal");
  sqlite3_finalize(s);
  sqlite3_close(db);
  // Closing checkpoints the log: one file per run.
  EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
}

TEST(SqliteDatabase, RejectsAFileThatIsNotSqlite) {
  TempDir dir;
  std::string path = dir.file("notes.db");
  std::ofstream(path) << "these are my notes, not a database; they are long enough to fill a header\n"
                      << std::string(200, 'x');
  auto size = std::filesystem::file_size(path);
  EXPECT_THAT(open_error(path), HasSubstr("notes.db: is not a loom database (not an SQLite file)"));
  // The file is left as it was.
  EXPECT_EQ(std::filesystem::file_size(path), size);
  EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
}

TEST(SqliteDatabase, RejectsAnSqliteFileOfAnotherProgram) {
  TempDir dir;
  std::string path = dir.file("other.db");
  raw_exec(path, "CREATE TABLE songs(title TEXT); INSERT INTO songs VALUES('x');");
  EXPECT_THAT(open_error(path), HasSubstr("other.db: is an SQLite database but not a loom database "
                                          "(application_id 0x0, expected 0x4c4f4f4d)"));
  EXPECT_THAT(open_error(path, SqliteDatabase::Mode::ReadOnly), HasSubstr("not a loom database"));
}

TEST(SqliteDatabase, RejectsANewerSchemaVersion) {
  TempDir dir;
  std::string path = dir.file("future.db");
  { SqliteDatabase db(path); }
  raw_exec(path, "PRAGMA user_version = 7");
  EXPECT_THAT(open_error(path), HasSubstr("future.db: has schema version 7; this loom reads version 1 (the file "
                                          "was written by a newer loom)"));
}

TEST(SqliteDatabase, MissingFilesAndFolders) {
  TempDir dir;
  EXPECT_THAT(open_error(dir.file("none/tune.db")), HasSubstr("none/tune.db: cannot create the database: the folder "));
  EXPECT_THAT(open_error(dir.file("none/tune.db")), HasSubstr("does not exist"));
  EXPECT_THAT(open_error(dir.file("absent.db"), SqliteDatabase::Mode::ReadWrite),
              HasSubstr("absent.db: no such database file"));
  EXPECT_THAT(open_error(dir.file("absent.db"), SqliteDatabase::Mode::ReadOnly),
              HasSubstr("absent.db: no such database file"));
  EXPECT_FALSE(std::filesystem::exists(dir.file("absent.db")));
  std::filesystem::create_directory(dir.file("folder.db"));
  EXPECT_THAT(open_error(dir.file("folder.db")), HasSubstr("folder.db: is a folder, not a database file"));
}

TEST(SqliteDatabase, ReadOnlyModeReadsAndRefusesWrites) {
  TempDir dir;
  std::string path = dir.file("tune.db");
  {
    SqliteDatabase db(path);
    Workload w = db.commit_workload(small_gmm());
    db.commit_records({candidate(w, 8, {1.0})});
  }
  SqliteDatabase db(path, SqliteDatabase::Mode::ReadOnly);
  ASSERT_EQ(db.workloads().size(), 1u);
  Workload w = db.workloads()[0];
  EXPECT_EQ(db.get_top_k(w, 1).size(), 1u);
  try {
    db.commit_records({candidate(w, 4, {1.0})});
    FAIL() << "expected DatabaseError";
  } catch (const DatabaseError& e) {
    EXPECT_THAT(e.what(), HasSubstr("tune.db: opened read-only, cannot add records"));
  }
  EXPECT_THROW(db.commit_workload(small_gmm(128)), DatabaseError);
  EXPECT_EQ(db.size(), 1);
}

TEST(SqliteDatabase, ReadOnlyFilesAndFolders) {
  if (geteuid() == 0) GTEST_SKIP() << "file permissions do not bind root";
  TempDir dir;
  std::string path = dir.file("tune.db");
  { SqliteDatabase db(path); }
  chmod(path.c_str(), 0444);
  EXPECT_THAT(open_error(path), HasSubstr("tune.db: the database is read-only"));
  std::filesystem::create_directory(dir.file("locked"));
  chmod(dir.file("locked").c_str(), 0555);
  EXPECT_THAT(open_error(dir.file("locked/tune.db")), HasSubstr("is not writable"));
  chmod(dir.file("locked").c_str(), 0755);
}

TEST(SqliteDatabase, TwoConnectionsShareOneFile) {
  TempDir dir;
  std::string path = dir.file("shared.db");
  SqliteDatabase a(path);
  SqliteDatabase b(path);
  Workload wa = a.commit_workload(small_gmm());
  Workload wb = b.commit_workload(small_gmm());
  EXPECT_EQ(wa.id, wb.id);
  a.commit_records({candidate(wa, 8, {2.0})});
  TuningRecord faster = candidate(wb, 16, {1.0});
  b.commit_records({faster});
  EXPECT_EQ(a.size(), 2);
  EXPECT_TRUE(a.has_candidate(wa, faster.candidate_hash));
  EXPECT_EQ(a.get_top_k(wa, 1)[0].candidate_hash, faster.candidate_hash);
}

TEST(SqliteDatabase, ReportsACorruptTraceWithItsRecord) {
  TempDir dir;
  std::string path = dir.file("tune.db");
  {
    SqliteDatabase db(path);
    Workload w = db.commit_workload(small_gmm());
    db.commit_records({candidate(w, 8, {1.0})});
  }
  raw_exec(path, "UPDATE records SET trace = '[[[\"Frob\",[],[],[]]],[]]'");
  SqliteDatabase db(path);
  try {
    db.get_all(db.workloads()[0]);
    FAIL() << "expected DatabaseError";
  } catch (const DatabaseError& e) {
    EXPECT_THAT(e.what(), HasSubstr("tune.db: record 1: the trace does not read"));
    EXPECT_THAT(e.what(), HasSubstr("unknown instruction kind 'Frob'"));
  }
}

}  // namespace
}  // namespace loom::db
