// loom/plugin.hpp: the header-only C++ wrapper over loom's plugin C ABI (loom/plugin.h).
//
// Write a component as a C++ class and register it:
//
//   class MyRule : public loom::plugin::ScheduleRule {
//    public:
//     explicit MyRule(const loom::plugin::Config& config) : max_(config.get_int("max", 64)) {}
//     std::vector<loom::plugin::Schedule> apply(const loom::plugin::Schedule& sch,
//                                               loom::plugin::BlockRV block) override {
//       loom::plugin::Schedule s = sch.copy();
//       auto loops = s.get_loops(block);
//       ...
//       return {std::move(s)};
//     }
//    private:
//     int64_t max_;
//   };
//
//   LOOM_DEFINE_PLUGIN("acme.rules", "1.0") {
//     registry.add_rule<MyRule>("acme.my_rule", "1.0", "what it does");
//   }
//
// Host failures become loom::plugin::Error exceptions; exceptions leaving a component are
// caught at the boundary and reported to the host as status codes with their message.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "loom/plugin.h"
#include "loom/plugin_base.hpp"
#include "loom/plugin_ir.hpp"

namespace loom::plugin {

// ----- annotation keys ---------------------------------------------------------------

/// The block and loop annotations through which schedule rules, postprocessors and
/// mutators hand work to each other (TVM's meta_schedule attribute names, so traces read
/// the same in both systems). A rule that plans parallelism writes kParallel on the root
/// block, the rewrite postprocessor carries it out, a mutator changes its value.
namespace attr {
/// On a block (string): the tiling structure multi-level tiling used, e.g. "SSRSRS".
inline constexpr std::string_view kTilingStructure = "meta_schedule.tiling_structure";
/// On a block (int 1): an rfactor write-back whose producer moves with it.
inline constexpr std::string_view kRandomComputeProducer = "meta_schedule.random_compute_producer";
/// On a block (string "disable"): auto-inline leaves it alone.
inline constexpr std::string_view kInlineRule = "meta_schedule.inline_rule";
/// On a block (list of ints, set by the user): levels that must get a write cache.
inline constexpr std::string_view kWriteCacheLevel = "meta_schedule.write_cache_level";
/// On a block: it is to be tensorized; auto-inline does not inline into it.
inline constexpr std::string_view kAutoTensorize = "meta_schedule.auto_tensorize";
/// On the root block (int): the most loop iterations to fuse and run in parallel.
inline constexpr std::string_view kParallel = "meta_schedule.parallel";
/// On the root block (int): the widest innermost extent to vectorize.
inline constexpr std::string_view kVectorize = "meta_schedule.vectorize";
/// On the root block (int): the auto_unroll_max_step of an explicit / implicit unroll.
inline constexpr std::string_view kUnrollExplicit = "meta_schedule.unroll_explicit";
inline constexpr std::string_view kUnrollImplicit = "meta_schedule.unroll_implicit";
/// On a shared-memory read cache block (an expression: the sampled vector length): the
/// block's fused innermost loop is to be split over threadIdx.x and vectorized by
/// loom.rewrite_cooperative_fetch.
inline constexpr std::string_view kCooperativeFetch = "meta_schedule.cooperative_fetch";
/// On a block tiled for a GPU (ints): the product of the threadIdx extents enclosing it must
/// lie within [low, high]; loom.verify_gpu_code drops a candidate outside.
inline constexpr std::string_view kThreadExtentLowInclusive = "meta_schedule.thread_extent_low_inclusive";
inline constexpr std::string_view kThreadExtentHighInclusive = "meta_schedule.thread_extent_high_inclusive";
}  // namespace attr

// ----- random variables and values ---------------------------------------------------

struct BlockRV {
  uint32_t id = 0;
  bool operator==(const BlockRV&) const = default;
};
struct LoopRV {
  uint32_t id = 0;
  bool operator==(const LoopRV&) const = default;
};
struct ExprRV {
  uint32_t id = 0;
  bool operator==(const ExprRV&) const = default;
};

/// Python's None, as an argument.
struct None {};
inline constexpr None none{};

/// An argument of a schedule call: None, bool, int, float, string, a random variable, or a
/// list of arguments. Converts implicitly from each.
class Arg {
 public:
  Arg(None) {}                                                                       // NOLINT
  Arg(std::nullopt_t) {}                                                             // NOLINT
  Arg(bool b) : kind_(LOOM_VALUE_BOOL), i_(b ? 1 : 0) {}                             // NOLINT
  Arg(int i) : kind_(LOOM_VALUE_INT), i_(i) {}                                       // NOLINT
  Arg(int64_t i) : kind_(LOOM_VALUE_INT), i_(i) {}                                   // NOLINT
  Arg(double f) : kind_(LOOM_VALUE_FLOAT), f_(f) {}                                  // NOLINT
  Arg(const char* s) : kind_(LOOM_VALUE_STR), s_(s) {}                               // NOLINT
  Arg(std::string s) : kind_(LOOM_VALUE_STR), s_(std::move(s)) {}                    // NOLINT
  Arg(BlockRV rv) : kind_(LOOM_VALUE_BLOCK), rv_(rv.id) {}                           // NOLINT
  Arg(LoopRV rv) : kind_(LOOM_VALUE_LOOP), rv_(rv.id) {}                             // NOLINT
  Arg(ExprRV rv) : kind_(LOOM_VALUE_EXPR), rv_(rv.id) {}                             // NOLINT
  Arg(std::vector<Arg> items) : kind_(LOOM_VALUE_LIST), items_(std::move(items)) {}  // NOLINT
  Arg(std::initializer_list<Arg> items) : kind_(LOOM_VALUE_LIST), items_(items) {}   // NOLINT
  template <typename T>
  Arg(const std::optional<T>& v) : Arg(v ? Arg(*v) : Arg(none)) {}  // NOLINT
  template <typename T>
  Arg(const std::vector<T>& v) : kind_(LOOM_VALUE_LIST) {  // NOLINT
    for (const T& x : v) items_.push_back(Arg(x));
  }

  /// The C value; `storage` keeps the item arrays alive.
  loom_value to_c(std::deque<std::vector<loom_value>>& storage) const {
    loom_value v{};
    v.kind = kind_;
    v.i = i_;
    v.f = f_;
    v.rv = rv_;
    v.s = loom_str{s_.data(), s_.size()};
    if (kind_ == LOOM_VALUE_LIST) {
      std::vector<loom_value> items;
      for (const Arg& a : items_) items.push_back(a.to_c(storage));
      storage.push_back(std::move(items));
      v.items = storage.back().data();
      v.n_items = storage.back().size();
    }
    return v;
  }

 private:
  uint32_t kind_ = LOOM_VALUE_NONE;
  int64_t i_ = 0;
  double f_ = 0;
  uint32_t rv_ = 0;
  std::string s_;
  std::vector<Arg> items_;
};

/// A keyword argument: kw("factors", {none, 16}).
struct KwArg {
  std::string name;
  Arg value;
};
inline KwArg kw(std::string name, Arg value) { return KwArg{std::move(name), std::move(value)}; }

/// A value read from the host (a trace's inputs, attributes, decisions), copied.
struct Value {
  uint32_t kind = LOOM_VALUE_NONE;
  int64_t i = 0;
  double f = 0;
  uint32_t rv = 0;
  std::string s;
  std::vector<Value> items;

