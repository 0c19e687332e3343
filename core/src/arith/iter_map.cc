// Affine iteration-map detection: rewrites each binding into a sum of splits of the input
// iterators, then checks that the splits tile the iterators (bijective) or at least do not
// overlap (surjective).
//
// The steps match the code below:
// 1) every binding is converted bottom-up into an unordered sum of splits plus a constant
//    (SplitSum); floordiv/floormod by a constant cut the sum, seen as one mixed-radix
//    number, at the divisor, splitting one split in two when the cut falls inside it;
// 2) each binding's sum must itself be a dense mixed-radix number (scales 1, e0, e0*e1, ...);
// 3) the splits of each iterator, over all bindings, must not overlap and, for a bijective
//    map, must tile the iterator's range exactly.
// When a floordiv/floormod cuts a sum where no single split of it can be cut (the cut falls
// inside a split whose extent it does not divide, e.g. floordiv(i + 7 * j, 3) with i in
// [0, 7): a fused loop split again), the dense sum is fused into one iterator (TVM's
// IterMark) and that iterator is split; a fused iterator is checked in step 3 like an input
// iterator, and counts as a use of the splits it is made of.
#include "loom/arith/iter_map.h"

#include <algorithm>
#include <map>
#include <optional>

#include "fmt/format.h"
#include "int_ops.h"
#include "loom/ir/builder.h"
#include "loom/ir/error.h"
#include "loom/ir/printer.h"

namespace loom::arith {

namespace {

using namespace loom::ir;

struct SplitSum {
  std::vector<IterSplit> splits;
  int64_t base = 0;
};

bool same_source(const IterSplit& a, const IterSplit& b) {
  return a.fused ? a.fused == b.fused : !b.fused && a.source.same_as(b.source);
}

bool same_split(const IterSplit& a, const IterSplit& b) {
  return same_source(a, b) && a.lower_factor == b.lower_factor && a.extent == b.extent;
}

/// A split's iterator by name, for messages: the input iterator, or "(i + j*7)" for a fused one.
std::string source_name(const IterSplit& s) {
  return s.fused ? "(" + to_string(iter_sum_to_expr(*s.fused, DataType::Int(64))) + ")" : s.source.name();
}

/// The same split with other digits.
IterSplit with_digits(const IterSplit& s, int64_t lower_factor, int64_t extent, int64_t scale) {
  IterSplit out = s;
  out.lower_factor = lower_factor;
  out.extent = extent;
  out.scale = scale;
  return out;
}

class IterMapBuilder {
 public:
  explicit IterMapBuilder(const std::vector<std::pair<Var, Range>>& iters) {
    for (const auto& [var, range] : iters) {
      auto lo = as_const_int(range.min), ext = as_const_int(range.extent);
      if (!lo || !ext)
        throw UserError(fmt::format("detect_iter_map: iterator {} must have a constant range, got [{}, +{})",
                                    var.name(), to_string(range.min), to_string(range.extent)));
      iters_.push_back({var, *lo, *ext});
    }
  }

