// loom.auto_inline: TVM's AutoInline (src/meta_schedule/schedule_rule/auto_inline.cc) with
// its CPU defaults, or its CUDA defaults for the keys the config does not give when
// initialize() sees a "cuda" target.
#include <algorithm>

#include "rules.h"

namespace loom::rules {

namespace {
constexpr std::string_view kName = "loom.auto_inline";
}

AutoInline::AutoInline(const lp::Config& config)
    : into_producer_(config.get_bool("into_producer", false)),
      into_consumer_(config.get_bool("into_consumer", true)),
      inline_const_tensor_(config.get_bool("inline_const_tensor", true)),
      disallow_if_then_else_(config.get_bool("disallow_if_then_else", true)),
      require_injective_(config.get_bool("require_injective", true)),
      require_ordered_(config.get_bool("require_ordered", true)),
      disallow_op_(config.get_string_list("disallow_op", {"tir.exp"})) {
  for (const std::string& op : disallow_op_) {
    if (op.empty()) config_error(kName, "disallow_op", "holds an empty operator name");
  }
  for (const char* key :
       {"into_producer", "disallow_if_then_else", "require_injective", "require_ordered", "disallow_op"}) {
    if (config.has(key)) given_.emplace_back(key);
  }
}

void AutoInline::initialize(const lp::TuningContext& context) {
  if (context.target.kind != "cuda") return;
  auto given = [&](const char* key) { return std::find(given_.begin(), given_.end(), key) != given_.end(); };
  // TVM's CUDA defaults: inline into producers too, whatever the index pattern or branches.
  if (!given("into_producer")) into_producer_ = true;
  if (!given("disallow_if_then_else")) disallow_if_then_else_ = false;
  if (!given("require_injective")) require_injective_ = false;
  if (!given("require_ordered")) require_ordered_ = false;
  if (!given("disallow_op")) disallow_op_.clear();
}

AutoInline::Kind AutoInline::check(const lp::Schedule& sch, lp::BlockRV block_rv) const {
  lp::BlockInfo info = sch.block_info(block_rv);
  if (info.is_root) return Kind::None;
  ir::Func func = sch.func();
  ir::Block block = block_of(sch, block_rv);
  // In a function of spatial blocks only, conditions 3 to 5 do not apply (TVM).
  bool pure_spatial = is_spatial_prim_func(func.node());
  // 1. One write buffer.
  if (info.n_writes != 1) return Kind::None;
  // 2. A block computing a constant tensor goes into its consumers whatever else holds.
  if (inline_const_tensor_ && info.n_reads == 0 && info.n_consumers > 0 && info.can_compute_inline) {
    return Kind::IntoConsumer;
  }
  // 3. No disallowed operator; 4. no branch (a predicate counts), in the block realize.
  ir::BlockRealize realize = block_realize(func.node(), block.name());
  if (!pure_spatial && !disallow_op_.empty() && has_op(realize, disallow_op_)) return Kind::None;
  if (!pure_spatial && disallow_if_then_else_ && has_if_then_else(realize)) return Kind::None;
  // 5. Every read maps injectively and in order onto the write.
  if (!pure_spatial && (require_injective_ || require_ordered_)) {
    ir::BufferRegion write = block.writes()[0];
    for (ir::BufferRegion read : block.reads()) {
      ReadWritePattern p = analyze_read_write_pattern(read, write);
      if (require_injective_ && !p.injective) return Kind::None;
      if (require_ordered_ && !p.ordered) return Kind::None;
    }
  }
  // 6. The block may opt out.
  if (string_annotation(block.annotations(), kInlineRule) == "disable") return Kind::None;
  // 7. Into the consumers, or into the only producer when that one is complete.
  if (into_consumer_ && info.n_consumers > 0 && info.can_compute_inline) return Kind::IntoConsumer;
  if (into_producer_ && info.can_reverse_compute_inline) {
    std::vector<ir::Block> producers = sch.query_producers(block);
    if (producers.size() == 1 && sch.query_block_info(producers[0]).is_spatial &&
        !has_annotation(producers[0].annotations(), lp::attr::kAutoTensorize)) {
      return Kind::IntoProducer;
    }
  }
  return Kind::None;
}

std::vector<lp::Schedule> AutoInline::apply(const lp::Schedule& sch, lp::BlockRV block) {
  std::vector<lp::Schedule> out;
  out.push_back(sch.copy());
  switch (check(sch, block)) {
    case Kind::IntoConsumer:
      out[0].compute_inline(block);
      break;
    case Kind::IntoProducer:
      out[0].reverse_compute_inline(block);
      break;
    case Kind::None:
      break;
  }
  return out;
}

}  // namespace loom::rules
