// Whether a shared allocation is written in full before any of it is read (emitter.h,
// written_before_read): then zeroing it on entry, as the IR's allocations start, cannot be
// observed, and the generator leaves the zeroing and its barrier out.
#include <optional>
#include <unordered_map>
#include <vector>

#include "emitter.h"

namespace loom::cuda {

namespace {

// The most stores the enumeration visits before it gives up (then the buffer is zeroed).
constexpr int64_t kBudget = int64_t{1} << 20;
// Intermediate values beyond this are not evaluated (no overflow question arises).
constexpr int64_t kLimit = int64_t{1} << 40;

bool touches(const pir::Node& n, const pir::Buffer& buffer) {
  bool found = false;
  pir::walk(n, [&](const pir::Node& x) {
    found = found || x.same(buffer);
    return !found;
  });
  return found;
}

// Runs a statement's loop nest with every loop variable known, marking the elements of
// `buffer` its stores write; fails on anything it cannot follow exactly.
class Cover {
 public:
  Cover(const pir::Buffer& buffer, int64_t elements) : buffer_(buffer), written_(static_cast<size_t>(elements)) {}

  bool run(const pir::Stmt& s) { return stmt(s); }
  bool complete() const {
    for (bool w : written_) {
      if (!w) return false;
    }
    return true;
  }

 private:
  std::optional<int64_t> eval(const pir::Expr& e) const {
    if (auto k = pir::const_int(e)) return *k;
    if (e.kind() == LOOM_NODE_VAR) {
      auto it = env_.find(e.ptr());
      if (it == env_.end()) return std::nullopt;
      return it->second;
    }
    if (auto c = e.as<pir::Cast>()) {
      const pir::DataType from = c->value().dtype(), to = e.dtype();
      if (!(from.is_int() || from.is_uint()) || !(to.is_int() || to.is_uint()) || to.bits < 32) return std::nullopt;
      return eval(c->value());
    }
    auto b = e.as<pir::Binary>();
    if (!b || !(e.dtype().is_int() && e.dtype().lanes == 1)) return std::nullopt;
    auto x = eval(b->a()), y = eval(b->b());
    if (!x || !y) return std::nullopt;
    const int64_t p = *x, q = *y;
    std::optional<int64_t> r;
    switch (b->op()) {
      case LOOM_NODE_ADD:
        r = p + q;
        break;
      case LOOM_NODE_SUB:
        r = p - q;
        break;
      case LOOM_NODE_MUL:
        r = p * q;
        break;
      case LOOM_NODE_MIN:
        r = p < q ? p : q;
        break;
      case LOOM_NODE_MAX:
        r = p > q ? p : q;
        break;
      case LOOM_NODE_DIV:
      case LOOM_NODE_MOD:
      case LOOM_NODE_FLOOR_DIV:
      case LOOM_NODE_FLOOR_MOD: {
        if (q <= 0 || p < 0) return std::nullopt;  // where truncation and floor agree
        const bool div = b->op() == LOOM_NODE_DIV || b->op() == LOOM_NODE_FLOOR_DIV;
        r = div ? p / q : p % q;
        break;
      }
      default:
        return std::nullopt;
    }
    if (*r > kLimit || *r < -kLimit) return std::nullopt;
    return r;
  }

  bool mark(int64_t index) {
    if (index < 0 || index >= static_cast<int64_t>(written_.size()) || --budget_ < 0) return false;
    written_[static_cast<size_t>(index)] = true;
    return true;
  }

  bool stmt(const pir::Stmt& s) {
    switch (s.kind()) {
      case LOOM_NODE_SEQ_STMT:
        for (pir::Stmt x : pir::SeqStmt(s).seq()) {
          if (!stmt(x)) return false;
        }
        return true;
      case LOOM_NODE_FOR: {
        pir::For loop(s);
        auto min = eval(loop.min()), extent = eval(loop.extent());
        if (!min || !extent || loop.for_kind() == "parallel" || *extent > kBudget) return false;
        const void* v = loop.loop_var().ptr();
        for (int64_t i = *min; i < *min + *extent; ++i) {
          env_[v] = i;
          if (!stmt(loop.body())) return false;
        }
        env_.erase(v);
        return true;
      }
      case LOOM_NODE_LET_STMT: {
        pir::LetStmt let(s);
        auto value = eval(let.value());
        if (!value) return false;
        env_[let.var().ptr()] = *value;
        const bool ok = stmt(let.body());
        env_.erase(let.var().ptr());
        return ok;
      }
      case LOOM_NODE_EVALUATE:
        return !touches(s, buffer_);
      case LOOM_NODE_BUFFER_STORE: {
        pir::BufferStore store(s);
        if (!store.buffer().same(buffer_)) return !touches(s, buffer_);
        if (touches(store.value(), buffer_) || store.indices().size() != 1) return false;
        pir::Expr index = store.indices()[0];
        for (pir::Expr i : store.indices()) {
          if (touches(i, buffer_)) return false;
        }
        if (auto ramp = index.as<pir::Ramp>()) {
          auto base = eval(ramp->base()), stride = eval(ramp->stride());
          if (!base || !stride) return false;
          for (int64_t l = 0; l < ramp->lanes(); ++l) {
            if (!mark(*base + l * *stride)) return false;
          }
          return true;
        }
        auto at = eval(index);
        return at && index.dtype().lanes == 1 && mark(*at);
      }
      default:
        return false;
    }
  }

  const pir::Buffer& buffer_;
  std::vector<bool> written_;
  std::unordered_map<const void*, int64_t> env_;
  int64_t budget_ = kBudget;
};

}  // namespace

bool written_before_read(const pir::Buffer& buffer, int64_t elements, const pir::Stmt& body) {
  pir::Stmt s = body;
  while (auto alloc = s.as<pir::Allocate>()) s = alloc->body();
  std::vector<pir::Stmt> seq;
  if (auto block = s.as<pir::SeqStmt>()) {
    seq = block->seq().to_vector();
  } else {
    seq.push_back(s);
  }
  for (const pir::Stmt& x : seq) {
    if (!touches(x, buffer)) continue;
    Cover cover(buffer, elements);
    return cover.run(x) && cover.complete();
  }
  return true;  // never used
}

}  // namespace loom::cuda
