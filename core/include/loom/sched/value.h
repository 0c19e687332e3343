// Random variables and the values an instruction takes and produces.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace loom::sched {

/// A handle to a block of the schedule's module. It stays valid across primitives that keep
/// the block (found by name in its function); using it after the block was removed throws a
/// ScheduleError that says which primitive removed it.
struct BlockRV {
  uint32_t id = 0;
  bool operator==(const BlockRV&) const = default;
};
/// A handle to a loop (found by its loop variable, which primitives keep when they rebuild
/// the loop around new children).
struct LoopRV {
  uint32_t id = 0;
  bool operator==(const LoopRV&) const = default;
};
/// A handle to an integer produced by a sampling instruction (a tile factor, a choice).
struct ExprRV {
  uint32_t id = 0;
  bool operator==(const ExprRV&) const = default;
};

/// None (Python's None).
struct NoneValue {
  bool operator==(const NoneValue&) const = default;
};

/// An instruction's input, attribute, output or decision: None, a bool, an integer, a float,
/// a string, a random variable, or a list of values.
struct Value {
  std::variant<NoneValue, bool, int64_t, double, std::string, BlockRV, LoopRV, ExprRV, std::vector<Value>> v;

  Value() : v(NoneValue{}) {}
  Value(NoneValue) : v(NoneValue{}) {}                    // NOLINT
  Value(bool b) : v(b) {}                                 // NOLINT
  Value(int64_t i) : v(i) {}                              // NOLINT
  Value(int i) : v(int64_t{i}) {}                         // NOLINT
  Value(double d) : v(d) {}                               // NOLINT
  Value(std::string s) : v(std::move(s)) {}               // NOLINT
  Value(const char* s) : v(std::string(s)) {}             // NOLINT
  Value(BlockRV rv) : v(rv) {}                            // NOLINT
  Value(LoopRV rv) : v(rv) {}                             // NOLINT
  Value(ExprRV rv) : v(rv) {}                             // NOLINT
  Value(std::vector<Value> list) : v(std::move(list)) {}  // NOLINT

  bool is_none() const { return std::holds_alternative<NoneValue>(v); }
  template <typename T>
  bool is() const {
    return std::holds_alternative<T>(v);
  }
  template <typename T>
  const T& as() const {
    return std::get<T>(v);
  }
  bool operator==(const Value&) const = default;
};

}  // namespace loom::sched