  static Value from_c(const loom_value& v) {
    Value out;
    out.kind = v.kind;
    out.i = v.i;
    out.f = v.f;
    out.rv = v.rv;
    out.s = std::string(view(v.s));
    for (size_t k = 0; k < v.n_items; ++k) out.items.push_back(from_c(v.items[k]));
    return out;
  }
  bool is_none() const { return kind == LOOM_VALUE_NONE; }
  bool is_int() const { return kind == LOOM_VALUE_INT; }
  bool is_list() const { return kind == LOOM_VALUE_LIST; }
  /// The integers of a list of integers.
  std::vector<int64_t> ints() const {
    std::vector<int64_t> out;
    for (const Value& v : items) out.push_back(v.i);
    return out;
  }
  Arg to_arg() const {
    switch (kind) {
      case LOOM_VALUE_BOOL:
        return Arg(i != 0);
      case LOOM_VALUE_INT:
        return Arg(i);
      case LOOM_VALUE_FLOAT:
        return Arg(f);
      case LOOM_VALUE_STR:
        return Arg(s);
      case LOOM_VALUE_BLOCK:
        return Arg(BlockRV{rv});
      case LOOM_VALUE_LOOP:
        return Arg(LoopRV{rv});
      case LOOM_VALUE_EXPR:
        return Arg(ExprRV{rv});
      case LOOM_VALUE_LIST: {
        std::vector<Arg> out;
        for (const Value& v : items) out.push_back(v.to_arg());
        return Arg(std::move(out));
      }
      default:
        return Arg(none);
    }
  }
};

// ----- RNG and config ----------------------------------------------------------------

/// A borrowed random number generator.
class Rng {
 public:
  explicit Rng(loom_rng* rng) : rng_(rng) {}
  /// Uniform in [lo, hi).
  int64_t uniform_int(int64_t lo, int64_t hi) const { return host().rng_uniform_int(rng_, lo, hi); }
  /// Uniform in [0, 1).
  double uniform_real() const { return host().rng_uniform_real(rng_); }
  int64_t fork_seed() const { return host().rng_fork_seed(rng_); }
  loom_rng* get() const { return rng_; }

 private:
  loom_rng* rng_;
};

/// The component's config table (borrowed during create). Getters throw Error for a value
/// of the wrong type (the message names the file, line and column).
class Config {
 public:
  explicit Config(const loom_config* config) : config_(config) {}
  bool has(std::string_view key) const { return host().config_has(config_, to_str(key)) != 0; }
  int64_t get_int(std::string_view key, int64_t default_value) const {
    int64_t out = 0;
    call_host(host().config_get_int, config_, to_str(key), default_value, &out);
    return out;
  }
  double get_float(std::string_view key, double default_value) const {
    double out = 0;
    call_host(host().config_get_float, config_, to_str(key), default_value, &out);
    return out;
  }
  bool get_bool(std::string_view key, bool default_value) const {
    int out = 0;
    call_host(host().config_get_bool, config_, to_str(key), default_value ? 1 : 0, &out);
    return out != 0;
  }
  std::string get_string(std::string_view key, std::string_view default_value) const {
    loom_str out{};
    call_host(host().config_get_string, config_, to_str(key), to_str(default_value), &out);
    return std::string(view(out));
  }
  std::vector<int64_t> get_int_list(std::string_view key, std::vector<int64_t> default_value) const {
    if (!has(key)) return default_value;
    return read_list<int64_t>(host().config_get_int_list, key);
  }
  std::vector<double> get_float_list(std::string_view key, std::vector<double> default_value) const {
    if (!has(key)) return default_value;
    return read_list<double>(host().config_get_float_list, key);
  }
  /// Throws Error (LOOM_ERROR_UNSUPPORTED) when the key is set and the host is too old to
  /// read string lists.
  std::vector<std::string> get_string_list(std::string_view key, std::vector<std::string> default_value) const {
    if (!has(key)) return default_value;
    if (!LOOM_HOST_HAS(config_get_string_list)) {
      throw Error("this loom host cannot read the string list " + std::string(key), LOOM_ERROR_UNSUPPORTED);
    }
    std::vector<std::string> out;
    for (loom_str s : read_list<loom_str>(host().config_get_string_list, key)) out.emplace_back(view(s));
    return out;
  }
  const loom_config* get() const { return config_; }

 private:
  template <typename T, typename Fn>
  std::vector<T> read_list(Fn fn, std::string_view key) const {
    std::vector<T> out(16);
    size_t n = 0;
    ErrorBox box;
    loom_status status = fn(config_, to_str(key), out.data(), out.size(), &n, box.get());
    if (status == LOOM_ERROR_BUFFER_TOO_SMALL) {
      out.resize(n);
      status = fn(config_, to_str(key), out.data(), out.size(), &n, box.get());
    }
    box.check(status);
    out.resize(n);
    return out;
  }
  const loom_config* config_;
};

// ----- traces ------------------------------------------------------------------------

/// One instruction of a trace, copied out of the host.
struct Instruction {
  std::string kind;         // "SamplePerfectTile"
  std::string python_name;  // "sample_perfect_tile"
  std::vector<Value> inputs;
  std::vector<Value> attrs;
  std::vector<Value> outputs;
  std::optional<Value> decision;
  bool is_sampling = false;
  bool is_pure = false;
};

class Schedule;

/// An immutable trace (owned handle) with the module it replays onto.
class Trace {
 public:
  /// Takes ownership of `trace` (or borrows it when owned is false).
  explicit Trace(loom_trace* trace, bool owned = true) : trace_(trace), owned_(owned) {}
  ~Trace() {
    if (owned_ && trace_ != nullptr) host().trace_free(trace_);
  }
  Trace(Trace&& other) noexcept : trace_(other.trace_), owned_(other.owned_) { other.trace_ = nullptr; }
  Trace& operator=(Trace&& other) noexcept {
    std::swap(trace_, other.trace_);
    std::swap(owned_, other.owned_);
    return *this;
  }
  Trace(const Trace&) = delete;
  Trace& operator=(const Trace&) = delete;
  Trace copy() const { return Trace(host().trace_copy(trace_)); }

  size_t size() const { return host().trace_size(trace_); }
  /// The index of the EnterPostproc instruction (where postprocessing starts), or size().
  size_t postproc_start() const {
    if (LOOM_HOST_HAS(trace_postproc_start)) return host().trace_postproc_start(trace_);
    for (size_t i = 0, n = size(); i < n; ++i) {
      if (instruction(i).kind == "EnterPostproc") return i;
    }
    return size();
  }
  Instruction instruction(size_t index) const {
    loom_instruction inst{};
    inst.struct_size = LOOM_INSTRUCTION_STRUCT_SIZE;
    call_host(host().trace_instruction, trace_, index, &inst);
    Instruction out;
    out.kind = std::string(view(inst.kind));
    out.python_name = std::string(view(inst.python_name));
    for (size_t k = 0; k < inst.n_inputs; ++k) out.inputs.push_back(Value::from_c(inst.inputs[k]));
    for (size_t k = 0; k < inst.n_attrs; ++k) out.attrs.push_back(Value::from_c(inst.attrs[k]));
    for (size_t k = 0; k < inst.n_outputs; ++k) out.outputs.push_back(Value::from_c(inst.outputs[k]));
    if (inst.decision != nullptr) out.decision = Value::from_c(*inst.decision);
    out.is_sampling = inst.is_sampling != 0;
    out.is_pure = inst.is_pure != 0;
    return out;
  }
  /// The instructions before postproc_start(): the design-space part mutators change.
  std::vector<Instruction> design_instructions() const {
    std::vector<Instruction> out;
    for (size_t i = 0, n = postproc_start(); i < n; ++i) out.push_back(instruction(i));
    return out;
  }
  /// A new trace with instruction `index`'s decision replaced.
  Trace with_decision(size_t index, const Arg& decision, bool remove_postproc = true) const {
    std::deque<std::vector<loom_value>> storage;
    loom_value d = decision.to_c(storage);
    loom_trace* out = nullptr;
    call_host(host().trace_with_decision_new, trace_, index, &d, remove_postproc ? 1 : 0, &out);
    return Trace(out);
  }
  /// A new trace with input `input_index` of instruction `index` replaced (the value of an
  /// Annotate: input 1). Throws Error (LOOM_ERROR_UNSUPPORTED) when the host is too old.
  Trace with_input(size_t index, size_t input_index, const Arg& value, bool remove_postproc = true) const {
    if (!LOOM_HOST_HAS(trace_with_input_new))
      throw Error("this loom host cannot change a trace's inputs", LOOM_ERROR_UNSUPPORTED);
    std::deque<std::vector<loom_value>> storage;
    loom_value v = value.to_c(storage);
    loom_trace* out = nullptr;
    call_host(host().trace_with_input_new, trace_, index, input_index, &v, remove_postproc ? 1 : 0, &out);
    return Trace(out);
  }
  /// Replays onto a fresh schedule of the original module.
  inline Schedule replay(int64_t seed = 0) const;
  std::string json() const { return std::string(view(host().trace_json(trace_))); }
  std::string python() const { return std::string(view(host().trace_python(trace_))); }

