// Caching primitives: cache_read and cache_write. Each adds a copy stage between a buffer
// and a new buffer in another storage scope, and redirects the accesses of the chosen blocks
// to the new buffer (TVM's CacheRead / CacheWrite).
#include <algorithm>
#include <set>
#include <unordered_map>

#include "families.h"
#include "fmt/format.h"
#include "loom/arith/interval.h"
#include "loom/ir/builder.h"
#include "loom/ir/mutator.h"
#include "loom/sched/analysis.h"
#include "loom/sched/schedule.h"
#include "tree.h"
#include "value_format.h"

namespace loom::sched {

namespace {

LOOM_SCHEDULE_ERROR(InvalidConsumerError, "InvalidConsumer");

bool accesses(const std::vector<ir::BufferRegion>& regions, const ir::Buffer& buffer) {
  return std::any_of(regions.begin(), regions.end(),
                     [&](const ir::BufferRegion& r) { return r.buffer.same_as(buffer); });
}

const ir::BufferRegion* region_of(const std::vector<ir::BufferRegion>& regions, const ir::Buffer& buffer) {
  for (const ir::BufferRegion& r : regions) {
    if (r.buffer.same_as(buffer)) return &r;
  }
  return nullptr;
}

/// Where the copy stage goes: into the body of `loc` (a loop, or the scope block) at
/// position `pos` of its statement sequence.
struct CacheLocation {
  const ir::StmtNode* loc = nullptr;
  size_t pos = 0;
};

/// Finds the insertion point the way TVM does: the stage goes right before the first
/// related block (a consumer), at the deepest statement sequence that holds both the
/// producer (`block`, may be null) and that consumer. Without related blocks, at the end of
/// the scope.
class LocationDetector {
 public:
  LocationDetector(const ir::BlockNode* scope, const ir::BlockNode* block, std::set<const ir::BlockNode*> related)
      : scope_(scope), block_(block), related_(std::move(related)) {}

  CacheLocation detect() {
    if (related_.empty()) return {scope_, body_size(scope_->body)};
    visit(scope_->body);
    if (visited_related_ && !loc_) {
      loc_ = scope_;
      if (!visited_block_ && pos_ < 0) pos_ = 0;
    }
    LOOM_ICHECK(loc_ && pos_ >= 0, "cache: no insertion point found");
    return {loc_, static_cast<size_t>(pos_)};
  }

  static size_t body_size(const ir::Stmt& body) {
    if (const auto* seq = body.as<ir::SeqStmtNode>()) return seq->seq.size();
    return 1;
  }

 private:
  void visit(const ir::Stmt& s) {
    if (!s.defined()) return;
    if (const auto* seq = s.as<ir::SeqStmtNode>()) {
      bool before = visited_block_;
      visited_block_ = false;
      for (size_t i = 0; i < seq->seq.size() && pos_ < 0; ++i) {
        visit(seq->seq[i]);
        if (visited_block_ && visited_related_ && pos_ < 0) {
          pos_ = static_cast<int64_t>(i);
          break;
        }
        if (visited_related_) {
          visited_block_ = visited_block_ || before;
          break;
        }
      }
      return;
    }
    if (const auto* loop = s.as<ir::ForNode>()) {
      visit(loop->body);
      if (visited_block_ && visited_related_ && !loc_ && pos_ >= 0) loc_ = loop;
      return;
    }
    if (const auto* realize = s.as<ir::BlockRealizeNode>()) {
      const ir::BlockNode* b = realize->block.get();
      if (b == block_) visited_block_ = true;
      if (related_.count(b)) visited_related_ = true;
      return;
    }
    if (const auto* ite = s.as<ir::IfThenElseNode>()) {
      visit(ite->then_case);
      visit(ite->else_case);
      return;
    }
    if (const auto* let = s.as<ir::LetStmtNode>()) visit(let->body);
  }

