// Tests of the read-only IR views of the plugin ABI (core/src/host/ir_view.h) through the
// plugin-side C++ views (loom/plugin_ir.hpp): a code generator written against the views
// alone re-prints every zoo workload and test kernel as TVMScript that parses back to the
// same function; every field of every kind is read; errors name what went wrong; variable
// identity holds across paths.
#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "../../core/src/host/ir_view.h"
#include "../common/expect_error.h"
#include "loom/host/host_api.h"
#include "loom/ir/ir.h"
#include "loom/plugin_ir.hpp"
#include "loom/sched/schedule.h"
#include "loom/script/script.h"
#include "loom/workloads/zoo.h"

using loom::testing::throws_with;

namespace {

namespace pir = loom::plugin::ir;
namespace hd = loom::host::detail;
using loom::plugin::Error;

// The host's function table, as plugins get it.
const loom_host_api& api() { return *loom::host::host_api(); }

class IrViewTest : public ::testing::Test {
 protected:
  void SetUp() override { loom::plugin::set_host(&api()); }
  void TearDown() override { loom::plugin::set_host(nullptr); }
  static pir::Func handle(const loom::ir::PrimFunc& f) { return pir::Func(hd::ir_func_new(f)); }
};

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ---------------------------------------------------------------------------------------
// A TVMScript writer that sees the IR only through loom/plugin_ir.hpp: what a plugin's code
// generator would be. It prints every construct in its most explicit form (loops one by
// one, every block variable with T.axis.*, explicit root block, reads and writes), so the
// text shares nothing with loom's printer but the language.

class ViewScriptWriter {
 public:
  std::string print(const pir::PrimFunc& f) {
    push_scope();
    // 1) Names of parameters and their buffers, before any shape is printed.
    for (pir::Var p : f.params()) {
      pir::Buffer b = f.buffer_of(p);
      if (!b.is_null() && p.name() == b.name()) {
        names_[p.ptr()] = define(b, b.name());
      } else {
        define(p, p.name());
        if (!b.is_null()) define(b, b.name());
      }
    }
    // 2) The signature and T.match_buffer lines.
    std::vector<std::string> params, match_lines;
    for (pir::Var p : f.params()) {
      pir::Buffer b = f.buffer_of(p);
      if (!b.is_null() && p.name() == b.name()) {
        params.push_back(name(b) + ": T.Buffer(" + buffer_args(b) + ")");
      } else if (!b.is_null()) {
        params.push_back(name(p) + ": T.handle");
        match_lines.push_back(name(b) + " = T.match_buffer(" + name(p) + ", " + buffer_args(b) + ")");
      } else {
        params.push_back(name(p) + ": T." + p.dtype().to_string());
      }
    }
    line("@T.prim_func");
    std::string sig = "def " + std::string(f.name()) + "(";
    for (size_t i = 0; i < params.size(); ++i) sig += (i ? ", " : "") + params[i];
    line(sig + "):");
    ++indent_;
    if (!f.attrs().empty()) line("T.func_attr(" + annotations(f.attrs()) + ")");
    for (const std::string& m : match_lines) line(m);
    stmt(f.body());
    --indent_;
    pop_scope();
    return out_.str();
  }

 private:
  // ---- names: unique among those visible, like a scoped code generator's ----

  std::string define(const pir::Node& n, std::string_view base) {
    std::string clean(base), candidate = clean;
    for (int k = 1; visible_[candidate] > 0; ++k) candidate = clean + "_" + std::to_string(k);
    names_[n.ptr()] = candidate;
    ++visible_[candidate];
    scopes_.back().push_back(candidate);
    return candidate;
  }
  void push_scope() { scopes_.emplace_back(); }
  void pop_scope() {
    for (const std::string& n : scopes_.back()) --visible_[n];
    scopes_.pop_back();
  }
  std::string name(const pir::Node& n) {
    auto it = names_.find(n.ptr());
    if (it == names_.end()) throw std::runtime_error("undefined " + std::string(n.kind_name()));
    return it->second;
  }

  // ---- expressions ----

  static std::string quote(std::string_view s) { return "\"" + std::string(s) + "\""; }
  static std::string float_text(double v) {
    if (std::isnan(v)) return "\"nan\"";
    if (std::isinf(v)) return v > 0 ? "\"inf\"" : "\"-inf\"";
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof(buf), v);
    std::string s(buf, r.ptr);
    if (s.find_first_of(".e") == std::string::npos) s += ".0";
    return s;
  }

  std::string int_const(const pir::IntImm& imm) {
    pir::DataType t = imm.dtype();
    if (t.is_bool()) return imm.value() ? "True" : "False";
    if (t.to_string() == "int32") return std::to_string(imm.value());
    return "T." + t.to_string() + "(" + std::to_string(imm.value()) + ")";
  }

