// Internal: the registration function of each primitive family. Each family's source file
// registers its instruction kinds at its bottom; register_all_instruction_kinds calls them.
#pragma once

#include "loom/sched/instruction.h"

namespace loom::sched::detail {

void register_sampling_kinds(InstructionRegistry& r);             // sampling.cc
void register_query_kinds(InstructionRegistry& r);                // get_block_loops.cc
void register_loop_transformation_kinds(InstructionRegistry& r);  // loop_transformation.cc
void register_for_kind_kinds(InstructionRegistry& r);             // for_kind.cc
void register_annotation_kinds(InstructionRegistry& r);           // annotate.cc
void register_cache_kinds(InstructionRegistry& r);                // cache.cc
void register_storage_kinds(InstructionRegistry& r);              // storage.cc
void register_reduction_kinds(InstructionRegistry& r);            // reduction.cc
void register_compute_at_kinds(InstructionRegistry& r);           // compute_at.cc
void register_compute_inline_kinds(InstructionRegistry& r);       // compute_inline.cc
void register_reindex_kinds(InstructionRegistry& r);              // reindex.cc
void register_layout_kinds(InstructionRegistry& r);               // layout.cc
void register_pad_einsum_kinds(InstructionRegistry& r);           // pad_einsum.cc
void register_block_kinds(InstructionRegistry& r);                // blockize.cc

/// Calls every family's registration (instruction.cc's registry construction).
void register_all_instruction_kinds(InstructionRegistry& r);

}  // namespace loom::sched::detail