  /// Step 1: the binding as a sum of splits, or nullopt with error_ set.
  std::optional<SplitSum> convert(const Expr& e) {
    switch (e->kind()) {
      case NodeKind::IntImm:
        return SplitSum{{}, e.as<IntImmNode>()->value};
      case NodeKind::Var: {
        for (const Iter& it : iters_) {
          if (!it.var.same_as(e)) continue;
          SplitSum s{{}, it.min};
          if (it.extent > 1) s.splits.push_back(IterSplit{it.var, nullptr, it.min, it.extent, 1, it.extent, 1});
          return s;
        }
        return fail(fmt::format("variable {} is not an input iterator", e.as<VarNode>()->name));
      }
      case NodeKind::Cast: {
        const auto* n = e.as<CastNode>();
        if (!n->value.dtype().is_integer() || !e.dtype().is_integer()) return fail("a non-integer cast");
        return convert(n->value);
      }
      case NodeKind::Add:
      case NodeKind::Sub: {
        Expr a = e->kind() == NodeKind::Add ? e.as<AddNode>()->a : e.as<SubNode>()->a;
        Expr b = e->kind() == NodeKind::Add ? e.as<AddNode>()->b : e.as<SubNode>()->b;
        auto sa = convert(a);
        if (!sa) return std::nullopt;
        auto sb = convert(b);
        if (!sb) return std::nullopt;
        int64_t sign = e->kind() == NodeKind::Add ? 1 : -1;
        for (IterSplit s : sb->splits) {
          s.scale *= sign;
          add_split(&*sa, s);
        }
        sa->base += sign * sb->base;
        return sa;
      }
      case NodeKind::Mul: {
        auto sa = convert(e.as<MulNode>()->a);
        if (!sa) return std::nullopt;
        auto sb = convert(e.as<MulNode>()->b);
        if (!sb) return std::nullopt;
        if (!sa->splits.empty() && !sb->splits.empty()) return fail("a product of two iterators");
        if (sa->splits.empty()) std::swap(sa, sb);
        int64_t c = sb->base;
        SplitSum out{{}, sa->base * c};
        if (c != 0)
          for (IterSplit s : sa->splits) {
            s.scale *= c;
            out.splits.push_back(s);
          }
        return out;
      }
      case NodeKind::FloorDiv:
      case NodeKind::FloorMod: {
        bool is_div = e->kind() == NodeKind::FloorDiv;
        Expr a = is_div ? e.as<FloorDivNode>()->a : e.as<FloorModNode>()->a;
        Expr b = is_div ? e.as<FloorDivNode>()->b : e.as<FloorModNode>()->b;
        auto sa = convert(a);
        if (!sa) return std::nullopt;
        auto sb = convert(b);
        if (!sb) return std::nullopt;
        if (!sb->splits.empty() || sb->base <= 0)
          return fail(fmt::format("{} by a non-constant or non-positive divisor", is_div ? "floordiv" : "floormod"));
        return div_mod(*sa, sb->base, is_div);
      }
      default:
        return fail(fmt::format("an expression of kind {} ({})", node_kind_name(e->kind()), to_string(e)));
    }
  }

  /// A predicate `F < c` (conjuncts of such, `<=` too) over a dense sum F of two or more
  /// splits (a fused loop split again with a non-dividing factor): F becomes a fused
  /// iterator of extent c, so the bindings that cut F are checked against the iterations
  /// the predicate keeps (TVM's predicated IterMark). False with error_ set otherwise.
  bool add_predicate(const Expr& p) {
    if (p->kind() == NodeKind::And) return add_predicate(p.as<AndNode>()->a) && add_predicate(p.as<AndNode>()->b);
    if (p->kind() != NodeKind::LT && p->kind() != NodeKind::LE) {
      error_ = fmt::format("predicate {} is not a conjunction of `fused < constant`", to_string(p));
      return false;
    }
    Expr a = p->kind() == NodeKind::LT ? p.as<LTNode>()->a : p.as<LENode>()->a;
    Expr b = p->kind() == NodeKind::LT ? p.as<LTNode>()->b : p.as<LENode>()->b;
    auto bound = as_const_int(b);
    auto sum = convert(a);
    if (!bound || !sum) {
      error_ = fmt::format("predicate {} is not `affine sum < constant`", to_string(p));
      return false;
    }
    int64_t limit = *bound - sum->base + (p->kind() == NodeKind::LE ? 1 : 0);
    std::optional<IterSum> dense = sum->splits.size() >= 2 ? finish(SplitSum{sum->splits, 0}) : std::nullopt;
    if (!dense || limit <= 0 || limit > dense->extent) {
      error_ = fmt::format("predicate {} does not bound a fused iterator", to_string(p));
      return false;
    }
    dense->extent = limit;
    marks_.push_back(std::make_shared<const IterSum>(std::move(*dense)));
    return true;
  }

  /// Step 2: checks that a binding is a dense mixed-radix number and orders it.
  std::optional<IterSum> finish(SplitSum sum, bool allow_overlap = false) {
    IterSum out;
    out.base = sum.base;
    std::sort(sum.splits.begin(), sum.splits.end(),
              [](const IterSplit& a, const IterSplit& b) { return a.scale < b.scale; });
    // `reach`: the sum's values so far span [0, reach). A dense sum's next term has scale
    // reach exactly; an overlapping one (allow_overlap) any scale in [1, reach]: its values
    // repeat, none is skipped.
    int64_t reach = 1;
    for (const IterSplit& s : sum.splits) {
      bool ok = allow_overlap ? s.scale >= 1 && s.scale <= reach : s.scale == reach;
      if (!ok) {
        return fail(fmt::format("the term of iterator {} has scale {} where the dense sum needs {}", source_name(s),
                                s.scale, reach));
      }
      reach += (s.extent - 1) * s.scale;
    }
    out.extent = reach;
    out.splits.assign(sum.splits.rbegin(), sum.splits.rend());
    return out;
  }

