// A random schedule generator shared by the schedule, lowering and codegen tests:
// small shapes for every zoo workload, and one random primitive call at a time drawn from
// every primitive family, with arguments from the query and sampling primitives.
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "loom/sched/call.h"
#include "loom/sched/random.h"
#include "loom/sched/schedule.h"

namespace loom::sched::testing {

using Shape = std::map<std::string, int64_t>;

/// Small shapes for every zoo workload (the interpreter runs each schedule).
inline const std::map<std::string, Shape>& small_shapes() {
  static const std::map<std::string, Shape> shapes = {
      {"gmm", {{"M", 6}, {"N", 8}, {"K", 4}}},
      {"bmm", {{"B", 2}, {"M", 4}, {"N", 6}, {"K", 4}}},
      {"c1d", {{"N", 1}, {"L", 8}, {"CI", 2}, {"CO", 4}, {"K", 3}, {"stride", 2}, {"padding", 1}}},
      {"c2d", {{"N", 1}, {"H", 5}, {"W", 6}, {"CI", 2}, {"CO", 4}, {"K", 3}, {"stride", 1}, {"padding", 1}}},
      {"c3d", {{"N", 1}, {"D", 3}, {"H", 4}, {"W", 4}, {"CI", 2}, {"CO", 2}, {"K", 3}, {"stride", 1}, {"padding", 1}}},
      {"dep", {{"N", 1}, {"H", 6}, {"W", 5}, {"C", 4}, {"K", 3}, {"stride", 1}, {"padding", 1}}},
      {"dil", {{"N", 1}, {"H", 8}, {"W", 8}, {"CI", 2}, {"CO", 2}, {"K", 3}, {"stride", 1}, {"padding", 1}}},
      {"grp",
       {{"N", 1}, {"H", 5}, {"W", 5}, {"CI", 4}, {"CO", 4}, {"K", 3}, {"stride", 1}, {"padding", 1}, {"groups", 2}}},
      {"t2d", {{"N", 1}, {"H", 3}, {"W", 3}, {"CI", 2}, {"CO", 2}, {"K", 4}, {"stride", 2}, {"padding", 1}}},
      {"cbr", {{"N", 1}, {"H", 4}, {"W", 5}, {"CI", 2}, {"CO", 4}, {"K", 3}, {"stride", 1}, {"padding", 1}}},
      {"tbg", {{"B", 1}, {"S", 4}, {"H", 2}, {"D", 4}}},
      {"nrm", {{"B", 2}, {"M", 4}, {"N", 6}}},
      {"sfm", {{"M", 4}, {"N", 6}}},
      {"gmm_bias_relu", {{"M", 4}, {"N", 6}, {"K", 4}}},
  };
  return shapes;
}

inline const char* const kPrimitives[] = {
    "split",      "fuse",           "reorder",
    "parallel",   "vectorize",      "unroll",
    "compute_at", "compute_inline", "reverse_compute_inline",
    "cache_read", "cache_write",    "decompose_reduction",
    "rfactor",    "reindex",        "blockize",
    "annotate",   "storage_align",  "transform_layout",
    "pad_einsum", "add_unit_loop",  "reverse_compute_at",
};
inline constexpr int kNumPrimitives = sizeof(kPrimitives) / sizeof(kPrimitives[0]);

struct Stats {
  std::map<std::string, int> attempted, applied;
};

inline int64_t pick(RandomEngine& rng, size_t n) { return rng.uniform_int(0, static_cast<int64_t>(n)); }

/// One random primitive call; returns false when the schedule refused it (then unchanged).
inline bool random_step(Schedule& sch, RandomEngine& rng, Stats& stats) {
  std::vector<BlockRV> blocks = sch.get_child_blocks(sch.get_block("root"));
  if (blocks.empty()) return false;
  BlockRV block = blocks[static_cast<size_t>(pick(rng, blocks.size()))];
  std::vector<LoopRV> loops = sch.get_loops(block);
  const std::string primitive = kPrimitives[pick(rng, kNumPrimitives)];
  ++stats.attempted[primitive];
  auto call = [&](CallArgs args) { return call_primitive(sch, primitive, args); };
  auto any_loop = [&]() -> Value { return Value(loops[static_cast<size_t>(pick(rng, loops.size()))]); };
  try {
    if (loops.empty() && primitive != "compute_inline" && primitive != "reverse_compute_inline" &&
        primitive != "cache_read" && primitive != "cache_write" && primitive != "annotate" &&
        primitive != "add_unit_loop" && primitive != "transform_layout" && primitive != "pad_einsum" &&
        primitive != "reindex")
      return false;
    ir::Block b = sch.get(block);
    if (primitive == "split") {
      Value loop = any_loop();
      Value tiles = call_primitive(sch, "sample_perfect_tile", {{loop, Value(2), Value(4)}, {}});
      call({{loop, tiles}, {}});
    } else if (primitive == "fuse") {
      if (loops.size() < 2) return false;
      size_t i = static_cast<size_t>(pick(rng, loops.size() - 1));
      call({{Value(loops[i]), Value(loops[i + 1])}, {}});
    } else if (primitive == "reorder") {
      if (loops.size() < 2) return false;
      size_t i = static_cast<size_t>(pick(rng, loops.size())), j = static_cast<size_t>(pick(rng, loops.size()));
      if (i == j) return false;
      call({{Value(loops[std::max(i, j)]), Value(loops[std::min(i, j)])}, {}});
    } else if (primitive == "parallel" || primitive == "vectorize" || primitive == "unroll") {
      call({{any_loop()}, {}});
    } else if (primitive == "compute_at" || primitive == "reverse_compute_at") {
      if (primitive == "compute_at") {
        Value location = call_primitive(sch, "sample_compute_location", {{Value(block)}, {}});
        call({{Value(block), location}, {}});
      } else {
        std::vector<BlockRV> producers = sch.get_producers(block);
        if (producers.empty()) return false;
        std::vector<LoopRV> ploops = sch.get_loops(producers[static_cast<size_t>(pick(rng, producers.size()))]);
        if (ploops.empty()) return false;
        call({{Value(block), Value(ploops[static_cast<size_t>(pick(rng, ploops.size()))])}, {}});
      }
    } else if (primitive == "compute_inline" || primitive == "reverse_compute_inline" || primitive == "add_unit_loop") {
      call({{Value(block)}, {}});
    } else if (primitive == "cache_read" || primitive == "cache_write") {
      size_t n = primitive == "cache_read" ? b->reads.size() : b->writes.size();
      if (n == 0) return false;
      call({{Value(block), Value(pick(rng, n)), Value(rng.uniform_int(0, 2) ? "local" : "global")}, {}});
    } else if (primitive == "decompose_reduction") {
      call({{Value(block), any_loop()}, {}});
    } else if (primitive == "rfactor") {
      call({{any_loop(), Value(int64_t{0})}, {}});
    } else if (primitive == "reindex") {
      bool read = rng.uniform_int(0, 2) == 0;
      size_t n = read ? b->reads.size() : b->writes.size();
      if (n == 0) return false;
      call({{Value(block), Value(std::vector<Value>{Value(read ? "read" : "write"), Value(pick(rng, n))})}, {}});
    } else if (primitive == "blockize") {
      call({{any_loop()}, {}});
    } else if (primitive == "annotate") {
      call({{Value(block), Value("loom.test"), Value(int64_t{rng.uniform_int(0, 4)})}, {}});
    } else if (primitive == "storage_align") {
      if (b->writes.empty()) return false;
      int64_t ndim = static_cast<int64_t>(b->writes[0].buffer->ndim());
      call({{Value(block), Value(int64_t{0}), Value(rng.uniform_int(0, ndim)), Value(int64_t{4}), Value(int64_t{1})},
            {}});
    } else if (primitive == "transform_layout") {
      // Split the first dimension of the block's output by 2: (a0 // 2, a1, ..., a0 % 2). Only
      // intermediate buffers: a parameter's new layout would change the function's signature.
      if (b->writes.empty()) return false;
      for (const ir::Buffer& param : sch.mod().at(sch.default_func())->param_buffers())
        if (param.same_as(b->writes[0].buffer)) return false;
      size_t ndim = b->writes[0].buffer->ndim();
      if (ndim == 0) return false;
      std::string params, body;
      for (size_t d = 0; d < ndim; ++d) params += (d ? ", a" : "a") + std::to_string(d);
      body = "a0 // 2";
      for (size_t d = 1; d < ndim; ++d) body += ", a" + std::to_string(d);
      body += ", a0 % 2";
      call({{Value(block), Value(std::vector<Value>{Value("write"), Value(int64_t{0})}),
             Value("lambda " + params + ": (" + body + ")")},
            {}});
    } else if (primitive == "pad_einsum") {
      call({{Value(block), Value(std::vector<Value>(b->iter_vars.size(), Value(int64_t{4})))}, {}});
    }
  } catch (const ScheduleError&) {
    return false;
  } catch (const UserError&) {  // arguments the primitive's checks reject
    return false;
  }
  ++stats.applied[primitive];
  return true;
}

}  // namespace loom::sched::testing
