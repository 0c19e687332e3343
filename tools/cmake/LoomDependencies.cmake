# Finds every dependency named in DESIGN.md through its Debian package's CMake config or
# pkg-config. A missing one stops the configure step with the Debian package to install.
# tools/bootstrap installs all of them.

include(FindPkgConfig)

# loom_require(<found-var> <debian-package> <what>)
function(loom_require found pkg what)
  if(NOT ${found})
    message(FATAL_ERROR
      "loom: ${what} was not found. Install the Debian package '${pkg}' "
      "(tools/bootstrap installs every dependency).")
  endif()
endfunction()

# loom_find_c_library(<prefix> <library> <header> <target>): finds a library and its header
# directly (for packages whose CMake config is unusable), sets <prefix>_FOUND and defines an
# interface target.
function(loom_find_c_library prefix library header target)
  find_library(${prefix}_LIBRARY NAMES ${library})
  find_path(${prefix}_INCLUDE_DIR NAMES ${header})
  if(${prefix}_LIBRARY AND ${prefix}_INCLUDE_DIR)
    set(${prefix}_FOUND TRUE PARENT_SCOPE)
    add_library(${target} INTERFACE)
    target_link_libraries(${target} INTERFACE ${${prefix}_LIBRARY})
    target_include_directories(${target} INTERFACE ${${prefix}_INCLUDE_DIR})
  endif()
endfunction()

# LLVM 16 (code generation).
find_package(LLVM 16 CONFIG QUIET HINTS /usr/lib/llvm-16/lib/cmake/llvm)
loom_require(LLVM_FOUND llvm-16-dev "LLVM 16")

# oneTBB (the parallel tuning loop, the parallel runtime).
find_package(TBB CONFIG QUIET)
loom_require(TBB_FOUND libtbb-dev "oneTBB")

# TOML++ (configs).
find_package(tomlplusplus CONFIG QUIET)
loom_require(tomlplusplus_FOUND libtomlplusplus-dev "TOML++")

# Boost.DLL is header-only but needs Boost.Filesystem.
find_package(Boost 1.74 CONFIG QUIET COMPONENTS filesystem)
loom_require(Boost_FOUND "libboost-dev and libboost-filesystem-dev" "Boost (DLL, Filesystem)")
if(NOT EXISTS "${Boost_INCLUDE_DIRS}/boost/dll.hpp" AND NOT EXISTS "/usr/include/boost/dll.hpp")
  message(FATAL_ERROR "loom: Boost.DLL headers not found. Install the Debian package 'libboost-dev'.")
endif()

# XGBoost C API (cost model).
# Debian's XGBoost CMake config also requires the `xgboost` CLI binary, so find the C API
# library and header directly.
loom_find_c_library(xgboost xgboost xgboost/c_api.h loom_xgboost)
loom_require(xgboost_FOUND libxgboost-dev "XGBoost")

# SQLite (the tuning database).
pkg_check_modules(SQLITE3 QUIET IMPORTED_TARGET sqlite3)
loom_require(SQLITE3_FOUND libsqlite3-dev "SQLite 3")

# CLI11 (the command line).
find_package(CLI11 CONFIG QUIET)
loom_require(CLI11_FOUND libcli11-dev "CLI11")

# fmt and spdlog (formatting and logging).
find_package(fmt CONFIG QUIET)
loom_require(fmt_FOUND libfmt-dev "fmt")
find_package(spdlog CONFIG QUIET)
loom_require(spdlog_FOUND libspdlog-dev "spdlog")

# nlohmann-json (traces, database import/export).
find_package(nlohmann_json 3 CONFIG QUIET)
loom_require(nlohmann_json_FOUND nlohmann-json3-dev "nlohmann-json")

# GoogleTest (tests).
if(LOOM_BUILD_TESTS)
  find_package(GTest CONFIG QUIET)
  loom_require(GTest_FOUND "libgtest-dev and libgmock-dev" "GoogleTest")
endif()

# CUDA toolkit (NVRTC and the driver API header), at /usr/local/cuda. Optional: without it
# the CUDA code generator (plugins/runners/cuda) is not built and the rest is.
if(NOT DEFINED CUDAToolkit_ROOT AND EXISTS /usr/local/cuda)
  set(CUDAToolkit_ROOT /usr/local/cuda)
endif()
find_package(CUDAToolkit QUIET)
if(NOT CUDAToolkit_FOUND)
  set(CUDAToolkit_VERSION "not found")
endif()

# Benchmark baselines: oneDNN and OpenBLAS.
# Debian's oneDNN CMake config drags in OpenCL; only the CPU library and header are needed.
loom_find_c_library(dnnl dnnl oneapi/dnnl/dnnl.hpp loom_dnnl)
loom_require(dnnl_FOUND libdnnl-dev "oneDNN")
pkg_check_modules(OPENBLAS QUIET IMPORTED_TARGET openblas)
loom_require(OPENBLAS_FOUND libopenblas-dev "OpenBLAS")

message(STATUS "loom: LLVM ${LLVM_PACKAGE_VERSION}, TBB ${TBB_VERSION}, Boost ${Boost_VERSION}, "
               "CUDA ${CUDAToolkit_VERSION}")
