// The SQLite tuning database: schema, durability settings and queries (layout in
// sqlite_database.h).
#include "loom/db/sqlite_database.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <filesystem>

#include "codec.h"
#include "fmt/format.h"
#include "loom/ir/structural_equal.h"

namespace loom::db {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE workloads(
  id INTEGER PRIMARY KEY,
  hash INTEGER NOT NULL,
  script TEXT NOT NULL
);
CREATE INDEX workloads_by_hash ON workloads(hash);
CREATE TABLE records(
  id INTEGER PRIMARY KEY,
  workload_id INTEGER NOT NULL REFERENCES workloads(id),
  candidate_hash INTEGER NOT NULL,
  target TEXT NOT NULL,
  trace TEXT NOT NULL,
  run_secs TEXT NOT NULL,
  median_secs REAL,
  error TEXT NOT NULL,
  info TEXT,
  args_info TEXT,
  timestamp_ms INTEGER NOT NULL
);
CREATE INDEX records_by_time ON records(workload_id, median_secs);
CREATE INDEX records_by_candidate ON records(workload_id, candidate_hash);
)sql";

constexpr const char* kRecordColumns =
    "id, workload_id, candidate_hash, target, trace, run_secs, error, info, args_info, timestamp_ms";

/// A prepared statement; every failure throws DatabaseError naming the file.
class Statement {
 public:
  Statement(sqlite3* db, const std::string& path, const std::string& sql) : db_(db), path_(path) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK) fail("cannot prepare '" + sql + "'");
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, int64_t v) { return check_bind(sqlite3_bind_int64(stmt_, i, v)); }
  Statement& bind(int i, uint64_t v) { return bind(i, std::bit_cast<int64_t>(v)); }
  Statement& bind(int i, double v) { return check_bind(sqlite3_bind_double(stmt_, i, v)); }
  Statement& bind(int i, const std::string& v) {
    return check_bind(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  Statement& bind_null(int i) { return check_bind(sqlite3_bind_null(stmt_, i)); }

  /// Steps once: true when a row is ready, false when done.
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail("cannot run '" + std::string(sqlite3_sql(stmt_)) + "'");
  }
  void run() {
    while (step()) {
    }
  }
  /// Makes the statement ready to bind and run again.
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  uint64_t uint64(int col) const { return std::bit_cast<uint64_t>(int64(col)); }
  double real(int col) const { return sqlite3_column_double(stmt_, col); }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
  }

 private:
  Statement& check_bind(int rc) {
    if (rc != SQLITE_OK) fail("cannot bind a parameter");
    return *this;
  }
  [[noreturn]] void fail(const std::string& what) const {
    int code = sqlite3_extended_errcode(db_);
    std::string why = sqlite3_errmsg(db_);
    if ((code & 0xff) == SQLITE_BUSY) why += " (another process holds the database for longer than 10 seconds)";
    if ((code & 0xff) == SQLITE_READONLY) why += " (the file or its folder is read-only)";
    throw DatabaseError(fmt::format("{}: {}: {}", path_, what, why));
  }

  sqlite3* db_;
  const std::string& path_;
  sqlite3_stmt* stmt_ = nullptr;
};

void exec(sqlite3* db, const std::string& path, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string why = err ? err : sqlite3_errmsg(db);
    sqlite3_free(err);
    throw DatabaseError(fmt::format("{}: {}", path, why));
  }
}

/// BEGIN IMMEDIATE ... COMMIT, rolled back when the scope is left by an exception.
class Transaction {
 public:
  Transaction(sqlite3* db, const std::string& path) : db_(db), path_(path) { exec(db_, path_, "BEGIN IMMEDIATE"); }
  ~Transaction() {
    if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() {
    exec(db_, path_, "COMMIT");
    done_ = true;
  }

 private:
  sqlite3* db_;
  const std::string& path_;
  bool done_ = false;
};

int64_t pragma_int(sqlite3* db, const std::string& path, const std::string& name) {
  Statement s(db, path, "PRAGMA " + name);
  return s.step() ? s.int64(0) : 0;
}

nlohmann::json parse_json_column(const std::string& text, const std::string& where) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw DatabaseError(fmt::format("{}: is not JSON: {}", where, e.what()));
  }
}

}  // namespace

