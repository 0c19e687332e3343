// DataType spelling: printing and parsing the TVMScript names.
#include "loom/ir/dtype.h"

#include <charconv>

namespace loom::ir {

std::string DataType::to_string() const {
  std::string base;
  switch (code_) {
    case Code::Int:
      base = "int" + std::to_string(bits_);
      break;
    case Code::UInt:
      base = "uint" + std::to_string(bits_);
      break;
    case Code::Float:
      base = "float" + std::to_string(bits_);
      break;
    case Code::BFloat:
      base = "bfloat" + std::to_string(bits_);
      break;
    case Code::Bool:
      base = "bool";
      break;
    case Code::Handle:
      return "handle";
    case Code::Void:
      return "void";
  }
  if (lanes_ > 1) base += "x" + std::to_string(lanes_);
  return base;
}

namespace {

std::optional<int> parse_positive(std::string_view text) {
  if (text.empty()) return std::nullopt;
  int value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value <= 0) return std::nullopt;
  return value;
}

}  // namespace

std::optional<DataType> DataType::parse(std::string_view text) {
  if (text == "handle") return Handle();
  if (text == "void") return Void();
  int lanes = 1;
  if (size_t x = text.find('x'); x != std::string_view::npos) {
    auto parsed = parse_positive(text.substr(x + 1));
    if (!parsed || *parsed > 1024) return std::nullopt;
    lanes = *parsed;
    text = text.substr(0, x);
  }
  if (text == "bool") return Bool(lanes);
  struct Prefix {
    std::string_view name;
    Code code;
  };
  // "uint" before "int" so the longer prefix wins.
  for (const Prefix& p : {Prefix{"uint", Code::UInt}, Prefix{"int", Code::Int}, Prefix{"float", Code::Float},
                          Prefix{"bfloat", Code::BFloat}}) {
    if (text.substr(0, p.name.size()) != p.name) continue;
    auto bits = parse_positive(text.substr(p.name.size()));
    if (!bits) return std::nullopt;
    bool ok = false;
    switch (p.code) {
      case Code::Int:
      case Code::UInt:
        ok = *bits == 8 || *bits == 16 || *bits == 32 || *bits == 64;
        break;
      case Code::Float:
        ok = *bits == 16 || *bits == 32 || *bits == 64;
        break;
      case Code::BFloat:
        ok = *bits == 16;
        break;
      default:
        break;
    }
    if (!ok) return std::nullopt;
    return DataType(p.code, *bits, lanes);
  }
  return std::nullopt;
}

}  // namespace loom::ir
