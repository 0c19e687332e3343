// The `loom` command line: kernels in, kernels out.
#include <cstdio>
#include <exception>

#include "CLI/CLI.hpp"
#include "commands.h"
#include "loom/ir/error.h"
#include "spdlog/cfg/env.h"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"

int main(int argc, char** argv) {
  auto logger = spdlog::stderr_color_mt("loom");
  logger->set_pattern("loom: %^%l%$: %v");
  spdlog::set_default_logger(logger);
  // SPDLOG_LEVEL=debug shows what components log at debug level (e.g. why a postprocessor
  // dropped a candidate).
  spdlog::cfg::load_env_levels();

  CLI::App app{
      "loom: an automatic scheduler for tensor programs.\n"
      "Kernels are TVMScript files (@T.prim_func or @I.ir_module); '-' reads standard input."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "loom 0.1.0");
  loom::cli::ExitCode exit_code;
  loom::cli::add_print_command(app, exit_code);
  loom::cli::add_check_command(app, exit_code);
  loom::cli::add_run_command(app, exit_code);
  loom::cli::add_diff_command(app, exit_code);
  loom::cli::add_schedule_commands(app, exit_code);
  loom::cli::add_config_commands(app, exit_code);
  loom::cli::add_plugin_commands(app, exit_code);
  loom::cli::add_export_command(app, exit_code);
  loom::cli::add_db_commands(app, exit_code);
  loom::cli::add_tune_command(app, exit_code);
  loom::cli::add_sample_command(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const loom::UserError& e) {
    spdlog::error("{}", e.what());
    return 2;
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 3;
  }
  std::fflush(stdout);
  return exit_code.value;
}
