// The CPU export: object file + C header (export.h).
#include "export.h"

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include "fmt/format.h"
#include "loom/runner/export_files.h"

namespace loom::cpu {
namespace {

namespace lp = loom::plugin;
namespace pir = loom::plugin::ir;
using runner::write_file;

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

/// Buffers (by their views' identity) that are stored, loaded, and loaded where their
/// initial contents may matter. A load counts as covered when it is in the body of a block
/// whose init stores the buffer (a reduction's accumulator: the init overwrites the initial
/// contents first); a buffer that is stored and has uncovered loads is "read and written".
struct AccessAnalysis {
  std::set<const void*> stored, loaded, loaded_uncovered;

  void run(const pir::Node& node, std::multiset<const void*>& initialized) {
    pir::walk(node, [&](const pir::Node& n) {
      if (auto store = n.as<pir::BufferStore>()) {
        stored.insert(store->buffer().raw().ptr);
      } else if (auto load = n.as<pir::BufferLoad>()) {
        const void* b = load->buffer().raw().ptr;
        loaded.insert(b);
        if (!initialized.count(b)) loaded_uncovered.insert(b);
      } else if (auto block = n.as<pir::Block>()) {
        std::multiset<const void*> inner = initialized;
        if (!block->init().is_null()) {
          run(block->init(), initialized);
          pir::walk(block->init(), [&](const pir::Node& m) {
            if (auto s = m.as<pir::BufferStore>()) inner.insert(s->buffer().raw().ptr);
            return true;
          });
        }
        run(block->body(), inner);
        return false;  // its children are done
      }
      return true;
    });
  }
};

/// The C type of one element of `t` in memory (the code generator's storage layout).
std::string c_element_type(pir::DataType t) {
  if (t.is_bool()) return "uint8_t";
  if (t.bits == 16 && (t.code == LOOM_DTYPE_FLOAT || t.code == LOOM_DTYPE_BFLOAT)) return "uint16_t";
  if (t.is_float()) return t.bits == 64 ? "double" : "float";
  if (t.is_int()) return fmt::format("int{}_t", t.bits);
  if (t.is_uint()) return fmt::format("uint{}_t", t.bits);
  throw lp::Error(fmt::format("export: no C type for dtype {}", t.to_string()), LOOM_ERROR_ARGUMENT);
}

/// The C type of a scalar parameter passed by value to the typed entry.
std::string c_scalar_type(pir::DataType t) {
  if (t.is_bool()) return "LOOM_BOOL";
  if (t.bits == 16 && (t.code == LOOM_DTYPE_FLOAT || t.code == LOOM_DTYPE_BFLOAT))
    return "float";  // passed as float32, rounded inside
  if (t.is_handle()) return "void*";
  return c_element_type(t);
}

std::string shape_text(const pir::Buffer& b) {
  std::string dims;
  for (pir::Expr e : b.shape()) dims += (dims.empty() ? "" : ", ") + e.script();
  return fmt::format("{}[{}]", b.dtype().to_string(), dims);
}

/// Throws Error when a parameter buffer has a non-constant shape or strides.
void check_constant_shapes(const pir::PrimFunc& func) {
  for (pir::Var p : func.params()) {
    pir::Buffer b = func.buffer_of(p);
    if (b.is_null()) continue;
    bool constant = true;
    for (pir::Expr d : b.shape()) constant = constant && pir::const_int(d).has_value();
    for (pir::Expr s : b.strides()) constant = constant && pir::const_int(s).has_value();
    if (!constant) {
      throw lp::Error(fmt::format("buffer parameter {} of {} has a symbolic shape {}; an exported kernel needs "
                                  "constant shapes (bind them in the kernel, e.g. `loom print gmm --set M=512`)",
                                  b.name(), func.name(), shape_text(b)),
                      LOOM_ERROR_ARGUMENT);
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

std::string make_header(const pir::PrimFunc& func, const ObjectCode& code, const std::string& origin,
                        const std::string& object_file) {
  AccessAnalysis access;
  std::multiset<const void*> initialized;
  access.run(func.body(), initialized);
  std::string guard = "LOOM_EXPORT_" + code.name + "_H_";
  for (char& c : guard) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string h;
  h += fmt::format("/* {}.h: the kernel {}{}. Generated: do not edit.\n", code.name, func.name(),
                   origin.empty() ? "" : " exported by " + origin);
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
  std::vector<pir::Var> params;
  for (pir::Var p : func.params()) {
    params.push_back(p);
    has_bool_scalar |= func.buffer_of(p).is_null() && p.dtype().is_bool();
  }
  if (has_bool_scalar) {
    h += "#ifndef LOOM_BOOL\n#ifdef __cplusplus\n#define LOOM_BOOL bool\n#else\n#define LOOM_BOOL "
         "_Bool\n#endif\n#endif\n\n";
  }
  h += fmt::format("/* {}: one call computes the whole kernel. */\nvoid {}(", func.name(), code.name);
  if (params.empty()) h += "void";
  for (size_t i = 0; i < params.size(); ++i) {
    const pir::Var& p = params[i];
    pir::Buffer b = func.buffer_of(p);
    std::string decl, comment;
    if (!b.is_null()) {
      const void* id = b.raw().ptr;
      Access a = Access::kNone;
      if (access.stored.count(id))
        a = access.loaded_uncovered.count(id) ? Access::kReadWritten : Access::kWritten;
      else if (access.loaded.count(id))
        a = Access::kRead;
      decl = fmt::format("{}{}* {}", a == Access::kRead ? "const " : "", c_element_type(b.dtype()), p.name());
      comment = fmt::format("{}: {}, {}", b.name(), shape_text(b), access_name(a));
    } else {
      decl = fmt::format("{} {}", c_scalar_type(p.dtype()), p.name());
      comment = fmt::format("{}: {} scalar", p.name(), p.dtype().to_string());
    }
    h += fmt::format("\n    {}{} /* {} */", decl, i + 1 < params.size() ? "," : "", comment);
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

}  // namespace

plugin::ExportResult export_object(const pir::Func& func, const std::string& name, const std::string& symbol,
                                   const std::string& directory, const std::string& origin, CodegenOptions options) {
  const std::string entry = symbol.empty() ? name : symbol;
  runner::check_c_identifier(entry);
  pir::PrimFunc f = func.node();
  check_constant_shapes(f);
  pir::Func lowered = lp::lower(func);
  options.typed_entry = true;
  options.symbol = entry;
  ObjectCode code = compile_object(lowered.node(), options);
  std::string stem = directory.empty() ? name : directory + "/" + name;
  std::string object_path = stem + ".o", header_path = stem + ".h";
  write_file(object_path, code.object);
  write_file(header_path, make_header(f, code, origin, name + ".o"));
  plugin::ExportResult result;
  result.files = {object_path, header_path};
  result.notes.push_back(fmt::format("{} for {}{}", code.name, code.cpu,
                                     code.uses_parallel_runtime
                                         ? " (parallel: link with libloom_cpu_runtime.a -ltbb -lstdc++)"
                                         : " (serial: link with -lm)"));
  return result;
}

}  // namespace loom::cpu
