// The CPU code generator's entry points (loom/cpu/codegen.h): a lowered function's views
// -> LLVM IR (the Emitter, emitter.h) -> verified -> optimised at the options' level for the
// target (target.h) -> an object file, loaded into an ORC LLJIT session (a Kernel) or handed
// out as bytes (`loom export`).
#include "loom/cpu/codegen.h"

#include <llvm/ExecutionEngine/Orc/Core.h>
#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/IR/DiagnosticInfo.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

#include <memory>
#include <string>
#include <utility>

#include "emitter.h"
#include "errors.h"
#include "loom/cpu/runtime.h"
#include "target.h"

namespace loom::cpu {

namespace {

// The symbol name of a function: its name with non-identifier characters replaced.
std::string symbol_name(std::string_view name) {
  std::string out = name.empty() ? std::string("loom_kernel") : std::string(name);
  for (char& c : out) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) c = '_';
  }
  return out;
}

std::unique_ptr<llvm::Module> generate(llvm::LLVMContext& ctx, const pir::PrimFunc& func, const std::string& name,
                                       const CodegenOptions& options, const llvm::DataLayout* layout,
                                       const std::string& triple) {
  auto mod = std::make_unique<llvm::Module>(name, ctx);
  if (layout != nullptr) mod->setDataLayout(*layout);
  if (!triple.empty()) mod->setTargetTriple(triple);
  Emitter emitter(ctx, *mod, options);
  try {
    emitter.emit_function(func, name);
  } catch (const plugin::Error& e) {
    throw CodegenError(std::string("reading the IR: ") + e.what());
  }
  std::string problems;
  llvm::raw_string_ostream os(problems);
  if (llvm::verifyModule(*mod, &os)) fail("internal error: invalid LLVM IR: " + os.str());
  return mod;
}

std::string module_text(const llvm::Module& mod) {
  std::string text;
  llvm::raw_string_ostream os(text);
  mod.print(os, nullptr);
  return os.str();
}

void optimize(llvm::Module& mod, llvm::TargetMachine* tm, int level) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = level >= 2;
  tuning.SLPVectorization = level >= 2;
  llvm::PassBuilder pb(tm, tuning);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::OptimizationLevel opt = level >= 3   ? llvm::OptimizationLevel::O3
                                : level == 2 ? llvm::OptimizationLevel::O2
                                : level == 1 ? llvm::OptimizationLevel::O1
                                             : llvm::OptimizationLevel::O0;
  llvm::ModulePassManager mpm = level == 0 ? pb.buildO0DefaultPipeline(opt) : pb.buildPerModuleDefaultPipeline(opt);
  mpm.run(mod, mam);
}

}  // namespace

struct Kernel::Impl {
  std::unique_ptr<llvm::orc::LLJIT> jit;
  PackedFunc entry = nullptr;
  std::string name;
  std::string ir;
  std::string optimized_ir;
  std::string cpu;
};

Kernel::Kernel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Kernel::Kernel(Kernel&&) noexcept = default;
Kernel& Kernel::operator=(Kernel&&) noexcept = default;
Kernel::~Kernel() = default;
PackedFunc Kernel::entry() const { return impl_->entry; }
const std::string& Kernel::name() const { return impl_->name; }
const std::string& Kernel::ir() const { return impl_->ir; }
const std::string& Kernel::optimized_ir() const { return impl_->optimized_ir; }
const std::string& Kernel::cpu() const { return impl_->cpu; }

std::string emit_llvm_ir(const pir::PrimFunc& func, const CodegenOptions& options) {
  init_llvm();
  llvm::LLVMContext ctx;
  std::string cpu;
  auto jtmb = target_builder(options, &cpu);
  auto layout = jtmb.getDefaultDataLayoutForTarget();
  if (!layout) fail("no data layout for the host: " + llvm_error_text(layout.takeError()));
  auto mod = generate(ctx, func, symbol_name(func.name()), options, &*layout, jtmb.getTargetTriple().str());
  return module_text(*mod);
}

