// The plugin `loom.cpu`: the CPU runner component `loom.cpu`. measure():
//   1. builds every candidate in parallel on oneTBB: lowered through the host
//      (plugin::lower), compiled to an object file by the LLVM code generator
//      (loom/cpu/codegen.h) for the target's CPU; a failure is that candidate's result
//      "build failed: <reason>";
//   2. when correctness is checked, computes each distinct reference function's outputs on
//      the seed's inputs once (cached by structural hash and seed): in the interpreter
//      (check = "interpreter") or compiled unscheduled and run in the worker ("compiled");
//   3. runs and times the candidates one at a time in the worker process (worker_client.h,
//      worker_protocol.h) on inputs drawn from the seed (plugin::fill_random); a crash, a
//      timeout or a wrong output is that candidate's failed result, the worker is restarted
//      when it died, and the call goes on with the next candidate.
// Config keys: configs/example.toml, [runner].
#include <dlfcn.h>
#include <sys/stat.h>
#include <tbb/parallel_for.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "export.h"
#include "fmt/format.h"
#include "loom/cpu/codegen.h"
#include "loom/cpu/cpu_target.h"
#include "loom/cpu/timing.h"
#include "loom/plugin.hpp"
#include "worker_client.h"
#include "worker_protocol.h"

namespace loom::cpu {
namespace {

namespace lp = loom::plugin;
namespace pir = loom::plugin::ir;
using worker::DebugFault;
using Clock = std::chrono::steady_clock;

constexpr const char* kName = "loom.cpu";

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// ----- configuration -----------------------------------------------------------------

enum class Check { kNone, kInterpreter, kCompiled };

struct RunnerOptions {
  TimingOptions timing;
  double timeout_s = 10;
  int threads = 0;
  Check check = Check::kNone;
  double rtol = 1e-3, atol = 1e-4;
  uint64_t seed = 0;
  CodegenOptions codegen;
  std::string worker;
  DebugFault debug_fault = DebugFault::kNone;
  std::string debug_fault_func;
};

[[noreturn]] void config_error(const std::string& message) {
  throw lp::Error(fmt::format("{}: {}", kName, message), LOOM_ERROR_CONFIG);
}

int64_t int_at_least(const lp::Config& c, const char* key, int64_t default_value, int64_t min) {
  int64_t v = c.get_int(key, default_value);
  if (v < min) config_error(fmt::format("{} = {} is out of range: must be >= {}", key, v, min));
  if (v > std::numeric_limits<int32_t>::max()) config_error(fmt::format("{} = {} is too large", key, v));
  return v;
}

double float_at_least(const lp::Config& c, const char* key, double default_value, double min, bool strict) {
  double v = c.get_float(key, default_value);
  if (std::isnan(v) || (strict ? v <= min : v < min))
    config_error(fmt::format("{} = {} is out of range: must be {} {}", key, v, strict ? ">" : ">=", min));
  return v;
}

/// The folder of this plugin's shared library, where loom-cpu-worker is installed too.
std::filesystem::path plugin_dir() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&plugin_dir), &info) == 0 || info.dli_fname == nullptr) return {};
  return std::filesystem::path(info.dli_fname).parent_path();
}

