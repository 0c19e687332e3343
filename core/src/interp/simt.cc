// The SIMT mode of the reference interpreter: one fiber per logical thread of a block, each
// running its own Machine over the kernel body and switching to the scheduler at barriers
// and warp collectives; per-element shadow state of shared storage finds data races.
#include "loom/interp/simt.h"

#include <sys/mman.h>
#include <ucontext.h>

#include <array>
#include <exception>
#include <map>
#include <memory>
#include <unordered_map>
#include <utility>

#include "loom/ir/builder.h"
#include "loom/ir/printer.h"
#include "machine.h"

#if defined(__SANITIZE_ADDRESS__)
#define LOOM_SIMT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LOOM_SIMT_ASAN 1
#endif
#endif

#ifdef LOOM_SIMT_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

namespace loom::interp {

using ir::DataType;
using ir::NodeKind;
using ir::Stmt;

std::string SimtThread::to_string() const {
  return "(" + std::to_string(block[0]) + "," + std::to_string(block[1]) + "," + std::to_string(block[2]) + ")/(" +
         std::to_string(thread[0]) + "," + std::to_string(thread[1]) + "," + std::to_string(thread[2]) + ")";
}

std::string DataRace::to_string() const {
  const bool same_block =
      first.block[0] == second.block[0] && first.block[1] == second.block[1] && first.block[2] == second.block[2];
  return "data race on " + buffer + "[" + std::to_string(index) + "] in kernel " + std::to_string(kernel) + ": " +
         (first_is_write ? "write" : "read") + " by thread " + first.to_string() + " and " +
         (second_is_write ? "write" : "read") + " by thread " + second.to_string() +
         (same_block ? " with no barrier between them" : " in different blocks");
}

namespace {

constexpr size_t kStackBytes = 256 * 1024;
constexpr int64_t kWarpSize = 32;

/// One access in the shadow state: kernel + 1 (0: none), block and thread linear indices,
/// and the run-wide barrier epoch at the access.
struct Stamp {
  uint32_t kernel = 0;
  uint32_t block = 0;
  uint32_t thread = 0;
  uint32_t epoch = 0;
};

/// The shadow of one element: its last write and up to two reads that may still conflict.
struct Cell {
  Stamp write;
  Stamp read1;
  Stamp read2;
};

/// The shadow of one storage.
struct Shadow {
  std::vector<Cell> cells;
};

/// Launch extents of one kernel, by tag, and its barriers in program order.
struct KernelShape {
  std::array<int64_t, 3> grid = {1, 1, 1};
  std::array<int64_t, 3> block = {1, 1, 1};
};

/// Index 0-2 for blockIdx.{x,y,z}, 3-5 for threadIdx.{x,y,z}, -1 for anything else.
int tag_slot(const std::string& tag) {
  static const char* const kTags[6] = {"blockIdx.x",  "blockIdx.y",  "blockIdx.z",
                                       "threadIdx.x", "threadIdx.y", "threadIdx.z"};
  for (int i = 0; i < 6; ++i) {
    if (tag == kTags[i]) return i;
  }
  return -1;
}

/// Checks the kernel's form and takes the max extent per tag.
void scan_kernel(const Stmt& stmt, bool below_thread, KernelShape* shape, const std::string& where) {
  if (!stmt.defined()) return;
  switch (stmt->kind()) {
    case NodeKind::For: {
      const auto* op = stmt.as<ir::ForNode>();
      bool thread = below_thread;
      if (op->for_kind == ir::ForKind::ThreadBinding) {
        const int slot = tag_slot(op->thread_tag);
        if (slot < 0) {
          throw RuntimeError("loop \"" + op->loop_var.name() + "\" is bound to \"" + op->thread_tag +
                             "\", which is not blockIdx.{x,y,z} or threadIdx.{x,y,z}: the function is not in the "
                             "GPU-lowered form" +
                             where);
        }
        const std::optional<int64_t> extent = ir::as_const_int(op->extent);
        const std::optional<int64_t> min = ir::as_const_int(op->min);
        if (!extent || !min || *min != 0 || *extent < 1) {
          throw RuntimeError("thread-bound loop \"" + op->loop_var.name() +
                             "\" must have min 0 and a positive constant extent, got min `" + ir::to_string(op->min) +
                             "` extent `" + ir::to_string(op->extent) + "`" + where);
        }
        if (slot < 3 && below_thread) {
          throw RuntimeError("loop \"" + op->loop_var.name() + "\" bound to " + op->thread_tag +
                             " is below a threadIdx loop: the function is not in the GPU-lowered form" + where);
        }
        auto& dims = slot < 3 ? shape->grid : shape->block;
        dims[slot % 3] = std::max(dims[slot % 3], *extent);
        if (slot >= 3) thread = true;
      }
      return scan_kernel(op->body, thread, shape, where);
    }
    case NodeKind::SeqStmt:
      for (const Stmt& s : stmt.as<ir::SeqStmtNode>()->seq) scan_kernel(s, below_thread, shape, where);
      return;
    case NodeKind::IfThenElse: {
      const auto* op = stmt.as<ir::IfThenElseNode>();
      scan_kernel(op->then_case, below_thread, shape, where);
      return scan_kernel(op->else_case, below_thread, shape, where);
    }
    case NodeKind::LetStmt:
      return scan_kernel(stmt.as<ir::LetStmtNode>()->body, below_thread, shape, where);
    case NodeKind::Allocate:
      return scan_kernel(stmt.as<ir::AllocateNode>()->body, below_thread, shape, where);
    case NodeKind::BlockRealize: {
      const auto* block = stmt.as<ir::BlockRealizeNode>()->block.get();
      scan_kernel(block->init, below_thread, shape, where);
      return scan_kernel(block->body, below_thread, shape, where);
    }
    case NodeKind::Block: {
      const auto* block = stmt.as<ir::BlockNode>();
      scan_kernel(block->init, below_thread, shape, where);
      return scan_kernel(block->body, below_thread, shape, where);
    }
    default:
      return;
  }
}

/// Unwinds a blocked fiber's frames when its launch is abandoned.
struct FiberCancel {};

/// A fiber stack, mmap'd.
class Stack {
 public:
  Stack() {
    void* p = mmap(nullptr, kStackBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) throw RuntimeError("SIMT mode: cannot map a thread stack");
    base_ = p;
  }
  ~Stack() { munmap(base_, kStackBytes); }
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;
  void* base() const { return base_; }

