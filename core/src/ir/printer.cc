// Printing expressions in TVMScript syntax.
#include "loom/ir/printer.h"

#include <charconv>
#include <cmath>
#include <sstream>

#include "loom/ir/stmt.h"

namespace loom::ir {

namespace {

// Python operator precedence, loosest first.
enum Prec { kOr = 1, kAnd, kNot, kCompare, kAdd, kMul, kUnary, kAtom };

const char* binary_symbol(NodeKind kind, Prec* prec) {
  switch (kind) {
    case NodeKind::Add:
      *prec = kAdd;
      return " + ";
    case NodeKind::Sub:
      *prec = kAdd;
      return " - ";
    case NodeKind::Mul:
      *prec = kMul;
      return " * ";
    case NodeKind::FloorDiv:
      *prec = kMul;
      return " // ";
    case NodeKind::FloorMod:
      *prec = kMul;
      return " % ";
    case NodeKind::EQ:
      *prec = kCompare;
      return " == ";
    case NodeKind::NE:
      *prec = kCompare;
      return " != ";
    case NodeKind::LT:
      *prec = kCompare;
      return " < ";
    case NodeKind::LE:
      *prec = kCompare;
      return " <= ";
    case NodeKind::GT:
      *prec = kCompare;
      return " > ";
    case NodeKind::GE:
      *prec = kCompare;
      return " >= ";
    case NodeKind::And:
      *prec = kAnd;
      return " and ";
    case NodeKind::Or:
      *prec = kOr;
      return " or ";
    default:
      return nullptr;
  }
}

template <NodeKind K>
const BinaryNode<K>* as_binary(const Expr& e) {
  return e.as<BinaryNode<K>>();
}

}  // namespace

std::string float_literal(double value) {
  if (std::isnan(value)) return "\"nan\"";
  if (std::isinf(value)) return value > 0 ? "\"inf\"" : "\"-inf\"";
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), value);  // shortest round-trip form
  std::string s(buf, ptr);
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

std::string ExprPrinter::var_name(const Var& var) { return var.name(); }
std::string ExprPrinter::buffer_name(const Buffer& buffer) { return buffer->name; }

std::string ExprPrinter::print(const Expr& expr) {
  std::ostringstream os;
  print(expr, os);
  return os.str();
}

void ExprPrinter::print(const Expr& expr, std::ostream& os) { print_prec(expr, 0, os); }