RunnerOptions read_options(const lp::Config& c) {
  RunnerOptions o;
  o.timing.number = static_cast<int>(int_at_least(c, "number", 1, 1));
  o.timing.repeat = static_cast<int>(int_at_least(c, "repeat", 3, 1));
  o.timing.min_repeat_ms = float_at_least(c, "min_repeat_ms", 100, 0, false);
  o.timing.warmup = static_cast<int>(int_at_least(c, "warmup", 1, 0));
  o.timing.cooldown_ms = float_at_least(c, "cooldown_ms", 0, 0, false);
  o.timing.flush_cache = c.get_bool("flush_cache", false);
  o.timeout_s = float_at_least(c, "timeout_s", 10, 0, true);
  o.threads = static_cast<int>(int_at_least(c, "threads", 0, 0));
  std::string check = c.get_string("check", "none");
  if (check == "none") {
    o.check = Check::kNone;
  } else if (check == "interpreter") {
    o.check = Check::kInterpreter;
  } else if (check == "compiled") {
    o.check = Check::kCompiled;
  } else {
    config_error(fmt::format("check = \"{}\": must be \"none\", \"interpreter\" or \"compiled\"", check));
  }
  o.rtol = float_at_least(c, "rtol", 1e-3, 0, false);
  o.atol = float_at_least(c, "atol", 1e-4, 0, false);
  o.seed = static_cast<uint64_t>(int_at_least(c, "seed", 0, 0));
  o.codegen.cpu = c.get_string("cpu", "");
  if (o.codegen.cpu == "host") o.codegen.cpu.clear();
  o.codegen.features = c.get_string("features", "");
  int64_t opt = c.get_int("opt_level", 3);
  if (opt < 0 || opt > 3) config_error(fmt::format("opt_level = {} is out of range: must be 0..3", opt));
  o.codegen.opt_level = static_cast<int>(opt);
  std::string fault = c.get_string("debug_fault", "none");
  if (fault == "none") {
    o.debug_fault = DebugFault::kNone;
  } else if (fault == "segv") {
    o.debug_fault = DebugFault::kSegv;
  } else if (fault == "abort") {
    o.debug_fault = DebugFault::kAbort;
  } else if (fault == "fpe") {
    o.debug_fault = DebugFault::kFpe;
  } else if (fault == "hang") {
    o.debug_fault = DebugFault::kHang;
  } else {
    config_error(
        fmt::format("debug_fault = \"{}\": must be \"none\", \"segv\", \"abort\", \"fpe\" or \"hang\"", fault));
  }
  o.debug_fault_func = c.get_string("debug_fault_func", "");
  o.worker = c.get_string("worker", "");
  if (o.worker.empty()) {
    std::filesystem::path dir = plugin_dir();
    if (dir.empty())
      config_error("cannot find the plugin's own folder to locate loom-cpu-worker; set the key 'worker'");
    o.worker = (dir / "loom-cpu-worker").string();
    if (::access(o.worker.c_str(), X_OK) != 0)
      config_error(
          fmt::format("the worker executable {} is missing or not executable; set the key 'worker'", o.worker));
  } else if (::access(o.worker.c_str(), X_OK) != 0) {
    config_error(fmt::format("worker = \"{}\": no such executable", o.worker));
  }
  return o;
}

/// The codegen options of a target description "llvm -mcpu=NAME -mattr=+a,-b" over the
/// config's defaults. Throws std::runtime_error for another target kind or an unknown option.
CodegenOptions target_options(const std::string& target, const CodegenOptions& defaults) {
  CodegenOptions o = defaults;
  std::istringstream in(target);
  std::string word;
  bool first = true;
  while (in >> word) {
    if (first) {
      first = false;
      if (word != "llvm") throw std::runtime_error(fmt::format("target \"{}\" is not a CPU (llvm) target", target));
      continue;
    }
    if (word.starts_with("-mcpu=")) {
      o.cpu = word.substr(6);
      if (o.cpu == "host") o.cpu.clear();
    } else if (word.starts_with("-mattr=")) {
      o.features = word.substr(7);
    } else if (word.starts_with("-num-cores=")) {
      // The arena size is the runner's `threads`; accepted for TVM-style target strings.
    } else {
      throw std::runtime_error(fmt::format("target \"{}\": unknown option '{}'", target, word));
    }
  }
  return o;
}

// ----- arguments ---------------------------------------------------------------------

/// One parameter of a kernel as the packed convention passes it.
struct ArgInfo {
  std::string name;
  bool is_buffer = false;
  pir::DataType dtype;
  std::vector<int64_t> shape;
  size_t bytes = 0;

