// loom/runner/export_files.h: what every runner's export_func (`loom export`) needs to write its
// files: the check of the symbol's name and a file written whole or an error naming it.
#pragma once

#include <string>

namespace loom::runner {

/// Whether `s` is a C identifier (letters, digits and '_', not starting with a digit): what an
/// exported kernel's symbol must be.
bool is_c_identifier(const std::string& s);

/// Throws plugin::Error (LOOM_ERROR_ARGUMENT) "'S' is not a C identifier, so it cannot name the
/// kernel's symbol" unless is_c_identifier(s).
void check_c_identifier(const std::string& s);

/// Writes `bytes` to `path`; throws plugin::Error (LOOM_ERROR_ARGUMENT) naming the path when it
/// cannot.
void write_file(const std::string& path, const std::string& bytes);

}  // namespace loom::runner
