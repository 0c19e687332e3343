// loom export: a kernel (optionally scheduled) compiled by the CPU code generator into a
// relocatable object file NAME.o and a C header NAME.h that declares it, for programs that
// link the kernel without loom.
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "commands.h"
#include "fmt/format.h"
#include "kernel_input.h"
#include "loom/cpu/codegen.h"
#include "loom/host/host_api.h"
#include "loom/ir/builder.h"
#include "loom/ir/error.h"
#include "loom/ir/printer.h"
#include "loom/ir/visitor.h"
#include "loom/lower/lower.h"
#include "loom/plugin_ir.hpp"
#include "loom/sched/schedule.h"
#include "loom/sched/schedule_script.h"
#include "loom/workloads/zoo.h"

namespace loom::cli {

namespace {

struct ExportOptions {
  std::string kernel;
  std::string schedule;
  std::string out;
  std::string symbol;
  std::string func;
  std::string cpu;
  std::string features;
  std::vector<std::string> sets;
  int64_t seed = 0;
};

/// The kernel to export: the file `kernel` ("-" for standard input), or, when there is no such
/// file, the zoo workload of that name with the --set shape overrides.
ir::PrimFunc load_kernel(const ExportOptions& o) {
  if (o.kernel == "-" || std::filesystem::exists(o.kernel)) {
    if (!o.sets.empty()) throw UserError("loom export: --set applies to zoo workloads, not to kernel files");
    return select_function(load_module(o.kernel), o.func);
  }
  bool is_workload = false;
  for (const workloads::WorkloadInfo& w : workloads::workloads()) is_workload = is_workload || w.name == o.kernel;
  if (!is_workload) {
    throw UserError(fmt::format(
        "loom export: '{}' is neither a kernel file nor a zoo workload (`loom print --list` shows the zoo)", o.kernel));
  }
  std::map<std::string, int64_t> overrides;
  for (const std::string& set : o.sets) {
    const size_t eq = set.find('=');
    int64_t value = 0;
    const char* end = set.data() + set.size();
    if (eq == std::string::npos || eq == 0 || std::from_chars(set.data() + eq + 1, end, value).ptr != end ||
        eq + 1 == set.size()) {
      throw UserError(fmt::format("loom export: --set '{}': expected KEY=INTEGER, e.g. --set M=512", set));
    }
    overrides[set.substr(0, eq)] = value;
  }
  return workloads::make_workload(o.kernel, overrides);
}

bool is_c_identifier(const std::string& s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

/// How the kernel uses a buffer parameter, for the header's comments.
enum class Access { kNone, kRead, kWritten, kReadWritten };

const char* access_name(Access a) {
  switch (a) {
    case Access::kRead:
      return "read";
    case Access::kWritten:
      return "written";
    case Access::kReadWritten:
      return "read and written";
    case Access::kNone:
      break;
  }
  return "not accessed";
}

/// The access of every parameter buffer. A buffer that is stored and loaded counts as only
/// written when each of its loads is in the body of a block whose init stores to it (the
/// reduction's accumulator: the init overwrites the initial contents before any load). Else
/// it is "read and written": its initial contents may matter (they do unless, say, a
/// decomposed init block overwrites them first, which this does not look for).
class AccessAnalysis : public ir::IRVisitor {
 public:
  std::set<const ir::BufferNode*> stored, loaded_uncovered, loaded;

 protected:
  using ir::IRVisitor::visit;
  void visit(const ir::BufferStoreNode* op) override {
    stored.insert(op->buffer.get());
    ir::IRVisitor::visit(op);
  }
  void visit(const ir::BufferLoadNode* op) override {
    loaded.insert(op->buffer.get());
    if (!initialized_.count(op->buffer.get())) loaded_uncovered.insert(op->buffer.get());
    ir::IRVisitor::visit(op);
  }
  void visit(const ir::BlockNode* op) override {
    std::set<const ir::BufferNode*> init_stores;
    if (op->init.defined()) {
      ir::post_order_visit(op->init, [&](const ir::Object* n) {
        if (n->kind() == ir::NodeKind::BufferStore)
          init_stores.insert(static_cast<const ir::BufferStoreNode*>(n)->buffer.get());
      });
    }
    std::multiset<const ir::BufferNode*> saved = initialized_;
    for (const ir::BufferNode* b : init_stores) initialized_.insert(b);
    ir::IRVisitor::visit(op);
    initialized_ = saved;
  }

 private:
  std::multiset<const ir::BufferNode*> initialized_;
};

/// The C type of one element of `t` in memory (the code generator's storage layout).
std::string c_element_type(ir::DataType t) {
  if (t.is_bool()) return "uint8_t";
  if (t.is_float16() || t.is_bfloat16()) return "uint16_t";
  if (t.is_float()) return t.bits() == 64 ? "double" : "float";
  if (t.is_int()) return fmt::format("int{}_t", t.bits());
  if (t.is_uint()) return fmt::format("uint{}_t", t.bits());
  throw UserError(fmt::format("loom export: no C type for dtype {}", t.to_string()));
}

/// The C type of a scalar parameter passed by value to the typed entry.
std::string c_scalar_type(ir::DataType t) {
  if (t.is_bool()) return "LOOM_BOOL";
  if (t.is_float16() || t.is_bfloat16()) return "float";  // passed as float32, rounded inside
  if (t.is_handle()) return "void*";
  return c_element_type(t);
}

std::string shape_text(const ir::Buffer& b) {
  std::string dims;
  for (const ir::Expr& e : b->shape) dims += (dims.empty() ? "" : ", ") + ir::to_string(e);
  return fmt::format("{}[{}]", b->dtype.to_string(), dims);
}

/// Throws UserError when a parameter buffer has a non-constant shape or strides.
void check_constant_shapes(const ir::PrimFunc& func) {
  for (const ir::Buffer& b : func->param_buffers()) {
    bool constant = true;
    for (const ir::Expr& d : b->shape) constant = constant && ir::as_const_int(d).has_value();
    for (const ir::Expr& s : b->strides) constant = constant && ir::as_const_int(s).has_value();
    if (!constant) {
      throw UserError(fmt::format(
          "loom export: buffer parameter {} of {} has a symbolic shape {}; an exported kernel needs constant shapes "
          "(bind them in the kernel, e.g. `loom print gmm --set M=512`)",
          b->name, func->name, shape_text(b)));
    }
  }
}

/// The enabled features of an LLVM feature string ("+avx2,-avx512f,..." -> "avx2 ...").
std::string enabled_features(const std::string& features) {
  std::string out;
  std::stringstream in(features);
  for (std::string f; std::getline(in, f, ',');) {
    if (f.size() > 1 && f[0] == '+') out += (out.empty() ? "" : " ") + f.substr(1);
  }
  return out;
}

/// `text` wrapped at `width` columns, each line prefixed with `prefix`.
std::string wrap(const std::string& text, const std::string& prefix, size_t width = 96) {
  std::string out, line;
  std::stringstream in(text);
  for (std::string word; in >> word;) {
    if (!line.empty() && prefix.size() + line.size() + 1 + word.size() > width) {
      out += prefix + line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty()) out += prefix + line + "\n";
  return out;
}

std::string make_header(const ir::PrimFunc& func, const cpu::ObjectCode& code, const ExportOptions& o,
                        const std::string& object_file) {
  AccessAnalysis access;
  access.visit_stmt(func->body);
  const std::string guard = [&] {
    std::string g = "LOOM_EXPORT_" + code.name + "_H_";
    for (char& c : g) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return g;
  }();
  std::string h;
  h += fmt::format("/* {}.h: the kernel {} exported by `loom export {}{}`. Generated: do not edit.\n", code.name,
                   func->name, o.kernel, o.schedule.empty() ? "" : " " + o.schedule);
  h += " *\n";
  h += fmt::format(" * Built for the CPU {} with the features:\n", code.cpu);
  h += wrap(enabled_features(code.features), " *   ");
  h += " * It runs on that CPU and newer ones with the same features (an illegal instruction otherwise).\n *\n";
  if (code.uses_parallel_runtime) {
    h += fmt::format(
        " * The kernel has parallel loops: link {} with the loom CPU runtime (libloom_cpu_runtime.a,\n"
        " * which defines loom_parallel_for) and oneTBB:  cc main.c {} libloom_cpu_runtime.a -ltbb -lstdc++ -lm\n",
        object_file, object_file);
  } else {
    h += fmt::format(" * Link {} with the math library:  cc main.c {} -lm\n", object_file, object_file);
  }
  h += " *\n";
  h += " * Buffers are contiguous row-major arrays, aligned to their element size; they must not overlap.\n";
  h += " * bool elements are one byte (0 or 1), float16 / bfloat16 elements their 16-bit patterns.\n */\n";
  h += fmt::format("#ifndef {0}\n#define {0}\n\n#include <stdint.h>\n\n", guard);
  h += "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  bool has_bool_scalar = false;
  for (const ir::Var& p : func->params) has_bool_scalar |= !func->buffer_of(p).defined() && p.dtype().is_bool();
  if (has_bool_scalar) {
    h += "#ifndef LOOM_BOOL\n#ifdef __cplusplus\n#define LOOM_BOOL bool\n#else\n#define LOOM_BOOL "
         "_Bool\n#endif\n#endif\n\n";
  }
  h += fmt::format("/* {}: one call computes the whole kernel. */\nvoid {}(", func->name, code.name);
  if (func->params.empty()) h += "void";
  for (size_t i = 0; i < func->params.size(); ++i) {
    const ir::Var& p = func->params[i];
    ir::Buffer b = func->buffer_of(p);
    std::string decl, comment;
    if (b.defined()) {
      Access a = Access::kNone;
      const bool stored = access.stored.count(b.get()) != 0;
      const bool loaded = access.loaded.count(b.get()) != 0;
      if (stored)
        a = access.loaded_uncovered.count(b.get()) ? Access::kReadWritten : Access::kWritten;
      else if (loaded)
        a = Access::kRead;
      decl = fmt::format("{}{}* {}", a == Access::kRead ? "const " : "", c_element_type(b->dtype), p.name());
      comment = fmt::format("{}: {}, {}", b->name, shape_text(b), access_name(a));
    } else {
      decl = fmt::format("{} {}", c_scalar_type(p.dtype()), p.name());
      comment = fmt::format("{}: {} scalar", p.name(), p.dtype().to_string());
    }
    h += fmt::format("\n    {}{} /* {} */", decl, i + 1 < func->params.size() ? "," : "", comment);
  }
  h += ");\n\n";
  h += fmt::format(
      "/* The packed entry of {0}: args[i] points to parameter i (a buffer's first element, or a\n"
      " * scalar's value in its dtype's storage). */\nvoid {1}(void** args);\n\n",
      code.name, code.packed_name);
  h += "#ifdef __cplusplus\n}  /* extern \"C\" */\n#endif\n\n";
  h += fmt::format("#endif /* {} */\n", guard);
  return h;
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  if (!out)
    throw UserError(
        fmt::format("loom export: cannot write '{}': the directory does not exist or is not writable", path));
  out << bytes;
  out.close();
  if (!out) throw UserError(fmt::format("loom export: cannot write '{}'", path));
}

void run_export(const ExportOptions& o) {
  if (o.kernel == "-" && o.schedule == "-")
    throw UserError("loom export: the kernel and the schedule cannot both be '-'");
  std::filesystem::path out(o.out);
  const std::string symbol = o.symbol.empty() ? out.filename().string() : o.symbol;
  if (!is_c_identifier(symbol)) {
    throw UserError(fmt::format(
        "loom export: '{}' is not a C identifier: the kernel's symbol is the file name of -o (or --symbol)", symbol));
  }
  ir::PrimFunc func = load_kernel(o);
  if (!o.schedule.empty()) {
    sched::Schedule sch(func, o.seed, sched::DebugMode::Verify);
    sched::apply_schedule_script(sch, read_text(o.schedule), o.schedule == "-" ? "<stdin>" : o.schedule);
    func = sch.mod().at(sch.default_func());
  }
  check_constant_shapes(func);
  ir::PrimFunc lowered = lower::lower(func);
  lowered = ir::PrimFunc::make(symbol, lowered->params, lowered->buffer_map, lowered->body, lowered->attrs);

  plugin::set_host(host::host_api());
  plugin::ir::Func handle(host::func_handle(lowered));
  cpu::CodegenOptions options;
  options.cpu = o.cpu;
  options.features = o.features;
  options.typed_entry = true;
  cpu::ObjectCode code;
  try {
    code = cpu::compile_object(handle.node(), options);
  } catch (const cpu::CodegenError& e) {
    throw UserError(fmt::format("loom export: cannot compile {}: {}", func->name, e.what()));
  }
  const std::string object_path = o.out + ".o", header_path = o.out + ".h";
  write_file(object_path, code.object);
  write_file(header_path, make_header(func, code, o, out.filename().string() + ".o"));
  fmt::print("wrote {} and {}: {} for {}{}\n", object_path, header_path, code.name, code.cpu,
             code.uses_parallel_runtime ? " (parallel: link with libloom_cpu_runtime.a -ltbb -lstdc++)" : "");
}

}  // namespace

void add_export_command(CLI::App& app, ExitCode& exit_code) {
  auto opts = std::make_shared<ExportOptions>();
  auto* cmd = app.add_subcommand(
      "export",
      "Compile a kernel (scheduled by a schedule script when one is given) for the CPU into an object file NAME.o "
      "and a C header NAME.h declaring `void NAME(float* A, ...)`, for programs that link it without loom.");
  cmd->add_option("kernel", opts->kernel,
                  "Kernel file (TVMScript), - for standard input, or a zoo workload name (e.g. gmm)")
      ->required();
  cmd->add_option("--set", opts->sets, "Shape parameter of a zoo workload: --set M=512 (repeatable)")->type_name("K=V");
  cmd->add_option("schedule", opts->schedule, "Schedule script (.py) to apply first");
  cmd->add_option("-o,--output", opts->out, "Output name: writes NAME.o and NAME.h; the symbol is NAME's file name")
      ->required()
      ->type_name("NAME");
  cmd->add_option("--symbol", opts->symbol, "The kernel's C symbol instead of NAME's file name");
  cmd->add_option("--func", opts->func, "Function to export when the kernel module has several");
  cmd->add_option("--cpu", opts->cpu, "Target CPU (LLVM name, e.g. znver3, x86-64-v3); the host's by default");
  cmd->add_option("--features", opts->features, "Target features (\"+avx2,+fma,-avx512f\"); the CPU's by default");
  cmd->add_option("--seed", opts->seed, "Seed of sampling instructions in the schedule that carry no decision=")
      ->capture_default_str();
  cmd->callback([opts, &exit_code] {
    run_export(*opts);
    exit_code.value = 0;
  });
}

}  // namespace loom::cli