  std::string binary(const pir::Binary& e) {
    std::string a = expr(e.a()), b = expr(e.b());
    switch (e.op()) {
      case LOOM_NODE_ADD:
        return "(" + a + " + " + b + ")";
      case LOOM_NODE_SUB:
        return "(" + a + " - " + b + ")";
      case LOOM_NODE_MUL:
        return "(" + a + " * " + b + ")";
      case LOOM_NODE_DIV:
        return e.dtype().is_float() ? "(" + a + " / " + b + ")" : "T.truncdiv(" + a + ", " + b + ")";
      case LOOM_NODE_MOD:
        return "T.truncmod(" + a + ", " + b + ")";
      case LOOM_NODE_FLOOR_DIV:
        return "(" + a + " // " + b + ")";
      case LOOM_NODE_FLOOR_MOD:
        return "(" + a + " % " + b + ")";
      case LOOM_NODE_MIN:
        return "T.min(" + a + ", " + b + ")";
      case LOOM_NODE_MAX:
        return "T.max(" + a + ", " + b + ")";
      case LOOM_NODE_EQ:
        return "(" + a + " == " + b + ")";
      case LOOM_NODE_NE:
        return "(" + a + " != " + b + ")";
      case LOOM_NODE_LT:
        return "(" + a + " < " + b + ")";
      case LOOM_NODE_LE:
        return "(" + a + " <= " + b + ")";
      case LOOM_NODE_GT:
        return "(" + a + " > " + b + ")";
      case LOOM_NODE_GE:
        return "(" + a + " >= " + b + ")";
      case LOOM_NODE_AND:
        return "(" + a + " and " + b + ")";
      case LOOM_NODE_OR:
        return "(" + a + " or " + b + ")";
      default:
        throw std::runtime_error("not a binary op: " + std::string(e.op_name()));
    }
  }

  std::string expr(const pir::Expr& e) {
    if (e.is_null()) return "None";
    if (auto imm = e.as<pir::IntImm>()) return int_const(*imm);
    if (auto imm = e.as<pir::FloatImm>()) return "T." + imm->dtype().to_string() + "(" + float_text(imm->value()) + ")";
    if (auto v = e.as<pir::Var>()) return name(*v);
    if (auto load = e.as<pir::BufferLoad>()) return name(load->buffer()) + "[" + indices(load->indices()) + "]";
    if (auto b = e.as<pir::Binary>()) return binary(*b);
    if (auto n = e.as<pir::Not>()) return "(not " + expr(n->a()) + ")";
    if (auto s = e.as<pir::Select>()) {
      return "T.Select(" + expr(s->condition()) + ", " + expr(s->true_value()) + ", " + expr(s->false_value()) + ")";
    }
    if (auto c = e.as<pir::Cast>()) return "T.Cast(" + quote(c->dtype().to_string()) + ", " + expr(c->value()) + ")";
    if (auto r = e.as<pir::Ramp>()) {
      return "T.Ramp(" + expr(r->base()) + ", " + expr(r->stride()) + ", " + std::to_string(r->lanes()) + ")";
    }
    if (auto b = e.as<pir::Broadcast>()) {
      return "T.Broadcast(" + expr(b->value()) + ", " + std::to_string(b->lanes()) + ")";
    }
    if (auto c = e.as<pir::Call>()) {
      std::string s = "T." + std::string(c->op()) + "(";
      size_t i = 0;
      for (pir::Expr arg : c->args()) s += (i++ ? ", " : "") + expr(arg);
      return s + ")";
    }
    throw std::runtime_error("unknown expression kind " + std::string(e.kind_name()));
  }

  std::string indices(const pir::List<pir::Expr>& items) {
    if (items.empty()) return "()";
    std::string s;
    size_t i = 0;
    for (pir::Expr e : items) s += (i++ ? ", " : "") + expr(e);
    return s;
  }
  std::string tuple(const pir::List<pir::Expr>& items) {
    std::string s = "(";
    size_t i = 0;
    for (pir::Expr e : items) s += (i++ ? ", " : "") + expr(e);
    return s + (items.size() == 1 ? ",)" : ")");
  }

  // The end of [min, min + extent) as the parser reads it back: constants folded.
  std::string range_end(const pir::Expr& min, const pir::Expr& extent) {
    auto a = min.as<pir::IntImm>(), b = extent.as<pir::IntImm>();
    if (a && b && a->dtype() == b->dtype()) {
      return int_const(*a) == std::to_string(a->value())
                 ? std::to_string(a->value() + b->value())
                 : "T." + a->dtype().to_string() + "(" + std::to_string(a->value() + b->value()) + ")";
    }
    return "(" + expr(min) + " + " + expr(extent) + ")";
  }
  static bool is_zero(const pir::Expr& e) {
    auto imm = e.as<pir::IntImm>();
    return imm && imm->value() == 0;
  }
  static bool is_one(const pir::Expr& e) {
    auto imm = e.as<pir::IntImm>();
    return imm && imm->value() == 1;
  }

  std::string region(const pir::BufferRegion& r) {
    if (r.region().empty()) return name(r.buffer()) + "[()]";
    std::string s = name(r.buffer()) + "[";
    size_t i = 0;
    for (pir::Range rg : r.region()) {
      s += i++ ? ", " : "";
      s += is_one(rg.extent()) ? expr(rg.min()) : expr(rg.min()) + ":" + range_end(rg.min(), rg.extent());
    }
    return s + "]";
  }

  std::string ann_value(const pir::Field& v) {
    if (v.is_int()) return std::to_string(v.int_());
    if (v.is_float()) return float_text(v.float_());
    if (v.is_str()) return quote(v.str());
    if (v.is_node()) {
      pir::Expr e(v.node());
      // Bare int32 / float32 constants would read back as plain numbers; keep their dtype.
      if (auto imm = e.as<pir::IntImm>(); imm && imm->dtype().to_string() == "int32") {
        return "T.int32(" + std::to_string(imm->value()) + ")";
      }
      return expr(e);
    }
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + ann_value(pir::AnnValue(v.item(i).node()).value());
    return s + "]";
  }
  std::string annotations(const pir::List<pir::Annotation>& anns) {
    std::string s = "{";
    size_t i = 0;
    for (pir::Annotation a : anns) s += (i++ ? ", " : "") + quote(a.key()) + ": " + ann_value(a.value());
    return s + "}";
  }

