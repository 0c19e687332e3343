// Resolving CPU targets with LLVM's subtarget tables and the host's CPUID (loom/cpu/cpu_target.h).
#include "loom/cpu/cpu_target.h"

#include <llvm/ADT/StringMap.h>
#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Support/Host.h>
#include <llvm/Support/TargetSelect.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace loom::cpu {
namespace {

void init_llvm_target() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
}

/// LLVM's view of `cpu` with `toggles` applied: the features it enables, and every feature
/// name the target knows.
struct Subtarget {
  std::set<std::string> enabled;
  std::set<std::string> known;
};
Subtarget subtarget(const std::string& cpu, const std::string& toggles) {
  init_llvm_target();
  std::string triple = llvm::sys::getProcessTriple();
  std::string error;
  const llvm::Target* target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (target == nullptr) throw std::runtime_error("LLVM has no target for " + triple + ": " + error);
  // Validate the CPU with no toggles first (LLVM warns on stderr about unknown names).
  std::unique_ptr<llvm::MCSubtargetInfo> plain(target->createMCSubtargetInfo(triple, "", ""));
  if (plain == nullptr || !plain->isCPUStringValid(cpu))
    throw std::runtime_error("LLVM 16 does not know the CPU '" + cpu + "' (see `llc -mcpu=help`)");
  // The ISA features: the ones LLVM detects on hosts of this architecture (LLVM 16's C++ API
  // does not list a target's features); any other name is known when toggling it changes
  // the subtarget.
  Subtarget out;
  llvm::StringMap<bool> host;
  if (llvm::sys::getHostCPUFeatures(host)) {
    for (auto& f : host) out.known.insert(f.first().str());
  }
  auto known = [&](const std::string& name) {
    if (out.known.count(name)) return true;
    std::unique_ptr<llvm::MCSubtargetInfo> on(target->createMCSubtargetInfo(triple, cpu, "+" + name));
    std::unique_ptr<llvm::MCSubtargetInfo> off(target->createMCSubtargetInfo(triple, cpu, "-" + name));
    if (on->getFeatureBits() == off->getFeatureBits()) return false;
    out.known.insert(name);
    return true;
  };
  std::string valid;
  for (size_t start = 0; start < toggles.size();) {
    size_t comma = toggles.find(',', start);
    std::string f = toggles.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    std::string name = !f.empty() && (f[0] == '+' || f[0] == '-') ? f.substr(1) : f;
    if (!name.empty() && known(name)) valid += (valid.empty() ? "" : ",") + f;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  std::unique_ptr<llvm::MCSubtargetInfo> info(target->createMCSubtargetInfo(triple, cpu, valid));
  for (auto& f : host) {
    std::string name = f.first().str();
    if (info->checkFeatures("+" + name)) out.enabled.insert(name);
  }
  return out;
}

/// The names in a comma-separated toggle list ("+avx2,-avx512f" -> avx2, avx512f).
std::vector<std::string> toggle_names(const std::string& toggles) {
  std::vector<std::string> out;
  for (size_t start = 0; start < toggles.size();) {
    size_t comma = toggles.find(',', start);
    std::string f = toggles.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!f.empty()) out.push_back(f[0] == '+' || f[0] == '-' ? f.substr(1) : f);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

int64_t sysconf_bytes(int name) {
  long v = ::sysconf(name);
  return v > 0 ? static_cast<int64_t>(v) : 0;
}

}  // namespace

std::string host_cpu_name() {
  std::string name = llvm::sys::getHostCPUName().str();
  if (name != "generic") return name;
  llvm::StringMap<bool> features;
  if (!llvm::sys::getHostCPUFeatures(features)) return name;
  auto has = [&](const char* f) { return features.lookup(f); };
  const bool amd = __builtin_cpu_is("amd");
  if (has("avx512f") && has("avx512bf16")) return amd ? "znver4" : "sapphirerapids";
  if (has("avx512f")) return amd ? "znver4" : "icelake-server";
  if (has("avx2") && has("fma")) return amd ? "znver3" : "haswell";
  return name;
}

CpuTarget resolve_cpu_target(const std::string& cpu, const std::string& features, int num_cores) {
  const bool host = cpu.empty() || cpu == "host";
  CpuTarget t;
  t.kind = "llvm";
  t.cpu = host ? host_cpu_name() : cpu;
  // The base features: the host's as detected, or the named CPU's in LLVM's tables; the
  // request's toggles on top.
  std::string base;
  if (host) {
    llvm::StringMap<bool> detected;
    if (llvm::sys::getHostCPUFeatures(detected)) {
      std::vector<std::string> on;
      for (auto& f : detected) on.push_back((f.second ? "+" : "-") + f.first().str());
      std::sort(on.begin(), on.end());
      for (const std::string& f : on) base += (base.empty() ? "" : ",") + f;
    }
  }
  std::string toggles = base;
  if (!features.empty()) toggles += (toggles.empty() ? "" : ",") + features;
  Subtarget sub = subtarget(t.cpu, toggles);
  // A feature LLVM does not know in the request is a typo, not something to ignore.
  for (const std::string& name : toggle_names(features)) {
    if (!sub.known.count(name))
      throw std::runtime_error("LLVM 16 does not know the CPU feature '" + name + "' (in features \"" + features +
                               "\")");
  }
  const std::set<std::string>& enabled = sub.enabled;
  for (const std::string& f : enabled) t.features += (t.features.empty() ? "+" : ",+") + f;
  const bool avx512 = enabled.count("avx512f") > 0;
  t.vector_bits = avx512 ? 512 : enabled.count("avx") ? 256 : 128;
  t.num_vector_registers = avx512 ? 32 : 16;
  t.cache_line_bytes = 64;
  unsigned threads = std::thread::hardware_concurrency();
  t.num_cores = num_cores > 0 ? num_cores : (threads == 0 ? 1 : static_cast<int>(threads));
  if (host) {
    t.l1d_bytes = sysconf_bytes(_SC_LEVEL1_DCACHE_SIZE);
    t.l2_bytes = sysconf_bytes(_SC_LEVEL2_CACHE_SIZE);
    t.l3_bytes = sysconf_bytes(_SC_LEVEL3_CACHE_SIZE);
    if (int64_t line = sysconf_bytes(_SC_LEVEL1_DCACHE_LINESIZE)) t.cache_line_bytes = static_cast<int>(line);
  }
  return t;
}

std::string check_runs_here(const CpuTarget& target) {
  llvm::StringMap<bool> detected;
  if (!llvm::sys::getHostCPUFeatures(detected)) return "";  // cannot tell: let the run decide
  // Only instruction-set extensions code generation uses; system features (xsaves, pku,
  // ...) are often hidden by hypervisors and never emitted by loom's kernels.
  auto is_isa = [](const std::string& f) {
    for (const char* p : {"avx", "sse", "fma", "f16c", "amx", "bmi", "vpclmul", "gfni", "vaes", "popcnt", "lzcnt"}) {
      if (f.rfind(p, 0) == 0) return true;
    }
    return false;
  };
  std::string missing;
  for (const std::string& name : toggle_names(target.features)) {
    if (!is_isa(name)) continue;
    auto it = detected.find(name);
    if (it != detected.end() && !it->second) missing += (missing.empty() ? "" : ", ") + name;
  }
  if (missing.empty()) return "";
  return "this machine's CPU (" + host_cpu_name() + ") lacks " + missing + ", which code for " + target.cpu + " uses";
}

}  // namespace loom::cpu
