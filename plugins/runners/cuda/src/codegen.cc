// The CUDA generator's entry point (emit_cuda: the global allocations, one KernelEmitter per
// top-level statement, the translation unit's includes and helpers), a kernel's launch
// dimensions and parameters, and its statements (loops, thread-bound loops, stores, ifs,
// lets, allocations, barriers).
#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "emitter.h"

namespace loom::cuda {

namespace {

// `text` without the parentheses around all of it, if it has them.
std::string strip_parens(const std::string& text) {
  if (text.size() < 2 || text.front() != '(' || text.back() != ')') return text;
  int depth = 0;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    depth += text[i] == '(' ? 1 : text[i] == ')' ? -1 : 0;
    if (depth == 0) return text;  // the first parenthesis closes before the end
  }
  return text.substr(1, text.size() - 2);
}

// The most static shared memory a CUDA block may declare (more needs dynamic shared memory).
constexpr int64_t kMaxStaticShared = 48 * 1024;

const char* const kTags[6] = {"blockIdx.x", "blockIdx.y", "blockIdx.z", "threadIdx.x", "threadIdx.y", "threadIdx.z"};

int64_t constant_elements(const pir::Buffer& buffer, const std::string& what) {
  int64_t count = 1;
  for (pir::Expr e : buffer.shape()) {
    auto k = pir::const_int(e);
    if (!k) fail(what + " " + std::string(buffer.name()) + " has a symbolic shape (" + e.script() + ")");
    count *= *k;
  }
  return count;
}

}  // namespace

int tag_slot(std::string_view tag) {
  for (int i = 0; i < 6; ++i) {
    if (tag == kTags[i]) return i;
  }
  return -1;
}

void KernelEmitter::line(const std::string& text) {
  body_.append(static_cast<size_t>(indent_) * 2, ' ');
  body_ += text;
  body_ += '\n';
}

void KernelEmitter::flush_pending() {
  for (const std::string& p : pending_) line(p);
  pending_.clear();
  hoisted_.clear();
}

std::string KernelEmitter::linear_thread_index() const {
  std::string index = "threadIdx.x";
  if (launch_[4] > 1) index += " + threadIdx.y * " + std::to_string(launch_[3]);
  if (launch_[5] > 1) index += " + threadIdx.z * " + std::to_string(launch_[3] * launch_[4]);
  return "(int)(" + index + ")";
}

bool KernelEmitter::thread_guarded() const {
  for (int k = 3; k < 6; ++k) {
    if (guard_[k] < launch_[k]) return true;
  }
  return false;
}

void KernelEmitter::collect_launch(const pir::Stmt& kernel) {
  pir::walk(kernel, [&](const pir::Node& n) {
    if (auto loop = n.as<pir::For>()) {
      if (loop->for_kind() == "thread_binding") {
        const std::string tag(loop->thread_tag());
        const int slot = tag_slot(tag);
        if (slot < 0) {
          fail("kernel " + kernel_name_ + ": loop " + std::string(loop->loop_var().name()) + " is bound to " + tag +
               ", which the CUDA generator does not handle (only blockIdx.x/y/z and threadIdx.x/y/z; virtual "
               "threads must be lowered first)");
        }
        auto extent = pir::const_int(loop->extent());
        if (!extent || *extent < 1) {
          fail("kernel " + kernel_name_ + ": the " + tag + " loop " + std::string(loop->loop_var().name()) +
               " has extent " + loop->extent().script() + " (a positive constant is needed)");
        }
        auto min = pir::const_int(loop->min());
        if (!min || *min != 0) {
          fail("kernel " + kernel_name_ + ": the " + tag + " loop " + std::string(loop->loop_var().name()) +
               " starts at " + loop->min().script() + " (a thread-bound loop starts at 0)");
        }
        launch_[static_cast<size_t>(slot)] = std::max(launch_[static_cast<size_t>(slot)], *extent);
      }
    } else if (auto store = n.as<pir::BufferStore>()) {
      written_.insert(store->buffer().ptr());
    }
    return !n.is<pir::Expr>();
  });
  guard_ = launch_;
  if (threads_per_block() > 1024) {
    fail("kernel " + kernel_name_ + " has " + std::to_string(threads_per_block()) +
         " threads per block (threadIdx extents " + std::to_string(launch_[3]) + " x " + std::to_string(launch_[4]) +
         " x " + std::to_string(launch_[5]) + "); CUDA allows at most 1024");
  }
}

