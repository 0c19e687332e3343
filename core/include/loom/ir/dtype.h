// Data types of loom IR values: a scalar kind, a bit width and a vector lane count.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace loom::ir {

/// The data type of an expression or a buffer element.
///
/// `bool` is its own code (1 bit); `handle` is the type of an opaque pointer parameter
/// (`a: T.handle`). `lanes > 1` only appears after vectorization (Ramp, Broadcast and
/// vector loads/stores).
class DataType {
 public:
  enum class Code : uint8_t { Int, UInt, Float, BFloat, Bool, Handle, Void };

  constexpr DataType() = default;
  constexpr DataType(Code code, int bits, int lanes = 1) : code_(code), bits_(bits), lanes_(lanes) {}

  static constexpr DataType Int(int bits, int lanes = 1) { return {Code::Int, bits, lanes}; }
  static constexpr DataType UInt(int bits, int lanes = 1) { return {Code::UInt, bits, lanes}; }
  static constexpr DataType Float(int bits, int lanes = 1) { return {Code::Float, bits, lanes}; }
  static constexpr DataType BFloat16(int lanes = 1) { return {Code::BFloat, 16, lanes}; }
  static constexpr DataType Bool(int lanes = 1) { return {Code::Bool, 1, lanes}; }
  static constexpr DataType Handle() { return {Code::Handle, 64, 1}; }
  static constexpr DataType Void() { return {Code::Void, 0, 1}; }

  constexpr Code code() const { return code_; }
  constexpr int bits() const { return bits_; }
  constexpr int lanes() const { return lanes_; }
  /// Size of one lane in bytes, rounded up (bool is one byte in memory).
  constexpr int bytes() const { return (bits_ + 7) / 8; }

  constexpr bool is_int() const { return code_ == Code::Int; }
  constexpr bool is_uint() const { return code_ == Code::UInt; }
  /// Signed or unsigned integer (not bool).
  constexpr bool is_integer() const { return code_ == Code::Int || code_ == Code::UInt; }
  constexpr bool is_float() const { return code_ == Code::Float || code_ == Code::BFloat; }
  constexpr bool is_bfloat16() const { return code_ == Code::BFloat && bits_ == 16; }
  constexpr bool is_float16() const { return code_ == Code::Float && bits_ == 16; }
  constexpr bool is_bool() const { return code_ == Code::Bool; }
  constexpr bool is_handle() const { return code_ == Code::Handle; }
  constexpr bool is_void() const { return code_ == Code::Void; }
  constexpr bool is_scalar() const { return lanes_ == 1; }
  constexpr bool is_vector() const { return lanes_ > 1; }

  constexpr DataType with_lanes(int lanes) const { return {code_, bits_, lanes}; }
  constexpr DataType element_of() const { return with_lanes(1); }

  constexpr bool operator==(const DataType&) const = default;

  /// TVMScript spelling: "float32", "int8", "bool", "handle", "float32x8".
  std::string to_string() const;
  /// Parses the TVMScript spelling; nullopt when the text is not a dtype.
  static std::optional<DataType> parse(std::string_view text);

 private:
  Code code_ = Code::Void;
  uint8_t bits_ = 0;
  uint16_t lanes_ = 1;
};

}  // namespace loom::ir
