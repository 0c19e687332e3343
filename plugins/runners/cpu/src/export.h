// `loom export` for the CPU (the runner's export_func): a scheduled function compiled into an
// object file NAME.o with a typed C entry and a C header NAME.h that documents each
// argument (dtype, shape, access), the CPU it was built for and what to link.
#pragma once

#include <string>
#include <vector>

#include "loom/cpu/codegen.h"
#include "loom/plugin.hpp"

namespace loom::cpu {

/// Lowers `func` through the host, compiles it with `options` (typed_entry on, the entry
/// named `symbol`, or `name` when empty) and writes `directory`/`name`.o and .h; returns
/// their paths, with a note on what to link. `origin` is a line
/// for the header saying where the kernel came from. Throws plugin::Error (status
/// LOOM_ERROR_ARGUMENT) for a function with symbolic parameter shapes, a name that is not a
/// C identifier, or a file that cannot be written, and CodegenError when it does not compile.
plugin::ExportResult export_object(const plugin::ir::Func& func, const std::string& name, const std::string& symbol,
                                   const std::string& directory, const std::string& origin, CodegenOptions options);

}  // namespace loom::cpu
