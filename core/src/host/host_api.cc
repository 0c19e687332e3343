// The host's function table for plugins (loom/plugin.h's loom_host_api).
#include "loom/host/host_api.h"

#include "abi.h"
#include "ir_view.h"

namespace loom::host {

const loom_host_api* host_api() {
  static const loom_host_api table = [] {
    using namespace detail;
    loom_host_api t{};
    t.struct_size = LOOM_HOST_API_STRUCT_SIZE;
    t.abi_major = LOOM_ABI_MAJOR;
    t.abi_minor = LOOM_ABI_MINOR;
    t.register_component = register_component;
    t.error_new = error_new;
    t.error_free = error_free;
    t.error_set = error_set;
    t.error_status = error_status;
    t.error_message = error_message;
    t.error_kind = error_kind;
    t.log = log;
    t.config_has = config_has;
    t.config_get_int = config_get_int;
    t.config_get_float = config_get_float;
    t.config_get_bool = config_get_bool;
    t.config_get_string = config_get_string;
    t.config_get_int_list = config_get_int_list;
    t.config_get_float_list = config_get_float_list;
    t.rng_uniform_int = rng_uniform_int;
    t.rng_uniform_real = rng_uniform_real;
    t.rng_fork_seed = rng_fork_seed;
    t.sch_copy = sch_copy;
    t.sch_free = sch_free;
    t.sch_rng = sch_rng;
    t.sch_seed = sch_seed;
    t.sch_call = sch_call;
    t.sch_is_valid = sch_is_valid;
    t.sch_expr_value = sch_expr_value;
    t.sch_block_node = sch_block_node;
    t.sch_loop_node = sch_loop_node;
    t.sch_func_copy = sch_func;
    t.sch_trace_copy = sch_trace;
    t.sch_script = sch_script;
    t.sch_structural_hash = sch_structural_hash;
    t.sch_list_push = sch_list_push;
    t.sch_block_info = sch_block_info;
    t.sch_loop_info = sch_loop_info;
    t.trace_copy = trace_copy;
    t.trace_free = trace_free;
    t.trace_size = trace_size;
    t.trace_instruction = trace_instruction;
    t.trace_with_decision_new = trace_with_decision;
    t.trace_replay_new = trace_replay;
    t.trace_json = trace_json;
    t.trace_python = trace_python;
    t.func_copy = ir_func_copy;
    t.func_free = ir_func_free;
    t.func_node = ir_func_node;
    t.node_kind_name = ir_node_kind_name;
    t.node_num_fields = ir_node_num_fields;
    t.node_field_name = ir_node_field_name;
    t.node_field = ir_node_field;
    t.node_field_item = ir_node_field_item;
    t.node_script = ir_node_script;
    t.func_lower_new = func_lower;
    t.func_fill_random = func_fill_random;
    t.func_interpret = func_interpret;
    t.func_flops = func_flops;
    t.func_structural_hash = func_structural_hash;
    t.config_get_string_list = config_get_string_list;
    t.trace_with_input_new = trace_with_input;
    t.sch_get_block_info = sch_get_block_info;
    t.sch_get_loop_info = sch_get_loop_info;
    t.sch_get_block_node = sch_get_block_node;
    t.sch_get_loop_node = sch_get_loop_node;
    t.sch_get_expr_value = sch_get_expr_value;
    t.trace_postproc_start = trace_postproc_start;
    t.func_lower_opts_new = func_lower_opts;
    t.sch_query_loops = sch_query_loops;
    t.sch_query_producers = sch_query_producers;
    t.sch_query_consumers = sch_query_consumers;
    t.sch_query_block_info = sch_query_block_info;
    t.sch_query_loop_info = sch_query_loop_info;
    return t;
  }();
  return &table;
}

loom_func* func_handle(ir::PrimFunc func) { return detail::ir_func_new(std::move(func)); }

}  // namespace loom::host
