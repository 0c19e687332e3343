// Statements of loom IR: loops, blocks, stores and control flow.
//
// Semantics (the reference interpreter implements exactly this):
// - For: runs body with loop_var = min, min+1, ..., min+extent-1 (nothing when extent <= 0).
//   The kind (parallel, vectorized, unrolled, thread binding) changes how the loop is
//   executed on a target, never its result: iterations of a non-serial loop must be
//   independent, which the schedule primitives guarantee.
// - BlockRealize + Block: a block is a unit of computation with named iteration variables.
//   When the realize's predicate holds, each iter_var is bound to its iter_value (which
//   must lie in the iter_var's dom), the block's alloc_buffers are allocated (zeroed),
//   match_buffers are bound as views, then, if the block has an init statement and every
//   reduction (CommReduce) iter_var equals its dom.min, init runs, then body runs.
//   reads/writes declare the regions the block touches, in terms of its iter_vars.
// - BufferStore: buffer[indices] = value (a vector store when an index is a Ramp).
// - IfThenElse: runs then_case when condition holds, else else_case (may be absent).
// - SeqStmt: runs its statements in order. Evaluate: evaluates an expression for effect.
// - LetStmt: binds var to value in body. Allocate: a buffer that lives for body's duration
//   (produced by lowering once blocks are gone).
#pragma once

#include <string>
#include <vector>

#include "loom/ir/expr.h"

