// JSON lines import and export of tuning databases (format in json_lines.h).
#include "loom/db/json_lines.h"

#include <istream>
#include <optional>
#include <ostream>
#include <set>
#include <utility>

#include "codec.h"
#include "fmt/format.h"

namespace loom::db {

namespace {

constexpr int kFormatVersion = 1;

/// The keys of one line's object, read with their types checked; every failure names the
/// line.
class LineFields {
 public:
  LineFields(const nlohmann::json& obj, std::string where) : obj_(obj), where_(std::move(where)) {}

  const std::string& where() const { return where_; }

  const nlohmann::json& required(const std::string& key) {
    seen_.insert(key);
    auto it = obj_.find(key);
    if (it == obj_.end()) throw error(fmt::format("missing key '{}'", key));
    return *it;
  }
  const nlohmann::json* optional(const std::string& key) {
    seen_.insert(key);
    auto it = obj_.find(key);
    return it == obj_.end() || it->is_null() ? nullptr : &*it;
  }
  std::string string(const std::string& key) {
    const nlohmann::json& v = required(key);
    if (!v.is_string()) throw error(fmt::format("key '{}' must be a string, got {}", key, v.type_name()));
    return v.get<std::string>();
  }
  int64_t integer(const std::string& key) {
    const nlohmann::json& v = required(key);
    if (!v.is_number_integer()) throw error(fmt::format("key '{}' must be an integer, got {}", key, v.dump()));
    return v.get<int64_t>();
  }
  uint64_t hash(const std::string& key) { return detail::parse_hex_hash(string(key), where_ + ": key '" + key + "'"); }

  /// Throws for the first key that was never asked for.
  void check_no_other_keys() const {
    for (const auto& [key, value] : obj_.items()) {
      if (!seen_.count(key)) throw error(fmt::format("unknown key '{}'", key));
    }
  }

  DatabaseError error(const std::string& what) const { return DatabaseError(where_ + ": " + what); }

