// The config table of one component (a schedule rule, postprocessor, mutator, cost model or
// runner): its name and the keys that belong to the component, typed and with their source
// positions. The config module does not know what keys a component takes; the component
// reads them with typed getters, and the plugin host reports the keys nobody read.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "loom/config/value.h"

namespace loom::config {

/// A component's table: `name = "vendor.component"` plus its own keys.
///
/// The getters return the key's value, or `default_value` when the key is absent. They
/// throw ConfigError when the key holds another type, naming the position of the value, the
/// component's section and name, and the expected and actual types, e.g.
///
///     run.toml:14:10: [[rule]] loom.auto_inline: key 'max_depth' must be an integer, got a string
///
/// Every getter call marks the key as read (even when absent or mistyped), so that after
/// the component has been created, unread_keys() lists the keys it does not know.
class ComponentConfig {
 public:
  ComponentConfig() = default;
  /// `section` is how errors name the table: "[[rule]]", "[cost_model]", ...
  ComponentConfig(std::string section, std::string name, SourcePos name_pos, std::vector<ConfigEntry> keys);

  /// "vendor.component".
  const std::string& name() const { return name_; }
  /// Where the name was written (unknown for a default component).
  const SourcePos& name_pos() const { return name_pos_; }
  /// "[[rule]]", "[[postproc]]", "[[mutator]]", "[cost_model]" or "[runner]".
  const std::string& section() const { return section_; }
  /// The component's own keys (everything but `name`, and `probability` for mutators), in
  /// file order.
  const std::vector<ConfigEntry>& keys() const { return keys_; }

  bool has(const std::string& key) const;
  /// The raw value, or null when absent; marks the key as read.
  const ConfigValue* get(const std::string& key) const;

  int64_t get_int(const std::string& key, int64_t default_value) const;
  /// Accepts integers too (converted).
  double get_float(const std::string& key, double default_value) const;
  bool get_bool(const std::string& key, bool default_value) const;
  std::string get_string(const std::string& key, const std::string& default_value) const;
  std::vector<int64_t> get_int_list(const std::string& key, const std::vector<int64_t>& default_value) const;
  /// Accepts integers in the list too (converted).
  std::vector<double> get_float_list(const std::string& key, const std::vector<double>& default_value) const;
  std::vector<std::string> get_string_list(const std::string& key, const std::vector<std::string>& default_value) const;

  /// The keys the getters were asked for so far (present in the table or not), sorted: after
  /// a component was created from this table, the keys the component knows.
  std::vector<std::string> read_keys() const { return {read_.begin(), read_.end()}; }
  /// The keys no getter asked for, with where they were written, in file order.
  std::vector<std::pair<std::string, SourcePos>> unread_keys() const;
  /// One message per unread key: "file:line:col: [[rule]] loom.auto_inline: unknown key
  /// 'x'", with "(did you mean 'y'?)" when one of the keys that were read is close.
  std::vector<std::string> unread_key_errors() const;

  /// The table as TOML key/value lines (`name` first), without a header.
  std::string to_toml() const;

 private:
  [[noreturn]] void type_error(const std::string& key, const ConfigValue& value, const std::string& expected) const;
  const ConfigValue* typed(const std::string& key, ConfigValue::Type type, bool allow_int) const;
  std::string prefix() const;

  std::string section_;
  std::string name_;
  SourcePos name_pos_;
  std::vector<ConfigEntry> keys_;
  mutable std::set<std::string> read_;
};

}  // namespace loom::config
