// Annotation primitives: annotate and unannotate a block or a loop with a string key
// (TVM's src/tir/schedule/primitive/annotate.cc semantics). Annotations are hints for later
// passes (unroll depth, vectorization, layout); they never change the program's result.
#include "families.h"
#include "fmt/format.h"
#include "loom/sched/schedule.h"
#include "tree.h"
#include "value_format.h"

namespace loom::sched {

namespace {

LOOM_SCHEDULE_ERROR(InvalidAnnotationValueError, "InvalidAnnotationValue");
LOOM_SCHEDULE_ERROR(AnnotationNotFoundError, "AnnotationNotFound");

/// The IR annotation value of an instruction value: integers, floats, strings, booleans (as
/// 0/1), integer random variables (by their value) and lists of those.
ir::AnnValue to_ann_value(const Schedule& sch, const Value& v, const char* primitive, const std::string& key) {
  if (v.is<int64_t>()) return ir::AnnValue(v.as<int64_t>());
  if (v.is<bool>()) return ir::AnnValue(int64_t{v.as<bool>() ? 1 : 0});
  if (v.is<double>()) return ir::AnnValue(v.as<double>());
  if (v.is<std::string>()) return ir::AnnValue(v.as<std::string>());
  if (v.is<ExprRV>()) return ir::AnnValue(sch.get(v.as<ExprRV>()));
  if (v.is<std::vector<Value>>()) {
    std::vector<ir::AnnValue> list;
    for (const Value& x : v.as<std::vector<Value>>()) list.push_back(to_ann_value(sch, x, primitive, key));
    return ir::AnnValue(std::move(list));
  }
  throw InvalidAnnotationValueError(primitive,
                                    "the value of annotation \"{}\" must be an integer, a "
                                    "float, a string or an integer random variable, got {}",
                                    key, v.is_none() ? "None" : "a block or loop");
}

/// The block with other annotations, rebuilt field by field.
ir::Block with_annotations(const ir::BlockNode* b, ir::Annotations anns) {
  return ir::Block::make(b->name, b->iter_vars, b->reads, b->writes, b->body, b->init, b->alloc_buffers,
                         b->match_buffers, std::move(anns));
}

ir::Stmt with_annotations(const ir::ForNode* f, ir::Annotations anns) {
  return ir::ForNode::make(f->loop_var, f->min, f->extent, f->for_kind, f->body, f->thread_tag, std::move(anns));
}

void replace_block(Schedule& sch, const BlockRV& rv, ir::Annotations anns, const char* primitive) {
  ir::Block b = sch.get(rv);
  const std::string func = sch.func_of(rv);
  sch.update_func(func,
                  detail::replace_in_func(sch.mod().at(func), b.get(), with_annotations(b.get(), std::move(anns))),
                  primitive);
}

void replace_loop(Schedule& sch, const LoopRV& rv, ir::Annotations anns, const char* primitive) {
  const ir::ForNode* f = sch.get(rv);
  const std::string func = sch.func_of(rv);
  sch.update_func(func, detail::replace_in_func(sch.mod().at(func), f, with_annotations(f, std::move(anns))),
                  primitive);
}

std::string known_keys(const ir::Annotations& anns) {
  if (anns.empty()) return "it has no annotations";
  std::string out = "its annotations are";
  bool first = true;
  for (const auto& [k, v] : anns) {
    out += (first ? " \"" : ", \"") + k + "\"";
    first = false;
  }
  return out;
}

}  // namespace

void Schedule::annotate(const BlockRV& block, const std::string& ann_key, const Value& ann_val) {
  ir::Block b = get(block);
  ir::Annotations anns = b->annotations;
  anns[ann_key] = to_ann_value(*this, ann_val, "annotate", ann_key);
  replace_block(*this, block, std::move(anns), "annotate");
  record("Annotate", {block, ann_val}, {Value(ann_key)}, {});
}

void Schedule::annotate(const LoopRV& loop, const std::string& ann_key, const Value& ann_val) {
  const ir::ForNode* f = get(loop);
  ir::Annotations anns = f->annotations;
  anns[ann_key] = to_ann_value(*this, ann_val, "annotate", ann_key);
  replace_loop(*this, loop, std::move(anns), "annotate");
  record("Annotate", {loop, ann_val}, {Value(ann_key)}, {});
}

void Schedule::unannotate(const BlockRV& block, const std::string& ann_key) {
  ir::Block b = get(block);
  ir::Annotations anns = b->annotations;
  if (!anns.erase(ann_key))
    throw AnnotationNotFoundError("unannotate", "block {} has no annotation \"{}\" ({})", b->name, ann_key,
                                  known_keys(b->annotations));
  replace_block(*this, block, std::move(anns), "unannotate");
  record("Unannotate", {block}, {Value(ann_key)}, {});
}

void Schedule::unannotate(const LoopRV& loop, const std::string& ann_key) {
  const ir::ForNode* f = get(loop);
  ir::Annotations anns = f->annotations;
  if (!anns.erase(ann_key))
    throw AnnotationNotFoundError("unannotate", "loop {} has no annotation \"{}\" ({})", f->loop_var.name(), ann_key,
                                  known_keys(f->annotations));
  replace_loop(*this, loop, std::move(anns), "unannotate");
  record("Unannotate", {loop}, {Value(ann_key)}, {});
}

namespace detail {

void register_annotation_kinds(InstructionRegistry& r) {
  using Role = InstParam::Role;
  r.add({"Annotate",
         "annotate",
         {{"block_or_loop", Role::Input, std::nullopt, ParamKind::BlockOrLoop},
          {"ann_key", Role::Attr, std::nullopt},
          {"ann_val", Role::Input, std::nullopt}},
         false,
         false,
         false,
         [](Schedule& sch, const std::vector<Value>& inputs, const std::vector<Value>& attrs, const Value&) {
           const Value& target = inputs.at(0);
           const std::string& key = as_string(attrs.at(0), "ann_key");
           if (target.is<LoopRV>()) {
             sch.annotate(target.as<LoopRV>(), key, inputs.at(1));
           } else {
             sch.annotate(as_block(target, "block_or_loop"), key, inputs.at(1));
           }
           return std::vector<Value>{};
         }});
  r.add({"Unannotate",
         "unannotate",
         {{"block_or_loop", Role::Input, std::nullopt, ParamKind::BlockOrLoop}, {"ann_key", Role::Attr, std::nullopt}},
         false,
         false,
         false,
         [](Schedule& sch, const std::vector<Value>& inputs, const std::vector<Value>& attrs, const Value&) {
           const Value& target = inputs.at(0);
           const std::string& key = as_string(attrs.at(0), "ann_key");
           if (target.is<LoopRV>()) {
             sch.unannotate(target.as<LoopRV>(), key);
           } else {
             sch.unannotate(as_block(target, "block_or_loop"), key);
           }
           return std::vector<Value>{};
         }});
}

}  // namespace detail
}  // namespace loom::sched
