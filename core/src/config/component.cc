// Component config tables: typed getters that remember what was read.
#include "loom/config/component.h"

#include <functional>

#include "fmt/format.h"

namespace loom::config {

ComponentConfig::ComponentConfig(std::string section, std::string name, SourcePos name_pos,
                                 std::vector<ConfigEntry> keys)
    : section_(std::move(section)), name_(std::move(name)), name_pos_(std::move(name_pos)), keys_(std::move(keys)) {}

std::string ComponentConfig::prefix() const { return fmt::format("{} {}", section_, name_); }

bool ComponentConfig::has(const std::string& key) const {
  for (const ConfigEntry& e : keys_) {
    if (e.key == key) return true;
  }
  return false;
}

const ConfigValue* ComponentConfig::get(const std::string& key) const {
  read_.insert(key);
  for (const ConfigEntry& e : keys_) {
    if (e.key == key) return &e.value;
  }
  return nullptr;
}

void ComponentConfig::type_error(const std::string& key, const ConfigValue& value, const std::string& expected) const {
  throw ConfigError({fmt::format("{}: {}: key '{}' must be {}, got {}", value.pos().to_string(), prefix(), key,
                                 expected, value.type_name())});
}

const ConfigValue* ComponentConfig::typed(const std::string& key, ConfigValue::Type type, bool allow_int) const {
  const ConfigValue* v = get(key);
  if (!v) return nullptr;
  if (v->type() == type || (allow_int && v->is_integer())) return v;
  type_error(key, *v, ConfigValue::type_name(type));
}

int64_t ComponentConfig::get_int(const std::string& key, int64_t default_value) const {
  const ConfigValue* v = typed(key, ConfigValue::Type::Integer, false);
  return v ? v->as_integer() : default_value;
}

double ComponentConfig::get_float(const std::string& key, double default_value) const {
  const ConfigValue* v = typed(key, ConfigValue::Type::Float, true);
  return v ? v->as_float() : default_value;
}

bool ComponentConfig::get_bool(const std::string& key, bool default_value) const {
  const ConfigValue* v = typed(key, ConfigValue::Type::Boolean, false);
  return v ? v->as_boolean() : default_value;
}

std::string ComponentConfig::get_string(const std::string& key, const std::string& default_value) const {
  const ConfigValue* v = typed(key, ConfigValue::Type::String, false);
  return v ? v->as_string() : default_value;
}

namespace {
// The items of list `v`, each checked by `ok` and converted by `convert`.
template <typename T, typename Ok, typename Convert>
std::vector<T> list_of(const ConfigValue& v, Ok ok, Convert convert, const std::function<void()>& fail) {
  std::vector<T> out;
  for (const ConfigValue& item : v.as_array()) {
    if (!ok(item)) fail();
    out.push_back(convert(item));
  }
  return out;
}
}  // namespace

std::vector<int64_t> ComponentConfig::get_int_list(const std::string& key,
                                                   const std::vector<int64_t>& default_value) const {
  const ConfigValue* v = get(key);
  if (!v) return default_value;
  auto fail = [&] { type_error(key, *v, "an array of integers"); };
  if (!v->is_array()) fail();
  return list_of<int64_t>(
      *v, [](const ConfigValue& i) { return i.is_integer(); }, [](const ConfigValue& i) { return i.as_integer(); },
      fail);
}

std::vector<double> ComponentConfig::get_float_list(const std::string& key,
                                                    const std::vector<double>& default_value) const {
  const ConfigValue* v = get(key);
  if (!v) return default_value;
  auto fail = [&] { type_error(key, *v, "an array of numbers"); };
  if (!v->is_array()) fail();
  return list_of<double>(
      *v, [](const ConfigValue& i) { return i.is_number(); }, [](const ConfigValue& i) { return i.as_float(); }, fail);
}

std::vector<std::string> ComponentConfig::get_string_list(const std::string& key,
                                                          const std::vector<std::string>& default_value) const {
  const ConfigValue* v = get(key);
  if (!v) return default_value;
  auto fail = [&] { type_error(key, *v, "an array of strings"); };
  if (!v->is_array()) fail();
  return list_of<std::string>(
      *v, [](const ConfigValue& i) { return i.is_string(); }, [](const ConfigValue& i) { return i.as_string(); }, fail);
}

std::vector<std::pair<std::string, SourcePos>> ComponentConfig::unread_keys() const {
  std::vector<std::pair<std::string, SourcePos>> out;
  for (const ConfigEntry& e : keys_) {
    if (!read_.count(e.key)) out.emplace_back(e.key, e.key_pos);
  }
  return out;
}

std::vector<std::string> ComponentConfig::unread_key_errors() const {
  std::vector<std::string> known(read_.begin(), read_.end());
  std::vector<std::string> out;
  for (const auto& [key, pos] : unread_keys()) {
    std::string msg = fmt::format("{}: {}: unknown key '{}'", pos.to_string(), prefix(), key);
    std::string near = closest_match(key, known);
    if (!near.empty()) msg += fmt::format(" (did you mean '{}'?)", near);
    out.push_back(msg);
  }
  return out;
}

std::string ComponentConfig::to_toml() const {
  std::string out = fmt::format("name = {}\n", toml_string(name_));
  for (const ConfigEntry& e : keys_) out += fmt::format("{} = {}\n", toml_key(e.key), e.value.to_toml());
  return out;
}

}  // namespace loom::config
