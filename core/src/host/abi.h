// Internal: the host-side implementations of the C ABI's functions (loom/plugin.h), one
// per loom_host_api member, grouped by file; host_api.cc puts them in the table.
#pragma once

#include <algorithm>
#include <cstring>

#include "handles.h"
#include "loom/config/component.h"

struct loom_config {
  const loom::config::ComponentConfig* config;
};

namespace loom::host::detail {

// abi_basic.cc
loom_error* error_new();
void error_free(loom_error* error);
void error_set(loom_error* error, loom_status status, loom_str message, loom_str kind);
loom_status error_status(const loom_error* error);
loom_str error_message(const loom_error* error);
loom_str error_kind(const loom_error* error);
void log(loom_log_level level, loom_str component, loom_str message);
int64_t rng_uniform_int(loom_rng* rng, int64_t lo, int64_t hi);
double rng_uniform_real(loom_rng* rng);
int64_t rng_fork_seed(loom_rng* rng);

// abi_config.cc
int config_has(const loom_config* config, loom_str key);
loom_status config_get_int(const loom_config* config, loom_str key, int64_t default_value, int64_t* out,
                           loom_error* error);
loom_status config_get_float(const loom_config* config, loom_str key, double default_value, double* out,
                             loom_error* error);
loom_status config_get_bool(const loom_config* config, loom_str key, int default_value, int* out, loom_error* error);
loom_status config_get_string(const loom_config* config, loom_str key, loom_str default_value, loom_str* out,
                              loom_error* error);
loom_status config_get_int_list(const loom_config* config, loom_str key, int64_t* out, size_t cap, size_t* n,
                                loom_error* error);
loom_status config_get_float_list(const loom_config* config, loom_str key, double* out, size_t cap, size_t* n,
                                  loom_error* error);

// abi_schedule.cc
loom_schedule* sch_copy(const loom_schedule* sch);
void sch_free(loom_schedule* sch);
loom_rng* sch_rng(loom_schedule* sch);
void sch_seed(loom_schedule* sch, int64_t seed);
loom_status sch_call(loom_schedule* sch, loom_str primitive, const loom_value* args, size_t n_args,
                     const loom_str* kw_names, const loom_value* kw_values, size_t n_kw, loom_value* outputs,
                     size_t cap, size_t* n_outputs, loom_error* error);
int sch_is_valid(const loom_schedule* sch, loom_value rv);
loom_status sch_expr_value(const loom_schedule* sch, loom_value rv, int64_t* out, loom_error* error);
loom_status sch_block_node(const loom_schedule* sch, loom_value block, loom_node* out, loom_error* error);
loom_status sch_loop_node(const loom_schedule* sch, loom_value loop, loom_node* out, loom_error* error);
loom_status sch_func(const loom_schedule* sch, loom_str func_name, loom_func** out, loom_error* error);
loom_trace* sch_trace(const loom_schedule* sch);
loom_str sch_script(const loom_schedule* sch);
uint64_t sch_structural_hash(const loom_schedule* sch);
void sch_list_push(loom_schedule_list* list, loom_schedule* sch);
loom_status sch_block_info(const loom_schedule* sch, loom_value block, loom_block_info* out, loom_error* error);
loom_status sch_loop_info(const loom_schedule* sch, loom_value loop, loom_loop_info* out, loom_error* error);
loom_trace* trace_copy(const loom_trace* trace);
void trace_free(loom_trace* trace);
size_t trace_size(const loom_trace* trace);
loom_status trace_instruction(const loom_trace* trace, size_t index, loom_instruction* out, loom_error* error);
loom_status trace_with_decision(const loom_trace* trace, size_t index, const loom_value* decision, int remove_postproc,
                                loom_trace** out, loom_error* error);
loom_status trace_with_input(const loom_trace* trace, size_t index, size_t input_index, const loom_value* value,
                             int remove_postproc, loom_trace** out, loom_error* error);
loom_status trace_replay(const loom_trace* trace, int64_t seed, loom_schedule** out, loom_error* error);
loom_str trace_json(const loom_trace* trace);
loom_str trace_python(const loom_trace* trace);
size_t trace_postproc_start(const loom_trace* trace);
loom_status sch_get_block_info(const loom_schedule* sch, loom_block_rv block, loom_block_info* out, loom_error* error);
loom_status sch_get_loop_info(const loom_schedule* sch, loom_loop_rv loop, loom_loop_info* out, loom_error* error);
loom_status sch_get_block_node(const loom_schedule* sch, loom_block_rv block, loom_node* out, loom_error* error);
loom_status sch_get_loop_node(const loom_schedule* sch, loom_loop_rv loop, loom_node* out, loom_error* error);
loom_status sch_get_expr_value(const loom_schedule* sch, loom_expr_rv rv, int64_t* out, loom_error* error);
loom_status sch_query_loops(const loom_schedule* sch, loom_node block, loom_node* out, size_t cap, size_t* n,
                            loom_error* error);
loom_status sch_query_producers(const loom_schedule* sch, loom_node block, loom_node* out, size_t cap, size_t* n,
                                loom_error* error);
loom_status sch_query_consumers(const loom_schedule* sch, loom_node block, loom_node* out, size_t cap, size_t* n,
                                loom_error* error);
loom_status sch_query_block_info(const loom_schedule* sch, loom_node block, loom_block_info* out, loom_error* error);
loom_status sch_query_loop_info(const loom_schedule* sch, loom_node loop, loom_loop_info* out, loom_error* error);

// abi_lower.cc
loom_status func_lower(const loom_func* func, loom_func** out, loom_error* error);
loom_status func_lower_opts(const loom_func* func, const loom_lower_options* options, loom_func** out,
                            loom_error* error);
loom_status func_fill_random(const loom_func* func, uint64_t seed, void* const* args, loom_error* error);
loom_status func_interpret(const loom_func* func, void* const* args, loom_error* error);
double func_flops(const loom_func* func);
uint64_t func_structural_hash(const loom_func* func);
loom_status config_get_string_list(const loom_config* config, loom_str key, loom_str* out, size_t cap, size_t* n,
                                   loom_error* error);

// plugin_host.cc
loom_status register_component(loom_registrar* registrar, const loom_component* component, loom_error* error);

/// The struct size this host uses for T (LOOM_<NAME>_STRUCT_SIZE of loom/plugin.h).
template <typename T>
constexpr uint32_t struct_size_of();
#define LOOM_HOST_STRUCT_SIZE_(type, size)    \
  template <>                                 \
  constexpr uint32_t struct_size_of<type>() { \
    return static_cast<uint32_t>(size);       \
  }
LOOM_HOST_STRUCT_SIZE_(loom_block_info, LOOM_BLOCK_INFO_STRUCT_SIZE)
LOOM_HOST_STRUCT_SIZE_(loom_loop_info, LOOM_LOOP_INFO_STRUCT_SIZE)
LOOM_HOST_STRUCT_SIZE_(loom_instruction, LOOM_INSTRUCTION_STRUCT_SIZE)
LOOM_HOST_STRUCT_SIZE_(loom_lower_options, LOOM_LOWER_OPTIONS_STRUCT_SIZE)
LOOM_HOST_STRUCT_SIZE_(loom_target, LOOM_TARGET_STRUCT_SIZE)
LOOM_HOST_STRUCT_SIZE_(loom_export_request, LOOM_EXPORT_REQUEST_STRUCT_SIZE)
#undef LOOM_HOST_STRUCT_SIZE_

/// Writes the fields of `full` that the caller's struct `out` holds (out->struct_size may be
/// smaller, for an older caller, or larger, for a newer one, than the host's).
template <typename T>
void fill_sized(T* out, const T& full) {
  uint32_t size = std::min(out->struct_size, struct_size_of<T>());
  if (size > sizeof(uint32_t))
    std::memcpy(reinterpret_cast<char*>(out) + sizeof(uint32_t),
                reinterpret_cast<const char*>(&full) + sizeof(uint32_t), size - sizeof(uint32_t));
}

/// Reads the fields of the peer's struct `in` that both sides know into `out` (which holds
/// the host's defaults for the rest).
template <typename T>
void copy_known_fields(T* out, const T& in) {
  uint32_t size = std::min(in.struct_size, struct_size_of<T>());
  if (size > sizeof(uint32_t))
    std::memcpy(reinterpret_cast<char*>(out) + sizeof(uint32_t), reinterpret_cast<const char*>(&in) + sizeof(uint32_t),
                size - sizeof(uint32_t));
}

}  // namespace loom::host::detail