  const loom_trace* get() const { return trace_; }
  /// Gives up ownership.
  loom_trace* release() {
    loom_trace* t = trace_;
    trace_ = nullptr;
    return t;
  }

 private:
  loom_trace* trace_;
  bool owned_;
};

// ----- schedules ---------------------------------------------------------------------

/// What the host knows about a block (loom_block_info).
struct BlockInfo {
  uint32_t n_iter_vars, n_reads, n_writes;
  bool is_root, is_spatial, is_reduction, is_output, has_init, has_trivial_binding;
  bool can_compute_inline, can_reverse_compute_inline;
  uint32_t n_consumers, n_producers;
  bool is_elementwise;
};

/// What the host knows about a loop (loom_loop_info).
struct LoopInfo {
  loom_iter_kind iter_kind;
  int64_t extent;  // -1: not constant
  int64_t min;
  std::string for_kind;
  std::string thread_tag;
  uint32_t n_child_blocks;
  bool is_only_child;
};

/// A schedule: owned (freed on destruction) or borrowed from the host. Primitives mirror
/// the core's (and TVM's) names and arguments; each call is recorded in the trace exactly as
/// the same call in C++ or in a schedule script. A primitive that refuses throws Error
/// (status LOOM_ERROR_SCHEDULE, kind() the schedule error's kind) and leaves the schedule
/// unchanged.
class Schedule {
 public:
  /// Takes ownership of `sch`.
  explicit Schedule(loom_schedule* sch) : sch_(sch), owned_(true) {}
  /// Borrows a schedule the host owns.
  static Schedule borrow(const loom_schedule* sch) {
    Schedule s(const_cast<loom_schedule*>(sch));
    s.owned_ = false;
    return s;
  }
  ~Schedule() {
    if (owned_ && sch_ != nullptr) host().sch_free(sch_);
  }
  Schedule(Schedule&& other) noexcept : sch_(other.sch_), owned_(other.owned_) { other.sch_ = nullptr; }
  Schedule& operator=(Schedule&& other) noexcept {
    std::swap(sch_, other.sch_);
    std::swap(owned_, other.owned_);
    return *this;
  }
  Schedule(const Schedule&) = delete;
  Schedule& operator=(const Schedule&) = delete;

  /// A fork: same module, random variables, trace and RNG state.
  Schedule copy() const { return Schedule(host().sch_copy(sch_)); }
  loom_schedule* get() const { return sch_; }
  /// Gives up ownership (e.g. to push onto a rule's result list).
  loom_schedule* release() {
    loom_schedule* s = sch_;
    sch_ = nullptr;
    return s;
  }

  /// Calls any primitive by its Python name; returns its outputs (random variables).
  std::vector<Value> call(std::string_view primitive, std::vector<Arg> args, std::vector<KwArg> kwargs = {}) {
    std::deque<std::vector<loom_value>> storage;
    std::vector<loom_value> c_args, kw_values;
    std::vector<loom_str> kw_names;
    for (const Arg& a : args) c_args.push_back(a.to_c(storage));
    for (const KwArg& k : kwargs) {
      kw_names.push_back(to_str(k.name));
      kw_values.push_back(k.value.to_c(storage));
    }
    std::vector<loom_value> outputs(16);
    size_t n = 0;
    ErrorBox box;
    loom_status status =
        host().sch_call(sch_, to_str(primitive), c_args.data(), c_args.size(), kw_names.data(), kw_values.data(),
                        kw_names.size(), outputs.data(), outputs.size(), &n, box.get());
    box.check(status);
    if (n > outputs.size()) {
      // More outputs than the array holds: the trace's last instruction has them all.
      Trace t = trace();
      return t.instruction(t.size() - 1).outputs;
    }
    std::vector<Value> out;
    for (size_t k = 0; k < n; ++k) out.push_back(Value::from_c(outputs[k]));
    return out;
  }

  // -- sampling --
  ExprRV sample_categorical(const std::vector<int64_t>& candidates, const std::vector<double>& probs,
                            std::optional<int64_t> decision = std::nullopt) {
    return expr(call("sample_categorical", {candidates, probs}, {kw("decision", decision)}).at(0));
  }
  std::vector<ExprRV> sample_perfect_tile(LoopRV loop, int n, int max_innermost_factor = 16,
                                          std::optional<std::vector<int64_t>> decision = std::nullopt) {
    return exprs(call("sample_perfect_tile", {loop, n, max_innermost_factor},
                      {kw("decision", decision ? Arg(*decision) : Arg(none))}));
  }
  std::vector<ExprRV> sample_partitioned_tile(LoopRV loop, int n, int partition_pos = 0, int innerpart_factor = 1,
                                              std::optional<std::vector<int64_t>> decision = std::nullopt) {
    return exprs(call("sample_partitioned_tile", {loop, n, partition_pos, innerpart_factor},
                      {kw("decision", decision ? Arg(*decision) : Arg(none))}));
  }
  LoopRV sample_compute_location(BlockRV block, std::optional<int64_t> decision = std::nullopt) {
    return loop(call("sample_compute_location", {block}, {kw("decision", decision)}).at(0));
  }
  int64_t value(ExprRV rv) const {
    int64_t out = 0;
    loom_value v{};
    v.kind = LOOM_VALUE_EXPR;
    v.rv = rv.id;
    if (LOOM_HOST_HAS(sch_get_expr_value)) {
      call_host(host().sch_get_expr_value, sch_, loom_expr_rv{rv.id}, &out);
    } else {
      call_host(host().sch_expr_value, sch_, v, &out);
    }
    return out;
  }

  // -- queries --
  BlockRV get_block(std::string_view name, std::string_view func_name = "") {
    return block(call("get_block", {std::string(name), std::string(func_name)}).at(0));
  }
  std::vector<LoopRV> get_loops(BlockRV block) { return loops(call("get_loops", {block})); }
  std::vector<BlockRV> get_child_blocks(BlockRV block) { return blocks(call("get_child_blocks", {block})); }
  std::vector<BlockRV> get_child_blocks(LoopRV loop) { return blocks(call("get_child_blocks", {loop})); }
  std::vector<BlockRV> get_producers(BlockRV block) { return blocks(call("get_producers", {block})); }
  std::vector<BlockRV> get_consumers(BlockRV block) { return blocks(call("get_consumers", {block})); }

