// The CPU the code generator compiles for (target.h).
#include "target.h"

#include <llvm/ADT/StringMap.h>
#include <llvm/MC/SubtargetFeature.h>
#include <llvm/Support/Host.h>
#include <llvm/Support/TargetSelect.h>

#include <mutex>
#include <utility>

#include "errors.h"
#include "loom/cpu/cpu_target.h"

namespace loom::cpu {

void init_llvm() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
  });
}

llvm::orc::JITTargetMachineBuilder target_builder(const CodegenOptions& options, std::string* cpu_out) {
  auto detected = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!detected) fail("cannot detect the host target: " + llvm_error_text(detected.takeError()));
  llvm::orc::JITTargetMachineBuilder jtmb = std::move(*detected);
  std::string cpu = options.cpu.empty() ? host_cpu_name() : options.cpu;
  jtmb.setCPU(cpu);
  llvm::SubtargetFeatures features;
  if (options.features.empty()) {
    llvm::StringMap<bool> host;
    if (llvm::sys::getHostCPUFeatures(host)) {
      for (auto& f : host) features.AddFeature(f.first(), f.second);
    }
  } else {
    features.addFeaturesVector({});
    for (llvm::StringRef f : llvm::split(options.features, ',')) {
      if (!f.empty()) features.AddFeature(f);
    }
  }
  jtmb.getFeatures() = features;
  jtmb.setCodeGenOptLevel(options.opt_level >= 3   ? llvm::CodeGenOpt::Aggressive
                          : options.opt_level == 0 ? llvm::CodeGenOpt::None
                                                   : llvm::CodeGenOpt::Default);
  // Position-independent, so that an exported object links into PIE executables (the
  // default of Debian's cc) without text relocations.
  jtmb.setRelocationModel(llvm::Reloc::PIC_);
  if (cpu_out != nullptr) *cpu_out = cpu;
  return jtmb;
}

}  // namespace loom::cpu