namespace loom::ir {

class StmtNode : public Object {
 public:
  using Object::Object;
};

/// A handle to an immutable statement node (null when absent).
class Stmt : public Ref<StmtNode> {
 public:
  using Ref<StmtNode>::Ref;
  Stmt() = default;
  Stmt(const Ref<StmtNode>& ref) : Ref<StmtNode>(ref) {}  // NOLINT
};

enum class ForKind : uint8_t { Serial, Parallel, Vectorized, Unrolled, ThreadBinding };
/// "serial", "parallel", "vectorized", "unroll", "thread_binding" (the TVMScript spelling).
const char* for_kind_name(ForKind kind);

/// The type of a block iteration variable: spatial (T.axis.spatial), reduction
/// (T.axis.reduce), ordered scan (T.axis.scan) or opaque (T.axis.opaque).
enum class IterType : uint8_t { DataPar, CommReduce, Ordered, Opaque };
const char* iter_type_name(IterType type);

/// A block iteration variable with its domain.
struct IterVar {
  Var var;
  Range dom;
  IterType type = IterType::DataPar;
};

/// A rectangular region of a buffer, one Range per dimension.
struct BufferRegion {
  Buffer buffer;
  std::vector<Range> region;
  /// The whole buffer.
  static BufferRegion full(const Buffer& buffer);
};

/// A buffer bound as a view of a region of another buffer (T.match_buffer in a block).
struct MatchBufferRegion {
  Buffer buffer;
  BufferRegion source;
};

class ForNode : public StmtNode {
 public:
  static constexpr NodeKind kKind = NodeKind::For;
  ForNode(Var loop_var, Expr min, Expr extent, ForKind kind, std::string thread_tag,
          Annotations annotations, Stmt body)
      : StmtNode(kKind),
        loop_var(std::move(loop_var)),
        min(std::move(min)),
        extent(std::move(extent)),
        for_kind(kind),
        thread_tag(std::move(thread_tag)),
        annotations(std::move(annotations)),
        body(std::move(body)) {}
  const Var loop_var;
  const Expr min;
  const Expr extent;
  const ForKind for_kind;
  /// The thread tag ("threadIdx.x", "blockIdx.x", ...) of a ThreadBinding loop, else empty.
  const std::string thread_tag;
  const Annotations annotations;
  const Stmt body;
  /// Checks: loop_var, min and extent share an integer dtype; a ThreadBinding loop has a tag
  /// and no other kind has one.
  static Stmt make(Var loop_var, Expr min, Expr extent, ForKind kind, Stmt body,
                   std::string thread_tag = {}, Annotations annotations = {});
};

class BlockNode : public StmtNode {
 public:
  static constexpr NodeKind kKind = NodeKind::Block;
  BlockNode(std::string name, std::vector<IterVar> iter_vars, std::vector<BufferRegion> reads,
            std::vector<BufferRegion> writes, Stmt init, std::vector<Buffer> alloc_buffers,
            std::vector<MatchBufferRegion> match_buffers, Annotations annotations, Stmt body)
      : StmtNode(kKind),
        name(std::move(name)),
        iter_vars(std::move(iter_vars)),
        reads(std::move(reads)),
        writes(std::move(writes)),
        init(std::move(init)),
        alloc_buffers(std::move(alloc_buffers)),
        match_buffers(std::move(match_buffers)),
        annotations(std::move(annotations)),
        body(std::move(body)) {}
  const std::string name;
  const std::vector<IterVar> iter_vars;
  const std::vector<BufferRegion> reads;
  const std::vector<BufferRegion> writes;
  /// Runs before the first reduction step (may be null).
  const Stmt init;
  const std::vector<Buffer> alloc_buffers;
  const std::vector<MatchBufferRegion> match_buffers;
  const Annotations annotations;
  const Stmt body;
};

/// A typed handle to a block.
class Block : public Stmt {
 public:
  Block() = default;
  explicit Block(const BlockNode* node) : Stmt(Ref<StmtNode>(node)) {}
  const BlockNode* get() const { return static_cast<const BlockNode*>(Stmt::get()); }
  const BlockNode* operator->() const { return get(); }
  /// Checks: iter_var doms are integer ranges; region ranks match their buffers.
  static Block make(std::string name, std::vector<IterVar> iter_vars, std::vector<BufferRegion> reads,
                    std::vector<BufferRegion> writes, Stmt body, Stmt init = {},
                    std::vector<Buffer> alloc_buffers = {},
                    std::vector<MatchBufferRegion> match_buffers = {}, Annotations annotations = {});
};

class BlockRealizeNode : public StmtNode {
 public:
  static constexpr NodeKind kKind = NodeKind::BlockRealize;
  BlockRealizeNode(std::vector<Expr> iter_values, Expr predicate, Block block)
      : StmtNode(kKind), iter_values(std::move(iter_values)), predicate(std::move(predicate)), block(std::move(block)) {}
  const std::vector<Expr> iter_values;
  /// A bool expression; the constant true when the block always runs.
  const Expr predicate;
  const Block block;
  /// Checks: one value per iter_var, each of the iter_var's dtype; predicate is bool.
  /// A null predicate means true.
  static Stmt make(std::vector<Expr> iter_values, Expr predicate, Block block);
};

class BufferStoreNode : public StmtNode {
 public:
  static constexpr NodeKind kKind = NodeKind::BufferStore;
  BufferStoreNode(Buffer buffer, Expr value, std::vector<Expr> indices)
      : StmtNode(kKind), buffer(std::move(buffer)), value(std::move(value)), indices(std::move(indices)) {}
  const Buffer buffer;
  const Expr value;
  const std::vector<Expr> indices;
  /// Checks: one index per dimension; value dtype is the buffer's (with the index lanes).
  static Stmt make(Buffer buffer, Expr value, std::vector<Expr> indices);
};

class IfThenElseNode : public StmtNode {
 public:
  static constexpr NodeKind kKind = NodeKind::IfThenElse;
  IfThenElseNode(Expr condition, Stmt then_case, Stmt else_case)
      : StmtNode(kKind), condition(std::move(condition)), then_case(std::move(then_case)), else_case(std::move(else_case)) {}
  const Expr condition;
  const Stmt then_case;
  const Stmt else_case;  // may be null
  static Stmt make(Expr condition, Stmt then_case, Stmt else_case = {});
};

class SeqStmtNode : public StmtNode {
 public:
  static constexpr NodeKind kKind = NodeKind::SeqStmt;
  explicit SeqStmtNode(std::vector<Stmt> seq) : StmtNode(kKind), seq(std::move(seq)) {}
  const std::vector<Stmt> seq;
  /// Flattens nested sequences and drops nulls; a single statement is returned as is.
  static Stmt make(std::vector<Stmt> seq);
};

class EvaluateNode : public StmtNode {
 public:
  static constexpr NodeKind kKind = NodeKind::Evaluate;
  explicit EvaluateNode(Expr value) : StmtNode(kKind), value(std::move(value)) {}
  const Expr value;
  static Stmt make(Expr value);
};

class LetStmtNode : public StmtNode {
 public:
  static constexpr NodeKind kKind = NodeKind::LetStmt;
  LetStmtNode(Var var, Expr value, Stmt body)
      : StmtNode(kKind), var(std::move(var)), value(std::move(value)), body(std::move(body)) {}
  const Var var;
  const Expr value;
  const Stmt body;
  static Stmt make(Var var, Expr value, Stmt body);
};

class AllocateNode : public StmtNode {
 public:
  static constexpr NodeKind kKind = NodeKind::Allocate;
  AllocateNode(Buffer buffer, Stmt body) : StmtNode(kKind), buffer(std::move(buffer)), body(std::move(body)) {}
  const Buffer buffer;
  const Stmt body;
  static Stmt make(Buffer buffer, Stmt body);
};

}  // namespace loom::ir