  // -- loops --
  std::vector<LoopRV> split(LoopRV loop, std::vector<Arg> factors, bool preserve_unit_iters = true,
                            bool disable_predication = false) {
    return loops(call("split", {loop, Arg(std::move(factors)), preserve_unit_iters, disable_predication}));
  }
  LoopRV fuse(const std::vector<LoopRV>& loops_to_fuse, bool preserve_unit_iters = true) {
    return loop(call("fuse", {loops_to_fuse}, {kw("preserve_unit_iters", preserve_unit_iters)}).at(0));
  }
  void reorder(const std::vector<LoopRV>& ordered_loops) { call("reorder", {ordered_loops}); }
  LoopRV add_unit_loop(BlockRV block) { return loop(call("add_unit_loop", {block}).at(0)); }
  LoopRV add_unit_loop(LoopRV l) { return loop(call("add_unit_loop", {l}).at(0)); }
  void parallel(LoopRV l) { call("parallel", {l}); }
  void vectorize(LoopRV l) { call("vectorize", {l}); }
  void unroll(LoopRV l) { call("unroll", {l}); }
  void bind(LoopRV l, std::string_view thread_axis) { call("bind", {l, std::string(thread_axis)}); }

  // -- annotations --
  void annotate(BlockRV b, std::string_view key, Arg value) {
    call("annotate", {b, std::string(key), std::move(value)});
  }
  void annotate(LoopRV l, std::string_view key, Arg value) {
    call("annotate", {l, std::string(key), std::move(value)});
  }
  void unannotate(BlockRV b, std::string_view key) { call("unannotate", {b, std::string(key)}); }
  void unannotate(LoopRV l, std::string_view key) { call("unannotate", {l, std::string(key)}); }
  void enter_postproc() { call("enter_postproc", {}); }

  // -- compute location --
  void compute_at(BlockRV b, LoopRV l, bool preserve_unit_loops = false, int index = -1) {
    call("compute_at", {b, l, preserve_unit_loops, index});
  }
  void reverse_compute_at(BlockRV b, LoopRV l, bool preserve_unit_loops = false, int index = -1) {
    call("reverse_compute_at", {b, l, preserve_unit_loops, index});
  }
  void compute_inline(BlockRV b) { call("compute_inline", {b}); }
  void reverse_compute_inline(BlockRV b) { call("reverse_compute_inline", {b}); }

  // -- caching and storage --
  BlockRV cache_read(BlockRV b, int read_buffer_index, std::string_view storage_scope,
                     const std::vector<BlockRV>& consumer_blocks = {}) {
    return block(
        call("cache_read", {b, read_buffer_index, std::string(storage_scope)}, {kw("consumer_blocks", consumer_blocks)})
            .at(0));
  }
  BlockRV cache_write(BlockRV b, int write_buffer_index, std::string_view storage_scope,
                      const std::vector<BlockRV>& consumer_blocks = {}) {
    return block(call("cache_write", {b, write_buffer_index, std::string(storage_scope)},
                      {kw("consumer_blocks", consumer_blocks)})
                     .at(0));
  }
  /// buffer_index_type: "read" or "write".
  BlockRV reindex(BlockRV b, std::string_view buffer_index_type, int buffer_index) {
    return block(call("reindex", {b, Arg{std::string(buffer_index_type), buffer_index}}).at(0));
  }
  void set_scope(BlockRV b, int buffer_index, std::string_view storage_scope) {
    call("set_scope", {b, buffer_index, std::string(storage_scope)});
  }
  void storage_align(BlockRV b, int buffer_index, int axis, int factor, int offset) {
    call("storage_align", {b, buffer_index, axis, factor, offset});
  }

  // -- reduction --
  BlockRV decompose_reduction(BlockRV b, LoopRV l) { return block(call("decompose_reduction", {b, l}).at(0)); }
  BlockRV rfactor(LoopRV l, int factor_axis) { return block(call("rfactor", {l, factor_axis}).at(0)); }

  // -- blocks and layout --
  BlockRV blockize(LoopRV target, bool preserve_unit_iters = true) {
    return block(call("blockize", {target, preserve_unit_iters}).at(0));
  }
  /// Matches the block (or the block a loop is blockized into) against a registered tensor
  /// intrinsic and replaces its body by the intrinsic's implementation.
  void tensorize(BlockRV b, std::string_view tensor_intrin, bool preserve_unit_iters = true) {
    call("tensorize", {b, std::string(tensor_intrin), preserve_unit_iters});
  }
  void tensorize(LoopRV l, std::string_view tensor_intrin, bool preserve_unit_iters = true) {
    call("tensorize", {l, std::string(tensor_intrin), preserve_unit_iters});
  }
  /// buffer_index_type: "read" or "write"; index_map: a Python lambda, "lambda i, j: (j, i)".
  void transform_layout(BlockRV b, std::string_view buffer_index_type, int buffer_index, std::string_view index_map,
                        Arg pad_value = none, bool assume_injective_transform = false) {
    call("transform_layout", {b, Arg{std::string(buffer_index_type), buffer_index}, std::string(index_map),
                              std::move(pad_value), assume_injective_transform});
  }
  void pad_einsum(BlockRV b, const std::vector<int64_t>& padding) { call("pad_einsum", {b, padding}); }

  // -- state --
  Trace trace() const { return Trace(host().sch_trace_copy(sch_)); }
  /// The module as TVMScript.
  std::string script() const { return std::string(view(host().sch_script(sch_))); }
  uint64_t structural_hash() const { return host().sch_structural_hash(sch_); }
  Rng rng() const { return Rng(host().sch_rng(sch_)); }
  void seed(int64_t seed) { host().sch_seed(sch_, seed); }
  bool is_valid(BlockRV b) const { return host().sch_is_valid(sch_, rv_value(LOOM_VALUE_BLOCK, b.id)) != 0; }
  bool is_valid(LoopRV l) const { return host().sch_is_valid(sch_, rv_value(LOOM_VALUE_LOOP, l.id)) != 0; }
  /// The current function (a snapshot).
  ir::Func func(std::string_view func_name = "") const {
    loom_func* out = nullptr;
    call_host(host().sch_func_copy, sch_, to_str(func_name), &out);
    return ir::Func(out);
  }
  /// Views of the block / loop (valid until the schedule changes).
  ir::Node block_node(BlockRV b) const {
    loom_node out{};
    if (LOOM_HOST_HAS(sch_get_block_node)) {
      call_host(host().sch_get_block_node, sch_, loom_block_rv{b.id}, &out);
    } else {
      call_host(host().sch_block_node, sch_, rv_value(LOOM_VALUE_BLOCK, b.id), &out);
    }
    return ir::Node(out);
  }
  ir::Node loop_node(LoopRV l) const {
    loom_node out{};
    if (LOOM_HOST_HAS(sch_get_loop_node)) {
      call_host(host().sch_get_loop_node, sch_, loom_loop_rv{l.id}, &out);
    } else {
      call_host(host().sch_loop_node, sch_, rv_value(LOOM_VALUE_LOOP, l.id), &out);
    }
    return ir::Node(out);
  }

  // -- analysis --
  BlockInfo block_info(BlockRV b) const {
    loom_block_info i{};
    i.struct_size = LOOM_BLOCK_INFO_STRUCT_SIZE;
    if (LOOM_HOST_HAS(sch_get_block_info)) {
      call_host(host().sch_get_block_info, sch_, loom_block_rv{b.id}, &i);
    } else {
      call_host(host().sch_block_info, sch_, rv_value(LOOM_VALUE_BLOCK, b.id), &i);
    }
    return from_c(i);
  }
  LoopInfo loop_info(LoopRV l) const {
    loom_loop_info i{};
    i.struct_size = LOOM_LOOP_INFO_STRUCT_SIZE;
    if (LOOM_HOST_HAS(sch_get_loop_info)) {
      call_host(host().sch_get_loop_info, sch_, loom_loop_rv{l.id}, &i);
    } else {
      call_host(host().sch_loop_info, sch_, rv_value(LOOM_VALUE_LOOP, l.id), &i);
    }
    return from_c(i);
  }