  const ir::BlockNode* scope_;
  const ir::BlockNode* block_;
  std::set<const ir::BlockNode*> related_;
  bool visited_block_ = false;
  bool visited_related_ = false;
  const ir::StmtNode* loc_ = nullptr;
  int64_t pos_ = -1;
};

/// Inserts `stage` into `body` at position `pos` of its statement sequence.
ir::Stmt insert_at(const ir::Stmt& body, size_t pos, const ir::Stmt& stage) {
  std::vector<ir::Stmt> seq;
  if (const auto* s = body.as<ir::SeqStmtNode>()) {
    seq = s->seq;
  } else {
    seq.push_back(body);
  }
  seq.insert(seq.begin() + static_cast<std::ptrdiff_t>(std::min(pos, seq.size())), stage);
  return ir::SeqStmtNode::make(std::move(seq));
}

/// The region of `buffer` written by the block at `path`, with the block's iteration
/// variables replaced by their bindings and the loops below `loc` relaxed over their ranges.
ir::BufferRegion relaxed_write_region(const detail::StmtPath& path, const ir::BufferRegion& region,
                                      const ir::StmtNode* loc) {
  const auto* realize = path.nodes[path.nodes.size() - 2].as<ir::BlockRealizeNode>();
  const ir::BlockNode* block = realize->block.get();
  std::unordered_map<ir::Var, ir::Expr, ir::RefHash, ir::RefEqual> bind;
  for (size_t i = 0; i < block->iter_vars.size(); ++i) bind[block->iter_vars[i].var] = realize->iter_values[i];
  arith::VarIntervalMap dom;
  bool below = false;
  std::vector<const ir::ForNode*> loops = detail::loops_above(path);
  if (std::none_of(loops.begin(), loops.end(), [&](const ir::ForNode* l) { return l == loc; })) below = true;
  arith::Analyzer analyzer;
  for (const ir::ForNode* loop : loops) {
    if (below) {
      dom[loop->loop_var] = arith::Interval::from_range(ir::Range{loop->min, loop->extent}, &analyzer);
    } else {
      analyzer.bind(loop->loop_var, ir::Range{loop->min, loop->extent});
    }
    if (loop == loc) below = true;
  }
  ir::BufferRegion out{region.buffer, {}};
  for (size_t d = 0; d < region.region.size(); ++d) {
    const ir::Range& r = region.region[d];
    ir::Expr lo = ir::substitute(r.min, bind);
    ir::Expr hi = ir::substitute(r.min + r.extent - 1, bind);
    arith::Interval iv = arith::interval_union(arith::eval_interval(lo, dom, &analyzer),
                                               arith::eval_interval(hi, dom, &analyzer), &analyzer);
    // A predicated writer (a split that does not divide) relaxes past the buffer's end; it
    // never writes there, so the region is clipped to the buffer.
    ir::Range full{ir::make_int(0, region.buffer->shape[d].dtype()), region.buffer->shape[d]};
    iv = arith::interval_intersect(iv, arith::Interval::from_range(full, &analyzer), &analyzer);
    out.region.push_back(arith::interval_to_range(iv, &full, &analyzer));
  }
  return out;
}

/// The copy stage: loops ax0.. over the region, a block `name` with one spatial iteration
/// variable per buffer dimension that stores src[v] into dst[v].
ir::Stmt make_copy_stage(const std::string& name, const ir::BufferRegion& region, const ir::Buffer& src,
                         const ir::Buffer& dst) {
  std::vector<ir::Var> loop_vars;
  std::vector<ir::Expr> values;
  std::vector<ir::IterVar> iters;
  std::vector<ir::Expr> idx;
  std::vector<ir::Range> point;
  for (size_t d = 0; d < region.region.size(); ++d) {
    const ir::Range& r = region.region[d];
    ir::Var ax("ax" + std::to_string(d), r.extent.dtype());
    loop_vars.push_back(ax);
    values.push_back(ir::is_zero(r.min) ? ir::Expr(ax) : r.min + ax);
    const ir::Expr& dim = src->shape[d];
    ir::Var v("v" + std::to_string(d), dim.dtype());
    iters.push_back({v, ir::Range{ir::make_int(0, dim.dtype()), dim}, ir::IterType::DataPar});
    idx.push_back(v);
    point.push_back(ir::Range{v, ir::make_int(1, dim.dtype())});
  }
  ir::Stmt body = ir::BufferStoreNode::make(dst, ir::BufferLoadNode::make(src, idx), idx);
  ir::Block block = ir::Block::make(name, iters, {ir::BufferRegion{src, point}}, {ir::BufferRegion{dst, point}}, body);
  ir::Stmt stmt = ir::BlockRealizeNode::make(values, ir::make_bool(true), block);
  for (size_t d = region.region.size(); d-- > 0;) {
    const ir::Range& r = region.region[d];
    stmt = ir::ForNode::make(loop_vars[d], ir::make_int(0, r.extent.dtype()), r.extent, ir::ForKind::Serial, stmt);
  }
  return stmt;
}

/// Everything a cache primitive needs to know about the block and its scope.
struct CacheContext {
  std::string func_name;
  ir::PrimFunc func;
  ir::Block block;
  const ir::BlockRealizeNode* scope = nullptr;
  /// The blocks of the scope, in program order.
  std::vector<const ir::BlockRealizeNode*> siblings;