  std::string buffer_args(const pir::Buffer& b) {
    std::string s = tuple(b.shape()) + ", " + quote(b.dtype().to_string());
    if (!b.strides().empty()) s += ", strides=" + tuple(b.strides());
    if (!b.elem_offset().is_null()) s += ", elem_offset=" + expr(b.elem_offset());
    if (b.scope() != "global") s += ", scope=" + quote(b.scope());
    return s;
  }

  // ---- statements ----

  void line(const std::string& text) {
    for (int i = 0; i < indent_; ++i) out_ << "    ";
    out_ << text << "\n";
  }
  void nested(const pir::Stmt& s) {
    ++indent_;
    push_scope();
    stmt(s);
    pop_scope();
    --indent_;
  }

  void stmt(const pir::Stmt& s) {
    if (auto seq = s.as<pir::SeqStmt>()) {
      for (pir::Stmt item : seq->seq()) stmt(item);
    } else if (auto loop = s.as<pir::For>()) {
      for_loop(*loop);
    } else if (auto realize = s.as<pir::BlockRealize>()) {
      block(*realize);
    } else if (auto store = s.as<pir::BufferStore>()) {
      line(name(store->buffer()) + "[" + indices(store->indices()) + "] = " + expr(store->value()));
    } else if (auto branch = s.as<pir::IfThenElse>()) {
      line("if " + expr(branch->condition()) + ":");
      nested(branch->then_case());
      if (!branch->else_case().is_null()) {
        line("else:");
        nested(branch->else_case());
      }
    } else if (auto eval = s.as<pir::Evaluate>()) {
      line("T.evaluate(" + expr(eval->value()) + ")");
    } else if (auto let = s.as<pir::LetStmt>()) {
      std::string value = expr(let->value());
      push_scope();
      line("with T.LetStmt(" + value + ") as " + define(let->var(), let->var().name()) + ":");
      nested(let->body());
      pop_scope();
    } else if (auto alloc = s.as<pir::Allocate>()) {
      std::string args = buffer_args(alloc->buffer());
      push_scope();
      line("with T.decl_buffer(" + args + ") as " + define(alloc->buffer(), alloc->buffer().name()) + ":");
      nested(alloc->body());
      pop_scope();
    } else {
      throw std::runtime_error("cannot print a " + std::string(s.kind_name()));
    }
  }

  void for_loop(const pir::For& loop) {
    std::string args =
        is_zero(loop.min()) ? expr(loop.extent()) : expr(loop.min()) + ", " + range_end(loop.min(), loop.extent());
    std::string_view kind = loop.for_kind();
    std::string fn = kind == "unroll" ? "T.unroll" : "T." + std::string(kind);
    if (kind == "thread_binding") args += ", thread=" + quote(loop.thread_tag());
    if (!loop.annotations().empty()) args += ", annotations=" + annotations(loop.annotations());
    push_scope();
    line("for " + define(loop.loop_var(), loop.loop_var().name()) + " in " + fn + "(" + args + "):");
    nested(loop.body());
    pop_scope();
  }

  void block(const pir::BlockRealize& realize) {
    pir::Block b = realize.block();
    line("with T.block(" + quote(b.name()) + "):");
    ++indent_;
    push_scope();
    pir::List<pir::Expr> values = realize.iter_values();
    size_t i = 0;
    for (pir::IterVar iv : b.iter_vars()) {
      pir::Range dom = iv.dom();
      std::string d = is_zero(dom.min()) ? expr(dom.extent())
                                         : "(" + expr(dom.min()) + ", " + range_end(dom.min(), dom.extent()) + ")";
      std::string binding = expr(values[i++]);
      line(define(iv.var(), iv.var().name()) + " = T.axis." + std::string(iv.iter_type()) + "(" + d + ", " + binding +
           ")");
    }
    auto pred = realize.predicate().as<pir::IntImm>();
    if (!(pred && pred->dtype().is_bool() && pred->value() == 1)) line("T.where(" + expr(realize.predicate()) + ")");
    std::vector<std::string> alloc_lines, match_lines;
    for (pir::Buffer a : b.alloc_buffers()) {
      std::string args = buffer_args(a);
      alloc_lines.push_back(define(a, a.name()) + " = T.alloc_buffer(" + args + ")");
    }
    for (pir::MatchBufferRegion m : b.match_buffers()) {
      std::string src = region(m.source()), args = buffer_args(m.buffer());
      match_lines.push_back(define(m.buffer(), m.buffer().name()) + " = T.match_buffer(" + src + ", " + args + ")");
    }
    std::string reads, writes;
    i = 0;
    for (pir::BufferRegion r : b.reads()) reads += (i++ ? ", " : "") + region(r);
    i = 0;
    for (pir::BufferRegion r : b.writes()) writes += (i++ ? ", " : "") + region(r);
    line("T.reads(" + reads + ")");
    line("T.writes(" + writes + ")");
    if (!b.annotations().empty()) line("T.block_attr(" + annotations(b.annotations()) + ")");
    for (const std::string& l : alloc_lines) line(l);
    for (const std::string& l : match_lines) line(l);
    if (!b.init().is_null()) {
      line("with T.init():");
      nested(b.init());
    }
    stmt(b.body());
    pop_scope();
    --indent_;
  }

  std::ostringstream out_;
  int indent_ = 0;
  std::unordered_map<const void*, std::string> names_;
  std::vector<std::vector<std::string>> scopes_;
  std::map<std::string, int> visible_;
};