  // -- queries that do not record (ABI 1.2) --
  // Questions about the current IR. Unlike get_loops / get_producers / get_consumers, these
  // do not record anything in the trace, define no random variable and leave the schedule
  // as it is: ask them of the schedule a rule is given instead of copying it. Blocks and
  // loops are views of the current IR, valid until the schedule changes; to transform what a
  // query found, get a random variable for it with the recording get_* call. On a host
  // older than ABI 1.2 they throw Error (LOOM_ERROR_UNSUPPORTED).

  /// The loops above the block (up to its scope), outermost first; does not record.
  std::vector<ir::For> query_loops(BlockRV b) const { return query_loops(ir::Block(block_node(b))); }
  std::vector<ir::For> query_loops(const ir::Block& b) const {
    return query_list<ir::For>(LOOM_HOST_HAS(sch_query_loops) ? host().sch_query_loops : nullptr, b, "query_loops");
  }
  /// The blocks of the block's scope before it that write what it reads; does not record.
  std::vector<ir::Block> query_producers(BlockRV b) const { return query_producers(ir::Block(block_node(b))); }
  std::vector<ir::Block> query_producers(const ir::Block& b) const {
    return query_list<ir::Block>(LOOM_HOST_HAS(sch_query_producers) ? host().sch_query_producers : nullptr, b,
                                 "query_producers");
  }
  /// The blocks of the block's scope after it that read what it writes; does not record.
  std::vector<ir::Block> query_consumers(BlockRV b) const { return query_consumers(ir::Block(block_node(b))); }
  std::vector<ir::Block> query_consumers(const ir::Block& b) const {
    return query_list<ir::Block>(LOOM_HOST_HAS(sch_query_consumers) ? host().sch_query_consumers : nullptr, b,
                                 "query_consumers");
  }
  /// block_info of a block view (e.g. one query_producers found); does not record.
  BlockInfo query_block_info(const ir::Block& b) const {
    require_queries(LOOM_HOST_HAS(sch_query_block_info), "query_block_info");
    loom_block_info i{};
    i.struct_size = LOOM_BLOCK_INFO_STRUCT_SIZE;
    call_host(host().sch_query_block_info, sch_, b.raw(), &i);
    return from_c(i);
  }
  /// loop_info of a loop view (e.g. one query_loops found); does not record.
  LoopInfo query_loop_info(const ir::For& l) const {
    require_queries(LOOM_HOST_HAS(sch_query_loop_info), "query_loop_info");
    loom_loop_info i{};
    i.struct_size = LOOM_LOOP_INFO_STRUCT_SIZE;
    call_host(host().sch_query_loop_info, sch_, l.raw(), &i);
    return from_c(i);
  }

 private:
  using QueryFn = loom_status (*)(const loom_schedule*, loom_node, loom_node*, size_t, size_t*, loom_error*);
  static void require_queries(bool present, const char* what) {
    if (!present)
      throw Error(std::string("Schedule::") + what + ": this loom host (ABI " + std::to_string(host().abi_major) + "." +
                      std::to_string(host().abi_minor) + ") has no queries that do not record (ABI 1.2)",
                  LOOM_ERROR_UNSUPPORTED);
  }
  template <typename View>
  std::vector<View> query_list(QueryFn fn, const ir::Block& b, const char* what) const {
    require_queries(fn != nullptr, what);
    std::vector<loom_node> nodes(8);
    size_t n = 0;
    ErrorBox box;
    loom_status status = fn(sch_, b.raw(), nodes.data(), nodes.size(), &n, box.get());
    if (status == LOOM_ERROR_BUFFER_TOO_SMALL) {
      nodes.resize(n);
      ErrorBox again;
      again.check(fn(sch_, b.raw(), nodes.data(), nodes.size(), &n, again.get()));
    } else {
      box.check(status);
    }
    std::vector<View> out;
    for (size_t k = 0; k < n; ++k) out.push_back(View(ir::Node(nodes[k])));
    return out;
  }
  static BlockInfo from_c(const loom_block_info& i) {
    return BlockInfo{i.n_iter_vars,
                     i.n_reads,
                     i.n_writes,
                     i.is_root != 0,
                     i.is_spatial != 0,
                     i.is_reduction != 0,
                     i.is_output != 0,
                     i.has_init != 0,
                     i.has_trivial_binding != 0,
                     i.can_compute_inline != 0,
                     i.can_reverse_compute_inline != 0,
                     i.n_consumers,
                     i.n_producers,
                     i.is_elementwise != 0};
  }
  static LoopInfo from_c(const loom_loop_info& i) {
    return LoopInfo{static_cast<loom_iter_kind>(i.iter_kind),
                    i.extent,
                    i.min,
                    std::string(view(i.for_kind)),
                    std::string(view(i.thread_tag)),
                    i.n_child_blocks,
                    i.is_only_child != 0};
  }
  static loom_value rv_value(uint32_t kind, uint32_t id) {
    loom_value v{};
    v.kind = kind;
    v.rv = id;
    return v;
  }
  static BlockRV block(const Value& v) { return BlockRV{v.rv}; }
  static LoopRV loop(const Value& v) { return LoopRV{v.rv}; }
  static ExprRV expr(const Value& v) { return ExprRV{v.rv}; }
  static std::vector<BlockRV> blocks(const std::vector<Value>& vs) {
    std::vector<BlockRV> out;
    for (const Value& v : vs) out.push_back(block(v));
    return out;
  }
  static std::vector<LoopRV> loops(const std::vector<Value>& vs) {
    std::vector<LoopRV> out;
    for (const Value& v : vs) out.push_back(loop(v));
    return out;
  }
  static std::vector<ExprRV> exprs(const std::vector<Value>& vs) {
    std::vector<ExprRV> out;
    for (const Value& v : vs) out.push_back(expr(v));
    return out;
  }

  loom_schedule* sch_;
  bool owned_;
};

inline Schedule Trace::replay(int64_t seed) const {
  loom_schedule* out = nullptr;
  call_host(host().trace_replay_new, trace_, seed, &out);
  return Schedule(out);
}

/// How lower() lowers (loom_lower_options).
struct LowerOptions {
  loom_lower_pipeline pipeline = LOOM_LOWER_PIPELINE_CPU;
  bool unroll = true;
  bool vectorize = true;
  bool verify = true;
};

/// The function lowered to its codegen-ready form (see loom_host_api::func_lower_opts_new).
/// A host of ABI 1.0 lowers with the default options only (other options are
/// LOOM_ERROR_UNSUPPORTED there).
inline ir::Func lower(const ir::Func& func, const LowerOptions& options = {}) {
  loom_func* out = nullptr;
  if (LOOM_HOST_HAS(func_lower_opts_new)) {
    loom_lower_options o{};
    o.struct_size = LOOM_LOWER_OPTIONS_STRUCT_SIZE;
    o.pipeline = options.pipeline;
    o.unroll = options.unroll ? 1 : 0;
    o.vectorize = options.vectorize ? 1 : 0;
    o.verify = options.verify ? 1 : 0;
    call_host(host().func_lower_opts_new, func.get(), &o, &out);
    return ir::Func(out);
  }
  bool defaults = options.pipeline == LOOM_LOWER_PIPELINE_CPU && options.unroll && options.vectorize;
  if (!defaults || !LOOM_HOST_HAS(func_lower_new))
    throw Error("this loom host cannot lower functions with these options", LOOM_ERROR_UNSUPPORTED);
  call_host(host().func_lower_new, func.get(), &out);
  return ir::Func(out);
}

/// Fills the buffers of `args` with the core's random data for `seed`
/// (see loom_host_api::func_fill_random).
inline void fill_random(const ir::Func& func, uint64_t seed, void* const* args) {
  if (!LOOM_HOST_HAS(func_fill_random)) throw Error("this loom host cannot fill buffers", LOOM_ERROR_UNSUPPORTED);
  call_host(host().func_fill_random, func.get(), seed, args);
}

/// Runs the reference interpreter on `args` in place (see loom_host_api::func_interpret).
inline void interpret(const ir::Func& func, void* const* args) {
  if (!LOOM_HOST_HAS(func_interpret)) throw Error("this loom host cannot interpret functions", LOOM_ERROR_UNSUPPORTED);
  call_host(host().func_interpret, func.get(), args);
}

/// Floating-point operations of one call of `func` (0 when unknown).
inline double flops(const ir::Func& func) { return LOOM_HOST_HAS(func_flops) ? host().func_flops(func.get()) : 0.0; }

/// The structural hash of `func`.
inline uint64_t structural_hash(const ir::Func& func) {
  if (!LOOM_HOST_HAS(func_structural_hash)) throw Error("this loom host cannot hash functions", LOOM_ERROR_UNSUPPORTED);
  return host().func_structural_hash(func.get());
}

// ----- components --------------------------------------------------------------------

/// Logs through the host, tagged with the component's name.
inline void log(loom_log_level level, std::string_view component, std::string_view message) {
  host().log(level, to_str(component), to_str(message));
}

/// A target and its hardware's properties (loom_target); 0 or empty: unknown.
struct Target {
  std::string kind;         // "llvm" or "cuda"
  std::string description;  // "llvm -mcpu=znver4 -mattr=+avx2,+fma -num-cores=2"
  std::string cpu;          // "znver4"; "host" in a request
  std::string features;     // "+avx2,+fma,..."
  int num_cores = 0;
  int vector_bits = 0;           // 128, 256, 512
  int num_vector_registers = 0;  // 16, 32
  int cache_line_bytes = 0;
  int64_t l1d_bytes = 0, l2_bytes = 0, l3_bytes = 0;
  std::string arch;  // "sm_90"
  int device = 0;
  int max_threads_per_block = 0;
  int max_shared_memory_per_block = 0;
  int warp_size = 0;
  int max_registers_per_thread = 0;
  int multiprocessor_count = 0;

