// The instruction-kind registry and the Python rendering of an instruction.
#include "loom/sched/instruction.h"

#include "families.h"
#include "fmt/format.h"
#include "loom/ir/error.h"
#include "value_format.h"

namespace loom::sched {

std::string InstructionKind::as_python(const std::vector<std::string>& inputs, const std::vector<Value>& attrs,
                                       const Value& decision, const std::vector<std::string>& outputs) const {
  std::vector<std::string> attr_text;
  if (python_attrs) {
    attr_text = python_attrs(attrs);
  } else {
    for (const Value& a : attrs) attr_text.push_back(detail::python_literal(a));
  }
  std::vector<std::string> args;
  size_t in = 0, at = 0;
  for (const InstParam& p : params) {
    switch (p.role) {
      case InstParam::Role::Input:
        if (in < inputs.size()) args.push_back(p.name + "=" + inputs[in++]);
        break;
      case InstParam::Role::VariadicInput: {
        if (!p.name.empty() && p.name[0] == '*') {  // Python's *args: the inputs go positionally
          for (; in < inputs.size(); ++in) args.push_back(inputs[in]);
          break;
        }
        std::string list = "[";
        for (; in < inputs.size(); ++in) list += (list.size() > 1 ? ", " : "") + inputs[in];
        args.push_back(p.name + "=" + list + "]");
        break;
      }
      case InstParam::Role::Attr:
        if (at < attr_text.size()) args.push_back(p.name + "=" + attr_text[at++]);
        break;
    }
  }
  if (sampling && !decision.is_none()) args.push_back("decision=" + detail::python_literal(decision));
  std::string call = "sch." + python_name + "(";
  for (size_t i = 0; i < args.size(); ++i) call += (i ? ", " : "") + args[i];
  call += ")";
  if (outputs.empty()) return call;
  std::string lhs;
  for (size_t i = 0; i < outputs.size(); ++i) lhs += (i ? ", " : "") + outputs[i];
  if (list_output && outputs.size() == 1) lhs = "(" + lhs + ",)";
  return lhs + " = " + call;
}

namespace detail {

void register_all_instruction_kinds(InstructionRegistry& r) {
  // One line per primitive family (families.h).
  register_sampling_kinds(r);
  register_query_kinds(r);
  register_compute_at_kinds(r);
  register_compute_inline_kinds(r);
  register_cache_kinds(r);
  register_storage_kinds(r);
  register_reduction_kinds(r);
  register_loop_transformation_kinds(r);
  register_for_kind_kinds(r);
  register_annotation_kinds(r);
  register_reindex_kinds(r);
  register_layout_kinds(r);
  register_pad_einsum_kinds(r);
  register_block_kinds(r);
}

}  // namespace detail

const InstructionRegistry& InstructionRegistry::global() {
  static const InstructionRegistry registry = [] {
    InstructionRegistry r;
    detail::register_all_instruction_kinds(r);
    return r;
  }();
  return registry;
}

void InstructionRegistry::add(InstructionKind kind) {
  LOOM_ICHECK(!kinds_.count(kind.name), "instruction kind registered twice: " + kind.name);
  by_python_[kind.python_name] = kind.name;
  std::string name = kind.name;
  kinds_.emplace(name, std::move(kind));
}

const InstructionKind* InstructionRegistry::find(const std::string& name) const {
  auto it = kinds_.find(name);
  return it == kinds_.end() ? nullptr : &it->second;
}

const InstructionKind* InstructionRegistry::find_python(const std::string& python_name) const {
  auto it = by_python_.find(python_name);
  return it == by_python_.end() ? nullptr : find(it->second);
}

const InstructionKind& InstructionRegistry::at(const std::string& name) const {
  if (const InstructionKind* k = find(name)) return *k;
  throw UserError(fmt::format("unknown instruction kind '{}'", name));
}

std::vector<std::string> InstructionRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, kind] : kinds_) out.push_back(name);
  return out;
}

}  // namespace loom::sched