  /// Step 3: the splits of each iterator over all bindings (and, for an input iterator or a
  /// fused one, over the fused iterators the bindings use).
  bool check_cover(const std::vector<IterSum>& sums, IterMapLevel level) {
    if (level == IterMapLevel::NoCheck) return true;
    // Every split in use: those of the bindings, then those of the fused iterators they use.
    std::vector<IterSplit> uses;
    std::vector<const IterSum*> used_marks;
    std::vector<const IterSum*> pending;
    auto note = [&](const IterSplit& s) {
      uses.push_back(s);
      if (s.fused && std::find(used_marks.begin(), used_marks.end(), s.fused.get()) == used_marks.end()) {
        used_marks.push_back(s.fused.get());
        pending.push_back(s.fused.get());
      }
    };
    for (const IterSum& sum : sums)
      for (const IterSplit& s : sum.splits) note(s);
    while (!pending.empty()) {
      const IterSum* mark = pending.back();
      pending.pop_back();
      for (const IterSplit& s : mark->splits) note(s);
    }
    auto check = [&](const std::string& name, int64_t extent, std::vector<IterSplit> mine) {
      std::sort(mine.begin(), mine.end(),
                [](const IterSplit& a, const IterSplit& b) { return a.lower_factor < b.lower_factor; });
      int64_t next = 1;  // The lowest digit not yet used.
      for (const IterSplit& s : mine) {
        bool ok = level == IterMapLevel::Bijective ? s.lower_factor == next
                                                   : (s.lower_factor >= next && s.lower_factor % next == 0);
        if (!ok) {
          if (s.lower_factor < next) {
            error_ = fmt::format("iterator {} is used twice (overlapping splits)", name);
          } else {
            error_ =
                fmt::format("iterator {} is not fully used: digits [{}, {}) are missing", name, next, s.lower_factor);
          }
          return false;
        }
        next = s.lower_factor * s.extent;
      }
      if (level == IterMapLevel::Bijective && extent > 1 && next != extent) {
        error_ =
            fmt::format("iterator {} of extent {} is not fully used by the bindings (covered {})", name, extent, next);
        return false;
      }
      return true;
    };
    for (const Iter& it : iters_) {
      std::vector<IterSplit> mine;
      for (const IterSplit& s : uses)
        if (!s.fused && s.source.same_as(it.var)) mine.push_back(s);
      if (!check(it.var.name(), it.extent, std::move(mine))) return false;
    }
    for (const IterSum* mark : used_marks) {
      std::vector<IterSplit> mine;
      for (const IterSplit& s : uses)
        if (s.fused.get() == mark) mine.push_back(s);
      std::string name = "(" + to_string(iter_sum_to_expr(*mark, DataType::Int(64))) + ")";
      if (!check(name, mark->extent, std::move(mine))) return false;
    }
    return true;
  }

  const std::string& error() const { return error_; }

 private:
  struct Iter {
    Var var;
    int64_t min;
    int64_t extent;
  };

  std::nullopt_t fail(std::string reason) {
    if (error_.empty()) error_ = std::move(reason);
    return std::nullopt;
  }

  static void add_split(SplitSum* sum, const IterSplit& s) {
    for (auto it = sum->splits.begin(); it != sum->splits.end(); ++it) {
      if (!same_split(*it, s)) continue;
      it->scale += s.scale;
      if (it->scale == 0) sum->splits.erase(it);
      return;
    }
    sum->splits.push_back(s);
  }