  size_t order_of(const ir::BlockNode* b) const {
    for (size_t i = 0; i < siblings.size(); ++i) {
      if (siblings[i]->block.get() == b) return i;
    }
    return siblings.size();
  }
};

CacheContext make_context(const Schedule& sch, const BlockRV& block_rv, const char* primitive) {
  CacheContext ctx;
  ctx.block = sch.get(block_rv);
  ctx.func_name = sch.func_of(block_rv);
  ctx.func = sch.mod().at(ctx.func_name);
  check_not_root_block(primitive, ctx.func, ctx.block.get());
  auto path = detail::find_block(ctx.func, ctx.block->name);
  ctx.scope = detail::scope_realize(*path);
  ctx.siblings = detail::child_block_realizes(ctx.scope->block->body);
  return ctx;
}

/// The scope's blocks (other than `except`) that write `buffer`.
std::vector<const ir::BlockNode*> writers_of(const CacheContext& ctx, const ir::Buffer& buffer) {
  std::vector<const ir::BlockNode*> out;
  for (const ir::BlockRealizeNode* r : ctx.siblings) {
    if (accesses(r->block->writes, buffer)) out.push_back(r->block.get());
  }
  return out;
}

void check_scope(const std::string& scope, const char* primitive) {
  if (!detail::is_known_storage_scope(scope))
    throw InvalidStorageScopeError(primitive,
                                   "storage scope \"{}\" is not one of global, shared, "
                                   "shared.dyn, local, warp, wmma.matrix_a, wmma.matrix_b, "
                                   "wmma.accumulator",
                                   scope);
}

/// The consumer blocks given by the caller, checked to be blocks of the scope that read
/// `buffer` (and do not write it).
std::vector<const ir::BlockNode*> given_consumers(const Schedule& sch, const CacheContext& ctx,
                                                  const std::vector<BlockRV>& consumer_blocks, const ir::Buffer& buffer,
                                                  const char* primitive) {
  std::vector<const ir::BlockNode*> out;
  for (const BlockRV& rv : consumer_blocks) {
    ir::Block b = sch.get(rv);
    if (sch.func_of(rv) != ctx.func_name || ctx.order_of(b.get()) == ctx.siblings.size())
      throw InvalidConsumerError(primitive, "consumer block {} is not in the scope of block {}", b->name,
                                 ctx.block->name);
    if (!accesses(b->reads, buffer))
      throw InvalidConsumerError(primitive, "consumer block {} does not read buffer {}", b->name, buffer->name);
    out.push_back(b.get());
  }
  return out;
}

/// Builds the new function: the stage inserted at `loc`, `swaps` applied to the listed
/// blocks, and `alloc` added to the scope block's buffers.
ir::PrimFunc rewrite(const CacheContext& ctx, const CacheLocation& loc, const ir::Stmt& stage,
                     const std::vector<const ir::BlockNode*>& swapped, const ir::Buffer& from, const ir::Buffer& to) {
  const ir::BlockNode* scope = ctx.scope->block.get();
  ir::Stmt body;
  if (loc.loc == scope) {
    body = insert_at(scope->body, loc.pos, stage);
  } else {
    const auto* loop = static_cast<const ir::ForNode*>(loc.loc);
    ir::Stmt new_loop = ir::ForNode::make(loop->loop_var, loop->min, loop->extent, loop->for_kind,
                                          insert_at(loop->body, loc.pos, stage), loop->thread_tag, loop->annotations);
    body = detail::replace_stmt(scope->body, loop, new_loop);
  }
  for (const ir::BlockNode* b : swapped) {
    body = detail::replace_stmt(body, b, detail::replace_buffer(ir::Stmt(ir::Ref<ir::StmtNode>(b)), from, to, false));
  }
  std::vector<ir::Buffer> allocs = scope->alloc_buffers;
  allocs.push_back(to);
  ir::Block new_scope = ir::Block::make(scope->name, scope->iter_vars, scope->reads, scope->writes, body, scope->init,
                                        allocs, scope->match_buffers, scope->annotations);
  return detail::replace_in_func(ctx.func, scope, new_scope);
}

/// The recorded inputs, as TVM records them: [block, [consumer blocks]].
std::vector<Value> block_values(const BlockRV& block, const std::vector<BlockRV>& consumers) {
  return {Value(block), Value(std::vector<Value>(consumers.begin(), consumers.end()))};
}

}  // namespace

BlockRV Schedule::cache_read(const BlockRV& block, int read_buffer_index, const std::string& storage_scope,
                             const std::vector<BlockRV>& consumer_blocks) {
  const char* p = "cache_read";
  CacheContext ctx = make_context(*this, block, p);
  const ir::BlockNode* b = ctx.block.get();
  if (read_buffer_index < 0 || read_buffer_index >= static_cast<int>(b->reads.size()))
    throw BufferIndexOutOfRangeError(p, "block {} has {} read buffers, read_buffer_index {} is out of range", b->name,
                                     b->reads.size(), read_buffer_index);
  check_scope(storage_scope, p);
  const ir::Buffer read_buffer = b->reads[read_buffer_index].buffer;
  std::vector<const ir::BlockNode*> writers = writers_of(ctx, read_buffer);
  if (writers.size() > 1)
    throw NotSingleWriterError(p,
                               "buffer {} is written by {} blocks ({}, {}, ...) in the scope of block {}, "
                               "cannot cache it",
                               read_buffer->name, writers.size(), writers[0]->name, writers[1]->name, b->name);
  const ir::BlockNode* writer = writers.empty() ? nullptr : writers[0];
  if (writer == b)
    throw NotSingleWriterError(p, "block {} both reads and writes buffer {}, cannot cache its read", b->name,
                               read_buffer->name);
  size_t writer_order = writer ? ctx.order_of(writer) : 0;

  // 1. The consumers that will read the cache: the given ones, or every reader after the writer.
  std::vector<const ir::BlockNode*> consumers = given_consumers(*this, ctx, consumer_blocks, read_buffer, p);
  if (consumer_blocks.empty()) {
    for (const ir::BlockRealizeNode* r : ctx.siblings) {
      if (accesses(r->block->reads, read_buffer) && (!writer || ctx.order_of(r->block.get()) > writer_order))
        consumers.push_back(r->block.get());
    }
    if (std::find(consumers.begin(), consumers.end(), b) == consumers.end())
      throw InvalidConsumerError(p, "block {} reads buffer {} before its producer {} writes it", b->name,
                                 read_buffer->name, writer ? writer->name : "?");
  }
  for (const ir::BlockNode* c : consumers) {
    if (writer && ctx.order_of(c) < writer_order)
      throw InvalidConsumerError(p, "consumer block {} reads buffer {} before its producer {} writes it", c->name,
                                 read_buffer->name, writer->name);
    if (accesses(c->writes, read_buffer))
      throw InvalidConsumerError(p, "consumer block {} also writes buffer {}, cannot redirect its reads", c->name,
                                 read_buffer->name);
  }

  // 2. Where the copy goes and what it copies.
  CacheLocation loc;
  ir::BufferRegion cache_region;
  if (writer) {
    loc = LocationDetector(ctx.scope->block.get(), writer, {consumers.begin(), consumers.end()}).detect();
    auto writer_path = detail::find_block(ctx.func, writer->name);
    cache_region = relaxed_write_region(*writer_path, *region_of(writer->writes, read_buffer), loc.loc);
  } else {
    loc = {ctx.scope->block.get(), 0};
    const ir::BufferRegion* r = region_of(ctx.scope->block->reads, read_buffer);
    cache_region = r ? *r : ir::BufferRegion::full(read_buffer);
  }

  // 3. The new buffer, the stage and the rewritten function.
  ir::Buffer cache = read_buffer.with_name(read_buffer->name + "_" + storage_scope).with_scope(storage_scope);
  std::string name = detail::unique_block_name(ctx.func, read_buffer->name + "_" + storage_scope);
  ir::Stmt stage = make_copy_stage(name, cache_region, read_buffer, cache);
  ir::PrimFunc func = rewrite(ctx, loc, stage, consumers, read_buffer, cache);
  update_func(ctx.func_name, func, p);
  BlockRV out = new_block_rv(ctx.func_name, name);
  record("CacheRead", block_values(block, consumer_blocks), {Value(int64_t{read_buffer_index}), Value(storage_scope)},
         {out});
  return out;
}

BlockRV Schedule::cache_write(const BlockRV& block, int write_buffer_index, const std::string& storage_scope,
                              const std::vector<BlockRV>& consumer_blocks) {
  const char* p = "cache_write";
  CacheContext ctx = make_context(*this, block, p);
  const ir::BlockNode* b = ctx.block.get();
  if (write_buffer_index < 0 || write_buffer_index >= static_cast<int>(b->writes.size()))
    throw BufferIndexOutOfRangeError(p, "block {} has {} write buffers, write_buffer_index {} is out of range", b->name,
                                     b->writes.size(), write_buffer_index);
  check_scope(storage_scope, p);
  const ir::Buffer write_buffer = b->writes[write_buffer_index].buffer;
  std::vector<const ir::BlockNode*> writers = writers_of(ctx, write_buffer);
  if (writers.size() > 1) {
    const ir::BlockNode* other = writers[0] == b ? writers[1] : writers[0];
    throw NotSingleWriterError(p,
                               "buffer {} is written by block {} and block {}, cannot cache the write of "
                               "one of them",
                               write_buffer->name, b->name, other->name);
  }
  if (accesses(b->reads, write_buffer) && !b->init.defined())
    throw NotSingleWriterError(p,
                               "block {} reads buffer {} before writing it and has no init, the cache "
                               "would not hold the buffer's previous value",
                               b->name, write_buffer->name);
  size_t order = ctx.order_of(b);

  // 1. The given consumers read the cache; every other later reader must see the copy back.
  std::vector<const ir::BlockNode*> consumers = given_consumers(*this, ctx, consumer_blocks, write_buffer, p);
  for (const ir::BlockNode* c : consumers) {
    if (ctx.order_of(c) < order)
      throw InvalidConsumerError(p, "consumer block {} reads buffer {} before block {} writes it", c->name,
                                 write_buffer->name, b->name);
  }
  std::set<const ir::BlockNode*> related;
  for (const ir::BlockRealizeNode* r : ctx.siblings) {
    const ir::BlockNode* c = r->block.get();
    if (ctx.order_of(c) > order && accesses(c->reads, write_buffer) &&
        std::find(consumers.begin(), consumers.end(), c) == consumers.end())
      related.insert(c);
  }

  // 2. Where the copy back goes and what it copies.
  CacheLocation loc = LocationDetector(ctx.scope->block.get(), b, related).detect();
  auto path = detail::find_block(ctx.func, b->name);
  ir::BufferRegion cache_region = relaxed_write_region(*path, b->writes[write_buffer_index], loc.loc);

  // 3. The new buffer, the stage and the rewritten function.
  ir::Buffer cache = write_buffer.with_name(write_buffer->name + "_" + storage_scope).with_scope(storage_scope);
  std::string name = detail::unique_block_name(ctx.func, write_buffer->name + "_" + storage_scope);
  ir::Stmt stage = make_copy_stage(name, cache_region, cache, write_buffer);
  std::vector<const ir::BlockNode*> swapped{b};
  swapped.insert(swapped.end(), consumers.begin(), consumers.end());
  ir::PrimFunc func = rewrite(ctx, loc, stage, swapped, write_buffer, cache);
  update_func(ctx.func_name, func, p);
  BlockRV out = new_block_rv(ctx.func_name, name);
  record("CacheWrite", block_values(block, consumer_blocks), {Value(int64_t{write_buffer_index}), Value(storage_scope)},
         {out});
  return out;
}

namespace detail {

namespace {
/// The consumer blocks input: a list of blocks (None: no list given).
std::vector<BlockRV> blocks_from(const std::vector<Value>& inputs, size_t index) {
  std::vector<BlockRV> out;
  if (index >= inputs.size() || inputs[index].is_none()) return out;
  if (!inputs[index].is<std::vector<Value>>())
    throw UserError("consumer_blocks must be a list of blocks, got " + detail::python_literal(inputs[index]));
  for (const Value& v : inputs[index].as<std::vector<Value>>()) out.push_back(as_block(v, "consumer_blocks"));
  return out;
}
}  // namespace

void register_cache_kinds(InstructionRegistry& r) {
  using Role = InstParam::Role;
  r.add({"CacheRead",
         "cache_read",
         {{"block", Role::Input, std::nullopt, ParamKind::Block},
          {"read_buffer_index", Role::Attr, std::nullopt},
          {"storage_scope", Role::Attr, std::nullopt},
          {"consumer_blocks", Role::Input, Value(std::vector<Value>{}), ParamKind::BlockList}},
         /*pure=*/false,
         /*sampling=*/false,
         /*list_output=*/false,
         [](Schedule& sch, const std::vector<Value>& inputs, const std::vector<Value>& attrs, const Value&) {
           return std::vector<Value>{sch.cache_read(as_block(inputs.at(0), "block"),
                                                    static_cast<int>(as_int(attrs.at(0), "read_buffer_index")),
                                                    as_string(attrs.at(1), "storage_scope"), blocks_from(inputs, 1))};
         }});
  r.add({"CacheWrite",
         "cache_write",
         {{"block", Role::Input, std::nullopt, ParamKind::Block},
          {"write_buffer_index", Role::Attr, std::nullopt},
          {"storage_scope", Role::Attr, std::nullopt},
          {"consumer_blocks", Role::Input, Value(std::vector<Value>{}), ParamKind::BlockList}},
         false,
         false,
         false,
         [](Schedule& sch, const std::vector<Value>& inputs, const std::vector<Value>& attrs, const Value&) {
           return std::vector<Value>{sch.cache_write(as_block(inputs.at(0), "block"),
                                                     static_cast<int>(as_int(attrs.at(0), "write_buffer_index")),
                                                     as_string(attrs.at(1), "storage_scope"), blocks_from(inputs, 1))};
         }});
}

}  // namespace detail
}  // namespace loom::sched
