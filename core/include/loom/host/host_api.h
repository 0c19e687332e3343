// The host side of the plugin C ABI: the function table handed to plugins.
#pragma once

#include "loom/plugin.h"

namespace loom::host {

/// The host's function table (loom/plugin.h), filled with every function this version of
/// loom provides. Static: valid for the life of the process.
const loom_host_api* host_api();

}  // namespace loom::host