void ExprPrinter::print_prec(const Expr& e, int parent, std::ostream& os) {
  if (!e.defined()) {
    os << "<undefined>";
    return;
  }
  auto args = [&](std::initializer_list<Expr> list) {
    bool first = true;
    for (const Expr& a : list) {
      if (!first) os << ", ";
      first = false;
      print_prec(a, 0, os);
    }
  };
  auto call = [&](const char* name, std::initializer_list<Expr> list) {
    os << "T." << name << "(";
    args(list);
    os << ")";
  };
  DataType t = e.dtype();
  switch (e->kind()) {
    case NodeKind::IntImm: {
      int64_t v = e.as<IntImmNode>()->value;
      if (t.is_bool()) {
        os << (v ? "True" : "False");
      } else if (t == DataType::Int(32)) {
        bool paren = v < 0 && parent > kUnary;
        os << (paren ? "(" : "") << v << (paren ? ")" : "");
      } else if (t.is_uint()) {
        os << "T." << t.to_string() << "(" << static_cast<uint64_t>(v) << ")";  // uint64 holds its bit pattern
      } else {
        os << "T." << t.to_string() << "(" << v << ")";
      }
      return;
    }
    case NodeKind::FloatImm: {
      double v = e.as<FloatImmNode>()->value;
      if (t == DataType::Float(32) && std::isfinite(v)) {
        bool paren = std::signbit(v) && parent > kUnary;
        os << (paren ? "(" : "") << float_literal(v) << (paren ? ")" : "");
      } else {
        os << "T." << t.to_string() << "(" << float_literal(v) << ")";
      }
      return;
    }
    case NodeKind::Var:
      os << var_name(Var(e.as<VarNode>()));
      return;
    case NodeKind::BufferLoad: {
      const auto* op = e.as<BufferLoadNode>();
      os << buffer_name(op->buffer) << "[";
      for (size_t i = 0; i < op->indices.size(); ++i) {
        if (i) os << ", ";
        print_prec(op->indices[i], 0, os);
      }
      if (op->indices.empty()) os << "()";
      os << "]";
      return;
    }
    case NodeKind::Div: {
      const auto* op = e.as<DivNode>();
      if (t.is_float()) break;
      call("truncdiv", {op->a, op->b});
      return;
    }
    case NodeKind::Mod: {
      const auto* op = e.as<ModNode>();
      call("truncmod", {op->a, op->b});
      return;
    }
    case NodeKind::Min:
      call("min", {e.as<MinNode>()->a, e.as<MinNode>()->b});
      return;
    case NodeKind::Max:
      call("max", {e.as<MaxNode>()->a, e.as<MaxNode>()->b});
      return;
    case NodeKind::Not: {
      bool paren = parent > kNot;
      os << (paren ? "(" : "") << "not ";
      print_prec(e.as<NotNode>()->a, kNot, os);
      os << (paren ? ")" : "");
      return;
    }
    case NodeKind::Select: {
      const auto* op = e.as<SelectNode>();
      os << "T.Select(";
      args({op->condition, op->true_value, op->false_value});
      os << ")";
      return;
    }
    case NodeKind::Cast: {
      os << "T.Cast(\"" << t.to_string() << "\", ";
      print_prec(e.as<CastNode>()->value, 0, os);
      os << ")";
      return;
    }
    case NodeKind::Ramp: {
      const auto* op = e.as<RampNode>();
      os << "T.Ramp(";
      args({op->base, op->stride});
      os << ", " << op->lanes << ")";
      return;
    }
    case NodeKind::Broadcast: {
      const auto* op = e.as<BroadcastNode>();
      os << "T.Broadcast(";
      print_prec(op->value, 0, os);
      os << ", " << op->lanes << ")";
      return;
    }
    case NodeKind::Call: {
      const auto* op = e.as<CallNode>();
      os << "T." << intrinsic_name(op->op) << "(";
      for (size_t i = 0; i < op->args.size(); ++i) {
        if (i) os << ", ";
        print_prec(op->args[i], 0, os);
      }
      os << ")";
      return;
    }
    default:
      break;
  }
  // Infix binary operators (and float Div).
  Prec prec = kAtom;
  const char* sym = nullptr;
  Expr a, b;
  if (const auto* div = e.as<DivNode>()) {
    prec = kMul;
    sym = " / ";
    a = div->a;
    b = div->b;
  } else {
    sym = binary_symbol(e->kind(), &prec);
#define LOOM_X(T)                         \
  if (const auto* op = e.as<T##Node>()) { \
    a = op->a;                            \
    b = op->b;                            \
  }
    LOOM_FOR_EACH_BINARY_EXPR(LOOM_X)
    LOOM_FOR_EACH_COMPARE_EXPR(LOOM_X)
    LOOM_FOR_EACH_LOGICAL_EXPR(LOOM_X)
#undef LOOM_X
  }
  if (sym == nullptr) {
    os << "<" << node_kind_name(e->kind()) << ">";
    return;
  }
  bool paren = prec < parent;
  if (paren) os << "(";
  // Left-associative: the right operand needs parentheses at equal precedence; Python
  // chains comparisons, so both sides of a comparison are parenthesized at equal precedence.
  print_prec(a, prec == kCompare ? prec + 1 : prec, os);
  os << sym;
  print_prec(b, prec + 1, os);
  if (paren) os << ")";
}

std::string to_string(const Expr& expr) {
  ExprPrinter p;
  return p.print(expr);
}

std::ostream& operator<<(std::ostream& os, const Expr& expr) {
  ExprPrinter p;
  p.print(expr, os);
  return os;
}

std::ostream& operator<<(std::ostream& os, const DataType& dtype) { return os << dtype.to_string(); }

}  // namespace loom::ir
