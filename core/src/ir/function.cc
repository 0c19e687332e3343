// Functions and modules.
#include "loom/ir/function.h"

#include "fmt/format.h"
#include "loom/ir/error.h"

namespace loom::ir {

Buffer PrimFuncNode::buffer_of(const Var& param) const {
  for (const auto& [var, buffer] : buffer_map) {
    if (var.same_as(param)) return buffer;
  }
  return Buffer();
}

std::vector<Buffer> PrimFuncNode::param_buffers() const {
  std::vector<Buffer> out;
  for (const Var& p : params) {
    if (Buffer b = buffer_of(p); b.defined()) out.push_back(b);
  }
  return out;
}

PrimFunc PrimFunc::make(std::string name, std::vector<Var> params, std::vector<std::pair<Var, Buffer>> buffer_map,
                        Stmt body, Annotations attrs) {
  for (const auto& [var, buffer] : buffer_map) {
    bool found = false;
    for (const Var& p : params) found = found || p.same_as(var);
    if (!found)
      throw UserError(fmt::format("function {}: buffer {} is bound to {}, which is not a parameter", name,
                                  buffer.defined() ? buffer->name : "?", var.defined() ? var.name() : "?"));
    if (!buffer.defined())
      throw UserError(fmt::format("function {}: parameter {} is bound to no buffer", name, var.name()));
  }
  if (!body.defined()) throw UserError(fmt::format("function {}: the body is empty", name));
  return PrimFunc(
      new PrimFuncNode(std::move(name), std::move(params), std::move(buffer_map), std::move(body), std::move(attrs)));
}

PrimFunc PrimFunc::with_body(Stmt body) const {
  const PrimFuncNode* n = get();
  return make(n->name, n->params, n->buffer_map, std::move(body), n->attrs);
}

IRModule IRModule::from_func(const PrimFunc& func) {
  IRModule mod;
  mod.add(func);
  return mod;
}

const PrimFunc& IRModule::at(const std::string& name) const {
  auto it = functions_.find(name);
  if (it == functions_.end()) {
    std::string known;
    for (const auto& [n, f] : functions_) known += (known.empty() ? "" : ", ") + n;
    throw UserError(
        fmt::format("no function named '{}' in the module (it has: {})", name, known.empty() ? "none" : known));
  }
  return it->second;
}

void IRModule::add(const PrimFunc& func) {
  if (functions_.count(func->name))
    throw UserError(fmt::format("the module already has a function named '{}'", func->name));
  functions_.emplace(func->name, func);
}

void IRModule::update(const std::string& name, const PrimFunc& func) { functions_[name] = func; }

}  // namespace loom::ir