// Re-prints `f` from its views and checks the text parses back to `f`, names included.
void expect_views_reprint(const loom::ir::PrimFunc& f) {
  pir::Func h(hd::ir_func_new(f));
  std::string text = ViewScriptWriter().print(h.node());
  if (std::getenv("LOOM_DUMP_VIEW_SCRIPT") != nullptr) std::cerr << text;
  loom::ir::PrimFunc back;
  try {
    back = loom::script::parse_func(text);
  } catch (const std::exception& e) {
    FAIL() << f->name << ": the views' text does not parse: " << e.what() << "\n" << text;
  }
  loom::ir::StructuralEqualOptions strict;
  strict.strict_names = true;
  auto diff = loom::ir::structural_diff(f, back, strict);
  EXPECT_FALSE(diff.has_value()) << f->name << ": " << diff->to_string() << "\n" << text;
}

// A function holding every node kind, every record kind and every annotation value kind.
const char* kEverything = R"(
@T.prim_func
def everything(a: T.handle, B: T.Buffer((16,), "float32"), n: T.int32):
    T.func_attr({"global_symbol": "everything", "list": [1, 2.5, "s", T.int64(3), [4]], "f": 0.5})
    A = T.match_buffer(a, (16, 16), "float32", strides=(16, 1), elem_offset=n)
    for i in T.parallel(16, annotations={"pragma": 1}):
        with T.block("outer"):
            vi = T.axis.spatial(16, i)
            T.reads(A[vi, 0:16])
            T.writes(B[vi])
            T.block_attr({"meta": "x"})
            S = T.alloc_buffer((16,), "float32", scope="shared")
            sub = T.match_buffer(A[vi, 0:16], (16,), "float32")
            with T.init():
                B[vi] = T.float32(0)
            for j in T.serial(16):
                with T.block("inner"):
                    vj = T.axis.reduce(16, j)
                    T.where(j < 16)
                    B[vi] = B[vi] + T.exp(sub[vj]) / T.float32(2)
            with T.LetStmt(i + 1) as x:
                with T.decl_buffer((4,), "float32", scope="local") as L:
                    L[T.Ramp(0, 1, 4)] = T.Broadcast(T.Cast("float32", x), 4)
                    if not (x < 3) and (x > 1 or x == 2) and x <= 9 and x >= 0:
                        S[T.truncdiv(x, 2)] = T.Select(x != 0, T.float32(1), T.float32(2))
                    else:
                        T.evaluate(T.min(x, 1) * T.max(x, 2) - x // 2 + x % 3 + T.truncmod(x, 5))
)";

loom::ir::PrimFunc everything() { return loom::script::parse_func(kEverything); }

// ---------------------------------------------------------------------------------------
// (a) The views are enough to write a code generator.

TEST_F(IrViewTest, ViewsReprintEveryZooWorkload) {
  ASSERT_FALSE(loom::workloads::workloads().empty());
  for (const loom::workloads::WorkloadInfo& info : loom::workloads::workloads()) {
    SCOPED_TRACE(info.name);
    expect_views_reprint(loom::workloads::make_workload(info.name));
  }
}

TEST_F(IrViewTest, ViewsReprintEveryTestKernel) {
  size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(LOOM_TEST_DATA_DIR)) {
    if (entry.path().extension() != ".py") continue;
    SCOPED_TRACE(entry.path().filename().string());
    loom::ir::IRModule mod = loom::script::parse_module(read_file(entry.path()), entry.path().string());
    for (const auto& [name, f] : mod.functions()) {
      expect_views_reprint(f);
      ++n;
    }
  }
  EXPECT_GE(n, 5u);
}

TEST_F(IrViewTest, ViewsReprintEveryNodeKind) { expect_views_reprint(everything()); }

// Scheduled IR: predicates from an uneven split, divided bindings, a thread-bound loop, a
// cache block in shared memory moved under a loop, a decomposed reduction, an outer block.
TEST_F(IrViewTest, ViewsReprintAScheduledFunction) {
  loom::sched::Schedule sch(
      loom::script::parse_func(read_file(std::filesystem::path(LOOM_TEST_DATA_DIR) / "matmul.py")));
  loom::sched::BlockRV c = sch.get_block("C");
  std::vector<loom::sched::LoopRV> loops = sch.get_loops(c);
  std::vector<loom::sched::LoopRV> i = sch.split(loops[0], std::vector<std::optional<int64_t>>{std::nullopt, 5});
  std::vector<loom::sched::LoopRV> j = sch.split(loops[1], std::vector<std::optional<int64_t>>{4, std::nullopt});
  std::vector<loom::sched::LoopRV> k = sch.split(loops[2], std::vector<std::optional<int64_t>>{std::nullopt, 8});
  sch.reorder({i[0], j[0], k[0], i[1], j[1], k[1]});
  sch.bind(i[0], "blockIdx.x");
  sch.vectorize(j[1]);
  loom::sched::BlockRV a_shared = sch.cache_read(c, 0, "shared");
  sch.compute_at(a_shared, k[0]);
  sch.decompose_reduction(c, k[0]);
  sch.blockize(i[1]);
  const loom::ir::PrimFunc& f = sch.mod().at("matmul");
  std::string text = loom::script::print(f);
  EXPECT_NE(text.find("T.where"), std::string::npos) << text;
  EXPECT_NE(text.find("scope=\"shared\""), std::string::npos) << text;
  expect_views_reprint(f);
}

// ---------------------------------------------------------------------------------------
// (b) Kinds and fields, as plugin.h documents them.

struct KindFields {
  uint32_t kind;
  const char* name;
  std::vector<std::string> fields;
};

std::vector<std::string> with_dtype(std::vector<std::string> fields) {
  fields.push_back("dtype");
  return fields;
}

