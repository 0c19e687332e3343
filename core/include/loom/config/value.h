// Config values as read from a TOML file, independent of the TOML library: a typed tree
// (integer, float, boolean, string, array, table) where every value and every table key
// remembers where it was written (file:line:column), and the error type of config files.
// Component tables (loom/config/component.h) are handed to plugins in this form.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "loom/ir/error.h"

namespace loom::config {

/// Where something was written in a config file. Lines and columns are 1-based; a
/// default-constructed position (line 0) means "not written in the file" (a default).
struct SourcePos {
  std::string file;
  int line = 0;
  int column = 0;

  /// "file:line:column", or "file" when the line is unknown.
  std::string to_string() const;
  /// Whether the position points into the file.
  bool known() const { return line > 0; }
};

/// A bad config: one or more messages, each starting with file:line:column. `what()` is the
/// messages joined by newlines.
class ConfigError : public loom::UserError {
 public:
  explicit ConfigError(std::vector<std::string> messages);
  /// One message per problem found, in file order (at most ~20; the last one says how many
  /// more were left out).
  const std::vector<std::string>& messages() const { return messages_; }

 private:
  std::vector<std::string> messages_;
};

struct ConfigEntry;

/// One TOML value. Dates and times are not supported (the reader reports them as errors).
class ConfigValue {
 public:
  enum class Type { Integer, Float, Boolean, String, Array, Table };

  ConfigValue() = default;
  static ConfigValue integer(int64_t v, SourcePos pos = {});
  static ConfigValue floating(double v, SourcePos pos = {});
  static ConfigValue boolean(bool v, SourcePos pos = {});
  static ConfigValue string(std::string v, SourcePos pos = {});
  static ConfigValue array(std::vector<ConfigValue> items, SourcePos pos = {});
  static ConfigValue table(std::vector<ConfigEntry> entries, SourcePos pos = {});

  Type type() const { return type_; }
  /// "an integer", "a float", "a boolean", "a string", "an array", "a table".
  std::string type_name() const;
  static std::string type_name(Type type);
  /// Where the value was written.
  const SourcePos& pos() const { return pos_; }

  bool is_integer() const { return type_ == Type::Integer; }
  bool is_float() const { return type_ == Type::Float; }
  /// Integers and floats.
  bool is_number() const { return is_integer() || is_float(); }
  bool is_boolean() const { return type_ == Type::Boolean; }
  bool is_string() const { return type_ == Type::String; }
  bool is_array() const { return type_ == Type::Array; }
  bool is_table() const { return type_ == Type::Table; }

  /// The payload; requires the matching type (an internal error otherwise). as_float()
  /// also accepts an integer.
  int64_t as_integer() const;
  double as_float() const;
  bool as_boolean() const;
  const std::string& as_string() const;
  const std::vector<ConfigValue>& as_array() const;
  const std::vector<ConfigEntry>& as_table() const;

  /// The entry called `key` of a table, or null.
  const ConfigEntry* find(const std::string& key) const;

  /// The value as TOML source: inline arrays and inline tables, strings quoted and escaped,
  /// floats written so they read back as floats and as the same number.
  std::string to_toml() const;

 private:
  Type type_ = Type::Table;
  SourcePos pos_;
  int64_t int_ = 0;
  double float_ = 0;
  bool bool_ = false;
  std::string string_;
  std::shared_ptr<const std::vector<ConfigValue>> array_;
  std::shared_ptr<const std::vector<ConfigEntry>> table_;
};

/// A key of a table with its value, in the order written.
struct ConfigEntry {
  std::string key;
  /// Where the key was written.
  SourcePos key_pos;
  ConfigValue value;
};

/// `key` quoted as TOML needs it: bare when it is made of A-Za-z0-9_- only, else a basic
/// string.
std::string toml_key(const std::string& key);

/// `text` as a TOML basic string, quoted and escaped.
std::string toml_string(const std::string& text);

/// The candidate closest to `word` by edit distance when it is close enough to be a likely
/// typo (at most a third of the word's length, and at least 1), else an empty string.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace loom::config