void KernelEmitter::declare_params(const pir::Stmt& kernel, CudaKernelInfo& info) {
  auto params = func_.params().to_vector();
  std::vector<bool> param_used(params.size(), false);
  std::vector<bool> global_used(globals_.size(), false);
  for (const pir::Node& n : pir::free_vars_and_buffers(kernel)) {
    bool found = false;
    for (size_t i = 0; i < params.size() && !found; ++i) {
      if (n.is<pir::Var>() ? params[i].same(n) : func_.buffer_of(params[i]).same(n)) found = param_used[i] = true;
    }
    for (size_t i = 0; i < globals_.size() && !found; ++i) {
      if (globals_[i].same(n)) found = global_used[i] = true;
    }
    if (found) continue;
    if (auto v = n.as<pir::Var>()) {
      fail("kernel " + kernel_name_ + " uses variable " + std::string(v->name()) +
           ", which is neither a scalar parameter of the function nor defined in the kernel");
    }
    const std::string name(n.as<pir::Buffer>() ? n.str("name") : n.kind_name());
    fail("kernel " + kernel_name_ + " uses buffer " + name +
         ", which is neither a parameter of the function, a global allocation around the kernels, nor allocated in "
         "the kernel");
  }
  std::vector<std::string> decls;
  auto add_buffer = [&](const pir::Buffer& buffer, CudaKernelArg arg) {
    arg.is_buffer = true;
    arg.name = std::string(buffer.name());
    arg.dtype = buffer.dtype().element_of();
    arg.elements = constant_elements(buffer, "buffer");
    arg.written = written_.count(buffer.ptr()) != 0;
    const std::string name = names_.define(buffer, buffer.name());
    decls.push_back(std::string(arg.written ? "" : "const ") + storage_type(arg.dtype) + "* __restrict__ " + name);
    if (arg.dtype.code == LOOM_DTYPE_FLOAT && arg.dtype.bits == 16) unit_.uses_half = true;
    if (arg.dtype.code == LOOM_DTYPE_BFLOAT) unit_.uses_bfloat16 = true;
    info.args.push_back(arg);
  };
  for (size_t i = 0; i < params.size(); ++i) {
    if (!param_used[i]) continue;
    CudaKernelArg arg;
    arg.kind = CudaKernelArg::Kind::kParam;
    arg.index = i;
    pir::Buffer buffer = func_.buffer_of(params[i]);
    if (!buffer.is_null()) {
      add_buffer(buffer, arg);
      continue;
    }
    pir::DataType t = params[i].dtype();
    if (!t.is_scalar() || t.is_handle() || (t.is_float() && t.bits == 16)) {
      fail("kernel " + kernel_name_ + ": scalar parameter " + std::string(params[i].name()) + " of dtype " +
           t.to_string() + " cannot be passed to a CUDA kernel");
    }
    arg.name = std::string(params[i].name());
    arg.dtype = t;
    const std::string name = names_.define(params[i], params[i].name());
    facts_[params[i].ptr()] = VarFacts{1, false, false};
    decls.push_back("const " + reg_type(t) + " " + name);
    info.args.push_back(arg);
  }
  for (size_t i = 0; i < globals_.size(); ++i) {
    if (!global_used[i]) continue;
    CudaKernelArg arg;
    arg.kind = CudaKernelArg::Kind::kGlobal;
    arg.index = i;
    add_buffer(globals_[i], arg);
  }
  std::string signature = "extern \"C\" __global__ void __launch_bounds__(" + std::to_string(threads_per_block()) +
                          ") " + kernel_name_ + "(";
  for (size_t i = 0; i < decls.size(); ++i) signature += (i ? ", " : "") + decls[i];
  info.name = kernel_name_;
  for (int k = 0; k < 3; ++k) {
    info.grid[k] = launch_[static_cast<size_t>(k)];
    info.block[k] = launch_[static_cast<size_t>(k) + 3];
  }
  body_ = signature + ") {\n";
}

