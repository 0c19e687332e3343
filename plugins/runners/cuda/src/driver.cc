// The lazily opened CUDA driver (driver.h).
#include "driver.h"

#include <dlfcn.h>

#include <cstdlib>

#include "fmt/format.h"

namespace loom::cuda {

Driver::~Driver() {
  // The driver stays mapped: a context may still be live in this process, and libcuda
  // does not support being unloaded under it.
}

std::string Driver::open() {
  const char* env = std::getenv("LOOM_CUDA_DRIVER");
  std::string path = env != nullptr && *env != '\0' ? env : "libcuda.so.1";
  library_ = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library_ == nullptr) {
    const char* why = ::dlerror();
    return fmt::format("no CUDA device: {} not found (dlopen: {})", path, why != nullptr ? why : "unknown error");
  }
  using GetProcAddress = CUresult (*)(const char*, void**, int, cuuint64_t, CUdriverProcAddressQueryResult*);
  auto get = reinterpret_cast<GetProcAddress>(::dlsym(library_, "cuGetProcAddress_v2"));
  if (get == nullptr)
    return fmt::format("no CUDA device: {} has no cuGetProcAddress_v2 (a driver older than CUDA 12)", path);
  std::string missing;
  auto lookup = [&](const char* name, void** out) {
    CUdriverProcAddressQueryResult status{};
    CUresult r = get(name, out, CUDA_VERSION, CU_GET_PROC_ADDRESS_DEFAULT, &status);
    if (r != CUDA_SUCCESS || *out == nullptr || status != CU_GET_PROC_ADDRESS_SUCCESS) {
      *out = nullptr;
      if (missing.empty()) missing = name;
    }
  };
#define LOOM_CUDA_DRIVER_LOOKUP(name) lookup(#name, reinterpret_cast<void**>(&name));
  LOOM_CUDA_DRIVER_FUNCTIONS(LOOM_CUDA_DRIVER_LOOKUP)
#undef LOOM_CUDA_DRIVER_LOOKUP
  if (!missing.empty())
    return fmt::format("no CUDA device: the driver {} has no {} for CUDA {}.{} (is it older than the toolkit?)", path,
                       missing, CUDA_VERSION / 1000, CUDA_VERSION % 1000 / 10);
  CUresult r = cuInit(0);
  if (r != CUDA_SUCCESS) return fmt::format("no CUDA device: cuInit returned {}", describe(r));
  int count = 0;
  r = cuDeviceGetCount(&count);
  if (r != CUDA_SUCCESS) return fmt::format("no CUDA device: cuDeviceGetCount returned {}", describe(r));
  if (count == 0) return "no CUDA device: the driver sees no device";
  return "";
}

const std::string& Driver::load() {
  std::call_once(once_, [this] { error_ = open(); });
  return error_;
}

std::string Driver::describe(CUresult r) const {
  const char* name = nullptr;
  const char* text = nullptr;
  if (cuGetErrorName != nullptr) cuGetErrorName(r, &name);
  if (cuGetErrorString != nullptr) cuGetErrorString(r, &text);
  std::string out = name != nullptr ? name : fmt::format("CUDA error {}", static_cast<int>(r));
  if (text != nullptr) out += fmt::format(" ({})", text);
  return out;
}

void Driver::check(CUresult r, const char* call) const {
  if (r != CUDA_SUCCESS) throw DriverError(fmt::format("{} returned {}", call, describe(r)), r);
}

DeviceInfo Driver::device_info(int ordinal) {
  if (!available()) throw DriverError(load(), CUDA_ERROR_NO_DEVICE);
  int count = 0;
  check(cuDeviceGetCount(&count), "cuDeviceGetCount");
  if (ordinal < 0 || ordinal >= count)
    throw DriverError(
        fmt::format("no CUDA device: device {} does not exist ({} device{})", ordinal, count, count == 1 ? "" : "s"),
        CUDA_ERROR_INVALID_DEVICE);
  CUdevice dev = 0;
  check(cuDeviceGet(&dev, ordinal), "cuDeviceGet");
  DeviceInfo info;
  char name[256] = {};
  check(cuDeviceGetName(name, sizeof(name) - 1, dev), "cuDeviceGetName");
  info.name = name;
  auto attribute = [&](CUdevice_attribute a) {
    int v = 0;
    check(cuDeviceGetAttribute(&v, a, dev), "cuDeviceGetAttribute");
    return v;
  };
  info.major = attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
  info.minor = attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
  info.max_threads_per_block = attribute(CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK);
  info.max_shared_memory_per_block = attribute(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK);
  info.max_registers_per_block = attribute(CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK);
  info.warp_size = attribute(CU_DEVICE_ATTRIBUTE_WARP_SIZE);
  info.multiprocessor_count = attribute(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
  info.l2_bytes = attribute(CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE);
  return info;
}

}  // namespace loom::cuda