 private:
  const nlohmann::json& obj_;
  std::string where_;
  std::set<std::string> seen_;
};

/// Two records are the same for import when every field is: the record line says them all.
using RecordKey = std::pair<int64_t, std::string>;

}  // namespace

std::string workload_line(const Workload& workload, int64_t local_id) {
  nlohmann::json j = {
      {"type", "workload"}, {"id", local_id}, {"hash", detail::hex_hash(workload.hash)}, {"script", workload.script}};
  return j.dump() + "\n";
}

std::string record_line(const TuningRecord& record, int64_t local_workload_id) {
  nlohmann::json j = {{"type", "record"},
                      {"workload", local_workload_id},
                      {"candidate_hash", detail::hex_hash(record.candidate_hash)},
                      {"target", record.target},
                      {"trace", detail::trace_to_json(record.trace)},
                      {"run_secs", record.result.run_secs},
                      {"error", record.result.error},
                      {"timestamp_ms", record.timestamp_ms}};
  if (nlohmann::json info = detail::info_of(record.result); !info.is_null()) j["info"] = std::move(info);
  if (!record.args_info.is_null()) j["args_info"] = record.args_info;
  return j.dump() + "\n";
}

void export_json_lines(const Database& db, std::ostream& out) {
  out << nlohmann::json{{"type", "loom.db"}, {"version", kFormatVersion}}.dump() << "\n";
  for (const Workload& w : db.workloads()) {
    out << workload_line(w, w.id);
    for (const TuningRecord& r : db.get_all(w)) out << record_line(r, w.id);
  }
}

ImportStats import_json_lines(Database& db, std::istream& in, std::string_view name) {
  ImportStats stats;
  std::vector<TuningRecord> batch;
  std::set<RecordKey> known;
  std::set<int64_t> known_loaded;         // database workloads whose records are in `known`
  std::map<int64_t, ir::PrimFunc> funcs;  // by id in the file
  std::string line;
  int64_t number = 0;
  bool header = false;
  while (std::getline(in, line)) {
    ++number;
    std::string where = fmt::format("{}:{}", name, number);
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json obj;
    try {
      obj = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      throw DatabaseError(fmt::format("{}: not JSON: {}", where, e.what()));
    }
    if (!obj.is_object())
      throw DatabaseError(fmt::format("{}: expected a JSON object, got {}", where, obj.type_name()));
    LineFields f(obj, where);
    std::string type = f.string("type");
    if (!header) {
      if (type != "loom.db")
        throw f.error(fmt::format(
            "expected the header {{\"type\":\"loom.db\",\"version\":{}}} as the first line, got type '{}' (not a "
            "loom JSON lines database)",
            kFormatVersion, type));
      int64_t version = f.integer("version");
      if (version > kFormatVersion || version < 1)
        throw f.error(fmt::format("format version {}; this loom reads version {}{}", version, kFormatVersion,
                                  version > kFormatVersion ? " (the file was written by a newer loom)" : ""));
      f.check_no_other_keys();
      header = true;
      continue;
    }
    if (type == "workload") {
      int64_t id = f.integer("id");
      std::optional<uint64_t> hash;
      if (f.optional("hash")) hash = f.hash("hash");
      std::string text = f.string("script");
      f.check_no_other_keys();
      if (stats.workload_ids.count(id)) throw f.error(fmt::format("workload {} is defined twice", id));
      Workload w = detail::workload_from_script(id, hash, text, where);
      stats.workload_ids[id] = db.commit_workload(w.func).id;
      funcs[id] = w.func;
      ++stats.workloads;
    } else if (type == "record") {
      TuningRecord r;
      int64_t local = f.integer("workload");
      auto it = stats.workload_ids.find(local);
      if (it == stats.workload_ids.end())
        throw f.error(fmt::format("the record names workload {}, which no line above defines", local));
      r.workload_id = it->second;
      r.target = f.string("target");
      r.trace = detail::trace_from_json(f.required("trace"), where);
      r.candidate_hash = f.optional("candidate_hash") ? f.hash("candidate_hash")
                                                      : detail::candidate_hash(funcs.at(local), r.trace, where);
      const nlohmann::json& secs = f.required("run_secs");
      if (!secs.is_array()) throw f.error(fmt::format("key 'run_secs' must be an array, got {}", secs.type_name()));
      for (const nlohmann::json& t : secs) {
        if (!t.is_number() || t.get<double>() < 0)
          throw f.error(fmt::format("key 'run_secs' must hold run times in seconds (numbers >= 0), got {}", t.dump()));
        r.result.run_secs.push_back(t.get<double>());
      }
      r.result.error = f.string("error");
      if (r.result.run_secs.empty() && r.result.error.empty())
        throw f.error("a record with no run times must say why in 'error'");
      r.timestamp_ms = f.integer("timestamp_ms");
      if (const nlohmann::json* v = f.optional("info")) detail::read_info(*v, r.result, where);
      if (const nlohmann::json* v = f.optional("args_info")) r.args_info = *v;
      f.check_no_other_keys();
      if (known_loaded.insert(r.workload_id).second) {
        Workload w;
        w.id = r.workload_id;
        for (const TuningRecord& old : db.get_all(w)) known.insert({old.workload_id, record_line(old, 0)});
      }
      if (!known.insert({r.workload_id, record_line(r, 0)}).second) {
        ++stats.duplicates;
        continue;
      }
      batch.push_back(std::move(r));
    } else {
      throw f.error(fmt::format("unknown line type '{}' (expected \"workload\" or \"record\")", type));
    }
  }
  if (in.bad()) throw DatabaseError(fmt::format("{}: cannot read", name));
  if (!header) throw DatabaseError(fmt::format("{}: empty: not a loom JSON lines database", name));
  db.commit_records(batch);
  stats.records = static_cast<int64_t>(batch.size());
  return stats;
}

}  // namespace loom::db
