// Tests of node construction: every node's make() accepts valid input, computes the result
// dtype, and rejects invalid input with a UserError that names the object and the rule.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "expect_error.h"
#include "loom/ir/ir.h"

namespace loom::ir {
namespace {

const DataType i32 = DataType::Int(32);
const DataType i64 = DataType::Int(64);
const DataType f32 = DataType::Float(32);
const DataType f16 = DataType::Float(16);
const DataType boolean = DataType::Bool();

Expr i32c(int64_t v) { return IntImmNode::make(i32, v); }
Expr f32c(double v) { return FloatImmNode::make(f32, v); }

Buffer buffer2d(const std::string& name = "A", DataType dtype = DataType::Float(32)) {
  return Buffer::make(name, dtype, {i32c(16), i32c(32)});
}

// ---------------------------------------------------------------------------------------
// Ref, kinds and names.

TEST(Ref, CountsReferencesAndDowncastsByKind) {
  Expr c = i32c(5);
  EXPECT_EQ(c->use_count(), 1);
  {
    Expr copy = c;
    EXPECT_EQ(c->use_count(), 2);
    EXPECT_TRUE(copy.same_as(c));
  }
  EXPECT_EQ(c->use_count(), 1);
  Expr moved = std::move(c);
  EXPECT_FALSE(c.defined());  // NOLINT(bugprone-use-after-move): moving leaves null
  EXPECT_EQ(moved->use_count(), 1);

  ASSERT_NE(moved.as<IntImmNode>(), nullptr);
  EXPECT_EQ(moved.as<IntImmNode>()->value, 5);
  EXPECT_EQ(moved.as<FloatImmNode>(), nullptr);
  EXPECT_TRUE(moved.is<IntImmNode>());
  EXPECT_FALSE(moved.is<VarNode>());
  EXPECT_EQ(moved->kind(), NodeKind::IntImm);

  Expr null;
  EXPECT_FALSE(null.defined());
  EXPECT_EQ(null.as<IntImmNode>(), nullptr);
  EXPECT_FALSE(null.is<IntImmNode>());
}

TEST(Ref, IdenticalValuesAreDistinctObjects) {
  Expr a = i32c(1), b = i32c(1);
  EXPECT_FALSE(a.same_as(b));
  Var x("x"), y("x");
  EXPECT_FALSE(x.same_as(y));  // a Var is identified by its object, not its name
  EXPECT_EQ(x.name(), y.name());
  RefHash hash;
  RefEqual equal;
  EXPECT_TRUE(equal(x, x));
  EXPECT_FALSE(equal(x, y));
  EXPECT_EQ(hash(x), hash(Var(x)));
}

TEST(NodeKind, NamesAndCategories) {
  EXPECT_STREQ(node_kind_name(NodeKind::Add), "Add");
  EXPECT_STREQ(node_kind_name(NodeKind::FloorMod), "FloorMod");
  EXPECT_STREQ(node_kind_name(NodeKind::BlockRealize), "BlockRealize");
  EXPECT_STREQ(node_kind_name(NodeKind::Buffer), "Buffer");
  EXPECT_STREQ(node_kind_name(NodeKind::PrimFunc), "PrimFunc");
  EXPECT_TRUE(is_expr_kind(NodeKind::IntImm));
  EXPECT_TRUE(is_expr_kind(NodeKind::Or));
  EXPECT_TRUE(is_expr_kind(NodeKind::Call));
  EXPECT_FALSE(is_expr_kind(NodeKind::For));
  EXPECT_FALSE(is_expr_kind(NodeKind::Buffer));
  EXPECT_TRUE(is_stmt_kind(NodeKind::For));
  EXPECT_TRUE(is_stmt_kind(NodeKind::Allocate));
  EXPECT_FALSE(is_stmt_kind(NodeKind::Var));
  EXPECT_FALSE(is_stmt_kind(NodeKind::PrimFunc));
}

TEST(Names, ForKindIterTypeIntrinsic) {
  EXPECT_STREQ(for_kind_name(ForKind::Serial), "serial");
  EXPECT_STREQ(for_kind_name(ForKind::Parallel), "parallel");
  EXPECT_STREQ(for_kind_name(ForKind::Vectorized), "vectorized");
  EXPECT_STREQ(for_kind_name(ForKind::Unrolled), "unroll");
  EXPECT_STREQ(for_kind_name(ForKind::ThreadBinding), "thread_binding");
  EXPECT_STREQ(iter_type_name(IterType::DataPar), "spatial");
  EXPECT_STREQ(iter_type_name(IterType::CommReduce), "reduce");
  EXPECT_STREQ(iter_type_name(IterType::Ordered), "scan");
  EXPECT_STREQ(iter_type_name(IterType::Opaque), "opaque");

  EXPECT_STREQ(intrinsic_name(Intrinsic::exp), "exp");
  EXPECT_STREQ(intrinsic_name(Intrinsic::if_then_else), "if_then_else");
  EXPECT_EQ(intrinsic_arity(Intrinsic::sqrt), 1);
  EXPECT_EQ(intrinsic_arity(Intrinsic::pow), 2);
  EXPECT_EQ(intrinsic_arity(Intrinsic::if_then_else), 3);
  EXPECT_EQ(intrinsic_from_name("tanh"), Intrinsic::tanh);
  EXPECT_EQ(intrinsic_from_name("fmod"), Intrinsic::fmod);
  EXPECT_FALSE(intrinsic_from_name("tanhh").has_value());
  EXPECT_FALSE(intrinsic_from_name("").has_value());
  // Every intrinsic's name maps back to it.
  for (int op = 0; op <= static_cast<int>(Intrinsic::warp_shuffle_down); ++op) {
    auto in = static_cast<Intrinsic>(op);
    EXPECT_EQ(intrinsic_from_name(intrinsic_name(in)), in) << intrinsic_name(in);
  }
}

// The GPU collectives: storage_sync is an int32 of no arguments; the shuffles keep the
// value's dtype and take int32 lanes and widths.
TEST(Intrinsics, GpuCollectives) {
  EXPECT_TRUE(is_gpu_intrinsic(Intrinsic::storage_sync));
  EXPECT_TRUE(is_gpu_intrinsic(Intrinsic::warp_shuffle_down));
  EXPECT_FALSE(is_gpu_intrinsic(Intrinsic::exp));
  Expr sync = CallNode::make(Intrinsic::storage_sync, {});
  EXPECT_EQ(sync.dtype(), DataType::Int(32));
  Var v("v", DataType::Float(32));
  Expr lane = IntImmNode::make(DataType::Int(32), 0);
  Expr width = IntImmNode::make(DataType::Int(32), 32);
  Expr shfl = CallNode::make(Intrinsic::warp_shuffle, {v, lane, width});
  EXPECT_EQ(shfl.dtype(), DataType::Float(32));
  Var i("i", DataType::Int(32));
  EXPECT_EQ(CallNode::make(Intrinsic::warp_shuffle_down, {i, lane, width}).dtype(), DataType::Int(32));
  EXPECT_USER_ERROR(CallNode::make(Intrinsic::storage_sync, {lane}), "T.storage_sync takes 0 argument(s), got 1");
  EXPECT_USER_ERROR(CallNode::make(Intrinsic::warp_shuffle, {v, IntImmNode::make(DataType::Int(64), 0), width}),
                    "T.warp_shuffle: argument 2 must be int32, got int64");
}

// ---------------------------------------------------------------------------------------
// Constants and variables.

TEST(IntImm, AcceptsValuesThatFit) {
  EXPECT_EQ(IntImmNode::make(DataType::Int(8), -128).as<IntImmNode>()->value, -128);
  EXPECT_EQ(IntImmNode::make(DataType::Int(8), 127).as<IntImmNode>()->value, 127);
  EXPECT_EQ(IntImmNode::make(DataType::UInt(8), 255).as<IntImmNode>()->value, 255);
  EXPECT_EQ(IntImmNode::make(i64, int64_t{1} << 40).as<IntImmNode>()->value, int64_t{1} << 40);
  EXPECT_EQ(IntImmNode::make(boolean, 1).dtype(), boolean);
  EXPECT_EQ(Expr(7).dtype(), i32);
  EXPECT_EQ(Expr(7).as<IntImmNode>()->value, 7);
}

TEST(IntImm, RejectsValuesOutOfRangeAndNonIntegerDtypes) {
  EXPECT_USER_ERROR(IntImmNode::make(DataType::Int(8), 128), "integer constant 128 does not fit in int8");
  EXPECT_USER_ERROR(IntImmNode::make(DataType::Int(8), -129), "integer constant -129 does not fit in int8");
  EXPECT_USER_ERROR(IntImmNode::make(DataType::UInt(8), -1), "integer constant -1 does not fit in uint8");
  EXPECT_USER_ERROR(IntImmNode::make(DataType::UInt(16), 65536), "does not fit in uint16");
  EXPECT_USER_ERROR(IntImmNode::make(i32, int64_t{1} << 31), "integer constant 2147483648 does not fit in int32");
  EXPECT_USER_ERROR(IntImmNode::make(boolean, 2), "integer constant 2 does not fit in bool");
  EXPECT_USER_ERROR(IntImmNode::make(f32, 1), "integer constant 1 cannot have dtype float32");
  EXPECT_USER_ERROR(IntImmNode::make(DataType::Int(32, 4), 1), "integer constant 1 cannot have dtype int32x4");
  EXPECT_USER_ERROR(IntImmNode::make(DataType::Handle(), 0), "cannot have dtype handle");
}

TEST(FloatImm, AcceptsFloatsAndRejectsOthers) {
  EXPECT_DOUBLE_EQ(FloatImmNode::make(f32, 1.5).as<FloatImmNode>()->value, 1.5);
  EXPECT_EQ(FloatImmNode::make(DataType::BFloat16(), 2.0).dtype(), DataType::BFloat16());
  EXPECT_TRUE(std::isinf(FloatImmNode::make(f32, INFINITY).as<FloatImmNode>()->value));
  EXPECT_EQ(FloatImmNode::make(DataType::Float(64), 1e300).dtype(), DataType::Float(64));
  EXPECT_USER_ERROR(FloatImmNode::make(f32, 1e39), "does not fit in float32");
  EXPECT_USER_ERROR(FloatImmNode::make(i32, 1.0), "float constant 1 cannot have dtype int32");
  EXPECT_USER_ERROR(FloatImmNode::make(DataType::Float(32, 4), 1.0), "cannot have dtype float32x4");
}

TEST(Var, DefaultsToInt32AndKeepsItsName) {
  Var x("x");
  EXPECT_EQ(x.dtype(), i32);
  EXPECT_EQ(x.name(), "x");
  EXPECT_EQ(x->kind(), NodeKind::Var);
  Var h("h", DataType::Handle());
  EXPECT_TRUE(h.dtype().is_handle());
}

// ---------------------------------------------------------------------------------------
// Buffers.

TEST(Buffer, MakeAndWithers) {
  Var n("n");
  Buffer b = Buffer::make("A", f16, {n, i32c(8)}, {i32c(8), i32c(1)}, i32c(4), "shared");
  EXPECT_EQ(b->name, "A");
  EXPECT_EQ(b->dtype, f16);
  EXPECT_EQ(b->ndim(), 2u);
  EXPECT_TRUE(b->shape[0].same_as(n));
  EXPECT_EQ(b->strides.size(), 2u);
  EXPECT_EQ(b->scope, "shared");
  EXPECT_EQ(b->kind(), NodeKind::Buffer);

  EXPECT_EQ(Buffer::make("S", f32, {})->ndim(), 0u);
  EXPECT_EQ(Buffer::make("D", f32, {i32c(4)}, {}, {}, "")->scope, "global");  // empty scope means global

  Buffer renamed = b.with_name("B");
  EXPECT_EQ(renamed->name, "B");
  EXPECT_FALSE(renamed.same_as(b));
  EXPECT_EQ(renamed->scope, "shared");
  EXPECT_EQ(b->name, "A");  // the original is untouched
  EXPECT_EQ(b.with_scope("local")->scope, "local");
  EXPECT_EQ(b.with_scope("local")->name, "A");
  Buffer reshaped = b.with_shape({i32c(2), i32c(4)});
  EXPECT_EQ(as_const_int(reshaped->shape[0]), 2);
  EXPECT_EQ(reshaped->dtype, f16);
}

TEST(Buffer, RejectsInvalidDescriptions) {
  EXPECT_USER_ERROR(Buffer::make("A", DataType::Handle(), {i32c(4)}), "buffer A: invalid element dtype handle");
  EXPECT_USER_ERROR(Buffer::make("A", DataType::Void(), {i32c(4)}), "buffer A: invalid element dtype void");
  EXPECT_USER_ERROR(Buffer::make("A", f32, {f32c(4.0)}), "buffer A: shape[0] must be an integer expression");
  EXPECT_USER_ERROR(Buffer::make("A", f32, {i32c(4), Expr()}), "buffer A: shape[1] must be an integer expression");
  EXPECT_USER_ERROR(Buffer::make("A", f32, {i32c(4), i32c(-2)}), "buffer A: shape[1] is negative (-2)");
  EXPECT_USER_ERROR(Buffer::make("A", f32, {i32c(4), i32c(4)}, {i32c(1)}),
                    "buffer A: 1 strides given for 2 dimensions");
  EXPECT_USER_ERROR(Buffer::make("A", f32, {i32c(4)}, {f32c(1.0)}),
                    "buffer A: strides[0] must be an integer expression");
  EXPECT_USER_ERROR(Buffer::make("A", f32, {i32c(4)}, {}, f32c(0.0)),
                    "buffer A: elem_offset must be an integer expression");
}

TEST(BufferRegion, FullCoversEveryDimension) {
  Buffer b = Buffer::make("A", f32, {i32c(3), IntImmNode::make(i64, 5)});
  BufferRegion r = BufferRegion::full(b);
  ASSERT_EQ(r.region.size(), 2u);
  EXPECT_TRUE(r.buffer.same_as(b));
  EXPECT_TRUE(is_zero(r.region[0].min));
  EXPECT_EQ(as_const_int(r.region[0].extent), 3);
  EXPECT_EQ(r.region[1].min.dtype(), i64);  // the min takes the dimension's dtype
  EXPECT_EQ(as_const_int(r.region[1].extent), 5);
}

// ---------------------------------------------------------------------------------------
// Expression nodes.

TEST(BufferLoad, ScalarAndVectorLoads) {
  Buffer a = buffer2d();
  Var i("i"), j("j");
  Expr load = BufferLoadNode::make(a, {i, j});
  EXPECT_EQ(load.dtype(), f32);
  EXPECT_TRUE(load.as<BufferLoadNode>()->buffer.same_as(a));
  Expr vec = BufferLoadNode::make(a, {i, RampNode::make(j, i32c(1), 4)});
  EXPECT_EQ(vec.dtype(), DataType::Float(32, 4));
  Expr i64_index = BufferLoadNode::make(a, {Var("p", i64), i});
  EXPECT_EQ(i64_index.dtype(), f32);
}

TEST(BufferLoad, RejectsBadIndices) {
  Buffer a = buffer2d();
  Var i("i");
  EXPECT_USER_ERROR(BufferLoadNode::make(a, {i}), "load from A: 1 indices for a 2-dimensional buffer");
  EXPECT_USER_ERROR(BufferLoadNode::make(a, {i, i, i}), "load from A: 3 indices for a 2-dimensional buffer");
  EXPECT_USER_ERROR(BufferLoadNode::make(a, {i, f32c(0.0)}),
                    "load from A: index 1 has dtype float32, expected an integer");
  EXPECT_USER_ERROR(BufferLoadNode::make(a, {i, Expr()}), "buffer load index: operand is undefined");
  EXPECT_USER_ERROR(BufferLoadNode::make(Buffer(), {i}), "buffer load: the buffer is undefined");
  EXPECT_USER_ERROR(BufferLoadNode::make(a, {RampNode::make(i, i32c(1), 4), RampNode::make(i, i32c(1), 8)}),
                    "load from A: vector indices of different lanes");
}

TEST(Binary, ArithmeticKeepsOperandDtype) {
  Var x("x"), y("y");
  Var f("f", f32), g("g", f32);
  EXPECT_EQ(AddNode::make(x, y).dtype(), i32);
  EXPECT_EQ(SubNode::make(x, y)->kind(), NodeKind::Sub);
  EXPECT_EQ(MulNode::make(f, g).dtype(), f32);
  EXPECT_EQ(DivNode::make(f, g).dtype(), f32);
  EXPECT_EQ(ModNode::make(x, y).dtype(), i32);
  EXPECT_EQ(FloorDivNode::make(x, y).dtype(), i32);
  EXPECT_EQ(FloorModNode::make(x, y).dtype(), i32);
  EXPECT_EQ(MinNode::make(f, g).dtype(), f32);
  EXPECT_EQ(MaxNode::make(x, y).dtype(), i32);
  Expr add = AddNode::make(x, y);
  EXPECT_TRUE(add.as<AddNode>()->a.same_as(x));
  EXPECT_TRUE(add.as<AddNode>()->b.same_as(y));
  // Vectors keep their lanes.
  Expr v = RampNode::make(x, i32c(1), 4);
  EXPECT_EQ(AddNode::make(v, v).dtype(), DataType::Int(32, 4));
}

TEST(Binary, ComparisonsAndLogicalProduceBool) {
  Var x("x"), y("y");
  for (Expr e : {EQNode::make(x, y), NENode::make(x, y), LTNode::make(x, y), LENode::make(x, y), GTNode::make(x, y),
                 GENode::make(x, y)}) {
    EXPECT_EQ(e.dtype(), boolean) << node_kind_name(e->kind());
  }
  Expr v = RampNode::make(x, i32c(1), 4);
  EXPECT_EQ(LTNode::make(v, v).dtype(), DataType::Bool(4));
  Var p("p", boolean), q("q", boolean);
  EXPECT_EQ(AndNode::make(p, q).dtype(), boolean);
  EXPECT_EQ(OrNode::make(p, q).dtype(), boolean);
  EXPECT_EQ(EQNode::make(p, q).dtype(), boolean);  // comparing bools is allowed
}

TEST(Binary, RejectsMismatchedOrInvalidOperands) {
  Var x("x"), f("f", f32), p("p", boolean), h("h", DataType::Handle());
  EXPECT_USER_ERROR(AddNode::make(x, f), "Add: operands have different dtypes: x (int32) and f (float32)");
  EXPECT_USER_ERROR(LTNode::make(x, Var("w", i64)), "LT: operands have different dtypes: x (int32) and w (int64)");
  EXPECT_USER_ERROR(AddNode::make(x, Expr()), "Add: operand is undefined");
  EXPECT_USER_ERROR(AndNode::make(x, x), "And: operands must be bool, got int32");
  EXPECT_USER_ERROR(OrNode::make(f, f), "Or: operands must be bool, got float32");
  EXPECT_USER_ERROR(FloorDivNode::make(f, f), "FloorDiv: operands must be integers, got float32");
  EXPECT_USER_ERROR(FloorModNode::make(f, f), "FloorMod: operands must be integers, got float32");
  EXPECT_USER_ERROR(AddNode::make(p, p), "Add: arithmetic on bool operands");
  EXPECT_USER_ERROR(MulNode::make(p, p), "Mul: arithmetic on bool operands");
  EXPECT_USER_ERROR(SubNode::make(h, h), "Sub: operands of dtype handle are not values");
}

TEST(Not, RequiresBool) {
  Var p("p", boolean);
  Expr n = NotNode::make(p);
  EXPECT_EQ(n.dtype(), boolean);
  EXPECT_TRUE(n.as<NotNode>()->a.same_as(p));
  EXPECT_USER_ERROR(NotNode::make(Var("x")), "not: operand must be bool, got int32");
  EXPECT_USER_ERROR(NotNode::make(Expr()), "Not: operand is undefined");
}

TEST(Select, ChecksConditionAndBranches) {
  Var p("p", boolean), x("x"), y("y");
  Expr s = SelectNode::make(p, x, y);
  EXPECT_EQ(s.dtype(), i32);
  EXPECT_TRUE(s.as<SelectNode>()->condition.same_as(p));
  Expr v = RampNode::make(x, i32c(1), 4);
  Expr vc = LTNode::make(v, v);
  EXPECT_EQ(SelectNode::make(vc, v, v).dtype(), DataType::Int(32, 4));
  EXPECT_EQ(SelectNode::make(p, v, v).dtype(), DataType::Int(32, 4));  // a scalar condition selects whole vectors
  EXPECT_USER_ERROR(SelectNode::make(x, x, y), "Select: condition must be bool, got int32");
  EXPECT_USER_ERROR(SelectNode::make(p, x, Var("f", f32)), "Select: branches have different dtypes int32 and float32");
  EXPECT_USER_ERROR(SelectNode::make(LTNode::make(RampNode::make(x, i32c(1), 8), RampNode::make(x, i32c(1), 8)), v, v),
                    "Select: condition lanes do not match the value lanes");
  EXPECT_USER_ERROR(SelectNode::make(p, x, Expr()), "Select: operand is undefined");
}

TEST(Cast, ChecksTargetAndLanes) {
  Var x("x");
  Expr c = CastNode::make(f16, x);
  EXPECT_EQ(c.dtype(), f16);
  EXPECT_TRUE(c.as<CastNode>()->value.same_as(x));
  EXPECT_EQ(CastNode::make(boolean, x).dtype(), boolean);
  EXPECT_EQ(CastNode::make(DataType::Float(32, 4), RampNode::make(x, i32c(1), 4)).dtype(), DataType::Float(32, 4));
  EXPECT_USER_ERROR(CastNode::make(DataType::Handle(), x), "cannot cast int32 to handle");
  EXPECT_USER_ERROR(CastNode::make(i32, Var("h", DataType::Handle())), "cannot cast handle to int32");
  EXPECT_USER_ERROR(CastNode::make(DataType::Float(32, 4), x), "Cast: lanes differ (int32 to float32x4)");
  EXPECT_USER_ERROR(CastNode::make(f32, Expr()), "Cast: operand is undefined");
}

TEST(Ramp, BuildsVectorOfBaseDtype) {
  Var x("x", i64);
  Expr r = RampNode::make(x, IntImmNode::make(i64, 2), 8);
  EXPECT_EQ(r.dtype(), DataType::Int(64, 8));
  EXPECT_EQ(r.as<RampNode>()->lanes, 8);
  EXPECT_USER_ERROR(RampNode::make(x, IntImmNode::make(i64, 1), 1), "Ramp: lanes must be at least 2, got 1");
  EXPECT_USER_ERROR(RampNode::make(Var("y"), i32c(1), 0), "Ramp: lanes must be at least 2, got 0");
  EXPECT_USER_ERROR(RampNode::make(Var("f", f32), f32c(1.0), 4),
                    "Ramp: base and stride must be scalar integers of one dtype");
  EXPECT_USER_ERROR(RampNode::make(x, i32c(1), 4), "Ramp: base and stride must be scalar integers of one dtype");
}

TEST(Broadcast, RepeatsAScalar) {
  Expr b = BroadcastNode::make(f32c(1.0), 16);
  EXPECT_EQ(b.dtype(), DataType::Float(32, 16));
  EXPECT_EQ(b.as<BroadcastNode>()->lanes, 16);
  EXPECT_USER_ERROR(BroadcastNode::make(f32c(1.0), 1), "Broadcast: lanes must be at least 2, got 1");
  EXPECT_USER_ERROR(BroadcastNode::make(b, 2), "Broadcast: the value must be a scalar");
  EXPECT_USER_ERROR(BroadcastNode::make(Expr(), 4), "Broadcast: operand is undefined");
}

TEST(Call, ChecksArityAndDtypes) {
  Var f("f", f32), g("g", f32), x("x"), p("p", boolean);
  Expr e = CallNode::make(Intrinsic::exp, {f});
  EXPECT_EQ(e.dtype(), f32);
  EXPECT_EQ(e.as<CallNode>()->op, Intrinsic::exp);
  EXPECT_EQ(CallNode::make(Intrinsic::pow, {f, g}).dtype(), f32);
  EXPECT_EQ(CallNode::make(Intrinsic::abs, {x}).dtype(), i32);  // abs accepts integers
  EXPECT_EQ(CallNode::make(Intrinsic::if_then_else, {p, x, x}).dtype(), i32);
  EXPECT_EQ(CallNode::make(Intrinsic::sqrt, {Var("h", f16)}).dtype(), f16);

  EXPECT_USER_ERROR(CallNode::make(Intrinsic::exp, {f, f}), "T.exp takes 1 argument(s), got 2");
  EXPECT_USER_ERROR(CallNode::make(Intrinsic::pow, {f}), "T.pow takes 2 argument(s), got 1");
  EXPECT_USER_ERROR(CallNode::make(Intrinsic::exp, {x}), "T.exp: argument must be a float, got int32");
  EXPECT_USER_ERROR(CallNode::make(Intrinsic::abs, {p}), "T.abs: argument must be a float or an integer, got bool");
  EXPECT_USER_ERROR(CallNode::make(Intrinsic::pow, {f, Var("d", DataType::Float(64))}),
                    "T.pow: arguments have different dtypes float32 and float64");
  EXPECT_USER_ERROR(CallNode::make(Intrinsic::if_then_else, {x, x, x}),
                    "T.if_then_else: condition must be bool, got int32");
  EXPECT_USER_ERROR(CallNode::make(Intrinsic::if_then_else, {p, x, f}),
                    "T.if_then_else: branches have different dtypes int32 and float32");
  EXPECT_USER_ERROR(CallNode::make(Intrinsic::log, {Expr()}), "log: operand is undefined");
}

// ---------------------------------------------------------------------------------------
// Statement nodes.

Stmt store_zero(const Buffer& b, Var i, Var j) { return BufferStoreNode::make(b, f32c(0.0), {i, j}); }

TEST(For, MakeKeepsAllFields) {
  Var i("i"), j("j");
  Buffer a = buffer2d();
  Stmt body = store_zero(a, i, j);
  Annotations ann = {{"pragma_unroll", int64_t{4}}};
  Stmt loop = ForNode::make(i, i32c(2), i32c(10), ForKind::Parallel, body, "", ann);
  const auto* f = loop.as<ForNode>();
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->loop_var.same_as(i));
  EXPECT_EQ(as_const_int(f->min), 2);
  EXPECT_EQ(as_const_int(f->extent), 10);
  EXPECT_EQ(f->for_kind, ForKind::Parallel);
  EXPECT_TRUE(f->thread_tag.empty());
  EXPECT_TRUE(f->body.same_as(body));
  ASSERT_EQ(f->annotations.count("pragma_unroll"), 1u);
  EXPECT_EQ(*f->annotations.at("pragma_unroll").as_int(), 4);

