// Printing expressions in TVMScript syntax. The whole-function printer (loom/script)
// builds on ExprPrinter; this is also what error messages and structural-equality
// reports use to show an expression.
#pragma once

#include <ostream>
#include <string>

#include "loom/ir/expr.h"

namespace loom::ir {

/// Prints an expression as TVMScript (`T.max(A[i, k], 0.0)`, `i * 4 + j`, `v // 4`).
/// Constants of int32 / float32 / bool print bare; other constant dtypes print with their
/// constructor (`T.int64(4)`, `T.float16(1.0)`). Parenthesizes by precedence only where
/// needed. Subclasses decide how variables and buffers are named.
class ExprPrinter {
 public:
  virtual ~ExprPrinter() = default;
  std::string print(const Expr& expr);
  void print(const Expr& expr, std::ostream& os);

 protected:
  /// The name used for a variable / buffer; the default is its own name.
  virtual std::string var_name(const Var& var);
  virtual std::string buffer_name(const Buffer& buffer);

 private:
  void print_prec(const Expr& expr, int parent_prec, std::ostream& os);
};

std::string to_string(const Expr& expr);
std::ostream& operator<<(std::ostream& os, const Expr& expr);
std::ostream& operator<<(std::ostream& os, const DataType& dtype);

/// Printing a float so that parsing the text gives the same double back, always with a
/// '.' or exponent ("1.0", "0.1", "1e+30", "inf" / "nan" spelled as TVMScript does).
std::string float_literal(double value);

}  // namespace loom::ir
