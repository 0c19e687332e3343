// The subcommands of the `loom` command line, each registered on the CLI11 app by one
// function. A subcommand's callback returns the process exit code through `exit_code`.
#pragma once

#include "CLI/CLI.hpp"

namespace loom::cli {

/// Where a subcommand stores the exit code the process should return.
struct ExitCode {
  int value = 0;
};

/// loom print WORKLOAD [--set K=V ...] | loom print --list
void add_print_command(CLI::App& app, ExitCode& exit_code);
/// loom check FILE.py
void add_check_command(CLI::App& app, ExitCode& exit_code);
/// loom run FILE.py [--seed S] [--func NAME]
void add_run_command(CLI::App& app, ExitCode& exit_code);
/// loom diff A.py B.py [--strict-names]
void add_diff_command(CLI::App& app, ExitCode& exit_code);
/// loom apply KERNEL.py SCHEDULE.py [-o OUT.py] [--trace OUT.json] [--func NAME] [--seed S]
/// and loom replay KERNEL.py TRACE.json [-o OUT.py] [--func NAME] (schedule_commands.cc)
void add_schedule_commands(CLI::App& app, ExitCode& exit_code);
/// loom config check FILE.toml (config_commands.cc)
void add_config_commands(CLI::App& app, ExitCode& exit_code);
/// loom plugins [--load FILE ...] (plugin_commands.cc)
void add_plugin_commands(CLI::App& app, ExitCode& exit_code);
/// loom export KERNEL.py [SCHEDULE.py] -o NAME [--cpu C --features F] (export_command.cc)
void add_export_command(CLI::App& app, ExitCode& exit_code);
/// loom db list|best|export|import DB ... (db_commands.cc)
void add_db_commands(CLI::App& app, ExitCode& exit_code);
/// loom tune CONFIG.toml [--trials N] [--report FILE.html] [--db FILE] [-q] (tune_command.cc)
void add_tune_command(CLI::App& app, ExitCode& exit_code);
/// loom sample CONFIG.toml [-n N] [-o DIR] [--compile] (sample_command.cc)
void add_sample_command(CLI::App& app, ExitCode& exit_code);

}  // namespace loom::cli