std::string KernelEmitter::emit(const pir::Stmt& kernel, const std::string& name, CudaKernelInfo& info) {
  kernel_name_ = name;
  collect_launch(kernel);
  declare_params(kernel, info);
  stmt(kernel);
  flush_pending();
  body_ += "}\n";
  info.shared_bytes = shared_bytes_;
  return body_;
}

void KernelEmitter::stmt(const pir::Stmt& s) {
  if (s.is_null()) return;
  switch (s.kind()) {
    case LOOM_NODE_SEQ_STMT:
      for (pir::Stmt x : pir::SeqStmt(s).seq()) stmt(x);
      return;
    case LOOM_NODE_FOR:
      emit_for(pir::For(s));
      return;
    case LOOM_NODE_BUFFER_STORE:
      emit_store(pir::BufferStore(s));
      return;
    case LOOM_NODE_IF_THEN_ELSE:
      emit_if(pir::IfThenElse(s));
      return;
    case LOOM_NODE_LET_STMT:
      emit_let(pir::LetStmt(s));
      return;
    case LOOM_NODE_EVALUATE:
      emit_evaluate(pir::Evaluate(s));
      return;
    case LOOM_NODE_ALLOCATE:
      emit_allocate(pir::Allocate(s));
      return;
    case LOOM_NODE_BLOCK:
    case LOOM_NODE_BLOCK_REALIZE:
      fail("kernel " + kernel_name_ + " has a block: the function is not lowered (lower it with the GPU pipeline)");
    default:
      fail("kernel " + kernel_name_ + ": unsupported statement " + std::string(s.kind_name()));
  }
}

void KernelEmitter::emit_for(const pir::For& loop) {
  const std::string_view kind = loop.for_kind();
  pir::Var v = loop.loop_var();
  if (kind == "thread_binding") {
    emit_thread_loop(loop);
    return;
  }
  if (kind == "parallel") {
    fail("kernel " + kernel_name_ + ": loop " + std::string(v.name()) +
         " is parallel, which has no meaning inside a CUDA kernel (bind it to blockIdx / threadIdx or make it serial)");
  }
  // Serial, unrolled, and vectorized ones (lowering leaves none: a vectorized loop runs as
  // a serial one, which computes what it computes).
  auto min_k = pir::const_int(loop.min());
  auto extent_k = pir::const_int(loop.extent());
  const std::string type = reg_type(v.dtype());
  const bool bounds_vary = thread_dependent(loop.min()) || thread_dependent(loop.extent());
  std::string header;
  const std::string name = names_.define(v, v.name());
  if (min_k && extent_k) {
    header = "for (" + type + " " + name + " = " + int_literal(*min_k, v.dtype()) + "; " + name + " < " +
             int_literal(*min_k + *extent_k, v.dtype()) + "; ++" + name + ") {";
  } else {
    const std::string min = expr(loop.min());
    const std::string extent = expr(loop.extent());
    const std::string end = names_.fresh(name + "_end");
    header = "for (" + type + " " + name + " = " + min + ", " + end + " = " + name + " + " + extent + "; " + name +
             " < " + end + "; ++" + name + ") {";
  }
  flush_pending();
  VarFacts f;
  f.multiple = 1;
  f.nonneg = nonneg(loop.min());
  f.thread_dependent = bounds_vary;
  facts_[v.ptr()] = f;
  if (kind == "unroll") line("#pragma unroll");
  line(header);
  ++indent_;
  ++loop_depth_;
  if (bounds_vary) ++divergent_;
  stmt(loop.body());
  if (bounds_vary) --divergent_;
  --loop_depth_;
  --indent_;
  line("}");
}

