// Reading kernels for the command line: a TVMScript file, or standard input as "-".
#pragma once

#include <string>

#include "loom/ir/function.h"

namespace loom::cli {

/// The text of `path`, or of standard input when path is "-". Throws UserError when the file
/// cannot be read.
std::string read_text(const std::string& path);

/// Parses the kernel file `path` ("-" for standard input) as an IRModule.
ir::IRModule load_module(const std::string& path);

/// The function to work on: the one named `name`, or the only one when name is empty
/// (UserError listing the functions when there are several and none was named).
ir::PrimFunc select_function(const ir::IRModule& mod, const std::string& name);

}  // namespace loom::cli
