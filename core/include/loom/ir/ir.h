// The whole of loom IR: include this to use nodes, builders, traversal and equality.
#pragma once

#include "loom/ir/builder.h"
#include "loom/ir/dtype.h"
#include "loom/ir/error.h"
#include "loom/ir/expr.h"
#include "loom/ir/function.h"
#include "loom/ir/mutator.h"
#include "loom/ir/node.h"
#include "loom/ir/printer.h"
#include "loom/ir/stmt.h"
#include "loom/ir/structural_equal.h"
#include "loom/ir/verify.h"
#include "loom/ir/visitor.h"
