// The host side of the plugin C ABI: the function table handed to plugins.
#pragma once

#include "loom/ir/function.h"
#include "loom/plugin.h"

namespace loom::host {

/// The host's function table (loom/plugin.h), filled with every function this version of
/// loom provides. Static: valid for the life of the process.
const loom_host_api* host_api();

/// An owned ABI handle of `func`, for host-side code that drives plugin-side code in process
/// (the code generator in `loom export` and `loom bench`): wrap it in
/// loom::plugin::ir::Func, which frees it.
loom_func* func_handle(ir::PrimFunc func);

}  // namespace loom::host
