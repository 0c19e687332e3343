// loom.verify_gpu_code: TVM's VerifyGPUCode (src/meta_schedule/postproc/verify_gpu_code.cc)
// over loom's GPU pipeline. The candidate is lowered with LOOM_LOWER_PIPELINE_GPU (a
// schedule the pipeline refuses is dropped), then each kernel is checked against the
// target's limits:
//   threads per block      the product of the kernel's threadIdx launch extents
//                          <= max_threads_per_block (config, else the target's);
//   shared memory          the bytes of the kernel's shared allocations
//                          <= max_shared_memory_per_block (config, else the target's);
//   virtual threads        the product of nested vthread extents in the schedule
//                          <= max_vthread (config, default 8);
//   vector accesses        every vector load / store moves <= max_vector_bytes (config,
//                          default 16) bytes.
//   thread-extent bounds   a block annotated "meta_schedule.thread_extent_low_inclusive" /
//                          "..._high_inclusive" (by loom.multi_level_tiling) must sit under
//                          threadIdx loops whose extents multiply to a value within them
//                          (TVM's ThreadExtentChecker), checked on the scheduled function;
// Registers and local memory are known only once the kernel is compiled: the CUDA runner
// checks them against ptxas' report. A candidate over a limit is dropped; the reason is
// logged at debug level.
#include <algorithm>
#include <array>

#include "postprocs.h"