  /// A copy of a loom_target (the fields its struct_size holds).
  static Target from_c(const loom_target& c) {
    Target t;
    auto has = [&](size_t end) { return c.struct_size >= end; };
#define LOOM_TARGET_FIELD_(field) has(offsetof(loom_target, field) + sizeof(c.field))
    if (LOOM_TARGET_FIELD_(kind)) t.kind = std::string(view(c.kind));
    if (LOOM_TARGET_FIELD_(description)) t.description = std::string(view(c.description));
    if (LOOM_TARGET_FIELD_(cpu)) t.cpu = std::string(view(c.cpu));
    if (LOOM_TARGET_FIELD_(features)) t.features = std::string(view(c.features));
    if (LOOM_TARGET_FIELD_(num_cores)) t.num_cores = c.num_cores;
    if (LOOM_TARGET_FIELD_(vector_bits)) t.vector_bits = c.vector_bits;
    if (LOOM_TARGET_FIELD_(num_vector_registers)) t.num_vector_registers = c.num_vector_registers;
    if (LOOM_TARGET_FIELD_(cache_line_bytes)) t.cache_line_bytes = c.cache_line_bytes;
    if (LOOM_TARGET_FIELD_(l1d_bytes)) t.l1d_bytes = c.l1d_bytes;
    if (LOOM_TARGET_FIELD_(l2_bytes)) t.l2_bytes = c.l2_bytes;
    if (LOOM_TARGET_FIELD_(l3_bytes)) t.l3_bytes = c.l3_bytes;
    if (LOOM_TARGET_FIELD_(arch)) t.arch = std::string(view(c.arch));
    if (LOOM_TARGET_FIELD_(device)) t.device = c.device;
    if (LOOM_TARGET_FIELD_(max_threads_per_block)) t.max_threads_per_block = c.max_threads_per_block;
    if (LOOM_TARGET_FIELD_(max_shared_memory_per_block)) t.max_shared_memory_per_block = c.max_shared_memory_per_block;
    if (LOOM_TARGET_FIELD_(warp_size)) t.warp_size = c.warp_size;
    if (LOOM_TARGET_FIELD_(max_registers_per_thread)) t.max_registers_per_thread = c.max_registers_per_thread;
    if (LOOM_TARGET_FIELD_(multiprocessor_count)) t.multiprocessor_count = c.multiprocessor_count;
#undef LOOM_TARGET_FIELD_
    return t;
  }
  /// A C view; its strings point into this Target, which must outlive it.
  loom_target to_c() const {
    loom_target c{};
    c.struct_size = LOOM_TARGET_STRUCT_SIZE;
    c.kind = to_str(kind);
    c.description = to_str(description);
    c.cpu = to_str(cpu);
    c.features = to_str(features);
    c.num_cores = num_cores;
    c.vector_bits = vector_bits;
    c.num_vector_registers = num_vector_registers;
    c.cache_line_bytes = cache_line_bytes;
    c.l1d_bytes = l1d_bytes;
    c.l2_bytes = l2_bytes;
    c.l3_bytes = l3_bytes;
    c.arch = to_str(arch);
    c.device = device;
    c.max_threads_per_block = max_threads_per_block;
    c.max_shared_memory_per_block = max_shared_memory_per_block;
    c.warp_size = warp_size;
    c.max_registers_per_thread = max_registers_per_thread;
    c.multiprocessor_count = multiprocessor_count;
    return c;
  }
};

/// What a component is initialized with (loom_tuning_context), copied.
struct TuningContext {
  Target target;
  /// The task's function; empty for a component serving every task (runner, cost model).
  ir::Func workload;
  std::string task_name;
  uint64_t seed = 0;
  int num_threads = 0;

  static TuningContext from_c(const loom_tuning_context& c) {
    TuningContext t;
    if (c.target != nullptr) t.target = Target::from_c(*c.target);
    t.workload = ir::Func::copy_of(c.workload);
    t.task_name = std::string(view(c.task_name));
    t.seed = c.seed;
    if (LOOM_HAS_FIELD(&c, loom_tuning_context, num_threads)) t.num_threads = c.num_threads;
    return t;
  }
};

/// What every component kind shares: the life cycle after create (the constructor, from
/// the config table). initialize is called once with the tuning context before any apply;
/// a component that is copy-constructible is cloned by its copy constructor (so keep what
/// initialize computes in members), one that is not is re-created from its table and
/// initialized again by the host.
class Component {
 public:
  virtual ~Component() = default;
  /// Reads what the component needs of the target and the workload. Throw Error to refuse
  /// the context (e.g. a rule for another kind of target).
  virtual void initialize(const TuningContext& context) { (void)context; }
};

class ScheduleRule : public Component {
 public:
  /// The schedules this rule makes of `sch` at `block`: copies of sch (sch.copy()),
  /// transformed. Return {sch.copy()} when the rule does not apply.
  virtual std::vector<Schedule> apply(const Schedule& sch, BlockRV block) = 0;
};

class Mutator : public Component {
 public:
  /// A mutated trace, or nullopt when the trace offers nothing to mutate.
  virtual std::optional<Trace> apply(const Trace& trace, Rng& rng) = 0;
};

class Postproc : public Component {
 public:
  /// Finishes the candidate in place; false drops it.
  virtual bool apply(Schedule& sch) = 0;
};

/// Features of a batch of candidates (see loom_features).
struct Features {
  const loom_features* raw;
  size_t n_candidates() const { return raw->n_candidates; }
  size_t n_features() const { return raw->n_features; }
  /// Rows [begin, end) of candidate c.
  std::pair<size_t, size_t> rows(size_t c) const { return {raw->row_offsets[c], raw->row_offsets[c + 1]}; }
  const float* row(size_t r) const { return raw->data + r * raw->n_features; }
};

class CostModel : public Component {
 public:
  virtual void update(const Features& features, const std::vector<double>& throughputs) = 0;
  virtual std::vector<double> predict(const Features& features) = 0;
  virtual void save(const std::string& path) { throw Error("this cost model cannot be saved", LOOM_ERROR_UNSUPPORTED); }
  virtual void load(const std::string& path) {
    throw Error("this cost model cannot be loaded", LOOM_ERROR_UNSUPPORTED);
  }
};

/// One candidate for a runner (see loom_measure_input).
struct MeasureInput {
  /// The scheduled function.
  ir::Func func;
  /// The target's description ("llvm -mcpu=znver3 -mattr=+avx2"); may be empty.
  std::string target;
  /// The function whose outputs the candidate's must match; null (no check) when absent.
  ir::Func reference;
};

/// A runner's verdict on one candidate (see loom_measure_result).
struct MeasureResult {
  /// LOOM_OK, or the failure with `error` saying what happened and `error_kind` its class
  /// ("build", "check", "crash", "timeout", "wrong_result", "run").
  loom_status status = LOOM_OK;
  std::string error;
  std::string error_kind;
  /// Seconds per call, one per sample.
  std::vector<double> times_s;
  double build_s = 0;
  double run_s = 0;
  /// Calls per sample; 0 when not timed.
  int64_t number = 0;