const std::vector<KindFields>& documented_kinds() {
  static const std::vector<KindFields> kinds = [] {
    std::vector<KindFields> k = {
        {LOOM_NODE_INT_IMM, "IntImm", with_dtype({"value"})},
        {LOOM_NODE_FLOAT_IMM, "FloatImm", with_dtype({"value"})},
        {LOOM_NODE_VAR, "Var", with_dtype({"name"})},
        {LOOM_NODE_BUFFER_LOAD, "BufferLoad", with_dtype({"buffer", "indices"})},
        {LOOM_NODE_NOT, "Not", with_dtype({"a"})},
        {LOOM_NODE_SELECT, "Select", with_dtype({"condition", "true_value", "false_value"})},
        {LOOM_NODE_CAST, "Cast", with_dtype({"value"})},
        {LOOM_NODE_RAMP, "Ramp", with_dtype({"base", "stride", "lanes"})},
        {LOOM_NODE_BROADCAST, "Broadcast", with_dtype({"value", "lanes"})},
        {LOOM_NODE_CALL, "Call", with_dtype({"op", "args"})},
    };
    const char* binary[] = {"Add", "Sub", "Mul", "Div", "Mod", "FloorDiv", "FloorMod", "Min", "Max",
                            "EQ",  "NE",  "LT",  "LE",  "GT",  "GE",       "And",      "Or"};
    for (uint32_t i = 0; i < 17; ++i) k.push_back({LOOM_NODE_ADD + i, binary[i], with_dtype({"a", "b"})});
    std::vector<KindFields> rest = {
        {LOOM_NODE_FOR, "For", {"loop_var", "min", "extent", "kind", "thread_tag", "annotations", "body"}},
        {LOOM_NODE_BLOCK_REALIZE, "BlockRealize", {"iter_values", "predicate", "block"}},
        {LOOM_NODE_BLOCK,
         "Block",
         {"name", "iter_vars", "reads", "writes", "init", "alloc_buffers", "match_buffers", "annotations", "body"}},
        {LOOM_NODE_BUFFER_STORE, "BufferStore", {"buffer", "value", "indices"}},
        {LOOM_NODE_IF_THEN_ELSE, "IfThenElse", {"condition", "then_case", "else_case"}},
        {LOOM_NODE_SEQ_STMT, "SeqStmt", {"seq"}},
        {LOOM_NODE_EVALUATE, "Evaluate", {"value"}},
        {LOOM_NODE_LET_STMT, "LetStmt", {"var", "value", "body"}},
        {LOOM_NODE_ALLOCATE, "Allocate", {"buffer", "body"}},
        {LOOM_NODE_BUFFER, "Buffer", {"name", "dtype", "shape", "strides", "elem_offset", "scope"}},
        {LOOM_NODE_PRIM_FUNC, "PrimFunc", {"name", "params", "buffer_map", "body", "attrs"}},
        {LOOM_NODE_ITER_VAR, "IterVar", {"var", "dom", "iter_type"}},
        {LOOM_NODE_RANGE, "Range", {"min", "extent"}},
        {LOOM_NODE_BUFFER_REGION, "BufferRegion", {"buffer", "region"}},
        {LOOM_NODE_MATCH_BUFFER_REGION, "MatchBufferRegion", {"buffer", "source"}},
        {LOOM_NODE_BUFFER_MAP_ENTRY, "BufferMapEntry", {"param", "buffer"}},
        {LOOM_NODE_ANNOTATION, "Annotation", {"key", "value"}},
        {LOOM_NODE_ANN_VALUE, "AnnValue", {"value"}},
    };
    k.insert(k.end(), rest.begin(), rest.end());
    return k;
  }();
  return kinds;
}

TEST_F(IrViewTest, KindNumbersAndNamesMatchTheCore) {
  // The IR object kinds share ir::NodeKind's numbering and names.
  for (uint32_t k = 0; k <= static_cast<uint32_t>(loom::ir::NodeKind::PrimFunc); ++k) {
    EXPECT_EQ(loom::plugin::view(api().node_kind_name(k)),
              loom::ir::node_kind_name(static_cast<loom::ir::NodeKind>(k)));
  }
  for (const KindFields& k : documented_kinds()) {
    EXPECT_EQ(loom::plugin::view(api().node_kind_name(k.kind)), k.name);
  }
  EXPECT_EQ(documented_kinds().size(), 38u + 7u);
  EXPECT_TRUE(loom::plugin::view(api().node_kind_name(38)).empty());
  EXPECT_TRUE(loom::plugin::view(api().node_kind_name(1000)).empty());
}

// Reads every field (and every list item) of every node reachable from `node`, recording
// which (kind, field) pairs were seen and with what field kind.
void read_everything(const pir::Node& node, std::map<std::pair<uint32_t, std::string>, std::set<uint32_t>>* seen,
                     std::set<const void*>* visited) {
  if (node.is_null() || !visited->insert(node.ptr()).second) return;
  for (std::string_view name : node.field_names()) {
    pir::Field f = node.field(name);
    (*seen)[{node.kind(), std::string(name)}].insert(f.kind());
    if (f.is_node()) read_everything(f.node(), seen, visited);
    if (f.is_list()) {
      for (size_t i = 0; i < f.size(); ++i) {
        pir::Field item = f.item(i);
        ASSERT_TRUE(item.is_node()) << node.kind_name() << "." << name << "[" << i << "]";
        read_everything(item.node(), seen, visited);
      }
    }
  }
}

