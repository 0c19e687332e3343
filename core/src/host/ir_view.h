// Internal: the read-only IR views of the plugin C ABI (loom/plugin.h, "IR views"): how a
// loom_node denotes an IR object or a record inside one, and the host functions that walk
// them (func_copy ... node_script), for host_api.cc to put in the function table.
//
// A loom_node's `ptr` is:
//   - for an IR object kind (expressions, statements, Buffer, PrimFunc): the ir::Object;
//   - for a record kind: the C++ struct inside the node that owns it: an ir::IterVar in a
//     block's iter_vars, an ir::Range (an IterVar's dom, an item of a region), an
//     ir::BufferRegion (a block's reads / writes, a match's source), an
//     ir::MatchBufferRegion, a std::pair<Var, Buffer> of PrimFunc::buffer_map
//     (BufferMapEntry), a std::pair<const std::string, AnnValue> of an Annotations map
//     (Annotation) and an ir::AnnValue inside an annotation's list (AnnValue).
// Views are therefore valid as long as the node that holds them.
//
// The fields of each kind are those plugin.h lists, in its order; every expression kind has
// "dtype" as its last field.
#pragma once

#include <cstddef>

#include "loom/ir/function.h"
#include "loom/plugin.h"

namespace loom::host::detail {

/// The view of an IR object (expression, statement, buffer, function); {NULL, 0} for null.
loom_node node_view(const ir::Object* object);

/// A new function handle holding `func` (owned by the caller: release it with ir_func_free).
loom_func* ir_func_new(ir::PrimFunc func);

// The loom_host_api members of the "IR inspection" section, with their exact C signatures.
// None of them throws. `error` may be null (the status is still returned).

/// An owned copy of the handle (null for null).
loom_func* ir_func_copy(const loom_func* func);
void ir_func_free(loom_func* func);
/// The function's node (LOOM_NODE_PRIM_FUNC); {NULL, 0} for a null handle.
loom_node ir_func_node(const loom_func* func);
/// "IntImm", "BlockRealize", "IterVar", ...; empty for an unknown kind.
loom_str ir_node_kind_name(uint32_t kind);
/// The number of fields of the node's kind (0 for a null node or an unknown kind).
size_t ir_node_num_fields(loom_node node);
/// The name of field `index` of the node's kind; empty when out of range.
loom_str ir_node_field_name(loom_node node, size_t index);
/// Reads field `name`. Fails with LOOM_ERROR_ARGUMENT for a null node or unknown kind and
/// LOOM_ERROR_NOT_FOUND (naming the kind and listing its fields) for an unknown field.
loom_status ir_node_field(loom_node node, loom_str name, loom_field* out, loom_error* error);
/// Reads item `index` of the list field `name`. Fails as ir_node_field, and with
/// LOOM_ERROR_ARGUMENT when the field is not a list or the index is out of range.
loom_status ir_node_field_item(loom_node node, loom_str name, size_t index, loom_field* out, loom_error* error);
/// Prints an expression (as loom's expression printer), a statement (a TVMScript fragment,
/// free variables and buffers by name), a Buffer (`A: T.Buffer((128, 128), "float32")`) or a
/// PrimFunc (a whole script) into buffer[0 .. cap), no NUL added; *size = the full length.
/// Records cannot be printed (LOOM_ERROR_ARGUMENT).
loom_status ir_node_script(loom_node node, char* buffer, size_t cap, size_t* size, loom_error* error);

}  // namespace loom::host::detail