  std::string signature() const {
    std::string dims;
    for (int64_t d : shape) dims += (dims.empty() ? "" : ", ") + std::to_string(d);
    return is_buffer ? fmt::format("{}[{}]", dtype.to_string(), dims) : dtype.to_string();
  }
};

size_t element_bytes(const pir::DataType& t) { return t.is_bool() ? 1 : (size_t{t.bits} * t.lanes + 7) / 8; }

/// The parameters of `func`; throws std::runtime_error for a buffer with a symbolic shape.
std::vector<ArgInfo> arg_layout(const pir::PrimFunc& func) {
  std::vector<ArgInfo> out;
  for (pir::Var p : func.params()) {
    ArgInfo a;
    pir::Buffer b = func.buffer_of(p);
    if (!b) {
      a.name = std::string(p.name());
      a.dtype = p.dtype();
      a.bytes = element_bytes(a.dtype);
      out.push_back(std::move(a));
      continue;
    }
    a.name = std::string(b.name());
    a.is_buffer = true;
    a.dtype = b.dtype();
    size_t count = 1;
    for (pir::Expr e : b.shape()) {
      auto imm = e.as<pir::IntImm>();
      if (!imm) throw std::runtime_error(fmt::format("buffer {} has a non-constant shape", a.name));
      a.shape.push_back(imm->value());
      count *= static_cast<size_t>(std::max<int64_t>(imm->value(), 0));
    }
    a.bytes = count * element_bytes(a.dtype);
    out.push_back(std::move(a));
  }
  return out;
}

/// The storage of every argument, buffers filled with the core's random data for `seed`,
/// scalars zero.
std::vector<std::string> make_inputs(const pir::Func& func, const std::vector<ArgInfo>& args, uint64_t seed) {
  std::vector<std::string> data;
  std::vector<void*> ptrs;
  data.reserve(args.size());
  for (const ArgInfo& a : args) data.emplace_back(a.bytes, '\0');
  for (std::string& d : data) ptrs.push_back(d.data());
  lp::fill_random(func, seed, ptrs.data());
  return data;
}

// ----- comparing outputs ---------------------------------------------------------------

/// Element i of a buffer's storage as a double (scalar element types).
double element(const std::string& data, const pir::DataType& t, size_t i) {
  const char* p = data.data() + i * element_bytes(t);
  auto load = [p](auto zero) {
    decltype(zero) v;
    std::memcpy(&v, p, sizeof(v));
    return v;
  };
  switch (t.code) {
    case LOOM_DTYPE_FLOAT:
      if (t.bits == 16) return pir::float16_bits_to_float(load(uint16_t{}));
      if (t.bits == 32) return load(float{});
      return load(double{});
    case LOOM_DTYPE_BFLOAT: {
      uint32_t bits = static_cast<uint32_t>(load(uint16_t{})) << 16;
      float f;
      std::memcpy(&f, &bits, 4);
      return f;
    }
    case LOOM_DTYPE_INT:
      if (t.bits == 8) return load(int8_t{});
      if (t.bits == 16) return load(int16_t{});
      if (t.bits == 32) return load(int32_t{});
      return static_cast<double>(load(int64_t{}));
    case LOOM_DTYPE_UINT:
      if (t.bits == 8) return load(uint8_t{});
      if (t.bits == 16) return load(uint16_t{});
      if (t.bits == 32) return load(uint32_t{});
      return static_cast<double>(load(uint64_t{}));
    default:
      return load(uint8_t{}) != 0 ? 1 : 0;
  }
}

std::string index_text(const ArgInfo& a, size_t flat) {
  std::vector<int64_t> idx(a.shape.size());
  size_t rest = flat;
  for (size_t d = a.shape.size(); d-- > 0;) {
    int64_t extent = std::max<int64_t>(a.shape[d], 1);
    idx[d] = static_cast<int64_t>(rest % static_cast<size_t>(extent));
    rest /= static_cast<size_t>(extent);
  }
  std::string text;
  for (int64_t i : idx) text += (text.empty() ? "" : ", ") + std::to_string(i);
  return fmt::format("{}[{}]", a.name, text);
}

