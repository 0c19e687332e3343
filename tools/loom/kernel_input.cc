// Reading kernels for the command line.
#include "kernel_input.h"

#include <fstream>
#include <iostream>
#include <sstream>

#include "fmt/format.h"
#include "loom/ir/error.h"
#include "loom/script/parser.h"

namespace loom::cli {

std::string read_text(const std::string& path) {
  std::ostringstream os;
  if (path == "-") {
    os << std::cin.rdbuf();
    return os.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError(fmt::format("cannot read '{}': no such file or not readable", path));
  os << in.rdbuf();
  return os.str();
}

ir::IRModule load_module(const std::string& path) {
  return script::parse_module(read_text(path), path == "-" ? "<stdin>" : path);
}

ir::PrimFunc select_function(const ir::IRModule& mod, const std::string& name) {
  if (!name.empty()) return mod.at(name);
  if (mod.size() == 1) return mod.functions().begin()->second;
  std::string names;
  for (const auto& [n, f] : mod.functions()) names += (names.empty() ? "" : ", ") + n;
  throw UserError(fmt::format("the module has {} functions ({}); choose one with --func", mod.size(), names));
}

}  // namespace loom::cli
