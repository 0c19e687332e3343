// The CPU a kernel is built for and the properties of it that schedules care about: its
// LLVM name and features, the width and count of its SIMD registers, its caches and cores.
// The runner resolves a run's [target] request with it (loom_runner::resolve_target), so
// that every component plans for the CPU the run targets, not for whichever machine it
// happens to run on; measuring needs that CPU to be this machine's (check_runs_here).
#pragma once

#include <cstdint>
#include <string>

#include "loom/plugin.hpp"

namespace loom::cpu {

/// A resolved CPU target is an lp::Target of kind "llvm" with its cpu (the LLVM name,
/// "znver4"), features (every feature enabled, as LLVM spells them, sorted), num_cores,
/// vector_bits (the widest usable SIMD register: 512 with avx512f, 256 with avx, else 128),
/// num_vector_registers (32 with avx512f, else 16 on x86-64), cache_line_bytes and caches
/// (0 when unknown: a CPU other than the host's) filled; the description is the runner's.
using CpuTarget = loom::plugin::Target;

/// The host CPU's name for LLVM. LLVM 16 calls CPUs newer than it knows "generic" (AMD's
/// family 1Ah, Zen 5, for one), which drops the scheduling model; such a CPU gets the newest
/// model LLVM 16 has for its vendor and ISA level (the features still come from the host).
std::string host_cpu_name();

/// Resolves a request: `cpu` empty or "host" means the host's CPU; `features` empty means
/// the CPU's own (the host's detected features for the host, LLVM's defaults for a named
/// CPU), else LLVM feature toggles ("+avx2,-avx512f") applied over them; `num_cores` 0
/// means the host's hardware threads. Caches are the host's when the CPU is the host's.
/// Throws std::runtime_error for a CPU name or feature LLVM does not know.
CpuTarget resolve_cpu_target(const std::string& cpu, const std::string& features, int num_cores);

/// An empty string when code built for `target` runs on this machine; else why not (the
/// features it needs that the host lacks).
std::string check_runs_here(const CpuTarget& target);

}  // namespace loom::cpu