namespace {

// The object file (or assembly) of an optimized module.
std::string emit_file(llvm::Module& mod, llvm::TargetMachine& tm, llvm::CodeGenFileType type) {
  llvm::SmallVector<char, 0> buffer;
  llvm::raw_svector_ostream os(buffer);
  llvm::legacy::PassManager pm;
  if (tm.addPassesToEmitFile(pm, os, nullptr, type)) fail("the target cannot emit this file type");
  pm.run(mod);
  return std::string(buffer.begin(), buffer.end());
}

bool calls_parallel_runtime(const llvm::Module& mod) {
  const llvm::Function* f = mod.getFunction("loom_parallel_for");
  return f != nullptr && !f->use_empty();
}

}  // namespace

ObjectCode compile_object(const pir::PrimFunc& func, const CodegenOptions& options) {
  init_llvm();
  ObjectCode code;
  code.name = symbol_name(options.symbol.empty() ? func.name() : std::string_view(options.symbol));
  code.packed_name = options.typed_entry ? code.name + "_packed" : code.name;
  auto jtmb = target_builder(options, &code.cpu);
  code.features = jtmb.getFeatures().getString();
  auto tm = jtmb.createTargetMachine();
  if (!tm) fail("cannot create the target machine: " + llvm_error_text(tm.takeError()));
  llvm::LLVMContext ctx;
  // Optimization remarks and warnings ("loop not unrolled") are not for the user's terminal.
  ctx.setDiagnosticHandlerCallBack([](const llvm::DiagnosticInfo&, void*) {}, nullptr);
  llvm::DataLayout layout = (*tm)->createDataLayout();
  auto mod = generate(ctx, func, code.name, options, &layout, (*tm)->getTargetTriple().str());
  code.ir = module_text(*mod);
  optimize(*mod, tm->get(), options.opt_level);
  code.optimized_ir = module_text(*mod);
  code.uses_parallel_runtime = calls_parallel_runtime(*mod);
  if (options.emit_assembly) code.assembly = emit_file(*mod, **tm, llvm::CGFT_AssemblyFile);
  code.object = emit_file(*mod, **tm, llvm::CGFT_ObjectFile);
  return code;
}

Kernel load_object(const ObjectCode& code) {
  init_llvm();
  auto impl = std::make_unique<Kernel::Impl>();
  impl->name = code.packed_name;
  impl->cpu = code.cpu;
  impl->ir = code.ir;
  impl->optimized_ir = code.optimized_ir;
  auto jit = llvm::orc::LLJITBuilder().create();
  if (!jit) fail("cannot create the JIT: " + llvm_error_text(jit.takeError()));
  impl->jit = std::move(*jit);
  auto generator =
      llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(impl->jit->getDataLayout().getGlobalPrefix());
  if (!generator) fail("cannot search the process's symbols: " + llvm_error_text(generator.takeError()));
  impl->jit->getMainJITDylib().addGenerator(std::move(*generator));
  // The runtime, by address (the executable need not export it).
  llvm::orc::SymbolMap runtime;
  runtime[impl->jit->mangleAndIntern("loom_parallel_for")] =
      llvm::JITEvaluatedSymbol(llvm::pointerToJITTargetAddress(&loom_parallel_for), llvm::JITSymbolFlags::Exported);
  if (auto err = impl->jit->getMainJITDylib().define(llvm::orc::absoluteSymbols(std::move(runtime)))) {
    fail("cannot define the runtime symbols: " + llvm_error_text(std::move(err)));
  }
  auto buffer = llvm::MemoryBuffer::getMemBufferCopy(code.object, code.name + ".o");
  if (auto err = impl->jit->addObjectFile(std::move(buffer))) {
    fail("cannot add the object file to the JIT: " + llvm_error_text(std::move(err)));
  }
  auto sym = impl->jit->lookup(impl->name);
  if (!sym) fail("cannot link " + impl->name + ": " + llvm_error_text(sym.takeError()));
  impl->entry = sym->toPtr<PackedFunc>();
  return Kernel(std::move(impl));
}

Kernel compile(const pir::PrimFunc& func, const CodegenOptions& options) {
  return load_object(compile_object(func, options));
}

}  // namespace loom::cpu
