// The ABI's schedules and traces: primitives called by name, random variables, analysis,
// and traces with their decisions and replay.
#include <algorithm>
#include <cstring>

#include "abi.h"
#include "fmt/format.h"
#include "handles.h"
#include "ir_view.h"
#include "loom/ir/structural_equal.h"
#include "loom/sched/analysis.h"
#include "loom/sched/call.h"
#include "loom/sched/instruction.h"
#include "loom/script/printer.h"
#include "nlohmann/json.hpp"

namespace loom::host::detail {

// ----- values ------------------------------------------------------------------------

loom_value ValueArena::to_c(const sched::Value& v) {
  loom_value out{};
  if (v.is_none()) {
    out.kind = LOOM_VALUE_NONE;
  } else if (v.is<bool>()) {
    out.kind = LOOM_VALUE_BOOL;
    out.i = v.as<bool>() ? 1 : 0;
  } else if (v.is<int64_t>()) {
    out.kind = LOOM_VALUE_INT;
    out.i = v.as<int64_t>();
  } else if (v.is<double>()) {
    out.kind = LOOM_VALUE_FLOAT;
    out.f = v.as<double>();
  } else if (v.is<std::string>()) {
    out.kind = LOOM_VALUE_STR;
    strings.push_back(std::make_unique<std::string>(v.as<std::string>()));
    out.s = make_str(*strings.back());
  } else if (v.is<sched::BlockRV>()) {
    out.kind = LOOM_VALUE_BLOCK;
    out.rv = v.as<sched::BlockRV>().id;
  } else if (v.is<sched::LoopRV>()) {
    out.kind = LOOM_VALUE_LOOP;
    out.rv = v.as<sched::LoopRV>().id;
  } else if (v.is<sched::ExprRV>()) {
    out.kind = LOOM_VALUE_EXPR;
    out.rv = v.as<sched::ExprRV>().id;
  } else {
    const auto& list = v.as<std::vector<sched::Value>>();
    auto items = std::make_unique<std::vector<loom_value>>();
    for (const sched::Value& x : list) items->push_back(to_c(x));
    out.kind = LOOM_VALUE_LIST;
    out.items = items->data();
    out.n_items = items->size();
    lists.push_back(std::move(items));
  }
  return out;
}

sched::Value from_c(const loom_value& v) {
  switch (v.kind) {
    case LOOM_VALUE_NONE:
      return sched::Value();
    case LOOM_VALUE_BOOL:
      return sched::Value(v.i != 0);
    case LOOM_VALUE_INT:
      return sched::Value(v.i);
    case LOOM_VALUE_FLOAT:
      return sched::Value(v.f);
    case LOOM_VALUE_STR:
      return sched::Value(to_string(v.s));
    case LOOM_VALUE_BLOCK:
      return sched::Value(sched::BlockRV{v.rv});
    case LOOM_VALUE_LOOP:
      return sched::Value(sched::LoopRV{v.rv});
    case LOOM_VALUE_EXPR:
      return sched::Value(sched::ExprRV{v.rv});
    case LOOM_VALUE_LIST: {
      if (v.n_items > 0 && v.items == nullptr) throw UserError("a list value has items but a null item pointer");
      std::vector<sched::Value> out;
      for (size_t i = 0; i < v.n_items; ++i) out.push_back(from_c(v.items[i]));
      return sched::Value(std::move(out));
    }
    default:
      throw UserError(fmt::format("unknown value kind {}", v.kind));
  }
}

namespace {

sched::BlockRV block_rv(const loom_value& v) {
  if (v.kind != LOOM_VALUE_BLOCK) throw UserError("expected a block random variable (LOOM_VALUE_BLOCK)");
  return sched::BlockRV{v.rv};
}
sched::LoopRV loop_rv(const loom_value& v) {
  if (v.kind != LOOM_VALUE_LOOP) throw UserError("expected a loop random variable (LOOM_VALUE_LOOP)");
  return sched::LoopRV{v.rv};
}

/// Writes the first `cap` of `values` into `outputs` and the full count into *n: the call
/// succeeded either way (a caller with too small an array reads the rest from the trace).
loom_status write_outputs(const std::vector<sched::Value>& values, loom_value* outputs, size_t cap, size_t* n) {
  if (n != nullptr) *n = values.size();
  ValueArena arena;  // outputs are random variables: no storage needed
  for (size_t i = 0; i < values.size() && i < cap && outputs != nullptr; ++i) outputs[i] = arena.to_c(values[i]);
  return LOOM_OK;
}

loom_block_info to_c(const sched::BlockInfo& info) {
  loom_block_info full{};
  full.struct_size = LOOM_BLOCK_INFO_STRUCT_SIZE;
  full.n_iter_vars = static_cast<uint32_t>(info.n_iter_vars);
  full.n_reads = static_cast<uint32_t>(info.n_reads);
  full.n_writes = static_cast<uint32_t>(info.n_writes);
  full.is_root = info.is_root;
  full.is_spatial = info.is_spatial;
  full.is_reduction = info.is_reduction;
  full.is_output = info.is_output;
  full.has_init = info.has_init;
  full.has_trivial_binding = info.has_trivial_binding;
  full.can_compute_inline = info.can_compute_inline;
  full.can_reverse_compute_inline = info.can_reverse_compute_inline;
  full.n_consumers = static_cast<uint32_t>(info.n_consumers);
  full.n_producers = static_cast<uint32_t>(info.n_producers);
  full.is_elementwise = info.is_elementwise;
  return full;
}

/// `loop`'s node holds the thread tag, which lives until the schedule changes.
loom_loop_info to_c(const sched::LoopInfo& info, const ir::ForNode* loop) {
  loom_loop_info full{};
  full.struct_size = LOOM_LOOP_INFO_STRUCT_SIZE;
  full.iter_kind = static_cast<uint32_t>(info.iter_kind);
  full.extent = info.extent;
  full.min = info.min;
  full.for_kind = make_str(ir::for_kind_name(info.for_kind));
  full.thread_tag = make_str(loop->thread_tag);
  full.n_child_blocks = static_cast<uint32_t>(info.n_child_blocks);
  full.is_only_child = info.is_only_child;
  return full;
}

}  // namespace

// ----- schedules ---------------------------------------------------------------------

loom_schedule* sch_copy(const loom_schedule* sch) {
  return sch == nullptr ? nullptr : new loom_schedule{sch->sch, {}, {}};
}
void sch_free(loom_schedule* sch) { delete sch; }
loom_rng* sch_rng(loom_schedule* sch) {
  // The RNG view lives inside the schedule handle.
  if (sch == nullptr) return nullptr;
  sch->rng_view.engine = &sch->sch.rng();
  return &sch->rng_view;
}
void sch_seed(loom_schedule* sch, int64_t seed) {
  if (sch != nullptr) sch->sch.seed(seed);
}

loom_status sch_call(loom_schedule* sch, loom_str primitive, const loom_value* args, size_t n_args,
                     const loom_str* kw_names, const loom_value* kw_values, size_t n_kw, loom_value* outputs,
                     size_t cap, size_t* n_outputs, loom_error* error) {
  if (n_outputs != nullptr) *n_outputs = 0;
  return guarded(error, [&] {
    if (sch == nullptr) return fail(error, LOOM_ERROR_ARGUMENT, "sch_call: the schedule is null");
    sched::CallArgs call;
    for (size_t i = 0; i < n_args; ++i) call.positional.push_back(from_c(args[i]));
    for (size_t i = 0; i < n_kw; ++i) call.keywords.emplace_back(to_string(kw_names[i]), from_c(kw_values[i]));
    // A failing primitive leaves the schedule unchanged, so the call runs in place.
    sched::Value result;
    try {
      result = sched::call_primitive(sch->sch, view(primitive), call);
    } catch (const sched::ArgumentError& e) {
      return fail(error, e.error_kind() == "UnknownPrimitive" ? LOOM_ERROR_NOT_FOUND : LOOM_ERROR_ARGUMENT, e.what(),
                  e.error_kind());
    }
    std::vector<sched::Value> values;
    if (result.is<std::vector<sched::Value>>())
      values = result.as<std::vector<sched::Value>>();
    else if (!result.is_none())
      values.push_back(result);
    return write_outputs(values, outputs, cap, n_outputs);
  });
}

int sch_is_valid(const loom_schedule* sch, loom_value rv) {
  if (sch == nullptr) return 0;
  try {
    switch (rv.kind) {
      case LOOM_VALUE_BLOCK:
        return sch->sch.is_valid(sched::BlockRV{rv.rv}) ? 1 : 0;
      case LOOM_VALUE_LOOP:
        return sch->sch.is_valid(sched::LoopRV{rv.rv}) ? 1 : 0;
      case LOOM_VALUE_EXPR:
        (void)sch->sch.get(sched::ExprRV{rv.rv});
        return 1;
      default:
        return 0;
    }
  } catch (...) {
    return 0;
  }
}

loom_status sch_expr_value(const loom_schedule* sch, loom_value rv, int64_t* out, loom_error* error) {
  return guarded(error, [&] {
    if (rv.kind != LOOM_VALUE_EXPR) return fail(error, LOOM_ERROR_ARGUMENT, "expected an ExprRV (LOOM_VALUE_EXPR)");
    *out = sch->sch.get(sched::ExprRV{rv.rv});
    return LOOM_OK;
  });
}

loom_status sch_block_node(const loom_schedule* sch, loom_value block, loom_node* out, loom_error* error) {
  return guarded(error, [&] {
    *out = node_view(sch->sch.get(block_rv(block)).get());
    return LOOM_OK;
  });
}

loom_status sch_loop_node(const loom_schedule* sch, loom_value loop, loom_node* out, loom_error* error) {
  return guarded(error, [&] {
    *out = node_view(sch->sch.get(loop_rv(loop)));
    return LOOM_OK;
  });
}

loom_status sch_func(const loom_schedule* sch, loom_str func_name, loom_func** out, loom_error* error) {
  *out = nullptr;
  return guarded(error, [&] {
    std::string name = func_name.size == 0 ? sch->sch.default_func() : to_string(func_name);
    if (!sch->sch.mod().contains(name))
      return fail(error, LOOM_ERROR_NOT_FOUND, fmt::format("the schedule's module has no function '{}'", name));
    *out = new loom_func{sch->sch.mod().at(name)};
    return LOOM_OK;
  });
}

loom_trace* sch_trace(const loom_schedule* sch) {
  if (sch == nullptr) return nullptr;
  auto* trace = new loom_trace();
  trace->trace = sch->sch.trace();
  trace->original = sch->sch.original_mod();
  return trace;
}

loom_str sch_script(const loom_schedule* sch) {
  if (sch == nullptr) return loom_str{"", 0};
  auto* mutable_sch = const_cast<loom_schedule*>(sch);  // a cache, not a change of the schedule
  mutable_sch->script_cache = script::print(sch->sch.mod());
  return make_str(mutable_sch->script_cache);
}

uint64_t sch_structural_hash(const loom_schedule* sch) {
  if (sch == nullptr) return 0;
  uint64_t h = 0;
  for (const auto& [name, func] : sch->sch.mod().functions()) h = h * 1000003u ^ ir::structural_hash(func);
  return h;
}

void sch_list_push(loom_schedule_list* list, loom_schedule* sch) {
  if (list == nullptr || sch == nullptr) return;
  list->schedules.push_back(std::move(sch->sch));
  delete sch;
}

// ----- analysis --------------------------------------------------------------------

loom_status sch_block_info(const loom_schedule* sch, loom_value block, loom_block_info* out, loom_error* error) {
  return guarded(error, [&] {
    fill_sized(out, to_c(sched::analyze_block(sch->sch, block_rv(block))));
    return LOOM_OK;
  });
}

loom_status sch_loop_info(const loom_schedule* sch, loom_value loop, loom_loop_info* out, loom_error* error) {
  return guarded(error, [&] {
    fill_sized(out, to_c(sched::analyze_loop(sch->sch, loop_rv(loop)), sch->sch.get(loop_rv(loop))));
    return LOOM_OK;
  });
}

// ----- traces ------------------------------------------------------------------------

namespace {

const loom_trace::Mirror& mirror_of(const loom_trace* trace) {
  auto* t = const_cast<loom_trace*>(trace);  // a cache of immutable content
  if (!t->mirror) {
    auto m = std::make_shared<loom_trace::Mirror>();
    const auto& insts = t->trace.instructions();
    for (size_t i = 0; i < insts.size(); ++i) {
      std::vector<loom_value> in, at, out;
      for (const sched::Value& v : insts[i].inputs) in.push_back(m->arena.to_c(v));
      for (const sched::Value& v : insts[i].attrs) at.push_back(m->arena.to_c(v));
      for (const sched::Value& v : insts[i].outputs) out.push_back(m->arena.to_c(v));
      m->inputs.push_back(std::move(in));
      m->attrs.push_back(std::move(at));
      m->outputs.push_back(std::move(out));
      std::optional<sched::Value> d = t->trace.decision_of(i);
      m->decisions.push_back(d ? std::optional<loom_value>(m->arena.to_c(*d)) : std::nullopt);
    }
    t->mirror = std::move(m);
  }
  return *t->mirror;
}

}  // namespace

loom_trace* trace_copy(const loom_trace* trace) {
  if (trace == nullptr) return nullptr;
  auto* copy = new loom_trace();
  copy->trace = trace->trace;
  copy->original = trace->original;
  return copy;
}

void trace_free(loom_trace* trace) { delete trace; }

size_t trace_size(const loom_trace* trace) { return trace == nullptr ? 0 : trace->trace.size(); }

loom_status trace_instruction(const loom_trace* trace, size_t index, loom_instruction* out, loom_error* error) {
  return guarded(error, [&] {
    if (trace == nullptr || out == nullptr) return fail(error, LOOM_ERROR_ARGUMENT, "trace_instruction: null argument");
    if (index >= trace->trace.size())
      return fail(error, LOOM_ERROR_ARGUMENT,
                  fmt::format("instruction {} is out of range: the trace has {}", index, trace->trace.size()));
    const loom_trace::Mirror& m = mirror_of(trace);
    const sched::Instruction& inst = trace->trace.instructions()[index];
    loom_instruction full{};
    full.struct_size = LOOM_INSTRUCTION_STRUCT_SIZE;
    full.kind = make_str(inst.kind->name);
    full.python_name = make_str(inst.kind->python_name);
    full.inputs = m.inputs[index].data();
    full.n_inputs = m.inputs[index].size();
    full.attrs = m.attrs[index].data();
    full.n_attrs = m.attrs[index].size();
    full.outputs = m.outputs[index].data();
    full.n_outputs = m.outputs[index].size();
    full.decision = m.decisions[index] ? &*m.decisions[index] : nullptr;
    full.is_sampling = inst.kind->sampling ? 1 : 0;
    full.is_pure = inst.kind->pure ? 1 : 0;
    fill_sized(out, full);
    return LOOM_OK;
  });
}

loom_status trace_with_decision(const loom_trace* trace, size_t index, const loom_value* decision, int remove_postproc,
                                loom_trace** out, loom_error* error) {
  *out = nullptr;
  return guarded(error, [&] {
    if (trace == nullptr || decision == nullptr)
      return fail(error, LOOM_ERROR_ARGUMENT, "trace_with_decision: null argument");
    if (index >= trace->trace.size())
      return fail(error, LOOM_ERROR_ARGUMENT,
                  fmt::format("instruction {} is out of range: the trace has {}", index, trace->trace.size()));
    sched::Trace changed = trace->trace.with_decision(index, from_c(*decision));
    if (remove_postproc) {
      sched::Trace cut;
      const auto& insts = changed.instructions();
      for (size_t i = 0, end = changed.postproc_start(); i < end; ++i) cut.append(insts[i], changed.decision_of(i));
      changed = std::move(cut);
    }
    auto* result = new loom_trace();
    result->trace = std::move(changed);
    result->original = trace->original;
    *out = result;
    return LOOM_OK;
  });
}

loom_status trace_with_input(const loom_trace* trace, size_t index, size_t input_index, const loom_value* value,
                             int remove_postproc, loom_trace** out, loom_error* error) {
  *out = nullptr;
  return guarded(error, [&] {
    if (trace == nullptr || value == nullptr)
      return fail(error, LOOM_ERROR_ARGUMENT, "trace_with_input: null argument");
    const auto& insts = trace->trace.instructions();
    if (index >= insts.size())
      return fail(error, LOOM_ERROR_ARGUMENT,
                  fmt::format("instruction {} is out of range: the trace has {}", index, insts.size()));
    if (input_index >= insts[index].inputs.size())
      return fail(error, LOOM_ERROR_ARGUMENT,
                  fmt::format("input {} of instruction {} ({}) is out of range: it has {}", input_index, index,
                              insts[index].kind->name, insts[index].inputs.size()));
    sched::Trace changed;
    size_t end = remove_postproc ? trace->trace.postproc_start() : insts.size();
    for (size_t i = 0; i < end; ++i) {
      sched::Instruction inst = insts[i];
      if (i == index) inst.inputs[input_index] = from_c(*value);
      changed.append(std::move(inst), trace->trace.decision_of(i));
    }
    auto* result = new loom_trace();
    result->trace = std::move(changed);
    result->original = trace->original;
    *out = result;
    return LOOM_OK;
  });
}

loom_status trace_replay(const loom_trace* trace, int64_t seed, loom_schedule** out, loom_error* error) {
  *out = nullptr;
  return guarded(error, [&] {
    if (trace == nullptr) return fail(error, LOOM_ERROR_ARGUMENT, "trace_replay: the trace is null");
    sched::Schedule sch(trace->original, seed);
    trace->trace.apply_to(sch);
    *out = new loom_schedule{std::move(sch), {}, {}};
    return LOOM_OK;
  });
}

loom_str trace_json(const loom_trace* trace) {
  if (trace == nullptr) return loom_str{"", 0};
  auto* t = const_cast<loom_trace*>(trace);
  if (t->json.empty()) t->json = t->trace.to_json().dump();
  return make_str(t->json);
}

loom_str trace_python(const loom_trace* trace) {
  if (trace == nullptr) return loom_str{"", 0};
  auto* t = const_cast<loom_trace*>(trace);
  if (t->python.empty()) t->python = t->trace.as_python();
  return make_str(t->python);
}

size_t trace_postproc_start(const loom_trace* trace) { return trace == nullptr ? 0 : trace->trace.postproc_start(); }

// ----- typed handles (ABI 1.1): the loom_value forms with the kind the type says ------

namespace {
loom_value tagged(uint32_t kind, uint32_t id) {
  loom_value v{};
  v.kind = kind;
  v.rv = id;
  return v;
}
}  // namespace

loom_status sch_get_block_info(const loom_schedule* sch, loom_block_rv block, loom_block_info* out, loom_error* error) {
  return sch_block_info(sch, tagged(LOOM_VALUE_BLOCK, block.id), out, error);
}
loom_status sch_get_loop_info(const loom_schedule* sch, loom_loop_rv loop, loom_loop_info* out, loom_error* error) {
  return sch_loop_info(sch, tagged(LOOM_VALUE_LOOP, loop.id), out, error);
}
loom_status sch_get_block_node(const loom_schedule* sch, loom_block_rv block, loom_node* out, loom_error* error) {
  return sch_block_node(sch, tagged(LOOM_VALUE_BLOCK, block.id), out, error);
}
loom_status sch_get_loop_node(const loom_schedule* sch, loom_loop_rv loop, loom_node* out, loom_error* error) {
  return sch_loop_node(sch, tagged(LOOM_VALUE_LOOP, loop.id), out, error);
}
loom_status sch_get_expr_value(const loom_schedule* sch, loom_expr_rv rv, int64_t* out, loom_error* error) {
  return sch_expr_value(sch, tagged(LOOM_VALUE_EXPR, rv.id), out, error);
}

// ----- queries that do not record (ABI 1.2) ------------------------------------------

namespace {

/// The function of the schedule holding the node of `view` (checked by identity before the
/// node is read), and the node.
template <typename Node>
std::pair<const ir::PrimFunc*, const Node*> resolve_view(const loom_schedule* sch, loom_node node, uint32_t kind,
                                                         const char* call, const char* what) {
  if (sch == nullptr) throw UserError(fmt::format("{}: the schedule is null", call));
  if (node.ptr == nullptr) throw UserError(fmt::format("{}: the {} view is null", call, what));
  if (node.kind != kind) {
    std::string_view got = view(ir_node_kind_name(node.kind));
    throw UserError(fmt::format("{}: expected a {} view ({}), got one of kind {}", call, what,
                                kind == LOOM_NODE_BLOCK ? "LOOM_NODE_BLOCK" : "LOOM_NODE_FOR",
                                got.empty() ? std::to_string(node.kind) : std::string(got)));
  }
  const auto* object = static_cast<const ir::Object*>(node.ptr);
  std::string func = sched::func_holding(sch->sch.mod(), object);
  if (func.empty())
    throw UserError(
        fmt::format("{}: the {} view is not a {} of the schedule's current IR (a view is valid until "
                    "the schedule changes)",
                    call, what, what));
  return {&sch->sch.mod().at(func), static_cast<const Node*>(object)};
}

template <typename Node>
loom_status write_views(const std::vector<const Node*>& nodes, loom_node* out, size_t cap, size_t* n,
                        loom_error* error) {
  if (n != nullptr) *n = nodes.size();
  if (nodes.size() > cap || (!nodes.empty() && out == nullptr))
    return fail(error, LOOM_ERROR_BUFFER_TOO_SMALL,
                fmt::format("the query found {} nodes but the output array holds {}", nodes.size(), cap));
  for (size_t i = 0; i < nodes.size(); ++i) out[i] = node_view(nodes[i]);
  return LOOM_OK;
}

}  // namespace

loom_status sch_query_loops(const loom_schedule* sch, loom_node block, loom_node* out, size_t cap, size_t* n,
                            loom_error* error) {
  if (n != nullptr) *n = 0;
  return guarded(error, [&] {
    auto [func, b] = resolve_view<ir::BlockNode>(sch, block, LOOM_NODE_BLOCK, "sch_query_loops", "block");
    return write_views(sched::loops_above_block(*func, b), out, cap, n, error);
  });
}

loom_status sch_query_producers(const loom_schedule* sch, loom_node block, loom_node* out, size_t cap, size_t* n,
                                loom_error* error) {
  if (n != nullptr) *n = 0;
  return guarded(error, [&] {
    auto [func, b] = resolve_view<ir::BlockNode>(sch, block, LOOM_NODE_BLOCK, "sch_query_producers", "block");
    return write_views(sched::producer_blocks(*func, b), out, cap, n, error);
  });
}

loom_status sch_query_consumers(const loom_schedule* sch, loom_node block, loom_node* out, size_t cap, size_t* n,
                                loom_error* error) {
  if (n != nullptr) *n = 0;
  return guarded(error, [&] {
    auto [func, b] = resolve_view<ir::BlockNode>(sch, block, LOOM_NODE_BLOCK, "sch_query_consumers", "block");
    return write_views(sched::consumer_blocks(*func, b), out, cap, n, error);
  });
}

loom_status sch_query_block_info(const loom_schedule* sch, loom_node block, loom_block_info* out, loom_error* error) {
  return guarded(error, [&] {
    auto [func, b] = resolve_view<ir::BlockNode>(sch, block, LOOM_NODE_BLOCK, "sch_query_block_info", "block");
    fill_sized(out, to_c(sched::analyze_block(*func, b)));
    return LOOM_OK;
  });
}

loom_status sch_query_loop_info(const loom_schedule* sch, loom_node loop, loom_loop_info* out, loom_error* error) {
  return guarded(error, [&] {
    auto [func, l] = resolve_view<ir::ForNode>(sch, loop, LOOM_NODE_FOR, "sch_query_loop_info", "loop");
    fill_sized(out, to_c(sched::analyze_loop(*func, l), l));
    return LOOM_OK;
  });
}

}  // namespace loom::host::detail
