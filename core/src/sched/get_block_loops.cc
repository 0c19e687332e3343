// Query primitives: get_block, get_loops, get_child_blocks, get_producers, get_consumers.
// They do not change the IR; they record instructions so a trace can name what it uses.
// The non-recording forms they are defined by (analysis.h's loops_above_block,
// producer_blocks, consumer_blocks, func_holding) live here too.
#include <set>

#include "families.h"
#include "fmt/format.h"
#include "loom/ir/visitor.h"
#include "loom/sched/analysis.h"
#include "loom/sched/schedule.h"
#include "tree.h"
#include "value_format.h"

namespace loom::sched {

namespace {

LOOM_SCHEDULE_ERROR(BlockNotFoundError, "BlockNotFound");

std::vector<Value> to_values(const std::vector<BlockRV>& rvs) { return {rvs.begin(), rvs.end()}; }
std::vector<Value> to_values(const std::vector<LoopRV>& rvs) { return {rvs.begin(), rvs.end()}; }

/// The blocks in the same scope as `block` (children of its scope block), in program order.
std::vector<const ir::BlockRealizeNode*> sibling_blocks(const ir::PrimFunc& func, const ir::BlockNode* block) {
  auto path = detail::find_block(func, block->name);
  LOOM_ICHECK(path.has_value() && path->target().get() == block,
              "block query: block " + block->name + " is not in function " + func->name);
  const ir::BlockRealizeNode* scope = detail::scope_realize(*path);
  if (!scope) return {};
  return detail::child_block_realizes(scope->block->body);
}

}  // namespace

// ----- Queries that do not record (analysis.h) ---------------------------------------------

std::vector<const ir::ForNode*> loops_above_block(const ir::PrimFunc& func, const ir::BlockNode* block) {
  auto path = detail::find_block(func, block->name);
  LOOM_ICHECK(path.has_value() && path->target().get() == block,
              "block query: block " + block->name + " is not in function " + func->name);
  return detail::loops_above(*path);
}

std::vector<const ir::BlockNode*> producer_blocks(const ir::PrimFunc& func, const ir::BlockNode* block) {
  detail::BufferSet reads = detail::buffers_of(block->reads);
  std::vector<const ir::BlockNode*> out;
  for (const ir::BlockRealizeNode* r : sibling_blocks(func, block)) {
    if (r->block.get() == block) break;  // producers come before the block
    for (const ir::BufferRegion& w : r->block->writes) {
      if (reads.count(w.buffer.get())) {
        out.push_back(r->block.get());
        break;
      }
    }
  }
  return out;
}

std::vector<const ir::BlockNode*> consumer_blocks(const ir::PrimFunc& func, const ir::BlockNode* block) {
  detail::BufferSet writes = detail::buffers_of(block->writes);
  std::vector<const ir::BlockNode*> out;
  bool after = false;
  for (const ir::BlockRealizeNode* r : sibling_blocks(func, block)) {
    if (r->block.get() == block) {
      after = true;
      continue;
    }
    if (!after) continue;
    for (const ir::BufferRegion& rd : r->block->reads) {
      if (writes.count(rd.buffer.get())) {
        out.push_back(r->block.get());
        break;
      }
    }
  }
  return out;
}

std::string func_holding(const ir::IRModule& mod, const ir::Object* node) {
  if (node == nullptr) return {};
  for (const auto& [name, func] : mod.functions()) {
    bool found = false;
    ir::post_order_visit(func->body, [&](const ir::Object* n) { found = found || n == node; });
    if (found) return name;
  }
  return {};
}

// ----- The recording queries -------------------------------------------------------------------

BlockRV Schedule::get_block(const std::string& name, const std::string& func_name) {
  std::string func = func_name.empty() ? default_func_ : func_name;
  if (!mod_.contains(func)) throw BlockNotFoundError("get_block", "no function named {} in the module", func);
  if (!detail::find_block(mod_.at(func), name))
    throw BlockNotFoundError("get_block", "no block named {} in function {}", name, func);
  BlockRV rv = new_block_rv(func, name);
  record("GetBlock", {}, {Value(name), Value(func)}, {rv});
  return rv;
}

std::vector<LoopRV> Schedule::get_loops(const BlockRV& block) {
  ir::Block b = get(block);
  const std::string func = func_of(block);
  std::vector<LoopRV> loops;
  for (const ir::ForNode* loop : loops_above_block(mod_.at(func), b.get()))
    loops.push_back(new_loop_rv(func, loop->loop_var));
  record("GetLoops", {block}, {}, to_values(loops));
  return loops;
}

std::vector<BlockRV> Schedule::get_child_blocks(const BlockRV& block) {
  ir::Block b = get(block);
  std::vector<BlockRV> out;
  for (const ir::BlockRealizeNode* r : detail::child_block_realizes(b->body))
    out.push_back(new_block_rv(func_of(block), r->block->name));
  record("GetChildBlocks", {block}, {}, to_values(out));
  return out;
}

std::vector<BlockRV> Schedule::get_child_blocks(const LoopRV& loop) {
  const ir::ForNode* f = get(loop);
  std::vector<BlockRV> out;
  for (const ir::BlockRealizeNode* r : detail::child_block_realizes(f->body))
    out.push_back(new_block_rv(func_of(loop), r->block->name));
  record("GetChildBlocks", {loop}, {}, to_values(out));
  return out;
}

std::vector<BlockRV> Schedule::get_producers(const BlockRV& block) {
  ir::Block b = get(block);
  const std::string func = func_of(block);
  std::vector<BlockRV> out;
  for (const ir::BlockNode* p : producer_blocks(mod_.at(func), b.get())) out.push_back(new_block_rv(func, p->name));
  record("GetProducers", {block}, {}, to_values(out));
  return out;
}

std::vector<BlockRV> Schedule::get_consumers(const BlockRV& block) {
  ir::Block b = get(block);
  const std::string func = func_of(block);
  std::vector<BlockRV> out;
  for (const ir::BlockNode* c : consumer_blocks(mod_.at(func), b.get())) out.push_back(new_block_rv(func, c->name));
  record("GetConsumers", {block}, {}, to_values(out));
  return out;
}

namespace detail {

void register_query_kinds(InstructionRegistry& r) {
  using Role = InstParam::Role;
  r.add({"GetBlock",
         "get_block",
         {{"name", Role::Attr, std::nullopt}, {"func_name", Role::Attr, Value("")}},
         true,
         false,
         false,
         [](Schedule& sch, const std::vector<Value>&, const std::vector<Value>& attrs, const Value&) {
           return std::vector<Value>{
               sch.get_block(as_string(attrs.at(0), "name"), as_string(attrs.at(1), "func_name"))};
         }});
  r.add({"GetLoops",
         "get_loops",
         {{"block", Role::Input, std::nullopt, ParamKind::Block}},
         true,
         false,
         true,
         [](Schedule& sch, const std::vector<Value>& inputs, const std::vector<Value>&, const Value&) {
           return to_values(sch.get_loops(as_block(inputs.at(0), "block")));
         }});
  r.add({"GetChildBlocks",
         "get_child_blocks",
         {{"block_or_loop", Role::Input, std::nullopt, ParamKind::BlockOrLoop}},
         true,
         false,
         true,
         [](Schedule& sch, const std::vector<Value>& inputs, const std::vector<Value>&, const Value&) {
           const Value& v = inputs.at(0);
           if (v.is<LoopRV>()) return to_values(sch.get_child_blocks(v.as<LoopRV>()));
           return to_values(sch.get_child_blocks(as_block(v, "block_or_loop")));
         }});
  r.add({"GetProducers",
         "get_producers",
         {{"block", Role::Input, std::nullopt, ParamKind::Block}},
         true,
         false,
         true,
         [](Schedule& sch, const std::vector<Value>& inputs, const std::vector<Value>&, const Value&) {
           return to_values(sch.get_producers(as_block(inputs.at(0), "block")));
         }});
  r.add({"GetConsumers",
         "get_consumers",
         {{"block", Role::Input, std::nullopt, ParamKind::Block}},
         true,
         false,
         true,
         [](Schedule& sch, const std::vector<Value>& inputs, const std::vector<Value>&, const Value&) {
           return to_values(sch.get_consumers(as_block(inputs.at(0), "block")));
         }});
}

}  // namespace detail
}  // namespace loom::sched
