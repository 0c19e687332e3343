// Functions and modules: the unit a user writes (`@T.prim_func`) and a collection of them
// (`@I.ir_module`).
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "loom/ir/stmt.h"

namespace loom::ir {

/// A tensor function: parameters (each a Var; a handle Var bound to a Buffer through
/// buffer_map, or a scalar), a body and attributes. The body of a scheduled-IR function is
/// a BlockRealize of the root block (named "root", no iteration variables); the parser adds
/// it when the text leaves it implicit.
class PrimFuncNode : public Object {
 public:
  static constexpr NodeKind kKind = NodeKind::PrimFunc;
  PrimFuncNode(std::string name, std::vector<Var> params, std::vector<std::pair<Var, Buffer>> buffer_map,
               Stmt body, Annotations attrs)
      : Object(kKind),
        name(std::move(name)),
        params(std::move(params)),
        buffer_map(std::move(buffer_map)),
        body(std::move(body)),
        attrs(std::move(attrs)) {}
  const std::string name;
  const std::vector<Var> params;
  /// Param var -> buffer, in parameter order (only the handle params have an entry).
  const std::vector<std::pair<Var, Buffer>> buffer_map;
  const Stmt body;
  const Annotations attrs;

  /// The buffer bound to a parameter, or a null Buffer for a scalar parameter.
  Buffer buffer_of(const Var& param) const;
  /// All parameter buffers in parameter order.
  std::vector<Buffer> param_buffers() const;
};

class PrimFunc : public Ref<PrimFuncNode> {
 public:
  using Ref<PrimFuncNode>::Ref;
  PrimFunc() = default;
  PrimFunc(const Ref<PrimFuncNode>& ref) : Ref<PrimFuncNode>(ref) {}  // NOLINT
  /// Checks that every buffer_map key is a parameter.
  static PrimFunc make(std::string name, std::vector<Var> params,
                       std::vector<std::pair<Var, Buffer>> buffer_map, Stmt body, Annotations attrs = {});
  /// The same function with another body.
  PrimFunc with_body(Stmt body) const;
};

/// A set of functions by name (ordered, so printing is deterministic).
class IRModule {
 public:
  IRModule() = default;
  explicit IRModule(std::map<std::string, PrimFunc> functions) : functions_(std::move(functions)) {}
  /// A module with one function, keyed by the function's name.
  static IRModule from_func(const PrimFunc& func);

  const std::map<std::string, PrimFunc>& functions() const { return functions_; }
  /// The function called `name`; throws UserError naming the known functions if absent.
  const PrimFunc& at(const std::string& name) const;
  bool contains(const std::string& name) const { return functions_.count(name) != 0; }
  void add(const PrimFunc& func);
  void update(const std::string& name, const PrimFunc& func);
  size_t size() const { return functions_.size(); }

 private:
  std::map<std::string, PrimFunc> functions_;
};

}  // namespace loom::ir