  /// floordiv / floormod of a sum by c > 0.
  std::optional<SplitSum> div_mod(SplitSum sum, int64_t c, bool is_div) {
    if (sum.splits.empty()) {
      return SplitSum{{}, is_div ? detail::floordiv_i64(sum.base, c) : detail::floormod_i64(sum.base, c)};
    }
    // x % c with x the lowest digit of a fused iterator F (F = y * e + x, c dividing x's
    // extent e) is F % c: the simplifier writes (y * e + x) % c so once a split of F has
    // been simplified; seen as F's split, it does not overlap F's other splits.
    if (!is_div && sum.base == 0 && sum.splits.size() == 1 && !sum.splits[0].fused && sum.splits[0].scale == 1 &&
        sum.splits[0].lower_factor == 1 && sum.splits[0].extent % c == 0) {
      for (const std::shared_ptr<const IterSum>& m : marks_) {
        const IterSplit& lowest = m->splits.back();
        if (lowest.scale == 1 && same_split(lowest, sum.splits[0])) return cut_mark(m, c, 1, 0, false);
      }
    }
    // The constant must not carry into the iterators' digits.
    if (sum.base % c != 0) return fail(fmt::format("the constant {} is not a multiple of the divisor {}", sum.base, c));
    int64_t base_part = sum.base / c;
    std::sort(sum.splits.begin(), sum.splits.end(),
              [](const IterSplit& a, const IterSplit& b) { return a.scale < b.scale; });
    int64_t s0 = sum.splits[0].scale;
    if (s0 <= 0) return fail("an iterator with a negative coefficient under floordiv/floormod");
    for (size_t k = 0; k + 1 < sum.splits.size(); ++k) {
      if (sum.splits[k + 1].scale != sum.splits[k].scale * sum.splits[k].extent)
        return fail("floordiv/floormod of a sum that is not a dense fused iterator");
    }
    if (s0 % c == 0) {
      // Every digit is a multiple of c.
      if (!is_div) return SplitSum{{}, 0};
      for (IterSplit& s : sum.splits) s.scale /= c;
      sum.base = base_part;
      return sum;
    }
    if (c % s0 != 0) return fail(fmt::format("divisor {} does not align with the coefficient {}", c, s0));
    int64_t cut = c / s0;  // In units of the lowest digit.
    // A sum another binding had to fuse is cut as that fused iterator, so that the two
    // bindings split the same iterator.
    if (std::shared_ptr<const IterSum> mark = find_mark(normalized(sum.splits, s0)))
      return cut_mark(mark, cut, s0, base_part, is_div);
    // Relative scales of the fused number F: sum = s0 * F.
    std::vector<IterSplit> lower, upper;
    bool aligned = true;
    for (const IterSplit& s : sum.splits) {
      int64_t rel = s.scale / s0;
      if (rel * s.extent <= cut) {
        lower.push_back(s);
      } else if (rel >= cut) {
        if (rel % cut != 0) aligned = false;
        upper.push_back(s);
      } else {
        // The cut falls inside this split: split it at m = cut / rel.
        int64_t m = cut / rel;
        if (cut % rel != 0 || s.extent % m != 0) {
          aligned = false;
          break;
        }
        lower.push_back(with_digits(s, s.lower_factor, m, s.scale));
        upper.push_back(with_digits(s, s.lower_factor * m, s.extent / m, s.scale * m));
      }
    }
    if (!aligned) {
      // No split can be cut: fuse the sum into one iterator F (sum = s0 * F + base) and cut F.
      IterSum fused = normalized(sum.splits, s0);
      marks_.push_back(std::make_shared<const IterSum>(std::move(fused)));
      return cut_mark(marks_.back(), cut, s0, base_part, is_div);
    }
    SplitSum out;
    if (is_div) {
      for (IterSplit s : upper) {
        s.scale /= c;
        out.splits.push_back(s);
      }
      out.base = base_part;
    } else {
      out.splits = lower;
      out.base = 0;
    }
    return out;
  }

  /// The dense sum of splits whose lowest scale is s0, as a fused iterator: scales divided by
  /// s0, highest first, base 0.
  static IterSum normalized(const std::vector<IterSplit>& splits, int64_t s0) {
    IterSum sum;
    for (IterSplit s : splits) {
      s.scale /= s0;
      sum.splits.push_back(s);
    }
    std::sort(sum.splits.begin(), sum.splits.end(),
              [](const IterSplit& a, const IterSplit& b) { return a.scale > b.scale; });
    sum.extent = 1;
    for (const IterSplit& s : sum.splits) sum.extent *= s.extent;
    return sum;
  }

  /// The fused iterator made of the same splits as `sum`, or null.
  std::shared_ptr<const IterSum> find_mark(const IterSum& sum) const {
    for (const std::shared_ptr<const IterSum>& m : marks_) {
      bool same = m->splits.size() == sum.splits.size();
      for (size_t k = 0; same && k < sum.splits.size(); ++k)
        same = same_split(m->splits[k], sum.splits[k]) && m->splits[k].scale == sum.splits[k].scale;
      if (same) return m;
    }
    return nullptr;
  }

