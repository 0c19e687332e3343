// Construction of statement nodes, with the invariant checks of `make`.
#include "loom/ir/stmt.h"

#include "fmt/format.h"
#include "loom/ir/builder.h"
#include "loom/ir/error.h"
#include "loom/ir/printer.h"

namespace loom::ir {

namespace {
[[noreturn]] void fail(const std::string& msg) { throw UserError(msg); }
}  // namespace

const char* for_kind_name(ForKind kind) {
  switch (kind) {
    case ForKind::Serial:
      return "serial";
    case ForKind::Parallel:
      return "parallel";
    case ForKind::Vectorized:
      return "vectorized";
    case ForKind::Unrolled:
      return "unroll";
    case ForKind::ThreadBinding:
      return "thread_binding";
  }
  return "?";
}

const char* iter_type_name(IterType type) {
  switch (type) {
    case IterType::DataPar:
      return "spatial";
    case IterType::CommReduce:
      return "reduce";
    case IterType::Ordered:
      return "scan";
    case IterType::Opaque:
      return "opaque";
  }
  return "?";
}

BufferRegion BufferRegion::full(const Buffer& buffer) {
  BufferRegion r{buffer, {}};
  for (const Expr& e : buffer->shape) r.region.push_back({make_const(e.dtype(), int64_t{0}), e});
  return r;
}

Stmt ForNode::make(Var loop_var, Expr min, Expr extent, ForKind kind, Stmt body, std::string thread_tag,
                   Annotations annotations) {
  if (!loop_var.defined() || !min.defined() || !extent.defined())
    fail("for loop: undefined loop variable, min or extent");
  const std::string& name = loop_var.name();
  if (!loop_var.dtype().is_integer() || !loop_var.dtype().is_scalar())
    fail(
        fmt::format("loop {}: the loop variable must be a scalar integer, got {}", name, loop_var.dtype().to_string()));
  if (min.dtype() != loop_var.dtype() || extent.dtype() != loop_var.dtype())
    fail(fmt::format("loop {}: min ({}) and extent ({}) must have the loop variable's dtype {}", name,
                     min.dtype().to_string(), extent.dtype().to_string(), loop_var.dtype().to_string()));
  if (!body.defined()) fail(fmt::format("loop {}: the body is empty", name));
  if (kind == ForKind::ThreadBinding && thread_tag.empty())
    fail(fmt::format("loop {}: a thread-binding loop needs a thread tag", name));
  if (kind != ForKind::ThreadBinding && !thread_tag.empty())
    fail(fmt::format("loop {}: only thread-binding loops have a thread tag (got '{}')", name, thread_tag));
  return Stmt(Ref<StmtNode>(new ForNode(std::move(loop_var), std::move(min), std::move(extent), kind,
                                        std::move(thread_tag), std::move(annotations), std::move(body))));
}

static void check_region(const std::string& block, const char* what, const BufferRegion& r) {
  if (!r.buffer.defined()) fail(fmt::format("block {}: {} region of an undefined buffer", block, what));
  if (r.region.size() != r.buffer->ndim())
    fail(fmt::format("block {}: {} region of {} has {} ranges for {} dimensions", block, what, r.buffer->name,
                     r.region.size(), r.buffer->ndim()));
  for (const Range& range : r.region) {
    if (!range.min.defined() || !range.extent.defined() || !range.min.dtype().is_integer() ||
        !range.extent.dtype().is_integer())
      fail(fmt::format("block {}: {} region of {} has a non-integer range", block, what, r.buffer->name));
  }
}

Block Block::make(std::string name, std::vector<IterVar> iter_vars, std::vector<BufferRegion> reads,
                  std::vector<BufferRegion> writes, Stmt body, Stmt init, std::vector<Buffer> alloc_buffers,
                  std::vector<MatchBufferRegion> match_buffers, Annotations annotations) {
  for (const IterVar& iv : iter_vars) {
    if (!iv.var.defined() || !iv.dom.min.defined() || !iv.dom.extent.defined())
      fail(fmt::format("block {}: an iteration variable or its domain is undefined", name));
    if (!iv.var.dtype().is_integer())
      fail(fmt::format("block {}: iteration variable {} must be an integer", name, iv.var.name()));
    if (iv.dom.min.dtype() != iv.var.dtype() || iv.dom.extent.dtype() != iv.var.dtype())
      fail(fmt::format("block {}: the domain of {} must have its dtype {}", name, iv.var.name(),
                       iv.var.dtype().to_string()));
  }
  for (const BufferRegion& r : reads) check_region(name, "read", r);
  for (const BufferRegion& r : writes) check_region(name, "write", r);
  for (const MatchBufferRegion& m : match_buffers) {
    if (!m.buffer.defined()) fail(fmt::format("block {}: match_buffer of an undefined buffer", name));
    check_region(name, "match_buffer source", m.source);
  }
  for (const Buffer& b : alloc_buffers) {
    if (!b.defined()) fail(fmt::format("block {}: allocates an undefined buffer", name));
  }
  if (!body.defined()) fail(fmt::format("block {}: the body is empty", name));
  return Block(new BlockNode(std::move(name), std::move(iter_vars), std::move(reads), std::move(writes),
                             std::move(init), std::move(alloc_buffers), std::move(match_buffers),
                             std::move(annotations), std::move(body)));
}

Stmt BlockRealizeNode::make(std::vector<Expr> iter_values, Expr predicate, Block block) {
  if (!block.defined()) fail("block realize: the block is undefined");
  const std::string& name = block->name;
  if (iter_values.size() != block->iter_vars.size())
    fail(fmt::format("block {}: {} binding values for {} iteration variables", name, iter_values.size(),
                     block->iter_vars.size()));
  for (size_t i = 0; i < iter_values.size(); ++i) {
    if (!iter_values[i].defined())
      fail(fmt::format("block {}: binding of {} is undefined", name, block->iter_vars[i].var.name()));
    if (iter_values[i].dtype() != block->iter_vars[i].var.dtype())
      fail(fmt::format("block {}: binding of {} has dtype {}, expected {}", name, block->iter_vars[i].var.name(),
                       iter_values[i].dtype().to_string(), block->iter_vars[i].var.dtype().to_string()));
  }
  if (!predicate.defined()) predicate = make_bool(true);
  if (!predicate.dtype().is_bool() || !predicate.dtype().is_scalar())
    fail(fmt::format("block {}: the predicate must be a scalar bool, got {}", name, predicate.dtype().to_string()));
  return Stmt(Ref<StmtNode>(new BlockRealizeNode(std::move(iter_values), std::move(predicate), std::move(block))));
}

Stmt BufferStoreNode::make(Buffer buffer, Expr value, std::vector<Expr> indices) {
  if (!buffer.defined()) fail("buffer store: the buffer is undefined");
  if (!value.defined()) fail(fmt::format("store to {}: the value is undefined", buffer->name));
  if (indices.size() != buffer->ndim())
    fail(fmt::format("store to {}: {} indices for a {}-dimensional buffer", buffer->name, indices.size(),
                     buffer->ndim()));
  int lanes = 1;
  for (size_t i = 0; i < indices.size(); ++i) {
    if (!indices[i].defined() || !indices[i].dtype().is_integer())
      fail(fmt::format("store to {}: index {} must be an integer", buffer->name, i));
    if (lanes > 1 && indices[i].dtype().lanes() > 1 && lanes != indices[i].dtype().lanes())
      fail(fmt::format("store to {}: vector indices of different lanes", buffer->name));
    if (indices[i].dtype().lanes() > 1) lanes = indices[i].dtype().lanes();
  }
  DataType expected = buffer->dtype.with_lanes(buffer->dtype.lanes() * lanes);
  if (value.dtype() != expected)
    fail(fmt::format("store to {}: value {} has dtype {}, the buffer holds {}", buffer->name, to_string(value),
                     value.dtype().to_string(), expected.to_string()));
  return Stmt(Ref<StmtNode>(new BufferStoreNode(std::move(buffer), std::move(value), std::move(indices))));
}

Stmt IfThenElseNode::make(Expr condition, Stmt then_case, Stmt else_case) {
  if (!condition.defined() || !condition.dtype().is_bool()) fail("if: the condition must be a bool expression");
  if (!then_case.defined()) fail("if: the then-branch is empty");
  return Stmt(Ref<StmtNode>(new IfThenElseNode(std::move(condition), std::move(then_case), std::move(else_case))));
}

Stmt SeqStmtNode::make(std::vector<Stmt> seq) {
  std::vector<Stmt> flat;
  for (Stmt& s : seq) {
    if (!s.defined()) continue;
    if (const auto* inner = s.as<SeqStmtNode>()) {
      flat.insert(flat.end(), inner->seq.begin(), inner->seq.end());
    } else {
      flat.push_back(std::move(s));
    }
  }
  if (flat.empty()) fail("empty statement sequence");
  if (flat.size() == 1) return flat[0];
  return Stmt(Ref<StmtNode>(new SeqStmtNode(std::move(flat))));
}

Stmt EvaluateNode::make(Expr value) {
  if (!value.defined()) fail("evaluate: the expression is undefined");
  return Stmt(Ref<StmtNode>(new EvaluateNode(std::move(value))));
}

Stmt LetStmtNode::make(Var var, Expr value, Stmt body) {
  if (!var.defined() || !value.defined() || !body.defined()) fail("let: undefined variable, value or body");
  if (var.dtype() != value.dtype())
    fail(fmt::format("let {}: value has dtype {}, the variable {}", var.name(), value.dtype().to_string(),
                     var.dtype().to_string()));
  return Stmt(Ref<StmtNode>(new LetStmtNode(std::move(var), std::move(value), std::move(body))));
}

Stmt AllocateNode::make(Buffer buffer, Stmt body) {
  if (!buffer.defined() || !body.defined()) fail("allocate: undefined buffer or body");
  return Stmt(Ref<StmtNode>(new AllocateNode(std::move(buffer), std::move(body))));
}

}  // namespace loom::ir