SqliteDatabase::SqliteDatabase(const std::string& path, Mode mode) : path_(path), mode_(mode) {
  namespace fs = std::filesystem;
  std::error_code ec;
  bool exists = fs::exists(path, ec);
  if (!exists && mode != Mode::Create) throw DatabaseError(fmt::format("{}: no such database file", path));
  if (!exists) {
    fs::path folder = fs::absolute(path, ec).parent_path();
    if (!fs::is_directory(folder, ec))
      throw DatabaseError(
          fmt::format("{}: cannot create the database: the folder {} does not exist", path, folder.string()));
    if (access(folder.c_str(), W_OK) != 0)
      throw DatabaseError(
          fmt::format("{}: cannot create the database: the folder {} is not writable", path, folder.string()));
  } else if (fs::is_directory(path, ec)) {
    throw DatabaseError(fmt::format("{}: is a folder, not a database file", path));
  }
  int flags = mode == Mode::ReadOnly ? SQLITE_OPEN_READONLY
                                     : SQLITE_OPEN_READWRITE | (mode == Mode::Create ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw DatabaseError(fmt::format("{}: cannot open the database: {}", path, why));
  }
  try {
    sqlite3_busy_timeout(db_, 10000);
    if (mode != Mode::ReadOnly && sqlite3_db_readonly(db_, "main") == 1)
      throw DatabaseError(fmt::format("{}: the database is read-only (open it read-only to read it)", path));
    // 1. Is this a loom database? A file that is not SQLite fails on the first read.
    int64_t app_id = 0;
    int64_t version = 0;
    int64_t objects = 0;
    try {
      app_id = pragma_int(db_, path_, "application_id");
      version = pragma_int(db_, path_, "user_version");
      Statement count(db_, path_, "SELECT count(*) FROM sqlite_schema");
      count.step();
      objects = count.int64(0);
    } catch (const DatabaseError& e) {
      int code = sqlite3_errcode(db_);
      if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
        throw DatabaseError(fmt::format("{}: is not a loom database (not an SQLite file)", path));
      throw;
    }
    bool fresh = app_id == 0 && version == 0 && objects == 0;
    if (fresh && mode == Mode::ReadOnly)
      throw DatabaseError(fmt::format("{}: is an empty file, not a loom database", path));
    if (!fresh && app_id != kApplicationId)
      throw DatabaseError(
          fmt::format("{}: is an SQLite database but not a loom database (application_id {:#x}, expected {:#x})", path,
                      app_id, kApplicationId));
    if (version > kSchemaVersion)
      throw DatabaseError(
          fmt::format("{}: has schema version {}; this loom reads version {} (the file was written by a newer loom)",
                      path, version, kSchemaVersion));
    if (!fresh && version < 1)
      throw DatabaseError(fmt::format("{}: is a loom database without a schema version; it is damaged", path));
    // 2. Durability: write-ahead log, synced at every commit.
    if (mode != Mode::ReadOnly) {
      exec(db_, path_, "PRAGMA journal_mode=WAL");
      exec(db_, path_, "PRAGMA synchronous=FULL");
    }
    // 3. A new file gets the schema (checked again inside the transaction: another process
    // may have created it meanwhile).
    if (fresh) {
      Transaction t(db_, path_);
      if (pragma_int(db_, path_, "application_id") == 0) {
        exec(db_, path_, kSchema);
        exec(db_, path_, fmt::format("PRAGMA application_id={}", kApplicationId));
        exec(db_, path_, fmt::format("PRAGMA user_version={}", kSchemaVersion));
      }
      t.commit();
    }
  } catch (...) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

SqliteDatabase::~SqliteDatabase() { sqlite3_close_v2(db_); }

std::string SqliteDatabase::integrity_check() const {
  std::lock_guard lock(mutex_);
  Statement s(db_, path_, "PRAGMA integrity_check");
  std::string out;
  while (s.step()) out += (out.empty() ? "" : "\n") + s.text(0);
  return out;
}

std::optional<Workload> SqliteDatabase::find_workload_locked(const ir::PrimFunc& func, uint64_t hash) const {
  Statement s(db_, path_, "SELECT id, script FROM workloads WHERE hash = ? ORDER BY id");
  s.bind(1, hash);
  while (s.step()) {
    Workload w = detail::workload_from_script(s.int64(0), hash, s.text(1), path_);
    if (ir::structural_equal(w.func, func)) return w;
  }
  return std::nullopt;
}

Workload SqliteDatabase::commit_workload(const ir::PrimFunc& func) {
  if (mode_ == Mode::ReadOnly) throw DatabaseError(fmt::format("{}: opened read-only, cannot add a workload", path_));
  Workload w = detail::workload_of(func, 0);
  std::lock_guard lock(mutex_);
  Transaction t(db_, path_);
  if (std::optional<Workload> found = find_workload_locked(func, w.hash)) {
    t.commit();
    return *found;
  }
  Statement insert(db_, path_, "INSERT INTO workloads(hash, script) VALUES(?, ?)");
  insert.bind(1, w.hash).bind(2, w.script).run();
  w.id = sqlite3_last_insert_rowid(db_);
  t.commit();
  return w;
}

std::optional<Workload> SqliteDatabase::find_workload(const ir::PrimFunc& func) const {
  uint64_t hash = ir::structural_hash(func);
  std::lock_guard lock(mutex_);
  return find_workload_locked(func, hash);
}

std::vector<Workload> SqliteDatabase::workloads() const {
  std::lock_guard lock(mutex_);
  Statement s(db_, path_, "SELECT id, hash, script FROM workloads ORDER BY id");
  std::vector<Workload> out;
  while (s.step()) out.push_back(detail::workload_from_script(s.int64(0), s.uint64(1), s.text(2), path_));
  return out;
}

void SqliteDatabase::commit_records(const std::vector<TuningRecord>& batch) {
  if (mode_ == Mode::ReadOnly) throw DatabaseError(fmt::format("{}: opened read-only, cannot add records", path_));
  if (batch.empty()) return;
  std::lock_guard lock(mutex_);
  Transaction t(db_, path_);
  Statement known(db_, path_, "SELECT 1 FROM workloads WHERE id = ?");
  Statement insert(db_, path_,
                   "INSERT INTO records(workload_id, candidate_hash, target, trace, run_secs, median_secs, error, "
                   "info, args_info, timestamp_ms) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  int64_t now = detail::now_ms();
  int64_t checked = -1;
  for (const TuningRecord& r : batch) {
    if (r.workload_id != checked) {
      known.reset();
      if (!known.bind(1, r.workload_id).step())
        throw DatabaseError(
            fmt::format("{}: a record names workload {}, which is not in the database", path_, r.workload_id));
      checked = r.workload_id;
    }
    Statement& row = insert;
    row.reset();
    row.bind(1, r.workload_id)
        .bind(2, r.candidate_hash)
        .bind(3, r.target)
        .bind(4, detail::trace_to_json(r.trace).dump());
    row.bind(5, nlohmann::json(r.result.run_secs).dump());
    if (r.ok()) {
      row.bind(6, r.median_secs());
    } else {
      row.bind_null(6);
    }
    row.bind(7, r.result.error);
    if (nlohmann::json info = detail::info_of(r.result); info.is_null()) {
      row.bind_null(8);
    } else {
      row.bind(8, info.dump());
    }
    if (r.args_info.is_null()) {
      row.bind_null(9);
    } else {
      row.bind(9, r.args_info.dump());
    }
    row.bind(10, r.timestamp_ms != 0 ? r.timestamp_ms : now);
    row.run();
  }
  t.commit();
}

std::vector<TuningRecord> SqliteDatabase::query_records(const std::string& sql, int64_t workload_id,
                                                        int64_t limit) const {
  std::lock_guard lock(mutex_);
  Statement s(db_, path_, fmt::format("SELECT {} FROM records {}", kRecordColumns, sql));
  s.bind(1, workload_id);
  if (limit >= 0) s.bind(2, limit);
  std::vector<TuningRecord> out;
  while (s.step()) {
    std::string where = fmt::format("{}: record {}", path_, s.int64(0));
    TuningRecord r;
    r.workload_id = s.int64(1);
    r.candidate_hash = s.uint64(2);
    r.target = s.text(3);
    r.trace = detail::trace_from_json(parse_json_column(s.text(4), where + " trace"), where);
    nlohmann::json secs = parse_json_column(s.text(5), where + " run_secs");
    if (!secs.is_array()) throw DatabaseError(where + ": run_secs is not an array");
    for (const nlohmann::json& t : secs) {
      if (!t.is_number()) throw DatabaseError(where + ": run_secs holds a value that is not a number");
      r.result.run_secs.push_back(t.get<double>());
    }
    r.result.error = s.text(6);
    if (!s.is_null(7)) detail::read_info(parse_json_column(s.text(7), where + " info"), r.result, where);
    if (!s.is_null(8)) r.args_info = parse_json_column(s.text(8), where + " args_info");
    r.timestamp_ms = s.int64(9);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<TuningRecord> SqliteDatabase::get_top_k(const Workload& workload, size_t k) const {
  if (k == 0) return {};
  return query_records("WHERE workload_id = ? AND median_secs IS NOT NULL ORDER BY median_secs, id LIMIT ?",
                       workload.id, static_cast<int64_t>(std::min<size_t>(k, INT64_MAX)));
}

std::vector<TuningRecord> SqliteDatabase::get_all(const Workload& workload) const {
  return query_records("WHERE workload_id = ? ORDER BY id", workload.id, -1);
}

bool SqliteDatabase::has_candidate(const Workload& workload, uint64_t candidate_hash) const {
  std::lock_guard lock(mutex_);
  Statement s(db_, path_, "SELECT 1 FROM records WHERE workload_id = ? AND candidate_hash = ? LIMIT 1");
  return s.bind(1, workload.id).bind(2, candidate_hash).step();
}

int64_t SqliteDatabase::size() const {
  std::lock_guard lock(mutex_);
  Statement s(db_, path_, "SELECT count(*) FROM records");
  s.step();
  return s.int64(0);
}

std::vector<WorkloadSummary> SqliteDatabase::summaries() const {
  std::vector<Workload> all = workloads();
  std::lock_guard lock(mutex_);
  Statement q(db_, path_,
              "SELECT count(*), total(median_secs IS NULL), min(median_secs) FROM records WHERE workload_id = ?");
  std::vector<WorkloadSummary> out;
  for (Workload& w : all) {
    q.reset();
    q.bind(1, w.id).step();
    WorkloadSummary summary;
    summary.records = q.int64(0);
    summary.failed = static_cast<int64_t>(q.real(1));
    if (!q.is_null(2)) summary.best_secs = q.real(2);
    summary.workload = std::move(w);
    out.push_back(std::move(summary));
  }
  return out;
}

}  // namespace loom::db