void KernelEmitter::emit_thread_loop(const pir::For& loop) {
  pir::Var v = loop.loop_var();
  const std::string tag(loop.thread_tag());
  const size_t slot = static_cast<size_t>(tag_slot(tag));
  const int64_t extent = *pir::const_int(loop.extent());
  const std::string name = names_.define(v, v.name());
  VarFacts f;
  f.multiple = 1;
  f.nonneg = true;
  f.thread_dependent = slot >= 3;
  facts_[v.ptr()] = f;
  const bool guarded = extent < launch_[slot];
  const int64_t saved = guard_[slot];
  if (slot >= 3) ++thread_depth_;
  guard_[slot] = std::min(guard_[slot], extent);
  if (guarded) {
    line("if (" + tag + " < " + std::to_string(extent) + ") {");
    ++indent_;
  }
  // The variable, when the body uses it (a guarded loop of extent 1 often does not).
  bool used = false;
  pir::walk(loop.body(), [&](const pir::Node& n) {
    used = used || n.same(v);
    return !used;
  });
  if (used) line("const " + reg_type(v.dtype()) + " " + name + " = " + tag + ";");
  stmt(loop.body());
  if (guarded) {
    --indent_;
    line("}");
  }
  guard_[slot] = saved;
  if (slot >= 3) --thread_depth_;
}

void KernelEmitter::emit_store(const pir::BufferStore& s) {
  pir::Buffer buffer = s.buffer();
  const pir::DataType t = s.value().dtype();
  const pir::DataType elem = buffer.dtype().element_of();
  const std::string& name = buffer_name(buffer);
  auto to_storage = [&](const std::string& v) {
    if (elem.code == LOOM_DTYPE_FLOAT && elem.bits == 16) return "__float2half_rn(" + v + ")";
    if (elem.code == LOOM_DTYPE_BFLOAT) return "__float2bfloat16_rn(" + v + ")";
    return v;
  };
  if (t.lanes == 1) {
    const std::string index = index_text(buffer, s.indices(), 0);
    const std::string value = expr(s.value());
    flush_pending();
    line(name + "[" + index + "] = " + to_storage(value) + ";");
    return;
  }
  pir::Expr index = flat_index(buffer, s.indices());
  const std::string vtype = vector_type(buffer, index, t);
  if (!vtype.empty()) {
    const std::string base = expr(pir::Ramp(index).base());
    std::string value;
    auto load = s.value().as<pir::BufferLoad>();
    if (load && !vector_type(load->buffer(), flat_index(load->buffer(), load->indices()), t).empty()) {
      value = "*reinterpret_cast<const " + vtype + "*>(&" + buffer_name(load->buffer()) + "[" +
              expr(pir::Ramp(flat_index(load->buffer(), load->indices())).base()) + "])";
    } else {
      value = "make_" + vtype + "(";
      for (int l = 0; l < t.lanes; ++l) value += (l ? ", " : "") + expr(s.value(), l);
      value += ")";
    }
    flush_pending();
    line("*reinterpret_cast<" + vtype + "*>(&" + name + "[" + base + "]) = " + value + ";");
    return;
  }
  // Lane by lane: every lane's value and index first, then the stores.
  std::vector<std::string> values, indices, decls;
  const std::string vt = reg_type(t.element_of());
  const std::string it = reg_type(index.dtype().element_of());
  for (int l = 0; l < t.lanes; ++l) {
    values.push_back(names_.fresh(name + "_v" + std::to_string(l)));
    decls.push_back("const " + vt + " " + values.back() + " = " + expr(s.value(), l) + ";");
  }
  for (int l = 0; l < t.lanes; ++l) {
    indices.push_back(names_.fresh(name + "_i" + std::to_string(l)));
    decls.push_back("const " + it + " " + indices.back() + " = " + index_text(buffer, s.indices(), l) + ";");
  }
  flush_pending();
  line("{");
  ++indent_;
  for (const std::string& d : decls) line(d);
  for (int l = 0; l < t.lanes; ++l) line(name + "[" + indices[l] + "] = " + to_storage(values[l]) + ";");
  --indent_;
  line("}");
}

