// Reading TOML text into a ConfigValue tree (the only file of the config module that sees
// TOML++).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "loom/config/value.h"

namespace loom::config::detail {

/// The document as a table, each value and key with its position (file = `path`). Throws
/// ConfigError with TOML++'s position and description on a syntax error. Dates and times
/// are reported in `errors` (position, message) and left out.
ConfigValue read_toml(std::string_view text, const std::string& path,
                      std::vector<std::pair<SourcePos, std::string>>& errors);

}  // namespace loom::config::detail
