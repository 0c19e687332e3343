// loom db list | best | export | import: read and move tuning databases (loom/db). DB is an
// SQLite file, or a JSON lines file when its name ends in .jsonl.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "commands.h"
#include "fmt/format.h"
#include "kernel_input.h"
#include "loom/db/json_lines.h"
#include "loom/db/memory_database.h"
#include "loom/db/sqlite_database.h"

namespace loom::cli {

namespace {

bool is_json_lines(const std::string& path) { return path.size() > 6 && path.ends_with(".jsonl"); }

/// Opens an existing database for reading (DatabaseError when it is missing or not one).
std::unique_ptr<db::Database> open_existing(const std::string& path) {
  if (!std::filesystem::exists(path)) throw db::DatabaseError(fmt::format("{}: no such database file", path));
  if (is_json_lines(path)) return std::make_unique<db::MemoryDatabase>(path);
  return std::make_unique<db::SqliteDatabase>(path, db::SqliteDatabase::Mode::ReadOnly);
}

/// A run time in the unit that suits it.
std::string format_secs(double secs) {
  if (secs < 1e-3) return fmt::format("{:.2f} us", secs * 1e6);
  if (secs < 1) return fmt::format("{:.3f} ms", secs * 1e3);
  return fmt::format("{:.3f} s", secs);
}

void add_list(CLI::App* db_cmd) {
  auto path = std::make_shared<std::string>();
  auto* list = db_cmd->add_subcommand(
      "list", "List the workloads of a database: id, function, structural hash, records, failures, best median time.");
  list->add_option("db", *path, "The database (SQLite, or JSON lines when it ends in .jsonl)")->required();
  list->callback([path] {
    std::unique_ptr<db::Database> database = open_existing(*path);
    std::vector<db::WorkloadSummary> all = database->summaries();
    std::cout << fmt::format("{:<4} {:<20} {:<16} {:>8} {:>7} {:>12}\n", "ID", "FUNCTION", "HASH", "RECORDS", "FAILED",
                             "BEST");
    for (const db::WorkloadSummary& s : all) {
      std::cout << fmt::format("{:<4} {:<20} {:016x} {:>8} {:>7} {:>12}\n", s.workload.id, s.workload.func->name,
                               s.workload.hash, s.records, s.failed,
                               s.best_secs ? format_secs(*s.best_secs) : std::string("-"));
    }
  });
}

void add_best(CLI::App* db_cmd, ExitCode& exit_code) {
  auto path = std::make_shared<std::string>();
  auto workload_id = std::make_shared<int64_t>(0);
  auto* best = db_cmd->add_subcommand(
      "best",
      "Print the best record of each workload (or of --workload ID): its median time, target and schedule as a "
      "schedule script (apply it with `loom apply`). Exit 1 when a workload has no successful record.");
  best->add_option("db", *path, "The database (SQLite, or JSON lines when it ends in .jsonl)")->required();
  best->add_option("--workload", *workload_id, "Only this workload (an ID from `loom db list`)");
  best->callback([path, workload_id, &exit_code] {
    std::unique_ptr<db::Database> database = open_existing(*path);
    std::vector<db::Workload> all = database->workloads();
    if (*workload_id != 0) {
      std::vector<db::Workload> picked;
      for (const db::Workload& w : all) {
        if (w.id == *workload_id) picked.push_back(w);
      }
      if (picked.empty())
        throw UserError(fmt::format("{}: no workload {}; it has {} (see `loom db list`)", *path, *workload_id,
                                    all.size() == 1 ? "workload 1" : fmt::format("workloads 1 to {}", all.size())));
      all = picked;
    }
    exit_code.value = 0;
    for (const db::Workload& w : all) {
      std::vector<db::TuningRecord> top = database->get_top_k(w, 1);
      if (top.empty()) {
        std::cerr << fmt::format("loom: workload {} ({}) has no successful record\n", w.id, w.func->name);
        exit_code.value = 1;
        continue;
      }
      const db::TuningRecord& r = top[0];
      std::cout << fmt::format("# workload {} ({}, hash {:016x}): best median {} over {} runs, target \"{}\"\n", w.id,
                               w.func->name, w.hash, format_secs(r.median_secs()), r.result.run_secs.size(), r.target);
      std::cout << r.trace.as_python();
    }
  });
}

void add_export(CLI::App* db_cmd) {
  auto path = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto* exp = db_cmd->add_subcommand(
      "export",
      "Write every workload and record of a database as JSON lines (format: core/include/loom/db/json_lines.h).");
  exp->add_option("db", *path, "The database (SQLite, or JSON lines when it ends in .jsonl)")->required();
  exp->add_option("-o,--output", *out, "Write here instead of standard output")->type_name("OUT.jsonl");
  exp->callback([path, out] {
    std::unique_ptr<db::Database> database = open_existing(*path);
    if (out->empty()) {
      db::export_json_lines(*database, std::cout);
      return;
    }
    std::ostringstream text;
    db::export_json_lines(*database, text);
    std::ofstream file(*out, std::ios::binary);
    if (!file) throw UserError(fmt::format("{}: cannot write: the folder does not exist or is not writable", *out));
    file << text.str();
    file.close();
    if (!file) throw UserError(fmt::format("{}: cannot write", *out));
  });
}

void add_import(CLI::App* db_cmd) {
  auto path = std::make_shared<std::string>();
  auto input = std::make_shared<std::string>();
  auto* imp = db_cmd->add_subcommand(
      "import",
      "Add the workloads and records of a JSON lines file to a database (created when missing). Workloads merge with "
      "equal ones already there; records equal to one already there are skipped, so importing twice adds nothing.");
  imp->add_option("db", *path, "The database (SQLite, or JSON lines when it ends in .jsonl)")->required();
  imp->add_option("input", *input, "The JSON lines file, or - for standard input")->required();
  imp->callback([path, input] {
    std::string text = read_text(*input);
    std::unique_ptr<db::Database> database;
    if (is_json_lines(*path)) {
      database = std::make_unique<db::MemoryDatabase>(*path);
    } else {
      database = std::make_unique<db::SqliteDatabase>(*path, db::SqliteDatabase::Mode::Create);
    }
    std::istringstream in(text);
    db::ImportStats stats = db::import_json_lines(*database, in, *input == "-" ? "<stdin>" : *input);
    std::cout << fmt::format("imported {} workloads and {} records into {} ({} duplicate records skipped)\n",
                             stats.workloads, stats.records, *path, stats.duplicates);
  });
}

}  // namespace

void add_db_commands(CLI::App& app, ExitCode& exit_code) {
  auto* db_cmd =
      app.add_subcommand("db", "Read and move tuning databases (SQLite files, or JSON lines ending in .jsonl).");
  db_cmd->require_subcommand(1);
  add_list(db_cmd);
  add_best(db_cmd, exit_code);
  add_export(db_cmd);
  add_import(db_cmd);
}

}  // namespace loom::cli
