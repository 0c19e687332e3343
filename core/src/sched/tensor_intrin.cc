// The tensor-intrinsic registry and the built-in intrinsics.
#include "loom/sched/tensor_intrin.h"

#include <map>
#include <mutex>

#include "fmt/format.h"
#include "loom/ir/error.h"
#include "loom/ir/structural_equal.h"
#include "loom/script/parser.h"
#include "tree.h"

namespace loom::sched {

namespace {

/// The root block of a function (its body must be a realize of a block without
/// iteration variables).
const ir::BlockNode* root_block(const ir::PrimFunc& func) {
  const auto* realize = func->body.as<ir::BlockRealizeNode>();
  if (!realize || !realize->block->iter_vars.empty()) return nullptr;
  return realize->block.get();
}

bool in_regions(const ir::BlockNode* block, const ir::Buffer& buffer) {
  for (const auto* regions : {&block->reads, &block->writes})
    for (const ir::BufferRegion& r : *regions)
      if (r.buffer.same_as(buffer)) return true;
  return false;
}

void validate(const std::string& name, const ir::PrimFunc& desc, const ir::PrimFunc& impl) {
  auto fail = [&](const std::string& rule) { throw UserError(fmt::format("tensor intrinsic {}: {}", name, rule)); };
  if (name.empty()) fail("the name is empty");
  if (!desc.defined() || !impl.defined()) fail("desc and impl must both be given");
  if (desc->params.size() != impl->params.size())
    fail(fmt::format("desc has {} parameters but impl has {}", desc->params.size(), impl->params.size()));
  const ir::BlockNode* droot = root_block(desc);
  const ir::BlockNode* iroot = root_block(impl);
  if (!droot) fail("the body of desc is not a root block");
  if (!iroot) fail("the body of impl is not a root block");
  for (size_t i = 0; i < desc->params.size(); ++i) {
    ir::Buffer d = desc->buffer_of(desc->params[i]), m = impl->buffer_of(impl->params[i]);
    if (!d.defined() || !m.defined()) fail(fmt::format("parameter {} is not a buffer in both desc and impl", i));
    if (d->dtype != m->dtype)
      fail(fmt::format("parameter {} has dtype {} in desc but {} in impl", i, d->dtype.to_string(),
                       m->dtype.to_string()));
    bool same_shape = d->shape.size() == m->shape.size();
    for (size_t k = 0; same_shape && k < d->shape.size(); ++k)
      same_shape = ir::structural_equal(d->shape[k], m->shape[k]);
    if (!same_shape)
      fail(fmt::format("parameter {} ({} / {}) has different shapes in desc and impl", i, d->name, m->name));
    if (d->scope != m->scope)
      fail(fmt::format("parameter {} has scope {} in desc but {} in impl", i, d->scope, m->scope));
    if (!in_regions(droot, d))
      fail(fmt::format("buffer {} of desc is not in the reads or writes of its root block", d->name));
    if (!in_regions(iroot, m))
      fail(fmt::format("buffer {} of impl is not in the reads or writes of its root block", m->name));
  }
  ir::Stmt s = droot->body;
  while (const auto* f = s.as<ir::ForNode>()) s = f->body;
  size_t blocks = detail::child_block_realizes(droot->body).size();
  if (blocks != 1 || !s.is<ir::BlockRealizeNode>())
    fail(
        fmt::format("the root block of desc must hold exactly one block under loops only, it holds {} blocks", blocks));
}

/// C[0:L] += A[0] * B[0:L] in float32, as desc and impl texts.
std::pair<std::string, std::string> fma_f32(int lanes) {
  std::string params = fmt::format(
      "A: T.Buffer((1,), \"float32\"), B: T.Buffer(({0},), \"float32\"), C: T.Buffer(({0},), \"float32\")", lanes);
  std::string desc = fmt::format(R"(
@T.prim_func
def desc({0}):
    with T.block("root"):
        T.reads(C[0:{1}], A[0:1], B[0:{1}])
        T.writes(C[0:{1}])
        for j in range({1}):
            with T.block("update"):
                vj = T.axis.spatial({1}, j)
                C[vj] = C[vj] + A[0] * B[vj]
)",
                                 params, lanes);
  std::string impl = fmt::format(R"(
@T.prim_func
def impl({0}):
    with T.block("root"):
        T.reads(C[0:{1}], A[0:1], B[0:{1}])
        T.writes(C[0:{1}])
        C[T.Ramp(0, 1, {1})] = C[T.Ramp(0, 1, {1})] + T.Broadcast(A[0], {1}) * B[T.Ramp(0, 1, {1})]
)",
                                 params, lanes);
  return {desc, impl};
}

struct Registry {
  std::mutex mutex;
  std::map<std::string, TensorIntrin> intrins;
};

void add(Registry& r, const std::string& name, const ir::PrimFunc& desc, const ir::PrimFunc& impl,
         bool override_existing) {
  validate(name, desc, impl);
  std::lock_guard<std::mutex> lock(r.mutex);
  if (!override_existing && r.intrins.count(name))
    throw UserError(fmt::format("tensor intrinsic {} is already registered", name));
  r.intrins[name] = TensorIntrin{name, desc, impl};
}

Registry& registry() {
  static Registry* r = [] {
    auto* reg = new Registry;
    for (int lanes : {4, 8}) {
      auto [desc, impl] = fma_f32(lanes);
      add(*reg, fmt::format("loom.vec.fma_f32x{}", lanes), script::parse_func(desc), script::parse_func(impl), false);
    }
    return reg;
  }();
  return *r;
}

}  // namespace

void register_tensor_intrin(const std::string& name, const ir::PrimFunc& desc, const ir::PrimFunc& impl,
                            bool override_existing) {
  add(registry(), name, desc, impl, override_existing);
}

void register_tensor_intrin(const std::string& name, std::string_view desc_text, std::string_view impl_text,
                            bool override_existing) {
  register_tensor_intrin(name, script::parse_func(desc_text), script::parse_func(impl_text), override_existing);
}

TensorIntrin get_tensor_intrin(const std::string& name) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.intrins.find(name);
  if (it != r.intrins.end()) return it->second;
  std::string known;
  for (const auto& [n, intrin] : r.intrins) known += (known.empty() ? "" : ", ") + n;
  throw UserError(fmt::format("unknown tensor intrinsic '{}' (known: {})", name, known));
}

bool has_tensor_intrin(const std::string& name) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  return r.intrins.count(name) != 0;
}

std::vector<std::string> tensor_intrin_names() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<std::string> out;
  for (const auto& [n, intrin] : r.intrins) out.push_back(n);
  return out;
}

}  // namespace loom::sched
