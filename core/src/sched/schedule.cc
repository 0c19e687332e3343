// The schedule state: random variables, lookups, recording, function updates.
#include "loom/sched/schedule.h"

#include "fmt/format.h"
#include "loom/ir/error.h"
#include "loom/ir/verify.h"
#include "loom/sched/verify.h"
#include "tree.h"

namespace loom::sched {

namespace {

std::string pick_default_func(const ir::IRModule& mod) {
  if (mod.size() == 1) return mod.functions().begin()->first;
  return "main";
}

}  // namespace

Schedule::Schedule(ir::IRModule mod, int64_t seed, DebugMode debug)
    : original_(mod), mod_(std::move(mod)), default_func_(pick_default_func(mod_)), rng_(seed), debug_(debug) {
  if (debug_ == DebugMode::Verify) {
    for (const auto& [name, func] : mod_.functions()) ir::check_well_formed(func);
  }
}

Schedule::Schedule(const ir::PrimFunc& func, int64_t seed, DebugMode debug)
    : Schedule(ir::IRModule::from_func(func), seed, debug) {}

const Schedule::RVEntry& Schedule::entry(uint32_t id, RVEntry::Kind kind, const char* what) const {
  if (id == 0 || id > rvs_.size() || rvs_[id - 1].kind != kind)
    throw InvalidRVError("get", "the {} random variable #{} does not belong to this schedule", what, id);
  return rvs_[id - 1];
}

ir::Block Schedule::get(const BlockRV& rv) const {
  const RVEntry& e = entry(rv.id, RVEntry::Kind::Block, "block");
  auto path = detail::find_block(mod_.at(e.func), e.block_name);
  if (!path) {
    auto it = removed_blocks_.find(e.func + "/" + e.block_name);
    throw InvalidRVError("get",
                         it != removed_blocks_.end()
                             ? fmt::format("block {} no longer exists: it was removed by {}", e.block_name, it->second)
                             : fmt::format("block {} no longer exists in function {}", e.block_name, e.func));
  }
  return ir::Block(path->target().as<ir::BlockNode>());
}

const ir::ForNode* Schedule::get(const LoopRV& rv) const {
  const RVEntry& e = entry(rv.id, RVEntry::Kind::Loop, "loop");
  auto path = detail::find_loop(mod_.at(e.func), e.loop_var);
  if (!path) {
    auto it = removed_loops_.find(e.loop_var.get());
    throw InvalidRVError(
        "get", it != removed_loops_.end()
                   ? fmt::format("loop {} no longer exists: it was removed by {}", e.loop_var.name(), it->second.second)
                   : fmt::format("loop {} no longer exists in function {}", e.loop_var.name(), e.func));
  }
  return path->target().as<ir::ForNode>();
}

int64_t Schedule::get(const ExprRV& rv) const { return entry(rv.id, RVEntry::Kind::Expr, "expression").value; }

std::string Schedule::block_name(const BlockRV& rv) const {
  return entry(rv.id, RVEntry::Kind::Block, "block").block_name;
}
ir::Var Schedule::loop_var(const LoopRV& rv) const { return entry(rv.id, RVEntry::Kind::Loop, "loop").loop_var; }
std::string Schedule::func_of(const BlockRV& rv) const { return entry(rv.id, RVEntry::Kind::Block, "block").func; }
std::string Schedule::func_of(const LoopRV& rv) const { return entry(rv.id, RVEntry::Kind::Loop, "loop").func; }

bool Schedule::is_valid(const BlockRV& rv) const {
  if (rv.id == 0 || rv.id > rvs_.size() || rvs_[rv.id - 1].kind != RVEntry::Kind::Block) return false;
  const RVEntry& e = rvs_[rv.id - 1];
  return detail::find_block(mod_.at(e.func), e.block_name).has_value();
}

bool Schedule::is_valid(const LoopRV& rv) const {
  if (rv.id == 0 || rv.id > rvs_.size() || rvs_[rv.id - 1].kind != RVEntry::Kind::Loop) return false;
  const RVEntry& e = rvs_[rv.id - 1];
  return detail::find_loop(mod_.at(e.func), e.loop_var).has_value();
}

void Schedule::record(const std::string& kind, std::vector<Value> inputs, std::vector<Value> attrs,
                      std::vector<Value> outputs, std::optional<Value> decision) {
  const InstructionKind& k = InstructionRegistry::global().at(kind);
  trace_.append(Instruction{&k, std::move(inputs), std::move(attrs), std::move(outputs)}, std::move(decision));
}

BlockRV Schedule::new_block_rv(const std::string& func, const std::string& block_name) {
  rvs_.push_back(RVEntry{RVEntry::Kind::Block, func, block_name, {}, 0});
  return BlockRV{static_cast<uint32_t>(rvs_.size())};
}

LoopRV Schedule::new_loop_rv(const std::string& func, const ir::Var& loop_var) {
  rvs_.push_back(RVEntry{RVEntry::Kind::Loop, func, {}, loop_var, 0});
  return LoopRV{static_cast<uint32_t>(rvs_.size())};
}

ExprRV Schedule::new_expr_rv(int64_t value) {
  rvs_.push_back(RVEntry{RVEntry::Kind::Expr, {}, {}, {}, value});
  return ExprRV{static_cast<uint32_t>(rvs_.size())};
}

void Schedule::update_func(const std::string& func_name, const ir::PrimFunc& func, const char* primitive) {
  if (debug_ == DebugMode::Verify) {
    std::vector<std::string> problems = ir::verify_well_formed(func);
    if (problems.empty() && mod_.contains(func_name)) problems = verify_schedule_invariants(mod_.at(func_name), func);
    if (!problems.empty()) {
      std::string msg = fmt::format("sch.{} produced an ill-formed function {}:", primitive, func_name);
      for (const std::string& p : problems) msg += "\n  - " + p;
      throw InternalError(msg);
    }
  }
  mod_.update(func_name, func);
}

void Schedule::mark_removed_block(const std::string& func, const std::string& block_name,
                                  const std::string& primitive) {
  removed_blocks_[func + "/" + block_name] = primitive;
}

void Schedule::mark_removed_loop(const ir::Var& loop_var, const std::string& primitive) {
  removed_loops_[loop_var.get()] = {loop_var, primitive};
}

Schedule::Checkpoint Schedule::checkpoint() const {
  Checkpoint c;
  c.mod_ = mod_;
  c.trace_size_ = trace_.size();
  c.n_rvs_ = rvs_.size();
  c.rng_ = rng_;
  return c;
}

void Schedule::rollback(const Checkpoint& c) {
  LOOM_ICHECK(c.trace_size_ <= trace_.size() && c.n_rvs_ <= rvs_.size(),
              "Schedule::rollback: the checkpoint is not from this schedule's past");
  mod_ = c.mod_;
  trace_.truncate(c.trace_size_);
  rvs_.resize(c.n_rvs_);
  rng_ = c.rng_;
}

void Schedule::enter_postproc() { record(kEnterPostprocKind, {}, {}, {}); }

}  // namespace loom::sched
