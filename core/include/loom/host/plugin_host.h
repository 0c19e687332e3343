// The plugin host: loads plugins (shared libraries speaking the C ABI of loom/plugin.h)
// with Boost.DLL, keeps a registry of their components by kind and name, and instantiates
// components with their TOML tables. The C++ classes at the bottom drive component
// instances from the core (a rule applied to a schedule, a mutator to a trace, ...).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "loom/config/component.h"
#include "loom/db/database.h"
#include "loom/host/target.h"
#include "loom/ir/error.h"
#include "loom/plugin.h"
#include "loom/sched/schedule.h"

namespace loom::host {

/// A plugin that cannot be loaded, or a component that cannot be registered or created.
/// The message names the file and what is wrong; the host stays usable.
class PluginError : public UserError {
 public:
  using UserError::UserError;
};

/// A failure reported by a component through the ABI (its status, message and, for a
/// schedule error, the kind).
class ComponentError : public UserError {
 public:
  ComponentError(std::string message, loom_status status, std::string kind)
      : UserError(std::move(message)), status_(status), kind_(std::move(kind)) {}
  loom_status status() const { return status_; }
  const std::string& kind() const { return kind_; }

 private:
  loom_status status_;
  std::string kind_;
};

/// "schedule_rule", "mutator", "postproc", "cost_model", "runner", ...
const char* component_kind_name(loom_component_kind kind);

/// A registered component: what it is, where it came from, and its function table (the
/// plugin's struct copied up to the size both sides know, the rest zero).
struct ComponentEntry {
  loom_component_kind kind{};
  std::string name;
  std::string version;
  std::string description;
  std::string plugin_name;
  std::string plugin_version;
  std::filesystem::path file;
  /// The plugin's ABI version.
  uint32_t abi_major = 0;
  uint32_t abi_minor = 0;
  /// The kind-specific struct (loom_schedule_rule, ...), as the host's layout.
  std::shared_ptr<void> table;
  /// Keeps the plugin's library loaded while the entry (or an instance) lives.
  std::shared_ptr<void> library;
  template <typename T>
  const T& as() const {
    return *static_cast<const T*>(table.get());
  }
};

/// One loaded plugin file.
struct PluginInfo {
  std::string name;
  std::string version;
  std::filesystem::path file;
  uint32_t abi_major = 0;
  uint32_t abi_minor = 0;
  std::vector<std::string> components;
};

class ComponentInstance;

/// One candidate for a runner: the scheduled function, the target it is built for, and
/// optionally the function whose outputs it must match when the runner checks correctness.
struct MeasureCandidate {
  ir::PrimFunc func;
  /// The target's description, e.g. "llvm -mcpu=znver3 -mattr=+avx2,+fma"; empty: the
  /// runner's default (its config, else the host machine).
  std::string target;
  /// Undefined: no correctness check for this candidate.
  ir::PrimFunc reference;
};

class PluginHost {
 public:
  PluginHost();
  ~PluginHost();
  PluginHost(const PluginHost&) = delete;
  PluginHost& operator=(const PluginHost&) = delete;

  /// Loads one plugin file and registers its components. Throws PluginError for a missing
  /// file, a file that is not a shared library or not a loom plugin (no entry symbol), an
  /// ABI major version that differs from the host's, an entry that reports an error, or a
  /// component whose name is already registered (naming both files). On error nothing of the
  /// file is registered.
  const PluginInfo& load(const std::filesystem::path& file);
  /// The folders searched by load_search_path: $LOOM_PLUGIN_PATH (colon-separated), then the
  /// install's plugin folder relative to the running executable (<bin>/../lib/loom/plugins)
  /// when it exists, otherwise the build's plugin folder (build/plugins/lib).
  static std::vector<std::filesystem::path> search_path();
  /// Loads every shared library in the search path (recursively) that exports the loom
  /// entry symbol and is not loaded yet. Returns the problems found (one message per file
  /// that could not be loaded); the other plugins are loaded.
  std::vector<std::string> load_search_path();

  const std::vector<PluginInfo>& plugins() const { return plugins_; }
  /// Every registered component, in registration order.
  const std::vector<ComponentEntry>& components() const { return components_; }
  /// nullptr when no component of that kind has that name.
  const ComponentEntry* find(loom_component_kind kind, const std::string& name) const;
  /// Throws PluginError naming the kind, the name and the registered components of the kind.
  const ComponentEntry& at(loom_component_kind kind, const std::string& name) const;

  /// Creates an instance of a component with its config table (which must outlive the call
  /// only). Throws PluginError when the component is unknown, ComponentError when its
  /// create fails, and config::ConfigError listing keys of the table the component did not
  /// read (unknown keys).
  std::shared_ptr<ComponentInstance> instantiate(loom_component_kind kind, const config::ComponentConfig& config);

