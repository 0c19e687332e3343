// TOML++ documents to ConfigValue trees.
#include "toml_reader.h"

#include <toml++/toml.h>

#include <algorithm>
#include <utility>

#include "fmt/format.h"

namespace loom::config::detail {

namespace {

SourcePos position(const toml::source_region& region, const std::string& path) {
  return SourcePos{path, static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
}

ConfigValue convert(const toml::node& node, const std::string& path,
                    std::vector<std::pair<SourcePos, std::string>>& errors);

ConfigValue convert_table(const toml::table& table, const std::string& path,
                          std::vector<std::pair<SourcePos, std::string>>& errors) {
  std::vector<ConfigEntry> entries;
  for (auto&& [key, value] : table) {
    SourcePos key_pos = position(key.source(), path);
    // Keys of implicitly created tables (`[a.b]`) may lack a position; use the value's.
    if (!key_pos.known()) key_pos = position(value.source(), path);
    if (value.is_date() || value.is_time() || value.is_date_time()) {
      errors.emplace_back(key_pos,
                          fmt::format("key '{}': dates and times are not supported in loom configs", key.str()));
      continue;
    }
    entries.push_back(ConfigEntry{std::string(key.str()), key_pos, convert(value, path, errors)});
  }
  // TOML++ keeps keys sorted; the config keeps them in file order.
  std::stable_sort(entries.begin(), entries.end(), [](const ConfigEntry& a, const ConfigEntry& b) {
    return std::make_pair(a.key_pos.line, a.key_pos.column) < std::make_pair(b.key_pos.line, b.key_pos.column);
  });
  return ConfigValue::table(std::move(entries), position(table.source(), path));
}

ConfigValue convert(const toml::node& node, const std::string& path,
                    std::vector<std::pair<SourcePos, std::string>>& errors) {
  SourcePos pos = position(node.source(), path);
  switch (node.type()) {
    case toml::node_type::table:
      return convert_table(*node.as_table(), path, errors);
    case toml::node_type::array: {
      std::vector<ConfigValue> items;
      for (const toml::node& item : *node.as_array()) {
        if (item.is_date() || item.is_time() || item.is_date_time()) {
          errors.emplace_back(position(item.source(), path), "dates and times are not supported in loom configs");
          continue;
        }
        items.push_back(convert(item, path, errors));
      }
      return ConfigValue::array(std::move(items), pos);
    }
    case toml::node_type::string:
      return ConfigValue::string(std::string(node.as_string()->get()), pos);
    case toml::node_type::integer:
      return ConfigValue::integer(node.as_integer()->get(), pos);
    case toml::node_type::floating_point:
      return ConfigValue::floating(node.as_floating_point()->get(), pos);
    case toml::node_type::boolean:
      return ConfigValue::boolean(node.as_boolean()->get(), pos);
    default:
      LOOM_ICHECK(false, "unexpected TOML node type");
  }
  return {};
}

}  // namespace

ConfigValue read_toml(std::string_view text, const std::string& path,
                      std::vector<std::pair<SourcePos, std::string>>& errors) {
  toml::table table;
  try {
    table = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    SourcePos pos = position(e.source(), path);
    throw ConfigError({fmt::format("{}: TOML syntax error: {}", pos.to_string(), e.description())});
  }
  return convert_table(table, path, errors);
}

}  // namespace loom::config::detail