  static MeasureResult failure(std::string kind, std::string message) {
    MeasureResult r;
    r.status = LOOM_ERROR;
    r.error = std::move(message);
    r.error_kind = std::move(kind);
    return r;
  }
  bool ok() const { return status == LOOM_OK; }
};

/// What Runner::export_func is asked to write (loom_export_request).
struct ExportRequest {
  ir::Func func;
  /// The files' stem.
  std::string name;
  /// The kernel's C symbol; empty: the stem.
  std::string symbol;
  std::string directory;
  /// Where the kernel came from, for the files' comments.
  std::string origin;
  /// The target to build for; nullopt: the one the runner was initialized with.
  std::optional<Target> target;
};

/// What Runner::export_func wrote.
struct ExportResult {
  std::vector<std::string> files;
  /// Lines for the user about the files (what to link them with, ...).
  std::vector<std::string> notes;
};

class Runner : public Component {
 public:
  /// One result per input, in input order. A candidate's failure is its result; throw only
  /// when the runner itself cannot work.
  virtual std::vector<MeasureResult> measure(const std::vector<MeasureInput>& inputs) = 0;
  /// `requested` resolved on this runner's machine (see loom_runner::resolve_target); the
  /// default gives it back as is.
  virtual Target resolve_target(const Target& requested) { return requested; }
  /// Writes files a program links without loom. The default cannot.
  virtual ExportResult export_func(const ExportRequest& request) {
    (void)request;
    throw Error("this runner cannot export kernels", LOOM_ERROR_UNSUPPORTED);
  }
  /// Where the ABI glue keeps the last resolve_target result (its strings must outlive the
  /// call); not for runners' own use.
  Target& resolved_target_storage() { return resolved_; }

 private:
  Target resolved_;
};

namespace detail {

/// Runs `body` and turns any exception into a status and the error's message.
template <typename F>
loom_status guard(loom_error* error, F&& body) {
  try {
    body();
    return LOOM_OK;
  } catch (const Error& e) {
    host().error_set(error, e.status() == LOOM_OK ? LOOM_ERROR : e.status(), to_str(e.what()), to_str(e.kind()));
    return e.status() == LOOM_OK ? LOOM_ERROR : e.status();
  } catch (const std::exception& e) {
    host().error_set(error, LOOM_ERROR, to_str(e.what()), to_str(""));
    return LOOM_ERROR;
  } catch (...) {
    host().error_set(error, LOOM_ERROR, to_str("unknown exception"), to_str(""));
    return LOOM_ERROR;
  }
}

template <typename Base, typename T>
loom_status create(void*, const loom_config* config, void** instance, loom_error* error) {
  return guard(error, [&] { *instance = static_cast<Base*>(new T(Config(config))); });
}

template <typename Base>
void destroy(void* instance) {
  delete static_cast<Base*>(instance);
}

template <typename Base>
loom_status initialize(void* instance, const loom_tuning_context* context, loom_error* error) {
  return guard(error, [&] {
    if (context == nullptr) throw Error("initialize: no tuning context", LOOM_ERROR_ARGUMENT);
    static_cast<Base*>(instance)->initialize(TuningContext::from_c(*context));
  });
}

/// Clones by T's copy constructor; null (the host re-creates) when T has none.
template <typename Base, typename T>
constexpr loom_status (*clone_fn())(void*, void**, loom_error*) {
  if constexpr (std::is_copy_constructible_v<T>) {
    return [](void* instance, void** out, loom_error* error) {
      *out = nullptr;
      return guard(error, [&] {
        const T& self = static_cast<const T&>(*static_cast<Base*>(instance));
        *out = static_cast<Base*>(new T(self));
      });
    };
  } else {
    return nullptr;
  }
}

inline loom_status rule_apply(void* instance, const loom_schedule* sch, loom_value block, loom_schedule_list* out,
                              loom_error* error) {
  return guard(error, [&] {
    std::vector<Schedule> results =
        static_cast<ScheduleRule*>(instance)->apply(Schedule::borrow(sch), BlockRV{block.rv});
    for (Schedule& s : results) host().sch_list_push(out, s.release());
  });
}

inline loom_status mutator_apply(void* instance, const loom_trace* trace, loom_rng* rng, loom_trace** out,
                                 loom_error* error) {
  *out = nullptr;
  return guard(error, [&] {
    Trace borrowed(const_cast<loom_trace*>(trace), false);
    Rng r(rng);
    std::optional<Trace> result = static_cast<Mutator*>(instance)->apply(borrowed, r);
    if (result) *out = result->release();
  });
}

inline loom_status postproc_apply(void* instance, loom_schedule* sch, int* ok, loom_error* error) {
  *ok = 0;
  return guard(error, [&] {
    Schedule s = Schedule::borrow(sch);
    *ok = static_cast<Postproc*>(instance)->apply(s) ? 1 : 0;
  });
}

inline loom_status cost_update(void* instance, const loom_features* f, const double* throughputs, loom_error* error) {
  return guard(error, [&] {
    static_cast<CostModel*>(instance)->update(Features{f},
                                              std::vector<double>(throughputs, throughputs + f->n_candidates));
  });
}
inline loom_status cost_predict(void* instance, const loom_features* f, double* scores, loom_error* error) {
  return guard(error, [&] {
    std::vector<double> s = static_cast<CostModel*>(instance)->predict(Features{f});
    if (s.size() != f->n_candidates) throw Error("predict returned the wrong number of scores", LOOM_ERROR_INTERNAL);
    std::copy(s.begin(), s.end(), scores);
  });
}
inline loom_status cost_save(void* instance, loom_str path, loom_error* error) {
  return guard(error, [&] { static_cast<CostModel*>(instance)->save(std::string(view(path))); });
}
inline loom_status cost_load(void* instance, loom_str path, loom_error* error) {
  return guard(error, [&] { static_cast<CostModel*>(instance)->load(std::string(view(path))); });
}

inline loom_status runner_resolve_target(void* instance, const loom_target* requested, loom_target* resolved,
                                         loom_error* error) {
  return guard(error, [&] {
    // The strings of *resolved must outlive the call: the instance keeps the last result.
    Runner* runner = static_cast<Runner*>(instance);
    Target& last = runner->resolved_target_storage();
    last = runner->resolve_target(Target::from_c(*requested));
    uint32_t size = resolved->struct_size;
    loom_target full = last.to_c();
    std::memcpy(reinterpret_cast<char*>(resolved) + sizeof(uint32_t),
                reinterpret_cast<const char*>(&full) + sizeof(uint32_t),
                std::min<size_t>(size, LOOM_TARGET_STRUCT_SIZE) - sizeof(uint32_t));
  });
}

inline loom_status runner_export(void* instance, const loom_export_request* request, loom_error* error) {
  return guard(error, [&] {
    ExportRequest r;
    r.func = ir::Func::copy_of(request->func);
    r.name = std::string(view(request->name));
    r.symbol = std::string(view(request->symbol));
    r.directory = std::string(view(request->directory));
    r.origin = std::string(view(request->origin));
    if (request->target != nullptr) r.target = Target::from_c(*request->target);
    ExportResult result = static_cast<Runner*>(instance)->export_func(r);
    if (request->on_file != nullptr) {
      for (const std::string& f : result.files) request->on_file(request->userdata, to_str(f));
    }
    if (LOOM_HAS_FIELD(request, loom_export_request, on_note) && request->on_note != nullptr) {
      for (const std::string& n : result.notes) request->on_note(request->userdata, to_str(n));
    }
  });
}

inline loom_status runner_measure(void* instance, const loom_measure_input* inputs, size_t n,
                                  loom_measure_result* results, loom_error* error) {
  return guard(error, [&] {
    std::vector<MeasureInput> in;
    in.reserve(n);
    for (size_t k = 0; k < n; ++k) {
      const loom_measure_input& c = inputs[k];
      MeasureInput m;
      m.func = ir::Func::copy_of(c.func);
      if (LOOM_HAS_FIELD(&c, loom_measure_input, target)) m.target = std::string(view(c.target));
      if (LOOM_HAS_FIELD(&c, loom_measure_input, reference)) m.reference = ir::Func::copy_of(c.reference);
      in.push_back(std::move(m));
    }
    std::vector<MeasureResult> out = static_cast<Runner*>(instance)->measure(in);
    if (out.size() != n) throw Error("measure returned the wrong number of results", LOOM_ERROR_INTERNAL);
    for (size_t k = 0; k < n; ++k) {
      loom_measure_result& r = results[k];
      const MeasureResult& m = out[k];
      r.status = m.status;
      if (m.status != LOOM_OK && r.error != nullptr)
        host().error_set(r.error, m.status, to_str(m.error), to_str(m.error_kind));
      size_t written = std::min(m.times_s.size(), r.times_s == nullptr ? size_t{0} : r.times_cap);
      std::copy(m.times_s.begin(), m.times_s.begin() + static_cast<ptrdiff_t>(written), r.times_s);
      r.n_times = m.times_s.size();
      if (LOOM_HAS_FIELD(&r, loom_measure_result, build_s)) r.build_s = m.build_s;
      if (LOOM_HAS_FIELD(&r, loom_measure_result, run_s)) r.run_s = m.run_s;
      if (LOOM_HAS_FIELD(&r, loom_measure_result, number)) r.number = m.number;
    }
  });
}

}  // namespace detail

/// Where LOOM_DEFINE_PLUGIN's body registers components.
class Registry {
 public:
  Registry(const loom_host_api* host_table, loom_registrar* registrar) : registrar_(registrar) { set_host(host_table); }

