// Reading the shared [runner] keys (loom/runner/measure_options.h).
#include "loom/runner/measure_options.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include "fmt/format.h"

namespace loom::runner {

namespace lp = loom::plugin;

void OptionReader::fail(const std::string& message) const {
  throw lp::Error(fmt::format("{}: {}", runner_, message), LOOM_ERROR_CONFIG);
}

int64_t OptionReader::int_at_least(const char* key, int64_t default_value, int64_t min) const {
  int64_t v = config_.get_int(key, default_value);
  if (v < min) fail(fmt::format("{} = {} is out of range: must be >= {}", key, v, min));
  if (v > std::numeric_limits<int32_t>::max()) fail(fmt::format("{} = {} is too large", key, v));
  return v;
}

double OptionReader::float_at_least(const char* key, double default_value, double min, bool strict) const {
  double v = config_.get_float(key, default_value);
  if (std::isnan(v) || (strict ? v <= min : v < min))
    fail(fmt::format("{} = {} is out of range: must be {} {}", key, v, strict ? ">" : ">=", min));
  return v;
}

MeasureOptions OptionReader::measure_options(const MeasureOptions& defaults) const {
  MeasureOptions o = defaults;
  o.timing.number = static_cast<int32_t>(int_at_least("number", defaults.timing.number, 1));
  o.timing.repeat = static_cast<int32_t>(int_at_least("repeat", defaults.timing.repeat, 1));
  o.timing.min_repeat_ms = float_at_least("min_repeat_ms", defaults.timing.min_repeat_ms, 0, false);
  o.timing.warmup = static_cast<int32_t>(int_at_least("warmup", defaults.timing.warmup, 0));
  o.timing.cooldown_ms = float_at_least("cooldown_ms", defaults.timing.cooldown_ms, 0, false);
  o.timing.flush_cache = config_.get_bool("flush_cache", defaults.timing.flush_cache);
  o.timeout_s = float_at_least("timeout_s", defaults.timeout_s, 0, true);
  std::string check = config_.get_string("check", "none");
  if (check == "none") {
    o.check = Check::kNone;
  } else if (check == "interpreter") {
    o.check = Check::kInterpreter;
  } else if (check == "compiled") {
    o.check = Check::kCompiled;
  } else {
    fail(fmt::format("check = \"{}\": must be \"none\", \"interpreter\" or \"compiled\"", check));
  }
  o.rtol = float_at_least("rtol", defaults.rtol, 0, false);
  o.atol = float_at_least("atol", defaults.atol, 0, false);
  o.seed = static_cast<uint64_t>(int_at_least("seed", 0, 0));
  std::string fault = config_.get_string("debug_fault", "none");
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
    fail(fmt::format("debug_fault = \"{}\": must be \"none\", \"segv\", \"abort\", \"fpe\" or \"hang\"", fault));
  }
  o.debug_fault_func = config_.get_string("debug_fault_func", "");
  return o;
}

std::string OptionReader::worker(const char* key, const std::string& name, const void* anchor) const {
  std::string path = config_.get_string(key, "");
  if (!path.empty()) {
    if (::access(path.c_str(), X_OK) != 0) fail(fmt::format("{} = \"{}\": no such executable", key, path));
    return path;
  }
  Dl_info info{};
  if (dladdr(anchor, &info) == 0 || info.dli_fname == nullptr)
    fail(fmt::format("cannot find the plugin's own folder to locate {}; set the key '{}'", name, key));
  path = (std::filesystem::path(info.dli_fname).parent_path() / name).string();
  if (::access(path.c_str(), X_OK) != 0)
    fail(fmt::format("the worker executable {} is missing or not executable; set the key '{}'", path, key));
  return path;
}

}  // namespace loom::runner
