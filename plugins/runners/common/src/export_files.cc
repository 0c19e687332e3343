// Writing exported files (loom/runner/export_files.h).
#include "loom/runner/export_files.h"

#include <fstream>

#include "fmt/format.h"
#include "loom/plugin.hpp"

namespace loom::runner {

namespace lp = loom::plugin;

bool is_c_identifier(const std::string& s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

void check_c_identifier(const std::string& s) {
  if (!is_c_identifier(s))
    throw lp::Error(fmt::format("'{}' is not a C identifier, so it cannot name the kernel's symbol", s),
                    LOOM_ERROR_ARGUMENT);
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  if (!out)
    throw lp::Error(fmt::format("cannot write '{}': the directory does not exist or is not writable", path),
                    LOOM_ERROR_ARGUMENT);
  out << bytes;
  out.close();
  if (!out) throw lp::Error(fmt::format("cannot write '{}'", path), LOOM_ERROR_ARGUMENT);
}

}  // namespace loom::runner
