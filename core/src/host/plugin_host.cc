// Loading plugins with Boost.DLL, the component registry, and driving component instances.
#include "loom/host/plugin_host.h"

#include <algorithm>
#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>
#include <cstdlib>
#include <cstring>
#include <map>

#include "abi.h"
#include "fmt/format.h"
#include "loom/host/host_api.h"
#include "loom/sched/trace.h"

#ifndef LOOM_BUILD_PLUGIN_DIR
#define LOOM_BUILD_PLUGIN_DIR ""
#endif
#ifndef LOOM_INSTALL_PLUGIN_RELDIR
#define LOOM_INSTALL_PLUGIN_RELDIR ""
#endif

/// What a plugin's register_components call registers into.
struct loom_registrar {
  std::string file;
  std::string plugin_name;
  std::vector<loom::host::ComponentEntry> pending;
};

namespace loom::host {

namespace fs = std::filesystem;
using detail::fail;
using detail::to_string;

namespace {
/// The message of an error a component returned (rendered now if the host kept its exception).
std::string message_of(const loom_error& error, const char* none = "(no message)") {
  std::string message = to_string(detail::error_message(&error));
  return message.empty() ? none : message;
}
}  // namespace

const char* component_kind_name(loom_component_kind kind) {
  switch (kind) {
    case LOOM_COMPONENT_SCHEDULE_RULE:
      return "schedule_rule";
    case LOOM_COMPONENT_MUTATOR:
      return "mutator";
    case LOOM_COMPONENT_POSTPROC:
      return "postproc";
    case LOOM_COMPONENT_COST_MODEL:
      return "cost_model";
    case LOOM_COMPONENT_RUNNER:
      return "runner";
    case LOOM_COMPONENT_SPACE_GENERATOR:
      return "space_generator";
    case LOOM_COMPONENT_SEARCH_STRATEGY:
      return "search_strategy";
    case LOOM_COMPONENT_FEATURE_EXTRACTOR:
      return "feature_extractor";
  }
  return "unknown";
}

namespace {

/// The host's struct for a component kind: its struct size (LOOM_<KIND>_STRUCT_SIZE) and the
/// bytes to allocate for it (sizeof); {0, 0} for kinds the host cannot use yet.
struct TableSize {
  size_t used = 0;
  size_t allocated = 0;
};
TableSize table_size(uint32_t kind) {
  switch (kind) {
    case LOOM_COMPONENT_SCHEDULE_RULE:
      return {LOOM_SCHEDULE_RULE_STRUCT_SIZE, sizeof(loom_schedule_rule)};
    case LOOM_COMPONENT_MUTATOR:
      return {LOOM_MUTATOR_STRUCT_SIZE, sizeof(loom_mutator)};
    case LOOM_COMPONENT_POSTPROC:
      return {LOOM_POSTPROC_STRUCT_SIZE, sizeof(loom_postproc)};
    case LOOM_COMPONENT_COST_MODEL:
      return {LOOM_COST_MODEL_STRUCT_SIZE, sizeof(loom_cost_model)};
    case LOOM_COMPONENT_RUNNER:
      return {LOOM_RUNNER_STRUCT_SIZE, sizeof(loom_runner)};
    default:
      return {};
  }
}

/// The life-cycle functions of a component's table (null when the plugin's struct is too
/// old to hold them: the host's copy is zero beyond the plugin's struct_size).
struct LifeCycle {
  loom_status (*initialize)(void*, const loom_tuning_context*, loom_error*) = nullptr;
  loom_status (*clone)(void*, void**, loom_error*) = nullptr;
};
LifeCycle life_cycle(const ComponentEntry& e) {
  switch (e.kind) {
    case LOOM_COMPONENT_SCHEDULE_RULE:
      return {e.as<loom_schedule_rule>().initialize, e.as<loom_schedule_rule>().clone};
    case LOOM_COMPONENT_MUTATOR:
      return {e.as<loom_mutator>().initialize, e.as<loom_mutator>().clone};
    case LOOM_COMPONENT_POSTPROC:
      return {e.as<loom_postproc>().initialize, e.as<loom_postproc>().clone};
    case LOOM_COMPONENT_COST_MODEL:
      return {e.as<loom_cost_model>().initialize, e.as<loom_cost_model>().clone};
    case LOOM_COMPONENT_RUNNER:
      return {e.as<loom_runner>().initialize, e.as<loom_runner>().clone};
    default:
      return {};
  }
}

/// Byte offset of the first kind-specific function (the one every kind must provide).
size_t required_end(uint32_t kind) { return sizeof(loom_component) + sizeof(void (*)()); }

bool is_shared_library_name(const fs::path& p) {
  std::string name = p.filename().string();
  return name.ends_with(".so") || name.find(".so.") != std::string::npos || name.ends_with(".dylib") ||
         name.ends_with(".dll");
}

}  // namespace

namespace detail {

loom_status register_component(loom_registrar* registrar, const loom_component* c, loom_error* error) {
  if (registrar == nullptr || c == nullptr)
    return fail(error, LOOM_ERROR_ARGUMENT, "register_component: null registrar or component");
  std::string name = to_string(c->name);
  if (c->struct_size < sizeof(loom_component))
    return fail(error, LOOM_ERROR_ARGUMENT,
                fmt::format("component '{}' has struct_size {}, smaller than the common header ({} bytes)", name,
                            c->struct_size, sizeof(loom_component)));
  TableSize host = table_size(c->kind);
  size_t host_size = host.used;
  if (host_size == 0)
    return fail(error, LOOM_ERROR_UNSUPPORTED,
                fmt::format("component '{}' is of kind {} ({}), which this loom cannot use", name, c->kind,
                            component_kind_name(static_cast<loom_component_kind>(c->kind))));
  if (name.empty() || name.find('.') == std::string::npos || name.front() == '.' || name.back() == '.')
    return fail(error, LOOM_ERROR_ARGUMENT,
                fmt::format("component name '{}' must have the form \"vendor.name\"", name));
  if (c->struct_size < required_end(c->kind))
    return fail(error, LOOM_ERROR_ARGUMENT,
                fmt::format("component '{}' is too small ({} bytes) to hold its apply function", name, c->struct_size));
  if (c->create == nullptr || c->destroy == nullptr)
    return fail(error, LOOM_ERROR_ARGUMENT, fmt::format("component '{}' has no create or destroy function", name));
  // The host's layout: the plugin's fields that both know, the rest zero.
  std::shared_ptr<void> table(std::calloc(1, host.allocated), std::free);
  std::memcpy(table.get(), c, std::min<size_t>(c->struct_size, host_size));
  static_cast<loom_component*>(table.get())->struct_size = static_cast<uint32_t>(host_size);
  auto* base = static_cast<loom_component*>(table.get());
  auto* apply = reinterpret_cast<void**>(reinterpret_cast<char*>(table.get()) + sizeof(loom_component));
  if (*apply == nullptr)
    return fail(error, LOOM_ERROR_ARGUMENT, fmt::format("component '{}' has no apply function", name));
  for (const ComponentEntry& e : registrar->pending) {
    if (e.name == name)
      return fail(error, LOOM_ERROR_ARGUMENT,
                  fmt::format("plugin {} registers component '{}' twice", registrar->file, name));
  }
  ComponentEntry entry;
  entry.kind = static_cast<loom_component_kind>(c->kind);
  entry.name = name;
  entry.version = to_string(c->version);
  entry.description = to_string(c->description);
  // The strings now point into the entry's copies.
  base->name = loom_str{nullptr, 0};
  base->version = loom_str{nullptr, 0};
  base->description = loom_str{nullptr, 0};
  entry.table = std::move(table);
  registrar->pending.push_back(std::move(entry));
  return LOOM_OK;
}

}  // namespace detail

PluginHost::PluginHost() = default;
PluginHost::~PluginHost() = default;

const PluginInfo& PluginHost::load(const fs::path& file) {
  std::error_code ec;
  fs::path path = fs::absolute(file, ec);
  if (!fs::exists(path, ec)) throw PluginError(fmt::format("plugin {}: no such file", file.string()));
  for (const PluginInfo& p : plugins_) {
    if (fs::equivalent(p.file, path, ec)) return p;  // already loaded
  }
  auto library = std::make_shared<boost::dll::shared_library>();
  try {
    library->load(path.string(), boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    throw PluginError(fmt::format("plugin {}: cannot load it as a shared library: {}", path.string(), e.what()));
  }
  if (!library->has(LOOM_PLUGIN_ENTRY_SYMBOL))
    throw PluginError(fmt::format("plugin {}: not a loom plugin (it does not export the entry symbol {})",
                                  path.string(), LOOM_PLUGIN_ENTRY_SYMBOL));
  auto entry = library->get<const loom_plugin_info*()>(LOOM_PLUGIN_ENTRY_SYMBOL);
  const loom_plugin_info* info = entry();
  if (info == nullptr) throw PluginError(fmt::format("plugin {}: its entry returned no plugin info", path.string()));
  if (info->struct_size < offsetof(loom_plugin_info, abi_minor) + sizeof(uint32_t))
    throw PluginError(
        fmt::format("plugin {}: its plugin info is malformed (struct_size {})", path.string(), info->struct_size));
  if (info->abi_major != LOOM_ABI_MAJOR)
    throw PluginError(fmt::format(
        "plugin {}: built for loom plugin ABI {}.{}, but this loom provides ABI {}.{}; the major versions must match "
        "(rebuild the plugin against this loom's plugin_api)",
        path.string(), info->abi_major, info->abi_minor, LOOM_ABI_MAJOR, LOOM_ABI_MINOR));
  if (info->struct_size < offsetof(loom_plugin_info, register_components) + sizeof(void*) ||
      info->register_components == nullptr)
    throw PluginError(fmt::format("plugin {}: its plugin info has no register_components function", path.string()));

  loom_registrar registrar{path.string(), to_string(info->name), {}};
  loom_error error;
  loom_status status = LOOM_ERROR_INTERNAL;
  try {
    status = info->register_components(host_api(), &registrar, &error);
  } catch (...) {
    // A C++ plugin that lets an exception through the C boundary.
    error.message = "an exception escaped the plugin's register_components";
  }
  if (status != LOOM_OK)
    throw PluginError(
        fmt::format("plugin {}: registering its components failed: {}", path.string(), message_of(error)));
  for (const ComponentEntry& pending : registrar.pending) {
    for (const ComponentEntry& e : components_) {
      if (e.name == pending.name)
        throw PluginError(fmt::format("plugin {}: component '{}' is already registered by {}", path.string(),
                                      pending.name, e.file.string()));
    }
  }
  PluginInfo plugin;
  plugin.name = to_string(info->name);
  plugin.version = to_string(info->version);
  plugin.file = path;
  plugin.abi_major = info->abi_major;
  plugin.abi_minor = info->abi_minor;
  for (ComponentEntry& e : registrar.pending) {
    e.plugin_name = plugin.name;
    e.plugin_version = plugin.version;
    e.file = path;
    e.abi_major = info->abi_major;
    e.abi_minor = info->abi_minor;
    e.library = library;
    plugin.components.push_back(e.name);
    components_.push_back(std::move(e));
  }
  plugins_.push_back(std::move(plugin));
  return plugins_.back();
}

std::vector<fs::path> PluginHost::search_path() {
  std::vector<fs::path> out;
  if (const char* env = std::getenv("LOOM_PLUGIN_PATH")) {
    std::string_view rest(env);
    while (!rest.empty()) {
      size_t colon = rest.find(':');
      std::string_view dir = rest.substr(0, colon);
      if (!dir.empty()) out.emplace_back(std::string(dir));
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  // An installed program finds the plugins installed beside it (bin/loom ->
  // lib/loom/plugins), wherever the prefix was moved; a program of the build tree, which
  // has no such folder, finds the build's. Never both: an installed loom must not pick up
  // the plugins of the build it came from.
  fs::path installed;
  if (*LOOM_INSTALL_PLUGIN_RELDIR != '\0') {
    boost::system::error_code bec;
    boost::dll::fs::path exe = boost::dll::program_location(bec);
    if (!bec) installed = (fs::path(exe.parent_path().string()) / LOOM_INSTALL_PLUGIN_RELDIR).lexically_normal();
  }
  std::error_code ec;
  if (!installed.empty() && fs::is_directory(installed, ec)) {
    out.push_back(installed);
  } else if (*LOOM_BUILD_PLUGIN_DIR != '\0') {
    out.emplace_back(LOOM_BUILD_PLUGIN_DIR);
  }
  return out;
}

std::vector<std::string> PluginHost::load_search_path() {
  std::vector<std::string> problems;
  for (const fs::path& dir : search_path()) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (it->is_regular_file(ec) && is_shared_library_name(it->path())) files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) {
      // Only libraries exporting the entry symbol are plugins; others are skipped silently.
      try {
        boost::dll::shared_library probe(f.string(),
                                         boost::dll::load_mode::rtld_lazy | boost::dll::load_mode::rtld_local);
        if (!probe.has(LOOM_PLUGIN_ENTRY_SYMBOL)) continue;
      } catch (const std::exception& e) {
        continue;
      }
      try {
        load(f);
      } catch (const PluginError& e) {
        problems.push_back(e.what());
      }
    }
  }
  return problems;
}

const ComponentEntry* PluginHost::find(loom_component_kind kind, const std::string& name) const {
  for (const ComponentEntry& e : components_) {
    if (e.kind == kind && e.name == name) return &e;
  }
  return nullptr;
}

const ComponentEntry& PluginHost::at(loom_component_kind kind, const std::string& name) const {
  if (const ComponentEntry* e = find(kind, name)) return *e;
  std::vector<std::string> known;
  for (const ComponentEntry& e : components_) {
    if (e.kind == kind) known.push_back(e.name);
  }
  std::string other;
  for (const ComponentEntry& e : components_) {
    if (e.name == name)
      other = fmt::format(" ('{}' is a {}, from {})", name, component_kind_name(e.kind), e.file.string());
  }
  throw PluginError(fmt::format("no {} named '{}' is loaded{}; loaded {}s: {}", component_kind_name(kind), name, other,
                                component_kind_name(kind),
                                known.empty() ? "none" : fmt::format("{}", fmt::join(known, ", "))));
}

std::shared_ptr<ComponentInstance> PluginHost::instantiate(loom_component_kind kind,
                                                           const config::ComponentConfig& config) {
  const ComponentEntry& entry = at(kind, config.name());
  const auto& base = entry.as<loom_component>();
  loom_config cfg{&config};
  loom_error error;
  void* instance = nullptr;
  loom_status status = base.create(base.userdata, &cfg, &instance, &error);
  if (status != LOOM_OK)
    throw ComponentError(fmt::format("{} '{}' ({}): create failed: {}", component_kind_name(kind), entry.name,
                                     entry.file.string(), message_of(error)),
                         status, error.kind);
  auto result = std::make_shared<ComponentInstance>(entry, instance, config);
  std::vector<std::string> unknown = config.unread_key_errors();
  if (!unknown.empty()) throw config::ConfigError(unknown);
  return result;
}

// ----- instances ---------------------------------------------------------------------

ComponentInstance::ComponentInstance(const ComponentEntry& entry, void* instance, config::ComponentConfig config)
    : entry_(entry), instance_(instance), config_(std::move(config)) {}

ComponentInstance::~ComponentInstance() { entry_.as<loom_component>().destroy(instance_); }

namespace {

/// The C view of a tuning context; the strings and the workload handle live in `this`.
struct CContext {
  explicit CContext(const TuningContext& context) : target(to_c(context.target)) {
    workload.func = context.workload;
    c.struct_size = LOOM_TUNING_CONTEXT_STRUCT_SIZE;
    c.target = &target;
    c.workload = context.workload.defined() ? &workload : nullptr;
    c.task_name = detail::make_str(context.task_name);
    c.seed = context.seed;
    c.num_threads = context.num_threads;
  }
  loom_target target;
  loom_func workload;
  loom_tuning_context c{};
};

}  // namespace

void ComponentInstance::initialize(const TuningContext& context) {
  context_ = context;
  LifeCycle lc = life_cycle(entry_);
  if (lc.initialize == nullptr) return;
  CContext c(*context_);
  loom_error error;
  check(lc.initialize(instance_, &c.c, &error), error, "initialize");
}

std::shared_ptr<ComponentInstance> ComponentInstance::clone() const {
  LifeCycle lc = life_cycle(entry_);
  if (lc.clone == nullptr) {
    // ABI 1.0: a fresh instance from the same table, initialized the same way.
    const auto& base = entry_.as<loom_component>();
    loom_config cfg{&config_};
    loom_error error;
    void* instance = nullptr;
    check(base.create(base.userdata, &cfg, &instance, &error), error, "create (for clone)");
    auto copy = std::make_shared<ComponentInstance>(entry_, instance, config_);
    if (context_) copy->initialize(*context_);
    return copy;
  }
  loom_error error;
  void* instance = nullptr;
  check(lc.clone(instance_, &instance, &error), error, "clone");
  if (instance == nullptr)
    throw ComponentError(
        fmt::format("{} '{}': clone returned no instance", component_kind_name(entry_.kind), entry_.name),
        LOOM_ERROR_INTERNAL, "");
  auto copy = std::make_shared<ComponentInstance>(entry_, instance, config_);
  copy->context_ = context_;
  return copy;
}

Target ComponentInstance::resolve_target(const Target& requested) const {
  LOOM_ICHECK(entry_.kind == LOOM_COMPONENT_RUNNER, entry_.name + " is not a runner");
  const auto& runner = entry_.as<loom_runner>();
  if (runner.resolve_target == nullptr) return requested;
  loom_target in = to_c(requested);
  loom_target out{};
  out.struct_size = LOOM_TARGET_STRUCT_SIZE;
  loom_error error;
  check(runner.resolve_target(instance_, &in, &out, &error), error, "resolve_target");
  Target resolved = from_c(out);
  if (resolved.kind.empty()) resolved.kind = requested.kind;
  if (resolved.description.empty()) resolved.description = resolved.describe();
  return resolved;
}

ComponentInstance::ExportResult ComponentInstance::export_func(const ir::PrimFunc& func,
                                                               const ExportRequest& what) const {
  LOOM_ICHECK(entry_.kind == LOOM_COMPONENT_RUNNER, entry_.name + " is not a runner");
  const auto& runner = entry_.as<loom_runner>();
  if (runner.export_func == nullptr)
    throw ComponentError(fmt::format("runner '{}' ({}) cannot export kernels (it was built for plugin ABI {}.{}; "
                                     "export needs 1.1)",
                                     entry_.name, entry_.file.string(), entry_.abi_major, entry_.abi_minor),
                         LOOM_ERROR_UNSUPPORTED, "");
  loom_func handle{func};
  loom_target c_target{};
  if (what.target != nullptr) c_target = to_c(*what.target);
  ExportResult result;
  loom_export_request request{};
  request.struct_size = LOOM_EXPORT_REQUEST_STRUCT_SIZE;
  request.func = &handle;
  request.name = detail::make_str(what.name);
  request.symbol = detail::make_str(what.symbol);
  request.directory = detail::make_str(what.directory);
  request.origin = detail::make_str(what.origin);
  request.target = what.target != nullptr ? &c_target : nullptr;
  request.on_file = [](void* userdata, loom_str path) {
    static_cast<ExportResult*>(userdata)->files.push_back(detail::to_string(path));
  };
  request.on_note = [](void* userdata, loom_str note) {
    static_cast<ExportResult*>(userdata)->notes.push_back(detail::to_string(note));
  };
  request.userdata = &result;
  loom_error error;
  check(runner.export_func(instance_, &request, &error), error, "export");
  return result;
}

void ComponentInstance::check(loom_status status, const loom_error& error, const char* what) const {
  if (status == LOOM_OK) return;
  throw ComponentError(
      fmt::format("{} '{}': {} failed: {}", component_kind_name(entry_.kind), entry_.name, what, message_of(error)),
      status, error.kind);
}

std::vector<sched::Schedule> ComponentInstance::apply_rule(const sched::Schedule& sch,
                                                           const sched::BlockRV& block) const {
  LOOM_ICHECK(entry_.kind == LOOM_COMPONENT_SCHEDULE_RULE, entry_.name + " is not a schedule rule");
  loom_schedule handle{sch, {}, {}};
  loom_schedule_list out;
  loom_error error;
  loom_value rv{};
  rv.kind = LOOM_VALUE_BLOCK;
  rv.rv = block.id;
  check(entry_.as<loom_schedule_rule>().apply(instance_, &handle, rv, &out, &error), error, "apply");
  return std::move(out.schedules);
}

std::optional<sched::Trace> ComponentInstance::apply_mutator(const sched::Trace& trace, const ir::IRModule& original,
                                                             sched::RandomEngine& rng) const {
  LOOM_ICHECK(entry_.kind == LOOM_COMPONENT_MUTATOR, entry_.name + " is not a mutator");
  loom_trace handle;
  handle.trace = trace;
  handle.original = original;
  loom_rng r{&rng};
  loom_trace* out = nullptr;
  loom_error error;
  check(entry_.as<loom_mutator>().apply(instance_, &handle, &r, &out, &error), error, "apply");
  if (out == nullptr) return std::nullopt;
  sched::Trace result = std::move(out->trace);
  detail::trace_free(out);
  return result;
}

bool ComponentInstance::apply_postproc(sched::Schedule& sch) const {
  LOOM_ICHECK(entry_.kind == LOOM_COMPONENT_POSTPROC, entry_.name + " is not a postprocessor");
  loom_schedule handle{sch, {}, {}};
  int ok = 0;
  loom_error error;
  check(entry_.as<loom_postproc>().apply(instance_, &handle, &ok, &error), error, "apply");
  if (ok) sch = std::move(handle.sch);
  return ok != 0;
}

namespace {
/// Samples a result can hold; a runner that measures more reports the count, and the host
/// keeps this many.
constexpr size_t kMaxSamples = 4096;
}  // namespace

std::vector<db::MeasureResult> ComponentInstance::measure(const std::vector<MeasureCandidate>& candidates) const {
  LOOM_ICHECK(entry_.kind == LOOM_COMPONENT_RUNNER, entry_.name + " is not a runner");
  size_t n = candidates.size();
  std::vector<loom_func> funcs(n), references(n);
  std::vector<loom_measure_input> inputs(n);
  std::vector<loom_error> errors(n);
  std::vector<std::vector<double>> times(n, std::vector<double>(kMaxSamples));
  std::vector<loom_measure_result> results(n);
  for (size_t k = 0; k < n; ++k) {
    const MeasureCandidate& c = candidates[k];
    if (!c.func.defined()) throw UserError(fmt::format("measure: candidate {} has no function", k));
    funcs[k].func = c.func;
    references[k].func = c.reference;
    inputs[k] = loom_measure_input{LOOM_MEASURE_INPUT_STRUCT_SIZE, &funcs[k], detail::make_str(c.target),
                                   c.reference.defined() ? &references[k] : nullptr};
    results[k] = loom_measure_result{};
    results[k].struct_size = LOOM_MEASURE_RESULT_STRUCT_SIZE;
    results[k].error = &errors[k];
    results[k].times_s = times[k].data();
    results[k].times_cap = kMaxSamples;
  }
  loom_error error;
  check(entry_.as<loom_runner>().measure(instance_, inputs.data(), n, results.data(), &error), error, "measure");
  std::vector<db::MeasureResult> out(n);
  for (size_t k = 0; k < n; ++k) {
    const loom_measure_result& r = results[k];
    db::MeasureResult& m = out[k];
    if (r.status != LOOM_OK) {
      m.error = message_of(errors[k], "(no reason given)");
      m.error_kind = errors[k].kind;
    } else {
      m.run_secs.assign(times[k].begin(), times[k].begin() + static_cast<ptrdiff_t>(std::min(r.n_times, kMaxSamples)));
      if (m.run_secs.empty()) {
        m.error = fmt::format("{} reported success but no run times", entry_.name);
        m.error_kind = "run";
      }
    }
    m.build_secs = r.build_s;
    m.measure_secs = r.run_s;
    m.number = r.number;
  }
  return out;
}

namespace {

/// Candidate features flattened into the ABI's row-major matrix (`data` and `offsets` own
/// the storage `view` points into).
struct FlatFeatures {
  std::vector<float> data;
  std::vector<size_t> offsets;
  loom_features view{};
};

void flatten(const ComponentInstance::CandidateFeatures& features, const std::string& model, FlatFeatures& out) {
  size_t n_features = 0;
  for (const auto& rows : features) {
    if (!rows.empty()) {
      n_features = rows.front().size();
      break;
    }
  }
  out.offsets.assign(1, 0);
  for (size_t c = 0; c < features.size(); ++c) {
    for (const std::vector<float>& row : features[c]) {
      if (row.size() != n_features) {
        throw UserError(fmt::format("cost model '{}': candidate {} has a feature row of {} columns, expected {}", model,
                                    c, row.size(), n_features));
      }
      out.data.insert(out.data.end(), row.begin(), row.end());
    }
    out.offsets.push_back(out.data.size() / std::max<size_t>(n_features, 1));
  }
  out.view = loom_features{LOOM_FEATURES_STRUCT_SIZE, features.size(), n_features, out.offsets.data(), out.data.data()};
}

}  // namespace

void ComponentInstance::update(const CandidateFeatures& features, const std::vector<double>& throughputs) const {
  LOOM_ICHECK(entry_.kind == LOOM_COMPONENT_COST_MODEL, entry_.name + " is not a cost model");
  if (features.size() != throughputs.size()) {
    throw UserError(fmt::format("cost model '{}': update with {} candidates' features but {} throughputs", entry_.name,
                                features.size(), throughputs.size()));
  }
  FlatFeatures flat;
  flatten(features, entry_.name, flat);
  loom_error error;
  check(entry_.as<loom_cost_model>().update(instance_, &flat.view, throughputs.data(), &error), error, "update");
}

std::vector<double> ComponentInstance::predict(const CandidateFeatures& features) const {
  LOOM_ICHECK(entry_.kind == LOOM_COMPONENT_COST_MODEL, entry_.name + " is not a cost model");
  FlatFeatures flat;
  flatten(features, entry_.name, flat);
  std::vector<double> scores(features.size(), 0.0);
  loom_error error;
  check(entry_.as<loom_cost_model>().predict(instance_, &flat.view, scores.data(), &error), error, "predict");
  return scores;
}

void ComponentInstance::save(const std::string& path) const {
  LOOM_ICHECK(entry_.kind == LOOM_COMPONENT_COST_MODEL, entry_.name + " is not a cost model");
  loom_error error;
  check(entry_.as<loom_cost_model>().save(instance_, detail::make_str(path), &error), error, "save");
}

void ComponentInstance::load(const std::string& path) const {
  LOOM_ICHECK(entry_.kind == LOOM_COMPONENT_COST_MODEL, entry_.name + " is not a cost model");
  loom_error error;
  check(entry_.as<loom_cost_model>().load(instance_, detail::make_str(path), &error), error, "load");
}

}  // namespace loom::host