TEST_F(IrViewTest, EveryFieldOfEveryKindIsEnumeratedAndRead) {
  pir::Func f = handle(everything());
  std::map<std::pair<uint32_t, std::string>, std::set<uint32_t>> seen;
  std::set<const void*> visited;
  read_everything(f.node(), &seen, &visited);
  // Every binary kind, through expressions built directly (the parser folds some).
  using namespace loom::ir;
  Var x("x"), y("y");
  Expr bx = make_bool(true);
  std::vector<Expr> binaries = {
      AddNode::make(x, y),      SubNode::make(x, y),      MulNode::make(x, y), DivNode::make(x, y), ModNode::make(x, y),
      FloorDivNode::make(x, y), FloorModNode::make(x, y), MinNode::make(x, y), MaxNode::make(x, y), EQNode::make(x, y),
      NENode::make(x, y),       LTNode::make(x, y),       LENode::make(x, y),  GTNode::make(x, y),  GENode::make(x, y),
      AndNode::make(bx, bx),    OrNode::make(bx, bx)};
  for (const Expr& e : binaries) read_everything(pir::Node(hd::node_view(e.get())), &seen, &visited);

  for (const KindFields& k : documented_kinds()) {
    SCOPED_TRACE(k.name);
    pir::Node probe(loom_node{&k, k.kind});  // enumeration needs only the kind
    std::vector<std::string> names;
    for (std::string_view n : probe.field_names()) names.emplace_back(n);
    EXPECT_EQ(names, k.fields);
    for (const std::string& field : k.fields) {
      EXPECT_TRUE(seen.count({k.kind, field})) << k.name << "." << field << " was never read";
    }
  }
  // The optional and variant fields were seen in each of their forms.
  auto kinds_of = [&](uint32_t kind, const char* field) { return seen[{kind, field}]; };
  EXPECT_EQ(kinds_of(LOOM_NODE_BLOCK, "init"), (std::set<uint32_t>{LOOM_FIELD_NULL, LOOM_FIELD_NODE}));
  EXPECT_EQ(kinds_of(LOOM_NODE_IF_THEN_ELSE, "else_case"), (std::set<uint32_t>{LOOM_FIELD_NODE}));
  EXPECT_EQ(kinds_of(LOOM_NODE_BUFFER, "elem_offset"), (std::set<uint32_t>{LOOM_FIELD_NULL, LOOM_FIELD_NODE}));
  EXPECT_EQ(kinds_of(LOOM_NODE_ANNOTATION, "value"),
            (std::set<uint32_t>{LOOM_FIELD_INT, LOOM_FIELD_FLOAT, LOOM_FIELD_STR, LOOM_FIELD_LIST}));
  EXPECT_EQ(kinds_of(LOOM_NODE_ANN_VALUE, "value"),
            (std::set<uint32_t>{LOOM_FIELD_INT, LOOM_FIELD_FLOAT, LOOM_FIELD_STR, LOOM_FIELD_NODE, LOOM_FIELD_LIST}));
  EXPECT_EQ(kinds_of(LOOM_NODE_FOR, "kind"), (std::set<uint32_t>{LOOM_FIELD_STR}));
  EXPECT_EQ(kinds_of(LOOM_NODE_BUFFER, "dtype"), (std::set<uint32_t>{LOOM_FIELD_DTYPE}));
  EXPECT_EQ(kinds_of(LOOM_NODE_RAMP, "lanes"), (std::set<uint32_t>{LOOM_FIELD_INT}));
}

TEST_F(IrViewTest, FieldValuesAreTheCoreValues) {
  loom::ir::PrimFunc core = everything();
  pir::Func f = handle(core);
  pir::PrimFunc func = f.node();
  EXPECT_EQ(func.name(), "everything");
  EXPECT_TRUE(func.ptr() == core.get());
  ASSERT_EQ(func.params().size(), 3u);
  EXPECT_EQ(func.params()[2].name(), "n");
  EXPECT_EQ(func.params()[2].dtype().to_string(), "int32");
  EXPECT_TRUE(func.buffer_of(func.params()[2]).is_null());
  pir::Buffer a = func.buffer_of(func.params()[0]);
  EXPECT_EQ(a.name(), "A");
  EXPECT_EQ(a.dtype().to_string(), "float32");
  EXPECT_EQ(a.shape().size(), 2u);
  EXPECT_EQ(a.strides()[0].as<pir::IntImm>()->value(), 16);
  EXPECT_TRUE(a.elem_offset().same(func.params()[2]));
  EXPECT_EQ(a.scope(), "global");

  auto root = func.body().as<pir::BlockRealize>();
  ASSERT_TRUE(root);
  EXPECT_EQ(root->block().name(), "root");
  auto loop = root->block().body().as<pir::For>();
  ASSERT_TRUE(loop);
  EXPECT_EQ(loop->for_kind(), "parallel");
  EXPECT_EQ(loop->thread_tag(), "");
  ASSERT_EQ(loop->annotations().size(), 1u);
  EXPECT_EQ(loop->annotations()[0].key(), "pragma");
  EXPECT_EQ(loop->annotations()[0].value().int_(), 1);
  auto outer = loop->body().as<pir::BlockRealize>();
  ASSERT_TRUE(outer);
  pir::Block b = outer->block();
  EXPECT_EQ(b.iter_vars()[0].iter_type(), "spatial");
  EXPECT_EQ(b.alloc_buffers()[0].scope(), "shared");
  EXPECT_EQ(b.match_buffers()[0].source().buffer().name(), "A");
  EXPECT_EQ(b.match_buffers()[0].source().region()[1].extent().as<pir::IntImm>()->value(), 16);
  EXPECT_FALSE(b.init().is_null());
  EXPECT_FALSE(b.is<pir::Expr>());
  EXPECT_TRUE(b.is<pir::Stmt>());
  EXPECT_FALSE(b.as<pir::For>().has_value());

  // The function's attributes in key order, with their nested list.
  std::vector<std::string> keys;
  for (pir::Annotation ann : func.attrs()) keys.emplace_back(ann.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"f", "global_symbol", "list"}));
  pir::Field list = func.attrs()[2].value();
  ASSERT_TRUE(list.is_list());
  ASSERT_EQ(list.size(), 5u);
  EXPECT_EQ(pir::AnnValue(list.item(1).node()).value().float_(), 2.5);
  EXPECT_EQ(pir::AnnValue(list.item(2).node()).value().str(), "s");
  EXPECT_EQ(pir::Expr(pir::AnnValue(list.item(3).node()).value().node()).dtype().to_string(), "int64");
  EXPECT_EQ(pir::AnnValue(list.item(4).node()).value().size(), 1u);
}