  /// Registers T (constructible from Config, derived from ScheduleRule) as `name`.
  template <typename T>
  void add_rule(std::string_view name, std::string_view version, std::string_view description) {
    loom_schedule_rule c{};
    fill<ScheduleRule, T>(c.base, LOOM_COMPONENT_SCHEDULE_RULE, LOOM_SCHEDULE_RULE_STRUCT_SIZE, name, version,
                          description);
    c.apply = detail::rule_apply;
    c.initialize = detail::initialize<ScheduleRule>;
    c.clone = detail::clone_fn<ScheduleRule, T>();
    add(c.base);
  }
  template <typename T>
  void add_mutator(std::string_view name, std::string_view version, std::string_view description) {
    loom_mutator c{};
    fill<Mutator, T>(c.base, LOOM_COMPONENT_MUTATOR, LOOM_MUTATOR_STRUCT_SIZE, name, version, description);
    c.apply = detail::mutator_apply;
    c.initialize = detail::initialize<Mutator>;
    c.clone = detail::clone_fn<Mutator, T>();
    add(c.base);
  }
  template <typename T>
  void add_postproc(std::string_view name, std::string_view version, std::string_view description) {
    loom_postproc c{};
    fill<Postproc, T>(c.base, LOOM_COMPONENT_POSTPROC, LOOM_POSTPROC_STRUCT_SIZE, name, version, description);
    c.apply = detail::postproc_apply;
    c.initialize = detail::initialize<Postproc>;
    c.clone = detail::clone_fn<Postproc, T>();
    add(c.base);
  }
  template <typename T>
  void add_cost_model(std::string_view name, std::string_view version, std::string_view description) {
    loom_cost_model c{};
    fill<CostModel, T>(c.base, LOOM_COMPONENT_COST_MODEL, LOOM_COST_MODEL_STRUCT_SIZE, name, version, description);
    c.initialize = detail::initialize<CostModel>;
    c.clone = detail::clone_fn<CostModel, T>();
    c.update = detail::cost_update;
    c.predict = detail::cost_predict;
    c.save = detail::cost_save;
    c.load = detail::cost_load;
    add(c.base);
  }
  template <typename T>
  void add_runner(std::string_view name, std::string_view version, std::string_view description) {
    loom_runner c{};
    fill<Runner, T>(c.base, LOOM_COMPONENT_RUNNER, LOOM_RUNNER_STRUCT_SIZE, name, version, description);
    c.measure = detail::runner_measure;
    c.initialize = detail::initialize<Runner>;
    c.clone = detail::clone_fn<Runner, T>();
    c.resolve_target = detail::runner_resolve_target;
    c.export_func = detail::runner_export;
    add(c.base);
  }

 private:
  template <typename Base, typename T>
  static void fill(loom_component& base, loom_component_kind kind, size_t size, std::string_view name,
                   std::string_view version, std::string_view description) {
    base.struct_size = static_cast<uint32_t>(size);
    base.kind = kind;
    base.name = to_str(name);
    base.version = to_str(version);
    base.description = to_str(description);
    base.create = detail::create<Base, T>;
    base.destroy = detail::destroy<Base>;
  }
  void add(const loom_component& component) { call_host(host().register_component, registrar_, &component); }
  loom_registrar* registrar_;
};

}  // namespace loom::plugin

/// Defines the plugin's entry point; the body registers components on `registry`:
///   LOOM_DEFINE_PLUGIN("acme.rules", "1.0") { registry.add_rule<MyRule>("acme.my_rule", "1.0", "..."); }
#define LOOM_DEFINE_PLUGIN(plugin_name, plugin_version)                                                              \
  static void loom_plugin_register_body(::loom::plugin::Registry& registry);                                         \
  static loom_status loom_plugin_register(const loom_host_api* host, loom_registrar* registrar, loom_error* error) { \
    ::loom::plugin::set_host(host);                                                                                  \
    return ::loom::plugin::detail::guard(error, [&] {                                                                \
      ::loom::plugin::Registry registry(host, registrar);                                                            \
      loom_plugin_register_body(registry);                                                                           \
    });                                                                                                              \
  }                                                                                                                  \
  extern "C" LOOM_PLUGIN_ENTRY {                                                                                     \
    static const loom_plugin_info info = {LOOM_PLUGIN_INFO_STRUCT_SIZE,                                              \
                                          LOOM_ABI_MAJOR,                                                            \
                                          LOOM_ABI_MINOR,                                                            \
                                          {plugin_name, sizeof(plugin_name) - 1},                                    \
                                          {plugin_version, sizeof(plugin_version) - 1},                              \
                                          loom_plugin_register};                                                     \
    return &info;                                                                                                    \
  }                                                                                                                  \
  static void loom_plugin_register_body(::loom::plugin::Registry& registry)