  /// floordiv / floormod of s0 * mark + base_part * s0 * cut by s0 * cut.
  std::optional<SplitSum> cut_mark(const std::shared_ptr<const IterSum>& mark, int64_t cut, int64_t s0,
                                   int64_t base_part, bool is_div) {
    if (mark->extent % cut != 0)
      return fail(fmt::format("the fused iterator {} of extent {} cannot be split by {}",
                              to_string(iter_sum_to_expr(*mark, DataType::Int(64))), mark->extent, cut));
    IterSplit f;
    f.fused = mark;
    f.source_min = 0;
    f.source_extent = mark->extent;
    if (is_div) return SplitSum{{with_digits(f, cut, mark->extent / cut, 1)}, base_part};
    return SplitSum{{with_digits(f, 1, cut, s0)}, 0};
  }

 public:
  /// How many fused iterators the conversions made so far.
  size_t n_marks() const { return marks_.size(); }

 private:
  std::vector<Iter> iters_;
  std::vector<std::shared_ptr<const IterSum>> marks_;
  std::string error_;
};

}  // namespace

IterMapResult detect_iter_map(const std::vector<Expr>& bindings, const std::vector<std::pair<Var, Range>>& input_iters,
                              const Expr& predicate, IterMapLevel level) {
  IterMapResult result;
  IterMapBuilder builder(input_iters);
  if (predicate.defined() && !is_const_true(predicate) && !builder.add_predicate(predicate)) {
    result.error = fmt::format("predicate {} is not supported: {}", to_string(predicate), builder.error());
    return result;
  }
  // A binding that fuses a sum makes the bindings converted before it see that sum as the
  // fused iterator too: convert again until no new fused iterator appears (each pass fuses
  // at least one more sum, and a sum fuses only once).
  for (size_t pass = 0, marks = 0; pass == 0 || builder.n_marks() != marks; ++pass) {
    marks = builder.n_marks();
    result.indices.clear();
    for (size_t i = 0; i < bindings.size(); ++i) {
      auto sum = builder.convert(bindings[i]);
      std::optional<IterSum> finished;
      if (sum) finished = builder.finish(std::move(*sum), level == IterMapLevel::SurjectiveOverlapping);
      if (!finished) {
        result.error = fmt::format("binding {} ({}) is not affine: {}", i, to_string(bindings[i]), builder.error());
        result.indices.clear();
        return result;
      }
      result.indices.push_back(std::move(*finished));
    }
  }
  if (!builder.check_cover(result.indices, level)) {
    result.error = fmt::format("the bindings are not {}: {}",
                               level == IterMapLevel::Bijective ? "bijective" : "surjective", builder.error());
    result.indices.clear();
  }
  return result;
}

bool has_fused_split(const IterMapResult& result) {
  for (const IterSum& sum : result.indices)
    for (const IterSplit& s : sum.splits)
      if (s.fused) return true;
  return false;
}

Expr iter_split_to_expr(const IterSplit& split, DataType dtype) {
  Expr x = split.fused ? iter_sum_to_expr(*split.fused, dtype) : Expr(split.source);
  if (x.dtype() != dtype) x = cast(dtype, x);
  if (split.source_min != 0) x = x - make_const(dtype, split.source_min);
  // The top digits need no floormod (the iterator stays below lower_factor * extent) and
  // the lowest digits no floordiv.
  Expr v = x;
  if (split.lower_factor * split.extent != split.source_extent)
    v = floormod(v, make_const(dtype, split.lower_factor * split.extent));
  if (split.lower_factor != 1) v = floordiv(v, make_const(dtype, split.lower_factor));
  if (split.scale != 1) v = v * make_const(dtype, split.scale);
  return v;
}

Expr iter_sum_to_expr(const IterSum& sum, DataType dtype) {
  Expr acc;
  for (const IterSplit& s : sum.splits) {
    Expr term = iter_split_to_expr(s, dtype);
    acc = acc.defined() ? acc + term : term;
  }
  if (!acc.defined()) return make_const(dtype, sum.base);
  if (sum.base != 0) acc = acc + make_const(dtype, sum.base);
  return acc;
}

}  // namespace loom::arith