 private:
  void* base_;
};

enum class State { Running, Barrier, Shuffle, Done };

class Launch;

/// One logical thread of the current block.
class Thread final : public ThreadHooks {
 public:
  Thread(Launch* launch, const Machine& host, int64_t linear);

  int64_t thread_index(const std::string& tag) override;
  void on_access(const BufferView& view, int64_t offset, bool is_store) override;
  bool on_allocate(const ir::Buffer& buffer, BufferView* view) override;
  Value collective(const ir::CallNode* op, const std::vector<Value>& args) override;
  std::string thread_name() const override;

  SimtThread ident() const;
  /// Starts the thread's body from the beginning.
  void start();
  /// Runs the thread until it blocks or finishes.
  void resume();
  /// Whether the thread ran since its start (a thread that did not has no frames to unwind).
  bool started() const { return started_; }

  Launch* launch;
  Machine machine;
  int64_t linear;
  std::array<int64_t, 3> tid;
  State state = State::Done;
  const ir::CallNode* at = nullptr;
  std::vector<Value> args;
  Value result;
  std::exception_ptr error;
  std::unordered_map<const ir::BufferNode*, size_t> allocations;

 private:
  static void entry(unsigned int hi, unsigned int lo);
  void yield();

  Stack stack_;
  bool started_ = false;
  ucontext_t context_;
  ucontext_t return_;
#ifdef LOOM_SIMT_ASAN
  void* fake_stack_ = nullptr;
  const void* return_bottom_ = nullptr;
  size_t return_size_ = 0;
#endif
};

/// One shared allocation of a block.
struct SharedInstance {
  std::vector<uint8_t> storage;
  Shadow shadow;
  BufferView view;
};

/// The state of one kernel launch, block by block.
class Launch {
 public:
  Launch(const Stmt& body, size_t index, const KernelShape& shape, const std::string& func_name,
         const SimtOptions& options, SimtReport* report, uint32_t* epoch)
      : body(body), index(index), shape(shape), func_name(func_name), options(options), report(report), epoch(epoch) {}