void KernelEmitter::emit_if(const pir::IfThenElse& s) {
  if (s.condition().dtype().lanes != 1) fail("kernel " + kernel_name_ + ": an if with a vector condition");
  const std::string cond = strip_parens(expr(s.condition()));
  flush_pending();
  const bool varies = thread_dependent(s.condition());
  if (varies) ++divergent_;
  line("if (" + cond + ") {");
  ++indent_;
  stmt(s.then_case());
  --indent_;
  if (!s.else_case().is_null()) {
    line("} else {");
    ++indent_;
    stmt(s.else_case());
    --indent_;
  }
  line("}");
  if (varies) --divergent_;
}

void KernelEmitter::emit_let(const pir::LetStmt& s) {
  pir::Var v = s.var();
  const pir::DataType t = v.dtype();
  if (t.lanes == 1) {
    const std::string value = expr(s.value());
    flush_pending();
    const std::string name = names_.define(v, v.name());
    line("const " + reg_type(t) + " " + name + " = " + value + ";");
  } else {
    std::vector<std::string> values, lanes;
    for (int l = 0; l < t.lanes; ++l) values.push_back(expr(s.value(), l));
    flush_pending();
    for (int l = 0; l < t.lanes; ++l) {
      lanes.push_back(names_.fresh(std::string(v.name()) + "_" + std::to_string(l)));
      line("const " + reg_type(t.element_of()) + " " + lanes.back() + " = " + values[static_cast<size_t>(l)] + ";");
    }
    lane_names_[v.ptr()] = lanes;
  }
  facts_[v.ptr()] = facts_of(s.value());
  stmt(s.body());
}

void KernelEmitter::emit_allocate(const pir::Allocate& s) {
  pir::Buffer buffer = s.buffer();
  const std::string scope(buffer.scope());
  const pir::DataType elem = buffer.dtype().element_of();
  const int64_t n = constant_elements(buffer, "allocation");
  if (n < 1) fail("kernel " + kernel_name_ + ": allocation " + std::string(buffer.name()) + " has no elements");
  if (elem.code == LOOM_DTYPE_FLOAT && elem.bits == 16) unit_.uses_half = true;
  if (elem.code == LOOM_DTYPE_BFLOAT) unit_.uses_bfloat16 = true;
  const std::string name = names_.define(buffer, buffer.name());
  const std::string type = storage_type(elem);
  if (scope == "global") {
    fail("kernel " + kernel_name_ + ": global allocation " + std::string(buffer.name()) +
         " inside a kernel (global allocations belong around the kernels, at the top of the function)");
  }
  if (scope == "shared") {
    if (divergent_ > 0 || thread_depth_ > 0) {
      fail("kernel " + kernel_name_ + ": shared allocation " + std::string(buffer.name()) +
           " inside a thread-dependent branch or a guarded thread loop (it must be above the threadIdx loops)");
    }
    shared_bytes_ += n * element_bytes(elem);
    if (shared_bytes_ > kMaxStaticShared) {
      fail("kernel " + kernel_name_ + ": shared allocation " + std::string(buffer.name()) + " brings the kernel's " +
           "shared memory to " + std::to_string(shared_bytes_) + " bytes; static __shared__ arrays are limited to " +
           std::to_string(kMaxStaticShared) + " bytes per block");
    }
    line("__shared__ __align__(16) " + type + " " + name + "[" + std::to_string(n) + "];");
    // In a loop, the previous iteration's readers finish before it is written again.
    if (loop_depth_ > 0) line("__syncthreads();");
    if (written_before_read(buffer, n, s.body())) {
      line("// " + name + " is written in full before it is read: not zeroed.");
      stmt(s.body());
      return;
    }
    // Zeroed as every allocation starts (all threads of the block reach this point).
    const std::string i = names_.fresh(name + "_zero");
    std::string zero = "0";
    if (elem.code == LOOM_DTYPE_FLOAT && elem.bits == 16) zero = "__float2half_rn(0.0f)";
    if (elem.code == LOOM_DTYPE_BFLOAT) zero = "__float2bfloat16_rn(0.0f)";
    if (elem.is_bool()) zero = "false";
    line("for (int " + i + " = " + linear_thread_index() + "; " + i + " < " + std::to_string(n) + "; " + i +
         " += " + std::to_string(threads_per_block()) + ") " + name + "[" + i + "] = " + zero + ";");
    line("__syncthreads();");
  } else {
    line("__align__(16) " + type + " " + name + "[" + std::to_string(n) + "] = {};");
  }
  stmt(s.body());
}