/// nullopt when every buffer of `got` matches `expected` within rtol/atol (floats; integers
/// and bools exactly; NaN matches NaN), else the mismatch: the buffer, the first bad index,
/// got vs expected, and the largest absolute and relative errors over the buffer.
std::optional<std::string> compare_outputs(const std::vector<ArgInfo>& args, const std::vector<std::string>& got,
                                           const std::vector<std::string>& expected, double rtol, double atol) {
  for (size_t k = 0; k < args.size(); ++k) {
    const ArgInfo& a = args[k];
    if (!a.is_buffer) continue;
    if (got[k].size() != a.bytes || expected[k].size() != a.bytes)
      return fmt::format("buffer {}: {} bytes came back, {} expected", a.name, got[k].size(), a.bytes);
    if (a.dtype.lanes != 1) {
      if (got[k] != expected[k]) return fmt::format("buffer {} ({}) differs bytewise", a.name, a.signature());
      continue;
    }
    bool exact = !a.dtype.is_float();
    size_t n = a.bytes / element_bytes(a.dtype);
    size_t bad = 0, first = 0;
    double first_got = 0, first_expected = 0, max_abs = 0, max_rel = 0;
    for (size_t i = 0; i < n; ++i) {
      double g = element(got[k], a.dtype, i), e = element(expected[k], a.dtype, i);
      bool ok;
      double abs_err = 0;
      if (std::isnan(g) || std::isnan(e)) {
        ok = std::isnan(g) && std::isnan(e);
        abs_err = ok ? 0 : std::numeric_limits<double>::infinity();
      } else if (g == e) {
        ok = true;
      } else {
        abs_err = std::fabs(g - e);
        ok = !exact && abs_err <= atol + rtol * std::fabs(e);
      }
      if (!(abs_err == 0)) {
        max_abs = std::max(max_abs, abs_err);
        max_rel = std::max(max_rel, e == 0 ? std::numeric_limits<double>::infinity() : abs_err / std::fabs(e));
      }
      if (!ok && bad++ == 0) {
        first = i;
        first_got = g;
        first_expected = e;
      }
    }
    if (bad == 0) continue;
    return fmt::format(
        "buffer {} ({}) differs from the reference at {}: got {:.9g}, expected {:.9g}; {} of {} elements differ, "
        "max abs error {:.3g}, max rel error {:.3g} (rtol {:g}, atol {:g})",
        a.name, a.signature(), index_text(a, first), first_got, first_expected, bad, n, max_abs, max_rel,
        exact ? 0.0 : rtol, exact ? 0.0 : atol);
  }
  return std::nullopt;
}

// ----- the runner --------------------------------------------------------------------

/// A reference's outputs on one seed's inputs, or why they could not be computed.
struct ReferenceOutputs {
  std::vector<std::string> buffers;
  std::string error;
};

/// One candidate between the build and the run.
struct Build {
  std::string name;
  std::vector<ArgInfo> args;
  std::optional<ObjectCode> code;
  std::string error;  // "build failed: ..." when code is empty
  double build_s = 0;
  /// The reference to check against (null: no check), and its cache key.
  const pir::Func* reference = nullptr;
  uint64_t reference_hash = 0;
  std::string check_error;  // the reference cannot be used (its parameters differ)
};

class CpuRunner : public lp::Runner {
 public:
  explicit CpuRunner(const lp::Config& config)
      : options_(read_options(config)),
        configured_cpu_(options_.codegen.cpu),
        configured_features_(options_.codegen.features),
        client_(options_.worker, options_.threads) {}

