// Printing loom IR as TVMScript text, in the style TVM prints TensorIR; the parser in
// parser.h reads back exactly what this writes.
#pragma once

#include <string>

#include "loom/ir/function.h"

namespace loom::script {

/// Prints a function as a standalone script:
///     # from tvm.script import tir as T
///
///     @T.prim_func
///     def main(A: T.Buffer((128, 128), "float32"), ...):
///         ...
/// The root block is elided when it has no iteration variables, annotations, regions or
/// init (its alloc_buffers are printed at function level); perfectly nested serial loops
/// from 0 without annotations print as one T.grid; block bindings that are plain loop
/// variables over their loops' ranges print as T.axis.remap. Distinct variables, buffers or
/// blocks that share a name in overlapping scopes are renamed (`i` -> `i_1`).
/// Guarantee: parse_func(print(f)) is structurally equal to f (strict names when f's names
/// were already unique and valid identifiers), and print(parse_func(print(f))) == print(f).
std::string print(const ir::PrimFunc& func);

/// Prints a module as an `@I.ir_module` class named Module, one method per function (in
/// name order), preceded by the `# from tvm.script import ...` comment lines.
std::string print(const ir::IRModule& mod);

}  // namespace loom::script
