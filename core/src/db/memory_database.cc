// The in-memory tuning database, optionally mirrored to a JSON lines file.
#include "loom/db/memory_database.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "codec.h"
#include "fmt/format.h"
#include "loom/db/json_lines.h"
#include "loom/ir/structural_equal.h"
#include "spdlog/spdlog.h"

namespace loom::db {

MemoryDatabase::MemoryDatabase(const std::string& path) : path_(path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(path, ec)) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw DatabaseError(fmt::format("{}: cannot read the database file", path));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // A crash while appending leaves the last line without its newline: drop it, and cut it
    // from the file so the next append starts on a fresh line.
    if (!text.empty() && text.back() != '\n') {
      size_t keep = text.rfind('\n');
      keep = keep == std::string::npos ? 0 : keep + 1;
      spdlog::warn("{}: dropping an incomplete last line ({} bytes) left by an interrupted write", path,
                   text.size() - keep);
      text.resize(keep);
      fs::resize_file(path, keep, ec);
      if (ec) throw DatabaseError(fmt::format("{}: cannot cut the incomplete last line: {}", path, ec.message()));
    }
    if (text.empty()) {
      append_to_file(fmt::format("{}\n", nlohmann::json{{"type", "loom.db"}, {"version", 1}}.dump()));
      return;
    }
    // Load into a plain copy, then keep its state: the file already holds what is loaded.
    MemoryDatabase loaded;
    std::istringstream lines(text);
    ImportStats stats = import_json_lines(loaded, lines, path);
    // The file's ids must be the ids records are appended with later.
    for (const auto& [file_id, db_id] : stats.workload_ids) {
      if (file_id != db_id)
        throw DatabaseError(
            fmt::format("{}: workload ids must be 1, 2, ... in order to append to this file (workload {} is the {}th); "
                        "import it into a new database instead",
                        path, file_id, db_id));
    }
    workloads_ = std::move(loaded.workloads_);
    records_ = std::move(loaded.records_);
    return;
  }
  fs::path folder = fs::absolute(path, ec).parent_path();
  if (!fs::is_directory(folder, ec))
    throw DatabaseError(
        fmt::format("{}: cannot create the database: the folder {} does not exist", path, folder.string()));
  append_to_file(fmt::format("{}\n", nlohmann::json{{"type", "loom.db"}, {"version", 1}}.dump()));
}

void MemoryDatabase::append_to_file(const std::string& text) const {
  if (path_.empty()) return;
  int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw DatabaseError(fmt::format("{}: cannot open for writing: {}", path_, std::strerror(errno)));
  // One write() per batch: a kill cuts at most its tail, which the next open drops.
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      throw DatabaseError(fmt::format("{}: cannot write: {}", path_, std::strerror(err)));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    throw DatabaseError(fmt::format("{}: cannot sync: {}", path_, std::strerror(err)));
  }
  ::close(fd);
}

std::optional<Workload> MemoryDatabase::find_locked(const ir::PrimFunc& func, uint64_t hash) const {
  for (const Workload& w : workloads_) {
    if (w.hash == hash && ir::structural_equal(w.func, func)) return w;
  }
  return std::nullopt;
}

Workload MemoryDatabase::commit_workload(const ir::PrimFunc& func) {
  Workload w = detail::workload_of(func, 0);
  std::lock_guard lock(mutex_);
  if (std::optional<Workload> found = find_locked(func, w.hash)) return *found;
  w.id = static_cast<int64_t>(workloads_.size()) + 1;
  append_to_file(workload_line(w, w.id));
  workloads_.push_back(w);
  return w;
}

std::optional<Workload> MemoryDatabase::find_workload(const ir::PrimFunc& func) const {
  uint64_t hash = ir::structural_hash(func);
  std::lock_guard lock(mutex_);
  return find_locked(func, hash);
}

std::vector<Workload> MemoryDatabase::workloads() const {
  std::lock_guard lock(mutex_);
  return workloads_;
}

void MemoryDatabase::commit_records(const std::vector<TuningRecord>& batch) {
  std::lock_guard lock(mutex_);
  std::string lines;
  for (const TuningRecord& r : batch) {
    if (r.workload_id < 1 || r.workload_id > static_cast<int64_t>(workloads_.size()))
      throw DatabaseError(fmt::format("{}: a record names workload {}, which is not in the database",
                                      path_.empty() ? "memory database" : path_, r.workload_id));
  }
  int64_t now = detail::now_ms();
  std::vector<TuningRecord> stamped = batch;
  for (TuningRecord& r : stamped) {
    if (r.timestamp_ms == 0) r.timestamp_ms = now;
    if (!path_.empty()) lines += record_line(r, r.workload_id);
  }
  append_to_file(lines);
  for (TuningRecord& r : stamped) records_[r.workload_id].push_back(std::move(r));
}

std::vector<TuningRecord> MemoryDatabase::get_top_k(const Workload& workload, size_t k) const {
  std::lock_guard lock(mutex_);
  auto it = records_.find(workload.id);
  if (it == records_.end()) return {};
  std::vector<std::pair<double, size_t>> order;
  for (size_t i = 0; i < it->second.size(); ++i) {
    if (it->second[i].ok()) order.emplace_back(it->second[i].median_secs(), i);
  }
  std::sort(order.begin(), order.end());
  std::vector<TuningRecord> out;
  for (size_t i = 0; i < order.size() && i < k; ++i) out.push_back(it->second[order[i].second]);
  return out;
}

std::vector<TuningRecord> MemoryDatabase::get_all(const Workload& workload) const {
  std::lock_guard lock(mutex_);
  auto it = records_.find(workload.id);
  return it == records_.end() ? std::vector<TuningRecord>{} : it->second;
}

bool MemoryDatabase::has_candidate(const Workload& workload, uint64_t candidate_hash) const {
  std::lock_guard lock(mutex_);
  auto it = records_.find(workload.id);
  if (it == records_.end()) return false;
  return std::any_of(it->second.begin(), it->second.end(),
                     [&](const TuningRecord& r) { return r.candidate_hash == candidate_hash; });
}

int64_t MemoryDatabase::size() const {
  std::lock_guard lock(mutex_);
  int64_t n = 0;
  for (const auto& [id, records] : records_) n += static_cast<int64_t>(records.size());
  return n;
}

}  // namespace loom::db
