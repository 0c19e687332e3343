// CUDA C++ to CUBIN with NVRTC (loom/cuda/nvrtc.h), and the parser of ptxas' resource report.
#include "loom/cuda/nvrtc.h"

#include <nvrtc.h>

#include <cstdlib>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#ifndef LOOM_CUDA_TOOLKIT_DIR
#error "LOOM_CUDA_TOOLKIT_DIR must name the CUDA toolkit found at configure time"
#endif

namespace loom::cuda {

namespace {

void check(nvrtcResult result, const char* what) {
  if (result != NVRTC_SUCCESS) {
    throw std::runtime_error(std::string("NVRTC ") + what + " failed: " + nvrtcGetErrorString(result));
  }
}

// Lines "SOURCE(LINE): error ..." of the log, each followed by that line of the source.
std::string error_lines(const std::string& log, const std::string& source) {
  std::vector<std::string> lines;
  std::istringstream in(source);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  static const std::regex kError(R"(\((\d+)\): (error|catastrophic error))");
  std::string out;
  std::istringstream log_in(log);
  for (std::string l; std::getline(log_in, l);) {
    std::smatch m;
    if (!std::regex_search(l, m, kError)) continue;
    const size_t n = std::stoul(m[1].str());
    if (n >= 1 && n <= lines.size()) out += "  line " + std::to_string(n) + ": " + lines[n - 1] + "\n";
  }
  return out;
}

int64_t number(const std::smatch& m, size_t i) { return m[i].matched ? std::stoll(m[i].str()) : 0; }

}  // namespace

std::string cuda_toolkit_dir() {
  for (const char* var : {"CUDA_HOME", "CUDA_PATH"}) {
    const char* value = std::getenv(var);
    if (value != nullptr && *value != '\0') return value;
  }
  return LOOM_CUDA_TOOLKIT_DIR;
}

const CudaResourceUsage& CudaBinary::resources_of(const std::string& kernel) const {
  for (const CudaResourceUsage& r : resources) {
    if (r.kernel == kernel) return r;
  }
  throw std::out_of_range("the ptxas report has no kernel " + kernel);
}

std::vector<CudaResourceUsage> parse_ptxas_report(const std::string& log) {
  static const std::regex kEntry(R"(Compiling entry function '([^']+)')");
  static const std::regex kProperties(R"(Function properties for (\S+))");
  static const std::regex kFrame(R"((\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads)");
  static const std::regex kUsed(R"(Used (\d+) registers)");
  static const std::regex kShared(R"((\d+) bytes smem)");
  static const std::regex kConstant(R"((\d+) bytes cmem\[\d+\])");
  std::vector<CudaResourceUsage> out;
  // The entry the last "Compiling entry function" named, and the function the last
  // "Function properties for" named (a device function's own frame is not the entry's).
  std::string properties_of;
  std::istringstream in(log);
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    if (std::regex_search(l, m, kEntry)) {
      out.push_back(CudaResourceUsage{});
      out.back().kernel = m[1].str();
      properties_of.clear();
      continue;
    }
    if (std::regex_search(l, m, kProperties)) {
      properties_of = m[1].str();
      continue;
    }
    if (std::regex_search(l, m, kFrame)) {
      for (CudaResourceUsage& r : out) {
        if (r.kernel != properties_of) continue;
        r.local_bytes = number(m, 1);
        r.spill_stores_bytes = number(m, 2);
        r.spill_loads_bytes = number(m, 3);
      }
      continue;
    }
    if (out.empty() || !std::regex_search(l, m, kUsed)) continue;
    CudaResourceUsage& r = out.back();
    r.registers = static_cast<int>(number(m, 1));
    if (std::regex_search(l, m, kShared)) r.shared_bytes = number(m, 1);
    for (auto it = std::sregex_iterator(l.begin(), l.end(), kConstant); it != std::sregex_iterator(); ++it) {
      r.constant_bytes += std::stoll((*it)[1].str());
    }
  }
  return out;
}

CudaBinary compile_cuda(const std::string& source, const std::string& arch, const CudaCompileOptions& options) {
  if (arch == "auto") {
    throw std::invalid_argument(
        "compile_cuda: arch \"auto\" names the device's own architecture, which the CUDA runner resolves before "
        "compiling; pass an explicit one such as sm_90");
  }
  static const std::regex kArch(R"(sm_\d+[af]?)");
  if (!std::regex_match(arch, kArch)) {
    throw std::invalid_argument("compile_cuda: arch \"" + arch + "\" is not a GPU architecture such as sm_90");
  }
  const std::string toolkit = cuda_toolkit_dir();
  std::vector<std::string> opts = {"--gpu-architecture=" + arch, "-std=c++17", "--ptxas-options=-v",
                                   "--include-path=" + toolkit + "/include",
                                   "--include-path=" + toolkit + "/include/cccl"};
  if (!options.fmad) opts.push_back("--fmad=false");
  std::vector<const char*> argv;
  for (const std::string& o : opts) argv.push_back(o.c_str());

  nvrtcProgram program = nullptr;
  check(nvrtcCreateProgram(&program, source.c_str(), "loom_kernel.cu", 0, nullptr, nullptr), "nvrtcCreateProgram");
  struct Release {
    nvrtcProgram* p;
    ~Release() { nvrtcDestroyProgram(p); }
  } release{&program};
  const nvrtcResult compiled = nvrtcCompileProgram(program, static_cast<int>(argv.size()), argv.data());
  size_t log_size = 0;
  check(nvrtcGetProgramLogSize(program, &log_size), "nvrtcGetProgramLogSize");
  std::string log(log_size, '\0');
  if (log_size > 0) check(nvrtcGetProgramLog(program, log.data()), "nvrtcGetProgramLog");
  while (!log.empty() && log.back() == '\0') log.pop_back();
  if (compiled != NVRTC_SUCCESS) {
    std::string message = std::string("NVRTC could not compile the CUDA source for ") + arch + " (" +
                          nvrtcGetErrorString(compiled) + "):\n" + log;
    const std::string lines = error_lines(log, source);
    if (!lines.empty()) message += "\nat:\n" + lines;
    throw CudaCompileError(message, log);
  }
  CudaBinary out;
  out.arch = arch;
  size_t size = 0;
  check(nvrtcGetCUBINSize(program, &size), "nvrtcGetCUBINSize");
  out.cubin.resize(size);
  if (size > 0) check(nvrtcGetCUBIN(program, out.cubin.data()), "nvrtcGetCUBIN");
  out.log = std::move(log);
  out.resources = parse_ptxas_report(out.log);
  return out;
}

}  // namespace loom::cuda
