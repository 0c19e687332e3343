// loom plugins: list the plugins the host can load and their components.
#include <algorithm>
#include <iostream>

#include "commands.h"
#include "fmt/format.h"
#include "loom/host/plugin_host.h"

namespace loom::cli {

void add_plugin_commands(CLI::App& app, ExitCode& exit_code) {
  auto* cmd = app.add_subcommand(
      "plugins",
      "List the loadable plugins' components (kind, name, version, plugin, file): the plugins in $LOOM_PLUGIN_PATH "
      "(colon-separated folders), the installed plugins (<prefix>/lib/loom/plugins beside the executable) or else the "
      "build's, and the files given with --load. A "
      "plugin that cannot be loaded is reported on stderr (exit 2 when it was named with --load).");
  auto files = std::make_shared<std::vector<std::string>>();
  cmd->add_option("--load", *files, "Also load this plugin file (repeatable)");
  cmd->callback([files, &exit_code] {
    host::PluginHost host;
    bool failed = false;
    for (const std::string& file : *files) {
      try {
        host.load(file);
      } catch (const host::PluginError& e) {
        std::cerr << "loom: error: " << e.what() << "\n";
        failed = true;
      }
    }
    for (const std::string& problem : host.load_search_path()) std::cerr << "loom: warning: " << problem << "\n";
    std::vector<const host::ComponentEntry*> rows;
    for (const host::ComponentEntry& e : host.components()) rows.push_back(&e);
    std::stable_sort(rows.begin(), rows.end(), [](const auto* a, const auto* b) {
      return std::make_pair(static_cast<int>(a->kind), a->name) < std::make_pair(static_cast<int>(b->kind), b->name);
    });
    size_t kind_w = 4, name_w = 4, version_w = 7, plugin_w = 6;
    for (const auto* e : rows) {
      kind_w = std::max(kind_w, std::string(host::component_kind_name(e->kind)).size());
      name_w = std::max(name_w, e->name.size());
      version_w = std::max(version_w, e->version.size());
      plugin_w = std::max(plugin_w, e->plugin_name.size() + e->plugin_version.size() + 1);
    }
    if (rows.empty()) {
      std::cout << "no plugins found (searched:";
      for (const auto& dir : host::PluginHost::search_path()) std::cout << " " << dir.string();
      std::cout << ")\n";
    } else {
      std::cout << fmt::format("{:<{}}  {:<{}}  {:<{}}  {:<{}}  {}\n", "KIND", kind_w, "NAME", name_w, "VERSION",
                               version_w, "PLUGIN", plugin_w, "FILE");
      for (const auto* e : rows) {
        std::cout << fmt::format("{:<{}}  {:<{}}  {:<{}}  {:<{}}  {}\n", host::component_kind_name(e->kind), kind_w,
                                 e->name, name_w, e->version, version_w, e->plugin_name + " " + e->plugin_version,
                                 plugin_w, e->file.string());
      }
    }
    exit_code.value = failed ? 2 : 0;
  });
}

}  // namespace loom::cli
