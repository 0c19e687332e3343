// Well-formedness of a function: the structural invariants every pass and primitive keeps.
#pragma once

#include <string>
#include <vector>

#include "loom/ir/function.h"

namespace loom::ir {

/// The problems found in `func`, each a sentence naming the object and the rule; empty when
/// well-formed. Checked:
/// 1) every variable is defined before use and in scope (parameters, loop variables, block
///    iteration variables, let variables), and defined only once (no variable object is bound
///    by two loops, blocks or lets);
/// 2) inside a block (its iter_var domains aside), the loop variables of loops outside the
///    block are not visible: they reach the block only through its bindings, as in TensorIR;
///    scalar function parameters and the iteration variables of enclosing blocks stay visible;
/// 3) every buffer that is loaded or stored is a parameter buffer, allocated by an enclosing
///    block (alloc_buffers), matched by an enclosing block (match_buffers) or allocated by an
///    enclosing Allocate; no buffer is allocated twice;
/// 4) block names are unique within the function;
/// 5) a block with an init statement has at least one reduction iteration variable.
std::vector<std::string> verify_well_formed(const PrimFunc& func);

/// Throws UserError listing the problems found by verify_well_formed, headed by the
/// function's name.
void check_well_formed(const PrimFunc& func);

}  // namespace loom::ir
