// The CUDA driver, opened lazily: libcuda.so.1 (or the library the environment variable
// LOOM_CUDA_DRIVER names) is dlopen'ed on first use and every entry point is looked up with
// cuGetProcAddress for the API version of the toolkit loom was built with; cuda.h gives the
// types only, loom never links libcuda. So the plugin loads on any machine, and where there is
// no driver or no device every use says so ("no CUDA device: libcuda.so.1 not found (dlopen:
// ...)", "no CUDA device: cuInit returned CUDA_ERROR_NO_DEVICE (no CUDA-capable device is
// detected)").
#pragma once

#include <cuda.h>

#include <mutex>
#include <stdexcept>
#include <string>

namespace loom::cuda {

/// A driver call that failed; the message names the call and the CUDA error.
class DriverError : public std::runtime_error {
 public:
  DriverError(const std::string& message, CUresult code) : std::runtime_error(message), code_(code) {}
  CUresult code() const { return code_; }

 private:
  CUresult code_;
};

/// What the runner asks of a device (cuDeviceGetAttribute).
struct DeviceInfo {
  std::string name;
  int major = 0, minor = 0;
  int max_threads_per_block = 0;
  int max_shared_memory_per_block = 0;
  int max_registers_per_block = 0;
  int warp_size = 0;
  int multiprocessor_count = 0;
  int64_t l2_bytes = 0;

  /// "sm_90".
  std::string arch() const { return "sm_" + std::to_string(major) + std::to_string(minor); }
};

// The entry points, each looked up by its name.
#define LOOM_CUDA_DRIVER_FUNCTIONS(X)                                                                           \
  X(cuInit)                                                                                                     \
  X(cuGetErrorName)                                                                                             \
  X(cuGetErrorString)                                                                                           \
  X(cuDeviceGetCount) X(cuDeviceGet) X(cuDeviceGetAttribute) X(cuDeviceGetName) X(cuDevicePrimaryCtxRetain)     \
      X(cuDevicePrimaryCtxRelease) X(cuCtxSetCurrent) X(cuCtxSynchronize) X(cuModuleLoadData) X(cuModuleUnload) \
          X(cuModuleGetFunction) X(cuLaunchKernel) X(cuMemAlloc) X(cuMemFree) X(cuMemcpyHtoD) X(cuMemcpyDtoH)   \
              X(cuMemsetD8) X(cuEventCreate) X(cuEventDestroy) X(cuEventRecord) X(cuEventSynchronize)           \
                  X(cuEventElapsedTime)

class Driver {
 public:
  Driver() = default;
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;
  ~Driver();

  /// Opens the driver and calls cuInit(0) the first time; "" when it works, else why not
  /// ("no CUDA device: ..."). Thread-safe.
  const std::string& load();
  bool available() { return load().empty(); }

  /// Throws DriverError "what: cuXxx returned CUDA_ERROR_... (its description)" unless `r`
  /// is CUDA_SUCCESS.
  void check(CUresult r, const char* call) const;
  /// "CUDA_ERROR_... (description)".
  std::string describe(CUresult r) const;

  /// The attributes of device `ordinal`; throws DriverError ("no CUDA device: ..." when the
  /// driver is not there or the ordinal is out of range).
  DeviceInfo device_info(int ordinal);

#define LOOM_CUDA_DRIVER_MEMBER(name) decltype(&::name) name = nullptr;
  LOOM_CUDA_DRIVER_FUNCTIONS(LOOM_CUDA_DRIVER_MEMBER)
#undef LOOM_CUDA_DRIVER_MEMBER

 private:
  std::string open();

  std::once_flag once_;
  std::string error_;
  void* library_ = nullptr;
};

}  // namespace loom::cuda
