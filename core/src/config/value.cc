// Config values: construction, TOML writing, and the did-you-mean helper of config errors.
#include "loom/config/value.h"

#include <algorithm>
#include <cmath>

#include "fmt/format.h"

namespace loom::config {

std::string SourcePos::to_string() const {
  if (line <= 0) return file;
  return fmt::format("{}:{}:{}", file, line, column);
}

namespace {
std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += (out.empty() ? "" : "\n") + l;
  return out;
}
}  // namespace

ConfigError::ConfigError(std::vector<std::string> messages)
    : loom::UserError(join_lines(messages)), messages_(std::move(messages)) {}

ConfigValue ConfigValue::integer(int64_t v, SourcePos pos) {
  ConfigValue out;
  out.type_ = Type::Integer;
  out.int_ = v;
  out.pos_ = std::move(pos);
  return out;
}

ConfigValue ConfigValue::floating(double v, SourcePos pos) {
  ConfigValue out;
  out.type_ = Type::Float;
  out.float_ = v;
  out.pos_ = std::move(pos);
  return out;
}

ConfigValue ConfigValue::boolean(bool v, SourcePos pos) {
  ConfigValue out;
  out.type_ = Type::Boolean;
  out.bool_ = v;
  out.pos_ = std::move(pos);
  return out;
}

ConfigValue ConfigValue::string(std::string v, SourcePos pos) {
  ConfigValue out;
  out.type_ = Type::String;
  out.string_ = std::move(v);
  out.pos_ = std::move(pos);
  return out;
}

ConfigValue ConfigValue::array(std::vector<ConfigValue> items, SourcePos pos) {
  ConfigValue out;
  out.type_ = Type::Array;
  out.array_ = std::make_shared<const std::vector<ConfigValue>>(std::move(items));
  out.pos_ = std::move(pos);
  return out;
}

ConfigValue ConfigValue::table(std::vector<ConfigEntry> entries, SourcePos pos) {
  ConfigValue out;
  out.type_ = Type::Table;
  out.table_ = std::make_shared<const std::vector<ConfigEntry>>(std::move(entries));
  out.pos_ = std::move(pos);
  return out;
}

std::string ConfigValue::type_name(Type type) {
  switch (type) {
    case Type::Integer:
      return "an integer";
    case Type::Float:
      return "a float";
    case Type::Boolean:
      return "a boolean";
    case Type::String:
      return "a string";
    case Type::Array:
      return "an array";
    case Type::Table:
      return "a table";
  }
  return "?";
}

std::string ConfigValue::type_name() const { return type_name(type_); }

int64_t ConfigValue::as_integer() const {
  LOOM_ICHECK(is_integer(), "ConfigValue::as_integer on " + type_name());
  return int_;
}

double ConfigValue::as_float() const {
  LOOM_ICHECK(is_number(), "ConfigValue::as_float on " + type_name());
  return is_integer() ? static_cast<double>(int_) : float_;
}

bool ConfigValue::as_boolean() const {
  LOOM_ICHECK(is_boolean(), "ConfigValue::as_boolean on " + type_name());
  return bool_;
}

const std::string& ConfigValue::as_string() const {
  LOOM_ICHECK(is_string(), "ConfigValue::as_string on " + type_name());
  return string_;
}

const std::vector<ConfigValue>& ConfigValue::as_array() const {
  LOOM_ICHECK(is_array(), "ConfigValue::as_array on " + type_name());
  return *array_;
}

const std::vector<ConfigEntry>& ConfigValue::as_table() const {
  LOOM_ICHECK(is_table(), "ConfigValue::as_table on " + type_name());
  static const std::vector<ConfigEntry> empty;
  return table_ ? *table_ : empty;
}

const ConfigEntry* ConfigValue::find(const std::string& key) const {
  for (const ConfigEntry& e : as_table()) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

namespace {
std::string toml_float(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  // The shortest text that reads back as the same double; TOML needs a '.' or an exponent.
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}
}  // namespace

std::string ConfigValue::to_toml() const {
  switch (type_) {
    case Type::Integer:
      return std::to_string(int_);
    case Type::Float:
      return toml_float(float_);
    case Type::Boolean:
      return bool_ ? "true" : "false";
    case Type::String:
      return toml_string(string_);
    case Type::Array: {
      std::string out = "[";
      for (size_t i = 0; i < array_->size(); ++i) out += (i ? ", " : "") + (*array_)[i].to_toml();
      return out + "]";
    }
    case Type::Table: {
      const std::vector<ConfigEntry>& entries = as_table();
      if (entries.empty()) return "{}";
      std::string out = "{ ";
      for (size_t i = 0; i < entries.size(); ++i) {
        out += (i ? ", " : "") + toml_key(entries[i].key) + " = " + entries[i].value.to_toml();
      }
      return out + " }";
    }
  }
  return "";
}

std::string toml_key(const std::string& key) {
  bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
  return bare ? key : toml_string(key);
}

std::string toml_string(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\u{:04X}", static_cast<unsigned>(c));
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

namespace {
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t subst = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}
}  // namespace

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = std::max<size_t>(1, word.size() / 3) + 1;
  for (const std::string& c : candidates) {
    size_t d = edit_distance(word, c);
    if (d < best_distance && d < word.size()) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

}  // namespace loom::config
