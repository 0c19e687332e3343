// The CPU the code generator compiles for: LLVM's native target initialised once, the host
// CPU's name (with a fallback for CPUs newer than LLVM 16 knows), and the target machine
// builder for CodegenOptions' CPU, features and optimisation level.
#pragma once

#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>

#include <string>

#include "loom/cpu/codegen.h"
#include "loom/cpu/cpu_target.h"  // host_cpu_name

namespace loom::cpu {

/// Initialises LLVM's native target, asm printer and parser (once per process; thread-safe).
void init_llvm();

/// The host's JIT target machine builder with options.cpu / options.features (the host's
/// when empty), the code generation level of options.opt_level, position-independent code.
/// Sets *cpu_out (when not null) to the CPU chosen. Throws CodegenError when the host target
/// cannot be detected.
llvm::orc::JITTargetMachineBuilder target_builder(const CodegenOptions& options, std::string* cpu_out);

}  // namespace loom::cpu