  /// The run's target: what the runner builds for unless its own cpu / features keys say
  /// otherwise (or a candidate's target string does). Refused when the machine cannot run
  /// code for it.
  void initialize(const lp::TuningContext& context) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!context.target.kind.empty() && context.target.kind != "llvm")
      throw lp::Error(fmt::format("{} builds for CPUs (kind \"llvm\"), not for \"{}\"", kName, context.target.kind),
                      LOOM_ERROR_UNSUPPORTED);
    if (configured_cpu_.empty() && !context.target.cpu.empty() && context.target.cpu != "host")
      options_.codegen.cpu = context.target.cpu;
    if (configured_features_.empty() && !context.target.features.empty())
      options_.codegen.features = context.target.features;
    CpuTarget target = resolve_cpu_target(options_.codegen.cpu, options_.codegen.features, context.target.num_cores);
    std::string why = check_runs_here(target);
    if (!why.empty())
      throw lp::Error(fmt::format("{} cannot measure for the target '{}': {}", kName, context.target.description, why),
                      LOOM_ERROR_UNSUPPORTED);
  }

  lp::Target resolve_target(const lp::Target& requested) override {
    if (!requested.kind.empty() && requested.kind != "llvm")
      throw lp::Error(fmt::format("{} builds for CPUs (kind \"llvm\"), not for \"{}\"", kName, requested.kind),
                      LOOM_ERROR_UNSUPPORTED);
    CpuTarget t;
    try {
      t = resolve_cpu_target(requested.cpu, requested.features, requested.num_cores);
    } catch (const std::runtime_error& e) {
      throw lp::Error(fmt::format("{}: {}", kName, e.what()), LOOM_ERROR_CONFIG);
    }
    std::string why = check_runs_here(t);
    if (!why.empty()) throw lp::Error(fmt::format("{} cannot measure here: {}", kName, why), LOOM_ERROR_UNSUPPORTED);
    lp::Target out = std::move(t);
    // What a record says it was fitted to: the CPU by name, the requested feature toggles,
    // the cores.
    out.description = fmt::format("llvm -mcpu={}{} -num-cores={}", out.cpu,
                                  requested.features.empty() ? "" : " -mattr=" + requested.features, out.num_cores);
    return out;
  }

  lp::ExportResult export_func(const lp::ExportRequest& request) override {
    CodegenOptions codegen = options_.codegen;
    if (request.target) {
      if (!request.target->kind.empty() && request.target->kind != "llvm")
        throw lp::Error(fmt::format("{} exports for CPUs (kind \"llvm\"), not for \"{}\"", kName, request.target->kind),
                        LOOM_ERROR_UNSUPPORTED);
      codegen.cpu = request.target->cpu == "host" ? "" : request.target->cpu;
      codegen.features = request.target->features;
    }
    try {
      return export_object(request.func, request.name, request.symbol, request.directory, request.origin, codegen);
    } catch (const CodegenError& e) {
      throw lp::Error(fmt::format("cannot compile {}: {}", request.func.node().name(), e.what()), LOOM_ERROR);
    }
  }

  std::vector<lp::MeasureResult> measure(const std::vector<lp::MeasureInput>& inputs) override {
    std::lock_guard<std::mutex> lock(mutex_);
    size_t n = inputs.size();
    std::vector<Build> builds(n);
    // 1. Build every candidate in parallel.
    tbb::parallel_for(size_t{0}, n, [&](size_t k) { build(inputs[k], builds[k]); });
    // 2. The outputs of every reference not cached yet.
    compute_references(builds);
    // 3. Run and time one candidate at a time in the worker.
    std::vector<lp::MeasureResult> results;
    results.reserve(n);
    for (size_t k = 0; k < n; ++k) results.push_back(run(inputs[k], builds[k]));
    return results;
  }

 private:
  using CacheKey = std::pair<uint64_t, uint64_t>;  // (structural hash, seed)
  static constexpr size_t kMaxCachedReferences = 64;

  void build(const lp::MeasureInput& input, Build& b) const {
    auto start = Clock::now();
    try {
      pir::PrimFunc func = input.func.node();
      b.name = std::string(func.name());
      b.args = arg_layout(func);
      CodegenOptions codegen = target_options(input.target, options_.codegen);
      pir::Func lowered = lp::lower(input.func);
      b.code = compile_object(lowered.node(), codegen);
    } catch (const std::exception& e) {
      b.error = fmt::format("build failed: {}", e.what());
    }
    b.build_s = seconds_since(start);
    if (!b.code || options_.check == Check::kNone || !input.reference) return;
    try {
      std::vector<ArgInfo> ref_args = arg_layout(input.reference.node());
      if (ref_args.size() != b.args.size())
        throw std::runtime_error(
            fmt::format("the reference has {} parameters, the candidate {}", ref_args.size(), b.args.size()));
      for (size_t i = 0; i < ref_args.size(); ++i) {
        if (ref_args[i].signature() != b.args[i].signature() || ref_args[i].is_buffer != b.args[i].is_buffer)
          throw std::runtime_error(fmt::format("parameter {} is {} {} in the reference but {} {} in the candidate", i,
                                               ref_args[i].name, ref_args[i].signature(), b.args[i].name,
                                               b.args[i].signature()));
      }
      b.reference = &input.reference;
      b.reference_hash = lp::structural_hash(input.reference);
    } catch (const std::exception& e) {
      b.check_error = fmt::format("cannot check the result: {}", e.what());
    }
  }

  void compute_references(const std::vector<Build>& builds) {
    std::map<uint64_t, const pir::Func*> missing;
    auto collect = [&] {
      missing.clear();
      for (const Build& b : builds) {
        if (b.reference != nullptr && !cache_.count({b.reference_hash, options_.seed}))
          missing.emplace(b.reference_hash, b.reference);
      }
    };
    collect();
    if (missing.empty()) return;
    // References are few (one per task) but their outputs can be large: keep a bounded set
    // (when it is full, start over with this batch's references).
    if (cache_.size() + missing.size() > kMaxCachedReferences) {
      cache_.clear();
      collect();
    }
    std::vector<std::pair<uint64_t, const pir::Func*>> todo(missing.begin(), missing.end());
    std::vector<ReferenceOutputs> outputs(todo.size());
    std::vector<std::optional<ObjectCode>> objects(todo.size());
    std::vector<std::vector<ArgInfo>> layouts(todo.size());
    // In parallel: interpret each reference, or compile it unscheduled.
    tbb::parallel_for(size_t{0}, todo.size(), [&](size_t k) {
      const pir::Func& ref = *todo[k].second;
      ReferenceOutputs& out = outputs[k];
      try {
        layouts[k] = arg_layout(ref.node());
        out.buffers = make_inputs(ref, layouts[k], options_.seed);
        if (options_.check == Check::kInterpreter) {
          std::vector<void*> ptrs;
          for (std::string& d : out.buffers) ptrs.push_back(d.data());
          lp::interpret(ref, ptrs.data());
        } else {
          objects[k] = compile_object(lp::lower(ref).node(), options_.codegen);
        }
      } catch (const std::exception& e) {
        out.error = fmt::format("the reference failed in the {}: {}",
                                options_.check == Check::kInterpreter ? "interpreter" : "code generator", e.what());
      }
    });
    // One at a time in the worker: the compiled references.
    for (size_t k = 0; k < todo.size(); ++k) {
      if (objects[k] && outputs[k].error.empty()) {
        worker::RunRequest q = request(*objects[k], outputs[k].buffers, worker::kReturnOutputs);
        q.debug_fault = DebugFault::kNone;
        worker::Outcome o = client_.call(q.encode(), options_.timeout_s);
        if (o.kind == worker::Outcome::kCrashed) {
          outputs[k].error = fmt::format("the compiled reference crashed: {}", o.reason);
        } else if (o.kind == worker::Outcome::kTimedOut) {
          outputs[k].error = fmt::format("the compiled reference {}", o.reason);
        } else if (o.reply.status != 0) {
          outputs[k].error = fmt::format("the compiled reference failed: {}", o.reply.message);
        } else {
          outputs[k].buffers = std::move(o.reply.outputs);
        }
      }
      cache_[{todo[k].first, options_.seed}] = std::make_shared<ReferenceOutputs>(std::move(outputs[k]));
    }
  }

  worker::RunRequest request(const ObjectCode& code, std::vector<std::string> args, uint32_t flags) const {
    worker::RunRequest q;
    q.object = code.object;
    q.name = code.name;
    q.packed_name = code.packed_name;
    q.flags = flags;
    q.warmup = options_.timing.warmup;
    q.number = options_.timing.number;
    q.repeat = options_.timing.repeat;
    q.min_repeat_ms = options_.timing.min_repeat_ms;
    q.cooldown_ms = options_.timing.cooldown_ms;
    q.flush_cache = options_.timing.flush_cache;
    bool fault_here = options_.debug_fault_func.empty() || options_.debug_fault_func == code.name;
    q.debug_fault = fault_here ? options_.debug_fault : DebugFault::kNone;
    q.args = std::move(args);
    return q;
  }

  lp::MeasureResult run(const lp::MeasureInput& input, Build& b) {
    if (!b.code) {
      lp::MeasureResult r = lp::MeasureResult::failure("build", b.error);
      r.build_s = b.build_s;
      return r;
    }
    if (!b.check_error.empty()) return lp::MeasureResult::failure("check", b.check_error);
    auto start = Clock::now();
    lp::MeasureResult r;
    r.build_s = b.build_s;
    std::shared_ptr<ReferenceOutputs> expected;
    if (b.reference != nullptr) {
      expected = cache_.at({b.reference_hash, options_.seed});
      if (!expected->error.empty()) {
        r = lp::MeasureResult::failure("check", "cannot check the result: " + expected->error);
        r.build_s = b.build_s;
        return r;
      }
    }
    std::vector<std::string> args;
    try {
      args = make_inputs(input.func, b.args, options_.seed);
    } catch (const std::exception& e) {
      return lp::MeasureResult::failure("run", fmt::format("cannot make the inputs: {}", e.what()));
    }
    uint32_t flags = worker::kTime | (expected ? worker::kReturnOutputs : 0u);
    worker::Outcome o = client_.call(request(*b.code, std::move(args), flags).encode(), options_.timeout_s);
    if (o.kind == worker::Outcome::kCrashed) {
      r = lp::MeasureResult::failure("crash", fmt::format("crashed: {} while running {}", o.reason, b.name));
    } else if (o.kind == worker::Outcome::kTimedOut) {
      r = lp::MeasureResult::failure("timeout", fmt::format("{} while running {}", o.reason, b.name));
    } else if (o.reply.status != 0) {
      r = lp::MeasureResult::failure("run", fmt::format("run failed: {}", o.reply.message));
    } else if (std::optional<std::string> diff =
                   expected ? compare_outputs(b.args, o.reply.outputs, expected->buffers, options_.rtol, options_.atol)
                            : std::nullopt) {
      r = lp::MeasureResult::failure("wrong_result", fmt::format("wrong result: {}", *diff));
    } else {
      r.times_s = std::move(o.reply.samples_s);
      r.number = o.reply.number;
    }
    r.build_s = b.build_s;
    r.run_s = seconds_since(start);
    return r;
  }

  RunnerOptions options_;
  /// The runner table's own cpu / features keys (empty: the target's).
  std::string configured_cpu_, configured_features_;
  worker::WorkerClient client_;
  std::map<CacheKey, std::shared_ptr<ReferenceOutputs>> cache_;
  std::mutex mutex_;
};

}  // namespace
}  // namespace loom::cpu

LOOM_DEFINE_PLUGIN("loom.cpu", "1.0") {
  registry.add_runner<loom::cpu::CpuRunner>(
      "loom.cpu", "1.0",
      "Builds candidates with the LLVM code generator and times them in a worker process (crash- and hang-safe), "
      "optionally checking their outputs");
}
