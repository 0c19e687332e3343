// Loop annotation primitives: parallel, vectorize, unroll, bind (TVM's
// src/tir/schedule/primitive/for_kind.cc semantics). They change a loop's kind (and thread
// tag), never its iterations, after checking that the iterations are independent.
#include <set>

#include "families.h"
#include "fmt/format.h"
#include "loom/arith/iter_map.h"
#include "loom/ir/builder.h"
#include "loom/ir/visitor.h"
#include "loom/sched/analysis.h"
#include "loom/sched/schedule.h"
#include "tree.h"
#include "value_format.h"

namespace loom::sched {

namespace {

LOOM_SCHEDULE_ERROR(LoopKindConflictError, "LoopKindConflict");
LOOM_SCHEDULE_ERROR(InvalidThreadAxisError, "InvalidThreadAxis");

/// What the user asked for, in words ("parallelize", "vectorize", "unroll", "bind").
const char* verb(ir::ForKind kind) {
  switch (kind) {
    case ir::ForKind::Parallel:
      return "parallelize";
    case ir::ForKind::Vectorized:
      return "vectorize";
    case ir::ForKind::Unrolled:
      return "unroll";
    case ir::ForKind::ThreadBinding:
      return "bind";
    case ir::ForKind::Serial:
      break;
  }
  return "serialize";
}

/// The loop's current kind, in words ("vectorized", "bound to threadIdx.x").
std::string kind_words(const ir::ForNode* loop) {
  switch (loop->for_kind) {
    case ir::ForKind::Parallel:
      return "parallel";
    case ir::ForKind::Vectorized:
      return "vectorized";
    case ir::ForKind::Unrolled:
      return "unrolled";
    case ir::ForKind::ThreadBinding:
      return "bound to " + loop->thread_tag;
    case ir::ForKind::Serial:
      break;
  }
  return "serial";
}

/// True for TVM's thread tags: blockIdx.{x,y,z}, threadIdx.{x,y,z}, vthread, vthread.{x,y,z}.
bool valid_thread_tag(const std::string& tag) {
  static const std::set<std::string> tags = {"blockIdx.x",  "blockIdx.y", "blockIdx.z", "threadIdx.x", "threadIdx.y",
                                             "threadIdx.z", "vthread",    "vthread.x",  "vthread.y",   "vthread.z"};
  return tags.count(tag) != 0;
}

bool uses_var(const ir::Expr& e, const ir::VarNode* var) {
  bool found = false;
  ir::post_order_visit(e, [&](const ir::Object* n) { found = found || n == var; });
  return found;
}

/// TVM's CheckParallelizability for one block directly under the loop: 1) only spatial and
/// reduction iterators; 2) affine bindings; 3) the loop variable only reaches spatial
/// iterators (or a reduction iterator bound to threadIdx, a cross-thread reduction).
void check_block(const ir::PrimFunc& func, const ir::BlockRealizeNode* realize, const ir::ForNode* loop,
                 ir::ForKind kind, const std::string& thread_tag, const char* prim) {
  const ir::BlockNode* b = realize->block.get();
  check_spatial_or_reduction_iters(prim, b);
  check_affine_binding(prim, func, b);
  bool cross_thread = kind == ir::ForKind::ThreadBinding && thread_tag.rfind("threadIdx.", 0) == 0;
  for (size_t i = 0; i < b->iter_vars.size(); ++i) {
    const ir::IterVar& iv = b->iter_vars[i];
    if (iv.type == ir::IterType::DataPar || !uses_var(realize->iter_values[i], loop->loop_var.get())) continue;
    if (iv.type == ir::IterType::CommReduce && cross_thread) continue;
    throw WrongBlockIterTypeError(prim,
                                  "loop {} is bound to the reduction iterator {} of block {}; only "
                                  "loops over spatial iterators can be {}",
                                  loop->loop_var.name(), iv.var.name(), b->name,
                                  kind == ir::ForKind::ThreadBinding ? "bound to threads"
                                  : kind == ir::ForKind::Parallel    ? "parallelized"
                                                                     : "vectorized");
  }
}

/// Gives the loop `kind` (and `thread_tag`) after the checks; records nothing.
void set_loop_kind(Schedule& sch, const LoopRV& loop_rv, ir::ForKind kind, const std::string& thread_tag,
                   const char* primitive) {
  const ir::ForNode* loop = sch.get(loop_rv);
  const std::string func_name = sch.func_of(loop_rv);
  const ir::PrimFunc& func = sch.mod().at(func_name);
  // 1. The loop is serial, or already of the requested kind.
  bool same = loop->for_kind == kind && loop->thread_tag == thread_tag;
  if (loop->for_kind != ir::ForKind::Serial && !same)
    throw LoopKindConflictError(primitive, "loop {} is already {}, cannot {} it", loop->loop_var.name(),
                                kind_words(loop), verb(kind));
  if (kind == ir::ForKind::ThreadBinding && !valid_thread_tag(thread_tag))
    throw InvalidThreadAxisError(primitive,
                                 "\"{}\" is not a thread axis (expected blockIdx.x/y/z, "
                                 "threadIdx.x/y/z or vthread), cannot bind loop {}",
                                 thread_tag, loop->loop_var.name());
  // 2. Every block below keeps its meaning when the iterations run in any order: the subtree
  //    has compact data flow, and each block's bindings allow it.
  if (kind != ir::ForKind::Unrolled) {
    check_compact_data_flow(primitive, func, loop);
    for (const ir::BlockRealizeNode* r : detail::child_block_realizes(loop->body))
      check_block(func, r, loop, kind, thread_tag, primitive);
  }
  // 3. The same loop with the new kind.
  ir::Stmt new_loop =
      ir::ForNode::make(loop->loop_var, loop->min, loop->extent, kind, loop->body, thread_tag, loop->annotations);
  sch.update_func(func_name, detail::replace_in_func(func, loop, new_loop), primitive);
}

}  // namespace

void Schedule::parallel(const LoopRV& loop) {
  set_loop_kind(*this, loop, ir::ForKind::Parallel, "", "parallel");
  record("Parallel", {loop}, {}, {});
}

void Schedule::vectorize(const LoopRV& loop) {
  set_loop_kind(*this, loop, ir::ForKind::Vectorized, "", "vectorize");
  record("Vectorize", {loop}, {}, {});
}

void Schedule::unroll(const LoopRV& loop) {
  set_loop_kind(*this, loop, ir::ForKind::Unrolled, "", "unroll");
  record("Unroll", {loop}, {}, {});
}

void Schedule::bind(const LoopRV& loop, const std::string& thread_axis) {
  set_loop_kind(*this, loop, ir::ForKind::ThreadBinding, thread_axis, "bind");
  record("Bind", {loop}, {Value(thread_axis)}, {});
}

namespace detail {

void register_for_kind_kinds(InstructionRegistry& r) {
  using Role = InstParam::Role;
  auto simple = [&r](const char* name, const char* python, void (Schedule::*fn)(const LoopRV&)) {
    r.add({name,
           python,
           {{"loop", Role::Input, std::nullopt, ParamKind::Loop}},
           false,
           false,
           false,
           [fn](Schedule& sch, const std::vector<Value>& inputs, const std::vector<Value>&, const Value&) {
             (sch.*fn)(as_loop(inputs.at(0), "loop"));
             return std::vector<Value>{};
           }});
  };
  simple("Parallel", "parallel", &Schedule::parallel);
  simple("Vectorize", "vectorize", &Schedule::vectorize);
  simple("Unroll", "unroll", &Schedule::unroll);
  r.add({"Bind",
         "bind",
         {{"loop", Role::Input, std::nullopt, ParamKind::Loop}, {"thread_axis", Role::Attr, std::nullopt}},
         false,
         false,
         false,
         [](Schedule& sch, const std::vector<Value>& inputs, const std::vector<Value>& attrs, const Value&) {
           sch.bind(as_loop(inputs.at(0), "loop"), as_string(attrs.at(0), "thread_axis"));
           return std::vector<Value>{};
         }});
}

}  // namespace detail
}  // namespace loom::sched
