// loom config check: validate a run config and print it resolved.
#include <iostream>

#include "commands.h"
#include "loom/config/run_config.h"
#include "loom/host/components.h"

namespace loom::cli {

void add_config_commands(CLI::App& app, ExitCode& exit_code) {
  auto* config = app.add_subcommand("config", "Work with TOML run configs (see configs/example.toml).");
  config->require_subcommand(1);
  auto* check = config->add_subcommand(
      "check",
      "Validate a run config and print it as TOML with every default filled in (exit 0); on errors, print each "
      "with file:line:column on stderr (exit 2). With --components, also load the plugins and create every "
      "component with its table (unknown components and keys are errors).");
  auto file = std::make_shared<std::string>();
  auto components = std::make_shared<bool>(false);
  check->add_option("file", *file, "The config file (TOML)")->required();
  check->add_flag("--components", *components,
                  "Load the config's plugins and the plugin search path and create every component");
  check->callback([file, components, &exit_code] {
    try {
      config::RunConfig run = config::load_config(*file);
      for (const std::string& note : run.notes) std::cerr << "loom: note: " << note << "\n";
      if (*components) {
        host::PluginHost plugins;
        host::RunComponents made = host::instantiate_components(plugins, run);
        std::cerr << "loom: note: every component was created: " << made.rules.size() << " rules, "
                  << made.postprocs.size() << " postprocessors, " << made.mutators.size()
                  << " mutators, a cost model and a runner\n";
      }
      std::cout << config::to_toml(run);
      exit_code.value = 0;
    } catch (const config::ConfigError& e) {
      for (const std::string& message : e.messages()) std::cerr << message << "\n";
      exit_code.value = 2;
    }
  });
}

}  // namespace loom::cli