 private:
  std::vector<PluginInfo> plugins_;
  std::vector<ComponentEntry> components_;
};

/// An instance of a component (create()d, destroy()ed on destruction). It keeps its plugin
/// loaded. Its life cycle (loom/plugin.h): created from its config table, initialize()d with
/// a tuning context, applied, clone()d, destroyed.
class ComponentInstance {
 public:
  /// `config` is the table the instance was created from (kept for clone()).
  ComponentInstance(const ComponentEntry& entry, void* instance, config::ComponentConfig config);
  ~ComponentInstance();
  ComponentInstance(const ComponentInstance&) = delete;
  ComponentInstance& operator=(const ComponentInstance&) = delete;

  const ComponentEntry& entry() const { return entry_; }
  const std::string& name() const { return entry_.name; }

  /// Initializes the instance with `context` (a component of ABI 1.0, which has no
  /// initialize, only records it). Throws ComponentError when the component refuses it
  /// (e.g. a rule for another kind of target).
  void initialize(const TuningContext& context);
  /// The context the instance was last initialized with; null before initialize().
  const TuningContext* context() const { return context_ ? &*context_ : nullptr; }
  /// A new instance configured and initialized as this one, sharing no state with it: the
  /// component's clone, or for one without (ABI 1.0) a fresh create from the same table
  /// initialized with the same context. Throws ComponentError when that fails.
  std::shared_ptr<ComponentInstance> clone() const;

  /// Runner: `requested` resolved on the runner's machine (loom_runner::resolve_target). A
  /// runner of ABI 1.0, which cannot, gives the request as is. Throws ComponentError when
  /// the runner refuses the target (it cannot build for it, or its machine does not match).
  Target resolve_target(const Target& requested) const;
  /// What export_func writes: files `name`.* in `directory` with the kernel's C symbol
  /// `symbol` (empty: `name`), built for `target` (null: the runner's initialized target);
  /// `origin` says in the files' comments where the kernel came from.
  struct ExportRequest {
    std::string name;
    std::string symbol;
    std::string directory;
    std::string origin;
    const Target* target = nullptr;
  };
  struct ExportResult {
    std::vector<std::string> files;  ///< the paths written
    std::vector<std::string> notes;  ///< lines for the user (what to link, ...)
  };
  /// Runner: compiles `func` into files a program links without loom (loom_runner::
  /// export_func). Throws ComponentError when the runner fails or cannot export (ABI 1.0).
  ExportResult export_func(const ir::PrimFunc& func, const ExportRequest& request) const;

  /// Schedule rule: the schedules the rule makes of `sch` at `block` (sch is unchanged).
  std::vector<sched::Schedule> apply_rule(const sched::Schedule& sch, const sched::BlockRV& block) const;
  /// Mutator: a mutated trace, or nullopt when the trace offers nothing to mutate. `original`
  /// is the module the trace replays onto.
  std::optional<sched::Trace> apply_mutator(const sched::Trace& trace, const ir::IRModule& original,
                                            sched::RandomEngine& rng) const;
  /// Postprocessor: whether the candidate survives (sch is changed in place).
  bool apply_postproc(sched::Schedule& sch) const;
  /// Runner: builds and measures the candidates, one result per candidate in order (the
  /// ABI's loom_measure_result as the core's db::MeasureResult). A candidate's failure is its
  /// result, with `error` and `error_kind` set (also for a runner that reports success
  /// without run times); throws ComponentError only when the runner itself fails (and then
  /// no result is returned).
  std::vector<db::MeasureResult> measure(const std::vector<MeasureCandidate>& candidates) const;

  /// Cost model: per candidate, its feature rows (loom/tune/features.h: one row per store,
  /// every row of every candidate the same length; a candidate may have no rows).
  using CandidateFeatures = std::vector<std::vector<std::vector<float>>>;
  /// Cost model: learns from measured candidates; throughputs[c] is candidate c's measured
  /// throughput (higher is better, 0 when it failed). Requires features.size() ==
  /// throughputs.size() and rows of one length (else UserError); throws ComponentError when
  /// the model fails.
  void update(const CandidateFeatures& features, const std::vector<double>& throughputs) const;
  /// Cost model: one score per candidate (higher is better). Same requirements as update.
  std::vector<double> predict(const CandidateFeatures& features) const;
  /// Cost model: writes the model to the file `path` / reads it back; ComponentError when
  /// the model cannot (e.g. a missing or foreign file).
  void save(const std::string& path) const;
  void load(const std::string& path) const;

 private:
  /// Throws ComponentError from a failed status.
  void check(loom_status status, const loom_error& error, const char* what) const;

  ComponentEntry entry_;
  void* instance_;
  config::ComponentConfig config_;
  std::optional<TuningContext> context_;
};

}  // namespace loom::host
