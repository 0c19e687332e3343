// Instructions: one recorded call of a schedule primitive, and the registry of instruction
// kinds. A kind is registered once, next to its primitive, and says everything the trace
// machinery needs: its TVM name, its Python spelling and parameters (for printing and for
// reading schedule scripts), and how to apply it to a schedule (for replay).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "loom/sched/value.h"

namespace loom::sched {

class Schedule;

/// What an input parameter takes, declared with the parameter. call_primitive checks the
/// argument against it and, wherever a block is taken, accepts a block name (applied as
/// get_block). Attributes are always literals (Any).
enum class ParamKind : uint8_t {
  Any,          // a literal or a sampled integer (ExprRV); not checked
  Block,        // a BlockRV (or a block name)
  Loop,         // a LoopRV
  BlockOrLoop,  // a BlockRV (or a block name) or a LoopRV
  BlockList,    // a list of BlockRVs (or block names)
};

/// One parameter of a primitive's Python signature.
struct InstParam {
  enum class Role : uint8_t {
    Input,          // a random variable or literal input, recorded in the instruction's inputs
    VariadicInput,  // a list of inputs (e.g. the factors of split, the loops of fuse), flattened;
                    // a name starting with '*' ("*loops") prints positionally, as Python's *args
    Attr,           // a literal attribute, recorded in the instruction's attrs
  };
  std::string name;
  Role role = Role::Input;
  /// The default when the caller omits it (attrs and trailing inputs); nullopt: required.
  std::optional<Value> default_value;
  /// What the parameter takes; for a VariadicInput, what each element of the list is.
  ParamKind kind = ParamKind::Any;
};

/// The kind name of the instruction that marks where postprocessing begins in a trace
/// (Schedule::enter_postproc; Trace::postproc_start finds it).
inline constexpr const char* kEnterPostprocKind = "EnterPostproc";

/// How an instruction kind applies to a schedule: given the inputs (random variables of that
/// schedule, or literals), the attributes and the decision (None when the instruction does
/// not sample, or to sample afresh), call the primitive and return its outputs.
using ApplyFn = std::function<std::vector<Value>(Schedule& sch, const std::vector<Value>& inputs,
                                                 const std::vector<Value>& attrs, const Value& decision)>;

struct InstructionKind {
  /// TVM's instruction-kind name: "GetBlock", "Split", "SamplePerfectTile", ...
  std::string name;
  /// The Python method on `sch`: "get_block", "split", "sample_perfect_tile", ...
  std::string python_name;
  /// The Python parameters in order.
  std::vector<InstParam> params;
  /// True when the instruction does not change the IR (queries, sampling): such an
  /// instruction whose outputs nobody uses is dropped by Trace::simplify.
  bool pure = false;
  /// True for sampling instructions, which carry a decision.
  bool sampling = false;
  /// True when the primitive returns a list (get_loops, split, sample_perfect_tile, ...):
  /// a single output then prints as `(l1,) = ...`.
  bool list_output = false;
  ApplyFn apply;
  /// Optional, for kinds whose Python signature does not list the recorded attributes one
  /// per parameter (reindex records [buffer_index, buffer_index_type] and Python writes
  /// `buffer=("write", 0)`): given the recorded attrs, the rendered Python literal of each
  /// Attr parameter, in order. Unset: each attr renders as its own literal.
  std::function<std::vector<std::string>(const std::vector<Value>& attrs)> python_attrs = nullptr;
  /// The inverse of python_attrs, used when reading schedule scripts: given the values bound
  /// to the Attr parameters, the attrs to record. Throws UserError on a malformed value.
  /// Must be set exactly when python_attrs is.
  std::function<std::vector<Value>(const std::vector<Value>& python_values)> attrs_from_python = nullptr;

  /// The Python line of a call, e.g. `l1, l2 = sch.split(loop=l0, factors=[v3, None], ...)`.
  /// `inputs` are the rendered inputs: names of random variables, or literals.
  std::string as_python(const std::vector<std::string>& inputs, const std::vector<Value>& attrs, const Value& decision,
                        const std::vector<std::string>& outputs) const;
};

/// The registry of instruction kinds, filled by each primitive family's registration
/// function (see InstructionRegistry::global()).
class InstructionRegistry {
 public:
  /// The registry with every built-in kind registered.
  static const InstructionRegistry& global();

  /// Adds a kind; throws InternalError on a duplicate name.
  void add(InstructionKind kind);
  /// nullptr when no kind has that name.
  const InstructionKind* find(const std::string& name) const;
  const InstructionKind* find_python(const std::string& python_name) const;
  /// Throws UserError naming the unknown kind.
  const InstructionKind& at(const std::string& name) const;
  std::vector<std::string> names() const;

 private:
  std::map<std::string, InstructionKind> kinds_;
  std::map<std::string, std::string> by_python_;
};

/// One recorded primitive call. Inputs and outputs refer to random variables of the
/// schedule that recorded them.
struct Instruction {
  const InstructionKind* kind = nullptr;
  std::vector<Value> inputs;
  std::vector<Value> attrs;
  std::vector<Value> outputs;
};

}  // namespace loom::sched