TEST_F(IrViewTest, DataTypeSpelling) {
  EXPECT_EQ((pir::DataType{LOOM_DTYPE_FLOAT, 32, 1}).to_string(), "float32");
  EXPECT_EQ((pir::DataType{LOOM_DTYPE_INT, 32, 4}).to_string(), "int32x4");
  EXPECT_EQ((pir::DataType{LOOM_DTYPE_UINT, 8, 1}).to_string(), "uint8");
  EXPECT_EQ((pir::DataType{LOOM_DTYPE_BFLOAT, 16, 1}).to_string(), "bfloat16");
  EXPECT_EQ((pir::DataType{LOOM_DTYPE_BOOL, 1, 1}).to_string(), "bool");
  EXPECT_EQ((pir::DataType{LOOM_DTYPE_HANDLE, 64, 1}).to_string(), "handle");
  // The same spelling as the core's, for every dtype in a function's views.
  using loom::ir::DataType;
  for (DataType t : {DataType::Int(64), DataType::Float(16, 8), DataType::Bool(4), DataType::UInt(1)}) {
    loom::ir::Var v("v", t);
    EXPECT_EQ(pir::Var(pir::Node(hd::node_view(v.get()))).dtype().to_string(), t.to_string());
  }
}

TEST_F(IrViewTest, NodeScriptPrintsEachKindOfObject) {
  loom::ir::PrimFunc core = everything();
  pir::Func f = handle(core);
  pir::PrimFunc func = f.node();
  EXPECT_EQ(func.script(), loom::script::print(core));
  pir::Buffer a = func.buffer_of(func.params()[0]);
  EXPECT_EQ(a.script(), "A: T.Buffer((16, 16), \"float32\", strides=(16, 1), elem_offset=n)");
  pir::Block outer =
      func.body().as<pir::BlockRealize>()->block().body().as<pir::For>()->body().as<pir::BlockRealize>()->block();
  pir::Stmt store = outer.init();
  EXPECT_EQ(store.script(), "B[vi] = 0.0\n");
  pir::Expr value = store.as<pir::BufferStore>()->value();
  EXPECT_EQ(value.script(), loom::ir::to_string(loom::ir::Expr(static_cast<const loom::ir::ExprNode*>(value.ptr()))));
  // A statement prints as a TVMScript fragment that names free variables as they are.
  std::string loop = outer.body().as<pir::SeqStmt>()->seq()[0].script();
  EXPECT_EQ(loop.rfind("for j in range(16):\n", 0), 0u) << loop;
  EXPECT_NE(loop.find("with T.block(\"inner\"):"), std::string::npos) << loop;
  EXPECT_NE(outer.script().find("with T.block(\"outer\"):"), std::string::npos);

  // Truncated to the caller's capacity, the full size returned.
  std::string whole = func.script();
  char small[10];
  size_t size = 0;
  EXPECT_EQ(api().node_script(func.raw(), small, sizeof(small), &size, nullptr), LOOM_OK);
  EXPECT_EQ(size, whole.size());
  EXPECT_EQ(std::string(small, sizeof(small)), whole.substr(0, sizeof(small)));
  EXPECT_EQ(api().node_script(func.raw(), nullptr, 0, &size, nullptr), LOOM_OK);
  EXPECT_EQ(size, whole.size());
}

// ---------------------------------------------------------------------------------------
// (c) Errors.

TEST_F(IrViewTest, UnknownFieldNamesTheKindAndItsFields) {
  pir::Func f = handle(everything());
  pir::PrimFunc func = f.node();
  try {
    func.field("bodyy");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), LOOM_ERROR_NOT_FOUND);
    EXPECT_STREQ(e.what(), "PrimFunc has no field \"bodyy\"; its fields are: name, params, buffer_map, body, attrs");
  }
  // Through the C functions, with and without an error object.
  loom_field out{};
  loom_error* error = api().error_new();
  EXPECT_EQ(api().node_field(func.raw(), loom::plugin::to_str("nope"), &out, error), LOOM_ERROR_NOT_FOUND);
  EXPECT_EQ(api().error_status(error), LOOM_ERROR_NOT_FOUND);
  EXPECT_NE(loom::plugin::view(api().error_message(error)).find("its fields are: name, params"),
            std::string_view::npos);
  EXPECT_EQ(api().node_field(func.raw(), loom::plugin::to_str("nope"), &out, nullptr), LOOM_ERROR_NOT_FOUND);
  api().error_free(error);
  // A record kind too.
  try {
    func.buffer_map()[0].field("key");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), LOOM_ERROR_NOT_FOUND);
    EXPECT_STREQ(e.what(), "BufferMapEntry has no field \"key\"; its fields are: param, buffer");
  }
}

