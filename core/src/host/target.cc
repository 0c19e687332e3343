// Targets and their C views (loom/host/target.h).
#include "loom/host/target.h"

#include "abi.h"
#include "fmt/format.h"

namespace loom::host {

std::string Target::describe() const {
  std::string s = kind;
  if (kind == "llvm") {
    if (!cpu.empty() && cpu != "host") s += " -mcpu=" + cpu;
    if (!features.empty()) s += " -mattr=" + features;
    if (num_cores > 0) s += fmt::format(" -num-cores={}", num_cores);
  } else if (kind == "cuda") {
    if (!arch.empty()) s += " -arch=" + arch;
  }
  return s;
}

Target requested_target(const config::TargetConfig& config) {
  Target t;
  t.kind = config.kind;
  if (config.kind == "llvm") {
    t.cpu = config.cpu;
    t.features = config.features;
    t.num_cores = static_cast<int>(config.num_cores);
  } else {
    t.arch = config.arch;
    t.device = static_cast<int>(config.device);
  }
  t.description = t.describe();
  return t;
}

loom_target to_c(const Target& t) {
  using detail::make_str;
  loom_target c{};
  c.struct_size = LOOM_TARGET_STRUCT_SIZE;
  c.kind = make_str(t.kind);
  c.description = make_str(t.description);
  c.cpu = make_str(t.cpu);
  c.features = make_str(t.features);
  c.num_cores = t.num_cores;
  c.vector_bits = t.vector_bits;
  c.num_vector_registers = t.num_vector_registers;
  c.cache_line_bytes = t.cache_line_bytes;
  c.l1d_bytes = t.l1d_bytes;
  c.l2_bytes = t.l2_bytes;
  c.l3_bytes = t.l3_bytes;
  c.arch = make_str(t.arch);
  c.device = t.device;
  c.max_threads_per_block = t.max_threads_per_block;
  c.max_shared_memory_per_block = t.max_shared_memory_per_block;
  c.warp_size = t.warp_size;
  c.max_registers_per_thread = t.max_registers_per_thread;
  c.multiprocessor_count = t.multiprocessor_count;
  return c;
}

Target from_c(const loom_target& in) {
  using detail::to_string;
  loom_target c{};
  c.struct_size = LOOM_TARGET_STRUCT_SIZE;
  detail::copy_known_fields(&c, in);
  Target t;
  t.kind = to_string(c.kind);
  t.description = to_string(c.description);
  t.cpu = to_string(c.cpu);
  t.features = to_string(c.features);
  t.num_cores = c.num_cores;
  t.vector_bits = c.vector_bits;
  t.num_vector_registers = c.num_vector_registers;
  t.cache_line_bytes = c.cache_line_bytes;
  t.l1d_bytes = c.l1d_bytes;
  t.l2_bytes = c.l2_bytes;
  t.l3_bytes = c.l3_bytes;
  t.arch = to_string(c.arch);
  t.device = c.device;
  t.max_threads_per_block = c.max_threads_per_block;
  t.max_shared_memory_per_block = c.max_shared_memory_per_block;
  t.warp_size = c.warp_size;
  t.max_registers_per_thread = c.max_registers_per_thread;
  t.multiprocessor_count = c.multiprocessor_count;
  if (t.description.empty()) t.description = t.describe();
  return t;
}

}  // namespace loom::host