  Stmt bound = ForNode::make(j, i32c(0), i32c(32), ForKind::ThreadBinding, body, "threadIdx.x");
  EXPECT_EQ(bound.as<ForNode>()->thread_tag, "threadIdx.x");
  Var w("w", i64);
  EXPECT_NO_THROW(ForNode::make(w, IntImmNode::make(i64, 0), IntImmNode::make(i64, 8), ForKind::Unrolled, body));
}

TEST(For, RejectsInvalidLoops) {
  Var i("i"), j("j");
  Stmt body = store_zero(buffer2d(), i, j);
  EXPECT_USER_ERROR(ForNode::make(Var("f", f32), f32c(0.0), f32c(4.0), ForKind::Serial, body),
                    "loop f: the loop variable must be a scalar integer, got float32");
  EXPECT_USER_ERROR(ForNode::make(i, IntImmNode::make(i64, 0), i32c(4), ForKind::Serial, body),
                    "loop i: min (int64) and extent (int32) must have the loop variable's dtype int32");
  EXPECT_USER_ERROR(ForNode::make(i, i32c(0), IntImmNode::make(i64, 4), ForKind::Serial, body),
                    "loop i: min (int32) and extent (int64) must have the loop variable's dtype int32");
  EXPECT_USER_ERROR(ForNode::make(i, i32c(0), i32c(4), ForKind::Serial, Stmt()), "loop i: the body is empty");
  EXPECT_USER_ERROR(ForNode::make(i, i32c(0), i32c(4), ForKind::ThreadBinding, body),
                    "loop i: a thread-binding loop needs a thread tag");
  EXPECT_USER_ERROR(ForNode::make(i, i32c(0), i32c(4), ForKind::Parallel, body, "threadIdx.x"),
                    "loop i: only thread-binding loops have a thread tag (got 'threadIdx.x')");
  EXPECT_USER_ERROR(ForNode::make(Var(), i32c(0), i32c(4), ForKind::Serial, body),
                    "for loop: undefined loop variable, min or extent");
  EXPECT_USER_ERROR(ForNode::make(i, i32c(0), Expr(), ForKind::Serial, body),
                    "for loop: undefined loop variable, min or extent");
}

struct BlockParts {
  Buffer a = buffer2d("A");
  Var vi{"vi"}, vj{"vj"};
  std::vector<IterVar> iter_vars{{vi, {i32c(0), i32c(16)}, IterType::DataPar},
                                 {vj, {i32c(0), i32c(32)}, IterType::CommReduce}};
  BufferRegion point{a, {{vi, i32c(1)}, {vj, i32c(1)}}};
  Stmt body = store_zero(a, vi, vj);
};

TEST(Block, MakeKeepsAllFields) {
  BlockParts p;
  Buffer scratch = Buffer::make("S", f32, {i32c(4)}, {}, {}, "local");
  Buffer view = Buffer::make("V", f32, {i32c(1), i32c(1)});
  Stmt init = store_zero(p.a, p.vi, p.vj);
  Block b =
      Block::make("C", p.iter_vars, {p.point}, {p.point}, p.body, init, {scratch}, {{view, p.point}}, {{"meta", "x"}});
  EXPECT_EQ(b->name, "C");
  ASSERT_EQ(b->iter_vars.size(), 2u);
  EXPECT_EQ(b->iter_vars[1].type, IterType::CommReduce);
  EXPECT_TRUE(b->iter_vars[0].var.same_as(p.vi));
  EXPECT_EQ(b->reads.size(), 1u);
  EXPECT_EQ(b->writes.size(), 1u);
  EXPECT_TRUE(b->init.same_as(init));
  EXPECT_TRUE(b->body.same_as(p.body));
  ASSERT_EQ(b->alloc_buffers.size(), 1u);
  EXPECT_TRUE(b->alloc_buffers[0].same_as(scratch));
  ASSERT_EQ(b->match_buffers.size(), 1u);
  EXPECT_TRUE(b->match_buffers[0].buffer.same_as(view));
  EXPECT_EQ(*b->annotations.at("meta").as_string(), "x");
  EXPECT_EQ(b->kind(), NodeKind::Block);
  // A block with no iteration variables and no init (the root block).
  Block root = Block::make("root", {}, {}, {}, p.body);
  EXPECT_FALSE(root->init.defined());
  EXPECT_TRUE(root->iter_vars.empty());
}

TEST(Block, RejectsInvalidBlocks) {
  BlockParts p;
  std::vector<IterVar> float_iv = {{Var("vf", f32), {f32c(0.0), f32c(4.0)}, IterType::DataPar}};
  EXPECT_USER_ERROR(Block::make("C", float_iv, {}, {}, p.body), "block C: iteration variable vf must be an integer");
  std::vector<IterVar> wrong_dom = {{p.vi, {IntImmNode::make(i64, 0), IntImmNode::make(i64, 4)}, IterType::DataPar}};
  EXPECT_USER_ERROR(Block::make("C", wrong_dom, {}, {}, p.body), "block C: the domain of vi must have its dtype int32");
  std::vector<IterVar> undefined_dom = {{p.vi, {Expr(), i32c(4)}, IterType::DataPar}};
  EXPECT_USER_ERROR(Block::make("C", undefined_dom, {}, {}, p.body),
                    "block C: an iteration variable or its domain is undefined");
  BufferRegion short_region{p.a, {{p.vi, i32c(1)}}};
  EXPECT_USER_ERROR(Block::make("C", p.iter_vars, {short_region}, {}, p.body),
                    "block C: read region of A has 1 ranges for 2 dimensions");
  EXPECT_USER_ERROR(Block::make("C", p.iter_vars, {}, {short_region}, p.body),
                    "block C: write region of A has 1 ranges for 2 dimensions");
  BufferRegion float_region{p.a, {{p.vi, i32c(1)}, {f32c(0.0), i32c(1)}}};
  EXPECT_USER_ERROR(Block::make("C", p.iter_vars, {float_region}, {}, p.body),
                    "block C: read region of A has a non-integer range");
  EXPECT_USER_ERROR(Block::make("C", p.iter_vars, {BufferRegion{Buffer(), {}}}, {}, p.body),
                    "block C: read region of an undefined buffer");
  EXPECT_USER_ERROR(Block::make("C", p.iter_vars, {}, {}, p.body, {}, {}, {{Buffer(), p.point}}),
                    "block C: match_buffer of an undefined buffer");
  EXPECT_USER_ERROR(Block::make("C", p.iter_vars, {}, {}, p.body, {}, {}, {{p.a, short_region}}),
                    "block C: match_buffer source region of A has 1 ranges for 2 dimensions");
  EXPECT_USER_ERROR(Block::make("C", p.iter_vars, {}, {}, p.body, {}, {Buffer()}),
                    "block C: allocates an undefined buffer");
  EXPECT_USER_ERROR(Block::make("C", p.iter_vars, {}, {}, Stmt()), "block C: the body is empty");
}

TEST(BlockRealize, MakeDefaultsThePredicateToTrue) {
  BlockParts p;
  Block b = Block::make("C", p.iter_vars, {}, {}, p.body);
  Var i("i"), j("j");
  Stmt r = BlockRealizeNode::make({i, j}, Expr(), b);
  const auto* br = r.as<BlockRealizeNode>();
  ASSERT_NE(br, nullptr);
  EXPECT_TRUE(is_const_true(br->predicate));
  EXPECT_TRUE(br->block.same_as(b));
  ASSERT_EQ(br->iter_values.size(), 2u);
  EXPECT_TRUE(br->iter_values[1].same_as(j));
  Expr pred = LTNode::make(i, i32c(10));
  EXPECT_TRUE(BlockRealizeNode::make({i, j}, pred, b).as<BlockRealizeNode>()->predicate.same_as(pred));
}

TEST(BlockRealize, RejectsInvalidBindings) {
  BlockParts p;
  Block b = Block::make("C", p.iter_vars, {}, {}, p.body);
  Var i("i"), j("j");
  EXPECT_USER_ERROR(BlockRealizeNode::make({i}, Expr(), b), "block C: 1 binding values for 2 iteration variables");
  EXPECT_USER_ERROR(BlockRealizeNode::make({i, Var("w", i64)}, Expr(), b),
                    "block C: binding of vj has dtype int64, expected int32");
  EXPECT_USER_ERROR(BlockRealizeNode::make({i, Expr()}, Expr(), b), "block C: binding of vj is undefined");
  EXPECT_USER_ERROR(BlockRealizeNode::make({i, j}, i, b), "block C: the predicate must be a scalar bool, got int32");
  Expr vec_pred = LTNode::make(RampNode::make(i, i32c(1), 4), RampNode::make(j, i32c(1), 4));
  EXPECT_USER_ERROR(BlockRealizeNode::make({i, j}, vec_pred, b),
                    "block C: the predicate must be a scalar bool, got boolx4");
  EXPECT_USER_ERROR(BlockRealizeNode::make({}, Expr(), Block()), "block realize: the block is undefined");
}

TEST(BufferStore, ScalarAndVectorStores) {
  Buffer a = buffer2d();
  Var i("i"), j("j");
  Expr v = f32c(1.0);
  Stmt s = BufferStoreNode::make(a, v, {i, j});
  const auto* st = s.as<BufferStoreNode>();
  ASSERT_NE(st, nullptr);
  EXPECT_TRUE(st->value.same_as(v));
  EXPECT_TRUE(st->buffer.same_as(a));
  EXPECT_EQ(st->indices.size(), 2u);
  Expr ramp = RampNode::make(j, i32c(1), 4);
  EXPECT_NO_THROW(BufferStoreNode::make(a, BroadcastNode::make(v, 4), {i, ramp}));
  EXPECT_USER_ERROR(BufferStoreNode::make(a, v, {i, ramp}),
                    "store to A: value 1.0 has dtype float32, the buffer holds float32x4");
}

TEST(BufferStore, RejectsInvalidStores) {
  Buffer a = buffer2d();
  Var i("i"), j("j");
  EXPECT_USER_ERROR(BufferStoreNode::make(a, f32c(0.0), {i}), "store to A: 1 indices for a 2-dimensional buffer");
  EXPECT_USER_ERROR(BufferStoreNode::make(a, f32c(0.0), {i, f32c(1.0)}), "store to A: index 1 must be an integer");
  EXPECT_USER_ERROR(BufferStoreNode::make(a, i, {i, j}),
                    "store to A: value i has dtype int32, the buffer holds float32");
  EXPECT_USER_ERROR(BufferStoreNode::make(a, Expr(), {i, j}), "store to A: the value is undefined");
  EXPECT_USER_ERROR(BufferStoreNode::make(Buffer(), f32c(0.0), {i, j}), "buffer store: the buffer is undefined");
  // Vector indices must agree on their lanes, as for loads.
  Expr ramp4 = RampNode::make(i, i32c(1), 4), ramp8 = RampNode::make(j, i32c(1), 8);
  EXPECT_USER_ERROR(BufferStoreNode::make(a, BroadcastNode::make(f32c(0.0), 8), {ramp4, ramp8}),
                    "store to A: vector indices of different lanes");
}

TEST(IfThenElse, ElseIsOptional) {
  Var p("p", boolean), i("i"), j("j");
  Stmt t = store_zero(buffer2d(), i, j);
  Stmt s = IfThenElseNode::make(p, t);
  EXPECT_FALSE(s.as<IfThenElseNode>()->else_case.defined());
  EXPECT_TRUE(s.as<IfThenElseNode>()->then_case.same_as(t));
  Stmt both = IfThenElseNode::make(p, t, t);
  EXPECT_TRUE(both.as<IfThenElseNode>()->else_case.same_as(t));
  EXPECT_USER_ERROR(IfThenElseNode::make(i, t), "if: the condition must be a bool expression");
  EXPECT_USER_ERROR(IfThenElseNode::make(Expr(), t), "if: the condition must be a bool expression");
  EXPECT_USER_ERROR(IfThenElseNode::make(p, Stmt(), t), "if: the then-branch is empty");
}

TEST(SeqStmt, FlattensDropsNullsAndUnwrapsSingletons) {
  Var i("i"), j("j");
  Buffer a = buffer2d();
  Stmt s1 = store_zero(a, i, j), s2 = store_zero(a, j, i), s3 = EvaluateNode::make(i);
  Stmt inner = SeqStmtNode::make({s1, s2});
  ASSERT_TRUE(inner.is<SeqStmtNode>());
  Stmt outer = SeqStmtNode::make({inner, Stmt(), s3});
  const auto* seq = outer.as<SeqStmtNode>();
  ASSERT_NE(seq, nullptr);
  ASSERT_EQ(seq->seq.size(), 3u);
  EXPECT_TRUE(seq->seq[0].same_as(s1));
  EXPECT_TRUE(seq->seq[1].same_as(s2));
  EXPECT_TRUE(seq->seq[2].same_as(s3));
  EXPECT_TRUE(SeqStmtNode::make({Stmt(), s1}).same_as(s1));
  EXPECT_USER_ERROR(SeqStmtNode::make({}), "empty statement sequence");
  EXPECT_USER_ERROR(SeqStmtNode::make({Stmt(), Stmt()}), "empty statement sequence");
}

TEST(Evaluate, WrapsAnExpression) {
  Var x("x");
  EXPECT_TRUE(EvaluateNode::make(x).as<EvaluateNode>()->value.same_as(x));
  EXPECT_USER_ERROR(EvaluateNode::make(Expr()), "evaluate: the expression is undefined");
}

TEST(LetStmt, ChecksValueDtype) {
  Var x("x"), y("y");
  Stmt body = EvaluateNode::make(x);
  Stmt let = LetStmtNode::make(x, AddNode::make(y, i32c(1)), body);
  EXPECT_TRUE(let.as<LetStmtNode>()->var.same_as(x));
  EXPECT_TRUE(let.as<LetStmtNode>()->body.same_as(body));
  EXPECT_USER_ERROR(LetStmtNode::make(x, f32c(1.0), body), "let x: value has dtype float32, the variable int32");
  EXPECT_USER_ERROR(LetStmtNode::make(x, y, Stmt()), "let: undefined variable, value or body");
}

TEST(Allocate, NeedsBufferAndBody) {
  Buffer a = buffer2d();
  Stmt body = EvaluateNode::make(i32c(0));
  Stmt alloc = AllocateNode::make(a, body);
  EXPECT_TRUE(alloc.as<AllocateNode>()->buffer.same_as(a));
  EXPECT_USER_ERROR(AllocateNode::make(Buffer(), body), "allocate: undefined buffer or body");
  EXPECT_USER_ERROR(AllocateNode::make(a, Stmt()), "allocate: undefined buffer or body");
}

// ---------------------------------------------------------------------------------------
// Functions and modules.

PrimFunc simple_func(const std::string& name) {
  Var pa("a", DataType::Handle()), n("n");
  Buffer a = Buffer::make("A", f32, {i32c(4)});
  Var i("i");
  Stmt body = ForNode::make(i, i32c(0), i32c(4), ForKind::Serial, BufferStoreNode::make(a, f32c(0.0), {i}));
  return PrimFunc::make(name, {pa, n}, {{pa, a}}, body);
}

TEST(PrimFunc, BufferOfAndParamBuffers) {
  PrimFunc f = simple_func("f");
  EXPECT_EQ(f->name, "f");
  ASSERT_EQ(f->params.size(), 2u);
  Buffer a = f->buffer_of(f->params[0]);
  ASSERT_TRUE(a.defined());
  EXPECT_EQ(a->name, "A");
  EXPECT_FALSE(f->buffer_of(f->params[1]).defined());                  // scalar parameter
  EXPECT_FALSE(f->buffer_of(Var("a", DataType::Handle())).defined());  // by identity, not name
  ASSERT_EQ(f->param_buffers().size(), 1u);
  EXPECT_TRUE(f->param_buffers()[0].same_as(a));

  Stmt other = EvaluateNode::make(i32c(0));
  PrimFunc g = f.with_body(other);
  EXPECT_TRUE(g->body.same_as(other));
  EXPECT_FALSE(f->body.same_as(other));
  EXPECT_TRUE(g->buffer_of(g->params[0]).same_as(a));
}

TEST(PrimFunc, RejectsUnboundBuffersAndEmptyBody) {
  Var pa("a", DataType::Handle()), stray("s", DataType::Handle());
  Buffer a = Buffer::make("A", f32, {i32c(4)});
  Stmt body = EvaluateNode::make(i32c(0));
  EXPECT_USER_ERROR(PrimFunc::make("f", {pa}, {{stray, a}}, body),
                    "function f: buffer A is bound to s, which is not a parameter");
  EXPECT_USER_ERROR(PrimFunc::make("f", {pa}, {{pa, Buffer()}}, body), "function f: parameter a is bound to no buffer");
  EXPECT_USER_ERROR(PrimFunc::make("f", {pa}, {{pa, a}}, Stmt()), "function f: the body is empty");
}

TEST(IRModule, AddLookupUpdate) {
  IRModule mod = IRModule::from_func(simple_func("main"));
  EXPECT_EQ(mod.size(), 1u);
  EXPECT_TRUE(mod.contains("main"));
  EXPECT_FALSE(mod.contains("other"));
  mod.add(simple_func("other"));
  EXPECT_EQ(mod.size(), 2u);
  EXPECT_EQ(mod.at("other")->name, "other");
  EXPECT_EQ(mod.functions().begin()->first, "main");  // ordered by name
  EXPECT_USER_ERROR(mod.add(simple_func("main")), "the module already has a function named 'main'");
  EXPECT_USER_ERROR(mod.at("missing"), "no function named 'missing' in the module (it has: main, other)");
  EXPECT_USER_ERROR(IRModule().at("x"), "no function named 'x' in the module (it has: none)");
  PrimFunc replacement = simple_func("main");
  mod.update("main", replacement);
  EXPECT_TRUE(mod.at("main").same_as(replacement));
  EXPECT_EQ(mod.size(), 2u);
}

// ---------------------------------------------------------------------------------------
// Annotation values.

TEST(AnnValue, HoldsEachAlternative) {
  AnnValue i = 3;
  AnnValue f = 2.5;
  AnnValue s = "text";
  AnnValue e = Expr(7);
  AnnValue l = std::vector<AnnValue>{1, "a"};
  ASSERT_NE(i.as_int(), nullptr);
  EXPECT_EQ(*i.as_int(), 3);
  EXPECT_EQ(i.as_float(), nullptr);
  ASSERT_NE(f.as_float(), nullptr);
  EXPECT_DOUBLE_EQ(*f.as_float(), 2.5);
  ASSERT_NE(s.as_string(), nullptr);
  EXPECT_EQ(*s.as_string(), "text");
  ASSERT_NE(e.as_expr(), nullptr);
  EXPECT_EQ(as_const_int(*e.as_expr()), 7);
  ASSERT_NE(l.as_list(), nullptr);
  ASSERT_EQ(l.as_list()->size(), 2u);
  EXPECT_EQ(*(*l.as_list())[1].as_string(), "a");
  EXPECT_EQ(*AnnValue().as_int(), 0);
}

}  // namespace
}  // namespace loom::ir