namespace loom::postprocs {
namespace {

constexpr const char* kName = "loom.verify_gpu_code";

int64_t int_key(const lp::Config& config, const char* key, int64_t fallback) {
  int64_t v = config.get_int(key, fallback);
  if (v < 0) throw lp::Error(std::string(kName) + ": config key " + key + " must not be negative", LOOM_ERROR_CONFIG);
  return v;
}

/// The largest product of nested vthread extents.
int64_t vthreads(const ir::Stmt& stmt) {
  int64_t most = 1;
  std::function<void(const ir::Stmt&, int64_t)> walk = [&](const ir::Stmt& s, int64_t product) {
    walk_stmts(s, [&](const ir::Stmt& n) {
      if (n.same(s)) return true;
      if (auto loop = n.as<ir::For>(); loop && loop->thread_tag().rfind("vthread", 0) == 0) {
        const int64_t p = product * const_int(loop->extent()).value_or(1);
        most = std::max(most, p);
        walk(n, p);
        return false;
      }
      return true;
    });
  };
  walk(stmt, 1);
  return most;
}

/// The first block whose thread-extent bounds the threadIdx loops around it break, with
/// why; empty when none does.
std::string thread_extent_violation(const ir::Stmt& stmt) {
  std::string problem;
  std::function<void(const ir::Stmt&, std::array<int64_t, 3>)> walk = [&](const ir::Stmt& s,
                                                                          std::array<int64_t, 3> extents) {
    walk_stmts(s, [&](const ir::Stmt& n) {
      if (!problem.empty()) return false;
      if (n.same(s)) return true;
      if (auto loop = n.as<ir::For>()) {
        std::string_view tag = loop->thread_tag();
        if (tag.size() == 11 && tag.substr(0, 10) == "threadIdx." && tag[10] >= 'x' && tag[10] <= 'z') {
          std::array<int64_t, 3> inner = extents;
          inner[static_cast<size_t>(tag[10] - 'x')] = const_int(loop->extent()).value_or(1);
          walk(n, inner);
          return false;
        }
      } else if (auto block = n.as<ir::Block>()) {
        std::optional<int64_t> low = int_annotation(block->annotations(), lp::attr::kThreadExtentLowInclusive);
        std::optional<int64_t> high = int_annotation(block->annotations(), lp::attr::kThreadExtentHighInclusive);
        const int64_t product = extents[0] * extents[1] * extents[2];
        if (low && high && (product < *low || product > *high)) {
          problem = "block " + std::string(block->name()) + " runs on " + std::to_string(product) +
                    " threads, outside its thread-extent bounds [" + std::to_string(*low) + ", " +
                    std::to_string(*high) + "]";
        }
      }
      return true;
    });
  };
  walk(stmt, {1, 1, 1});
  return problem;
}

int64_t bytes_of(const ir::DataType& t) { return (static_cast<int64_t>(t.bits) * t.lanes + 7) / 8; }

}  // namespace

VerifyGpuCode::VerifyGpuCode(const lp::Config& config)
    : max_threads_per_block_(int_key(config, "max_threads_per_block", 0)),
      max_shared_memory_per_block_(int_key(config, "max_shared_memory_per_block", 0)),
      max_vthread_(int_key(config, "max_vthread", 8)),
      max_vector_bytes_(int_key(config, "max_vector_bytes", 16)) {}

void VerifyGpuCode::initialize(const lp::TuningContext& context) {
  if (max_threads_per_block_ == 0) max_threads_per_block_ = context.target.max_threads_per_block;
  if (max_shared_memory_per_block_ == 0) max_shared_memory_per_block_ = context.target.max_shared_memory_per_block;
}

bool VerifyGpuCode::apply(lp::Schedule& sch) {
  if (max_threads_per_block_ <= 0 || max_shared_memory_per_block_ <= 0) {
    throw lp::Error(std::string(kName) +
                        ": no GPU limits: the target has no max_threads_per_block / max_shared_memory_per_block "
                        "(is [target] kind = \"cuda\"?) and the config sets none",
                    LOOM_ERROR_ARGUMENT);
  }
  auto refuse = [&](const std::string& why) {
    lp::log(LOOM_LOG_DEBUG, kName, "candidate refused: " + why);
    return false;
  };
  ir::Func scheduled = sch.func();
  if (int64_t v = vthreads(scheduled.node().body()); max_vthread_ > 0 && v > max_vthread_)
    return refuse(std::to_string(v) + " virtual threads, over max_vthread " + std::to_string(max_vthread_));
  if (std::string why = thread_extent_violation(scheduled.node().body()); !why.empty()) return refuse(why);
  lp::LowerOptions options;
  options.pipeline = LOOM_LOWER_PIPELINE_GPU;
  options.verify = false;
  ir::Func lowered;
  try {
    lowered = lp::lower(scheduled, options);
  } catch (const lp::Error& e) {
    if (e.status() != LOOM_ERROR_ARGUMENT) throw;
    return refuse(std::string("the GPU lowering refuses it: ") + e.what());
  }
  // Below the global allocations, one kernel per statement.
  ir::Stmt body = lowered.node().body();
  while (auto alloc = body.as<ir::Allocate>()) body = alloc->body();
  std::vector<ir::Stmt> kernels;
  if (auto seq = body.as<ir::SeqStmt>()) {
    for (ir::Stmt s : seq->seq()) kernels.push_back(s);
  } else {
    kernels.push_back(body);
  }
  for (size_t k = 0; k < kernels.size(); ++k) {
    std::array<int64_t, 3> block = {1, 1, 1};
    int64_t shared = 0;
    std::string problem;
    ir::walk(kernels[k], [&](const ir::Node& n) {
      if (auto loop = n.as<ir::For>()) {
        std::string_view tag = loop->thread_tag();
        if (tag.size() == 11 && tag.substr(0, 10) == "threadIdx.") {
          const auto d = static_cast<size_t>(tag[10] - 'x');
          if (d < 3) block[d] = std::max(block[d], const_int(loop->extent()).value_or(1));
        }
      } else if (auto alloc = n.as<ir::Allocate>()) {
        ir::Buffer b = alloc->buffer();
        if (b.scope() == "shared" || b.scope() == "shared.dyn") {
          int64_t elems = 1;
          for (ir::Expr e : b.shape()) elems *= const_int(e).value_or(0);
          shared += elems * bytes_of(b.dtype());
        }
      } else if (auto load = n.as<ir::BufferLoad>(); load && load->dtype().lanes > 1) {
        if (bytes_of(load->dtype()) > max_vector_bytes_ && problem.empty())
          problem = "a vector load of " + std::to_string(bytes_of(load->dtype())) + " bytes";
      } else if (auto store = n.as<ir::BufferStore>(); store && store->value().dtype().lanes > 1) {
        if (bytes_of(store->value().dtype()) > max_vector_bytes_ && problem.empty())
          problem = "a vector store of " + std::to_string(bytes_of(store->value().dtype())) + " bytes";
      }
      return true;
    });
    const std::string kernel = "kernel " + std::to_string(k) + ": ";
    if (!problem.empty())
      return refuse(kernel + problem + ", over max_vector_bytes " + std::to_string(max_vector_bytes_));
    const int64_t threads = block[0] * block[1] * block[2];
    if (threads > max_threads_per_block_)
      return refuse(kernel + std::to_string(threads) + " threads per block, over " +
                    std::to_string(max_threads_per_block_));
    if (shared > max_shared_memory_per_block_)
      return refuse(kernel + std::to_string(shared) + " bytes of shared memory, over " +
                    std::to_string(max_shared_memory_per_block_));
  }
  return true;
}

}  // namespace loom::postprocs