  void run(const Machine& host);

  const Stmt& body;
  size_t index;
  KernelShape shape;
  const std::string& func_name;
  const SimtOptions& options;
  SimtReport* report;
  uint32_t* epoch;
  std::array<int64_t, 3> bid = {0, 0, 0};
  uint32_t block_linear = 0;
  bool cancel = false;
  std::map<std::pair<const ir::BufferNode*, size_t>, std::unique_ptr<SharedInstance>> shared;

  SimtThread ident(uint32_t block, uint32_t thread) const {
    SimtThread t;
    t.block[0] = block % shape.grid[0];
    t.block[1] = block / shape.grid[0] % shape.grid[1];
    t.block[2] = block / (shape.grid[0] * shape.grid[1]);
    t.thread[0] = thread % shape.block[0];
    t.thread[1] = thread / shape.block[0] % shape.block[1];
    t.thread[2] = thread / (shape.block[0] * shape.block[1]);
    return t;
  }
  std::string where() const { return " in kernel " + std::to_string(index) + " of function \"" + func_name + "\""; }

 private:
  void run_block(std::vector<std::unique_ptr<Thread>>& threads);
  void resolve_shuffles(std::vector<std::unique_ptr<Thread>>& threads);
  void release_barrier(std::vector<std::unique_ptr<Thread>>& threads);
  /// After an error: unwinds every blocked thread's frames; threads that have not started
  /// are dropped without running.
  void abandon(std::vector<std::unique_ptr<Thread>>& threads);
};

Thread::Thread(Launch* launch, const Machine& host, int64_t linear) : launch(launch), machine(host), linear(linear) {
  const KernelShape& s = launch->shape;
  tid = {linear % s.block[0], linear / s.block[0] % s.block[1], linear / (s.block[0] * s.block[1])};
  machine.set_hooks(this);
}

SimtThread Thread::ident() const { return launch->ident(launch->block_linear, static_cast<uint32_t>(linear)); }

std::string Thread::thread_name() const {
  return ", in thread " + ident().to_string() + " of kernel " + std::to_string(launch->index);
}

int64_t Thread::thread_index(const std::string& tag) {
  const int slot = tag_slot(tag);
  return slot < 3 ? launch->bid[static_cast<size_t>(slot)] : tid[static_cast<size_t>(slot - 3)];
}

void Thread::on_access(const BufferView& view, int64_t offset, bool is_store) {
  Cell& cell = static_cast<Shadow*>(view.shadow)->cells[static_cast<size_t>(offset)];
  const Stamp now{static_cast<uint32_t>(launch->index + 1), launch->block_linear, static_cast<uint32_t>(linear),
                  *launch->epoch};
  auto relevant = [&](const Stamp& s) {
    return s.kernel == now.kernel && (s.block != now.block || s.epoch == now.epoch);
  };
  auto same_thread = [&](const Stamp& s) { return s.block == now.block && s.thread == now.thread; };
  auto conflict = [&](const Stamp& s) { return relevant(s) && !same_thread(s); };
  auto report = [&](const Stamp& s, bool s_write) {
    DataRace race;
    race.kernel = launch->index;
    race.buffer = view.name;
    race.index = offset;
    race.first = launch->ident(s.block, s.thread);
    race.first_is_write = s_write;
    race.second = ident();
    race.second_is_write = is_store;
    if (launch->options.throw_on_race) throw DataRaceError(std::move(race));
    ++launch->report->race_count;
    if (launch->report->races.size() < launch->options.max_races) launch->report->races.push_back(std::move(race));
  };
  if (!is_store) {
    if (conflict(cell.write)) report(cell.write, true);
    if (!relevant(cell.read1) || same_thread(cell.read1)) {
      cell.read1 = now;
    } else if (!relevant(cell.read2) || same_thread(cell.read2)) {
      cell.read2 = now;
    }
    return;
  }
  if (conflict(cell.write)) {
    report(cell.write, true);
  } else if (conflict(cell.read1)) {
    report(cell.read1, false);
  } else if (conflict(cell.read2)) {
    report(cell.read2, false);
  }
  cell.write = now;
}

bool Thread::on_allocate(const ir::Buffer& buffer, BufferView* view) {
  if (buffer->scope != "shared") return false;
  const size_t occurrence = allocations[buffer.get()]++;
  auto& instance = launch->shared[{buffer.get(), occurrence}];
  if (!instance) {
    instance = std::make_unique<SharedInstance>();
    instance->view = machine.allocate(buffer, &instance->storage);
    instance->shadow.cells.resize(static_cast<size_t>(instance->view.storage_elems));
    instance->view.shadow = &instance->shadow;
  }
  *view = instance->view;
  return true;
}

Value Thread::collective(const ir::CallNode* op, const std::vector<Value>& call_args) {
  at = op;
  args = call_args;
  state = op->op == ir::Intrinsic::storage_sync ? State::Barrier : State::Shuffle;
  yield();
  if (launch->cancel) throw FiberCancel{};
  if (op->op == ir::Intrinsic::storage_sync) return Value::from_int(op->dtype, 0);
  return result;
}

void Thread::entry(unsigned int hi, unsigned int lo) {
  auto* self = reinterpret_cast<Thread*>((static_cast<uintptr_t>(hi) << 32) | static_cast<uintptr_t>(lo));
#ifdef LOOM_SIMT_ASAN
  __sanitizer_finish_switch_fiber(nullptr, &self->return_bottom_, &self->return_size_);
#endif
  try {
    self->machine.exec(self->launch->body);
  } catch (const FiberCancel&) {
  } catch (...) {
    self->error = std::current_exception();
  }
  self->state = State::Done;
#ifdef LOOM_SIMT_ASAN
  __sanitizer_start_switch_fiber(nullptr, self->return_bottom_, self->return_size_);
#endif
  setcontext(&self->return_);
}

void Thread::start() {
  state = State::Running;
  started_ = false;
  error = nullptr;
  allocations.clear();
  getcontext(&context_);
  context_.uc_stack.ss_sp = stack_.base();
  context_.uc_stack.ss_size = kStackBytes;
  context_.uc_link = nullptr;
  const auto p = reinterpret_cast<uintptr_t>(this);
  makecontext(&context_, reinterpret_cast<void (*)()>(&Thread::entry), 2, static_cast<unsigned int>(p >> 32),
              static_cast<unsigned int>(p & 0xffffffffu));
}

void Thread::resume() {
  state = State::Running;
  started_ = true;
#ifdef LOOM_SIMT_ASAN
  __sanitizer_start_switch_fiber(&fake_stack_, stack_.base(), kStackBytes);
#endif
  swapcontext(&return_, &context_);
#ifdef LOOM_SIMT_ASAN
  __sanitizer_finish_switch_fiber(fake_stack_, nullptr, nullptr);
#endif
}

void Thread::yield() {
#ifdef LOOM_SIMT_ASAN
  void* fake = nullptr;
  __sanitizer_start_switch_fiber(&fake, return_bottom_, return_size_);
#endif
  swapcontext(&context_, &return_);
#ifdef LOOM_SIMT_ASAN
  __sanitizer_finish_switch_fiber(fake, &return_bottom_, &return_size_);
#endif
}

std::string state_name(const Thread& t) {
  switch (t.state) {
    case State::Done:
      return "finished the kernel";
    case State::Barrier:
      return "waits at a T.storage_sync()";
    case State::Shuffle:
      return std::string("waits at a T.") + ir::intrinsic_name(t.at->op);
    case State::Running:
      break;
  }
  return "runs";
}

void Launch::abandon(std::vector<std::unique_ptr<Thread>>& threads) {
  cancel = true;
  for (auto& t : threads) {
    if (t->state == State::Done) continue;
    if (t->started()) {
      t->resume();
    } else {
      t->state = State::Done;
    }
  }
  cancel = false;
}

void Launch::resolve_shuffles(std::vector<std::unique_ptr<Thread>>& threads) {
  const int64_t count = static_cast<int64_t>(threads.size());
  for (int64_t warp = 0; warp * kWarpSize < count; ++warp) {
    const int64_t lo = warp * kWarpSize;
    const int64_t hi = std::min(count, lo + kWarpSize);
    for (int64_t i = lo; i < hi; ++i) {
      Thread& t = *threads[static_cast<size_t>(i)];
      if (t.state != State::Shuffle) continue;
      const ir::CallNode* op = t.at;
      const int64_t width = t.args[2].lane(0).i;
      if (width < 1 || width > kWarpSize || (width & (width - 1)) != 0) {
        abandon(threads);
        throw RuntimeError(std::string("T.") + ir::intrinsic_name(op->op) + " width " + std::to_string(width) +
                           " is not a power of two in [1, 32]" + t.thread_name());
      }
      const int64_t lane = i - lo;
      const int64_t base = lane / width * width;
      int64_t src = lane;
      if (op->op == ir::Intrinsic::warp_shuffle) {
        src = base + ((t.args[1].lane(0).i % width) + width) % width;
      } else {
        const int64_t delta = t.args[1].lane(0).i;
        if (lane - base + delta < width && lane - base + delta >= 0) src = lane + delta;
      }
      const int64_t src_linear = lo + src;
      const Thread* source = src_linear < count ? threads[static_cast<size_t>(src_linear)].get() : nullptr;
      if (!source || source->state != State::Shuffle || source->at != op) {
        const std::string source_state =
            source ? source->ident().to_string() + ", which " + state_name(*source) : "which is outside the block";
        abandon(threads);
        throw RuntimeError(std::string("T.") + ir::intrinsic_name(op->op) + " reads lane " + std::to_string(src) +
                           " of warp " + std::to_string(warp) + " (thread " + source_state +
                           "): the source lane is not active at this shuffle" + t.thread_name());
      }
    }
  }
  // Every read is valid: exchange the values, then resume the readers.
  for (int64_t i = 0; i < count; ++i) {
    Thread& t = *threads[static_cast<size_t>(i)];
    if (t.state != State::Shuffle) continue;
    const int64_t lo = i / kWarpSize * kWarpSize;
    const int64_t lane = i - lo;
    const int64_t width = t.args[2].lane(0).i;
    const int64_t base = lane / width * width;
    int64_t src = lane;
    if (t.at->op == ir::Intrinsic::warp_shuffle) {
      src = base + ((t.args[1].lane(0).i % width) + width) % width;
    } else {
      const int64_t delta = t.args[1].lane(0).i;
      if (lane - base + delta < width && lane - base + delta >= 0) src = lane + delta;
    }
    t.result = threads[static_cast<size_t>(lo + src)]->args[0];
  }
  for (auto& t : threads) {
    if (t->state == State::Shuffle) t->state = State::Running;
  }
}

void Launch::release_barrier(std::vector<std::unique_ptr<Thread>>& threads) {
  const Thread* waiting = nullptr;
  for (auto& t : threads) {
    if (t->state == State::Barrier) {
      waiting = t.get();
      break;
    }
  }
  for (auto& t : threads) {
    if (t->state == State::Done || t->at != waiting->at) {
      const std::string other = "thread " + t->ident().to_string() + " " +
                                (t->state == State::Done ? state_name(*t) : "waits at a different T.storage_sync()");
      const std::string msg = "divergent barrier" + where() + ": thread " + waiting->ident().to_string() +
                              " waits at a T.storage_sync() but " + other +
                              " (every thread of a block must reach the same barrier)";
      abandon(threads);
      throw RuntimeError(msg);
    }
  }
  ++*epoch;
  for (auto& t : threads) t->state = State::Running;
}

void Launch::run_block(std::vector<std::unique_ptr<Thread>>& threads) {
  shared.clear();
  ++*epoch;
  for (auto& t : threads) t->start();
  while (true) {
    bool any_shuffle = false;
    bool any_barrier = false;
    for (auto& t : threads) {
      if (t->state == State::Running) t->resume();
      if (t->error) {
        std::exception_ptr error = t->error;
        t->error = nullptr;
        abandon(threads);
        std::rethrow_exception(error);
      }
    }
    for (auto& t : threads) {
      any_shuffle = any_shuffle || t->state == State::Shuffle;
      any_barrier = any_barrier || t->state == State::Barrier;
    }
    if (any_shuffle) {
      resolve_shuffles(threads);
    } else if (any_barrier) {
      release_barrier(threads);
    } else {
      return;
    }
  }
}

void Launch::run(const Machine& host) {
  const int64_t threads_per_block = shape.block[0] * shape.block[1] * shape.block[2];
  const int64_t blocks = shape.grid[0] * shape.grid[1] * shape.grid[2];
  std::vector<std::unique_ptr<Thread>> threads;
  threads.reserve(static_cast<size_t>(threads_per_block));
  for (int64_t i = 0; i < threads_per_block; ++i) threads.push_back(std::make_unique<Thread>(this, host, i));
  for (int64_t b = 0; b < blocks; ++b) {
    block_linear = static_cast<uint32_t>(b);
    bid = {b % shape.grid[0], b / shape.grid[0] % shape.grid[1], b / (shape.grid[0] * shape.grid[1])};
    run_block(threads);
  }
}

}  // namespace

SimtReport run_simt(const ir::PrimFunc& func, const std::vector<Arg>& args, const SimtOptions& options) {
  if (!func.defined()) throw ArgumentError("run_simt: the function is null");
  Machine host(func->name);
  bind_args(&host, func, args);
  // Shadows for every parameter buffer and global allocation.
  std::vector<std::unique_ptr<Shadow>> shadows;
  std::vector<std::unique_ptr<std::vector<uint8_t>>> storages;
  Stmt body = func->body;
  while (body.defined() && body->kind() == NodeKind::Allocate) {
    const auto* op = body.as<ir::AllocateNode>();
    storages.push_back(std::make_unique<std::vector<uint8_t>>());
    BufferView view = host.allocate(op->buffer, storages.back().get());
    host.define_buffer(op->buffer.get(), std::move(view));
    body = op->body;
  }
  std::vector<Stmt> kernels;
  if (body.defined() && body->kind() == NodeKind::SeqStmt) {
    kernels = body.as<ir::SeqStmtNode>()->seq;
  } else if (body.defined()) {
    kernels.push_back(body);
  }
  std::vector<KernelShape> shapes(kernels.size());
  for (size_t k = 0; k < kernels.size(); ++k) {
    scan_kernel(kernels[k], false, &shapes[k],
                ", in kernel " + std::to_string(k) + " of function \"" + func->name + "\"");
  }
  host.attach_shadows([&](BufferView* view) {
    shadows.push_back(std::make_unique<Shadow>());
    shadows.back()->cells.resize(static_cast<size_t>(view->storage_elems));
    view->shadow = shadows.back().get();
  });
  SimtReport report;
  uint32_t epoch = 0;
  for (size_t k = 0; k < kernels.size(); ++k) {
    Launch launch(kernels[k], k, shapes[k], func->name, options, &report, &epoch);
    launch.run(host);
    ++report.kernels;
  }
  return report;
}

}  // namespace loom::interp