void KernelEmitter::emit_evaluate(const pir::Evaluate& s) {
  pir::Expr value = s.value();
  if (auto c = value.as<pir::Call>(); c && c->op() == "storage_sync") {
    if (divergent_ > 0 || thread_guarded()) {
      fail("kernel " + kernel_name_ +
           ": T.storage_sync() inside a guarded thread loop or a thread-dependent branch (not every thread of the "
           "block reaches it)");
    }
    line("__syncthreads();");
    return;
  }
  if (value.is<pir::IntImm>()) return;
  const std::string text = expr(value);
  flush_pending();
  line("(void)" + text + ";");
}

CudaSource emit_cuda(const plugin::ir::Func& lowered, std::string name) { return emit_cuda(lowered.node(), name); }

CudaSource emit_cuda(const plugin::ir::PrimFunc& func, std::string name) {
  if (func.is_null()) fail("emit_cuda: no function");
  const std::string base = sanitize(name.empty() ? std::string(func.name()) : name);
  CudaSource out;
  std::vector<pir::Buffer> globals;
  pir::Stmt body = func.body();
  while (auto alloc = body.as<pir::Allocate>()) {
    pir::Buffer buffer = alloc->buffer();
    if (buffer.scope() != "global") {
      fail("allocation " + std::string(buffer.name()) + " of scope \"" + std::string(buffer.scope()) +
           "\" outside every kernel (only global allocations may surround the kernels)");
    }
    globals.push_back(buffer);
    out.globals.push_back(CudaGlobalBuffer{std::string(buffer.name()), buffer.dtype().element_of(),
                                           constant_elements(buffer, "allocation")});
    body = alloc->body();
  }
  if (body.is<pir::BlockRealize>() || body.is<pir::Block>()) {
    fail("function " + std::string(func.name()) + " is not lowered: it has a block (lower it with the GPU pipeline)");
  }
  std::vector<pir::Stmt> kernels;
  if (auto seq = body.as<pir::SeqStmt>()) {
    kernels = seq->seq().to_vector();
  } else if (!body.is_null()) {
    kernels.push_back(body);
  }
  UnitState unit;
  std::string text;
  for (size_t i = 0; i < kernels.size(); ++i) {
    KernelEmitter emitter(func, globals, unit);
    CudaKernelInfo info;
    text += "\n" + emitter.emit(kernels[i], base + "_kernel" + std::to_string(i), info);
    out.kernels.push_back(std::move(info));
  }
  std::string head = "// Generated by loom from function " + std::string(func.name()) + ".\n";
  if (unit.uses_half) head += "#include <cuda_fp16.h>\n";
  if (unit.uses_bfloat16) head += "#include <cuda_bf16.h>\n";
  for (Helper h : unit.helpers) head += std::string("\n") + helper_text(h);
  out.code = head + text;
  return out;
}

}  // namespace loom::cuda