TEST_F(IrViewTest, ItemOutOfRangeAndNonListAreArgumentErrors) {
  pir::Func f = handle(everything());
  pir::PrimFunc func = f.node();
  try {
    func.params()[3];
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), LOOM_ERROR_ARGUMENT);
    EXPECT_STREQ(e.what(), "index 3 out of range: PrimFunc.params has 3 items");
  }
  loom_field out{};
  EXPECT_EQ(api().node_field_item(func.raw(), loom::plugin::to_str("params"), size_t(-1), &out, nullptr),
            LOOM_ERROR_ARGUMENT);
  try {
    func.field("name").item(0);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), LOOM_ERROR_ARGUMENT);
  }
  loom_error* error = api().error_new();
  EXPECT_EQ(api().node_field_item(func.raw(), loom::plugin::to_str("body"), 0, &out, error), LOOM_ERROR_ARGUMENT);
  EXPECT_EQ(loom::plugin::view(api().error_message(error)), "PrimFunc.body is not a list");
  api().error_free(error);
  // Reading a field as the wrong type is the plugin side's error.
  try {
    func.int_("name");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "PrimFunc.name is a string, not an integer");
  }
  // A typed view refuses a node of another kind.
  EXPECT_TRUE(throws_with<Error>([&] { pir::For(func.body()); }, "expected a For node, got a "));
}

TEST_F(IrViewTest, NullAndBogusNodesAreArgumentErrors) {
  loom_node null{nullptr, 0};
  loom_field out{};
  loom_error* error = api().error_new();
  EXPECT_EQ(api().node_field(null, loom::plugin::to_str("body"), &out, error), LOOM_ERROR_ARGUMENT);
  EXPECT_EQ(loom::plugin::view(api().error_message(error)), "cannot read field \"body\" of a null node");
  EXPECT_EQ(api().node_field_item(null, loom::plugin::to_str("seq"), 0, &out, error), LOOM_ERROR_ARGUMENT);
  size_t size = 0;
  EXPECT_EQ(api().node_script(null, nullptr, 0, &size, error), LOOM_ERROR_ARGUMENT);
  EXPECT_EQ(api().node_num_fields(null), 0u);
  EXPECT_EQ(api().node_field_name(null, 0).size, 0u);
  // An unknown kind, and a kind that is not the object's.
  loom::ir::Var v("v");
  EXPECT_EQ(api().node_field(loom_node{v.get(), 50}, loom::plugin::to_str("name"), &out, error), LOOM_ERROR_ARGUMENT);
  EXPECT_EQ(loom::plugin::view(api().error_message(error)), "unknown node kind 50");
  EXPECT_EQ(api().node_field(loom_node{v.get(), LOOM_NODE_FOR}, loom::plugin::to_str("body"), &out, error),
            LOOM_ERROR_ARGUMENT);
  EXPECT_EQ(loom::plugin::view(api().error_message(error)), "the node's kind says For but it points at a Var");
  // Records cannot be printed.
  loom::ir::Range r{v, v};
  EXPECT_EQ(api().node_script(loom_node{&r, LOOM_NODE_RANGE}, nullptr, 0, &size, error), LOOM_ERROR_ARGUMENT);
  api().error_free(error);
  // Null handles.
  EXPECT_EQ(api().func_copy(nullptr), nullptr);
  EXPECT_EQ(api().func_node(nullptr).ptr, nullptr);
  api().func_free(nullptr);
  // On the plugin side a null view reads as null and refuses field reads.
  pir::Node none;
  EXPECT_TRUE(none.is_null());
  EXPECT_EQ(none.kind_name(), "null");
  EXPECT_FALSE(none.is<pir::Expr>());
  EXPECT_TRUE(throws_with<Error>([&] { none.field("body"); }, "cannot read field \"body\" of a null node"));
}

// ---------------------------------------------------------------------------------------
// (d) Identity.

TEST_F(IrViewTest, AVariableIsTheSameObjectOnEveryPath) {
  loom::ir::PrimFunc core =
      loom::script::parse_func(read_file(std::filesystem::path(LOOM_TEST_DATA_DIR) / "matmul.py"));
  pir::Func f = handle(core);
  pir::PrimFunc func = f.node();
  // The loop i, reached through the loop and through the block's binding.
  pir::For i = *func.body().as<pir::BlockRealize>()->block().body().as<pir::For>();
  pir::For k = *i.body().as<pir::For>()->body().as<pir::For>();
  auto realize = k.body().as<pir::BlockRealize>();
  ASSERT_TRUE(realize);
  EXPECT_TRUE(realize->iter_values()[0].same(i.loop_var()));
  EXPECT_TRUE(realize->iter_values()[2].same(k.loop_var()));
  EXPECT_FALSE(realize->iter_values()[0].same(k.loop_var()));
  // The block variable vi, through its IterVar and through an index of the store.
  pir::Block block = realize->block();
  pir::Var vi = block.iter_vars()[0].var();
  pir::BufferStore store = *block.body().as<pir::BufferStore>();
  EXPECT_TRUE(store.indices()[0].same(vi));
  EXPECT_TRUE(store.indices()[0].as<pir::Var>().has_value());
  // The buffer C: a parameter's buffer, the store's, the write region's.
  pir::Buffer c = func.buffer_of(func.params()[2]);
  EXPECT_TRUE(store.buffer().same(c));
  EXPECT_TRUE(block.writes()[0].buffer().same(c));
  // A copy of the handle shares the nodes; the views outlive the original handle.
  pir::Func copy = f;
  EXPECT_TRUE(copy.node().same(func));
  pir::PrimFunc from_copy = copy.node();
  f = pir::Func();
  EXPECT_EQ(from_copy.name(), "matmul");
}

}  // namespace
