// Traces: recording, replay, simplification, JSON and schedule-script printing.
#include "loom/sched/trace.h"

#include <map>
#include <set>

#include "fmt/format.h"
#include "loom/ir/error.h"
#include "loom/sched/schedule.h"
#include "nlohmann/json.hpp"
#include "value_format.h"

namespace loom::sched {

namespace {

/// A key identifying a random variable within one trace: kind index and id.
using RVKey = std::pair<int, uint32_t>;

std::optional<RVKey> rv_key(const Value& v) {
  if (v.is<BlockRV>()) return RVKey{0, v.as<BlockRV>().id};
  if (v.is<LoopRV>()) return RVKey{1, v.as<LoopRV>().id};
  if (v.is<ExprRV>()) return RVKey{2, v.as<ExprRV>().id};
  return std::nullopt;
}

/// Names random variables in order of definition with TVM's prefixes: b (block), l (loop),
/// v (expression), one counter for all.
class RVNamer {
 public:
  std::string define(const Value& v) {
    auto key = rv_key(v);
    LOOM_ICHECK(key.has_value(), "an instruction output is not a random variable");
    static const char prefixes[] = {'b', 'l', 'v'};
    std::string name = prefixes[key->first] + std::to_string(counter_++);
    names_[*key] = name;
    return name;
  }
  std::string render(const Value& v) const {
    if (auto key = rv_key(v)) {
      auto it = names_.find(*key);
      LOOM_ICHECK(it != names_.end(), "a trace uses a random variable before defining it");
      return it->second;
    }
    if (v.is<std::vector<Value>>()) {
      std::string out = "[";
      const auto& list = v.as<std::vector<Value>>();
      for (size_t i = 0; i < list.size(); ++i) out += (i ? ", " : "") + render(list[i]);
      return out + "]";
    }
    return detail::python_literal(v);
  }

 private:
  int counter_ = 0;
  std::map<RVKey, std::string> names_;
};

nlohmann::json value_to_json(const Value& v, const RVNamer* namer) {
  if (v.is_none()) return nullptr;
  if (v.is<bool>()) return v.as<bool>() ? 1 : 0;  // TVM writes booleans as integers
  if (v.is<int64_t>()) return v.as<int64_t>();
  if (v.is<double>()) return v.as<double>();
  // A string input is quoted (TVM's convention), telling it apart from a random variable name.
  if (v.is<std::string>()) return namer ? "\"" + v.as<std::string>() + "\"" : v.as<std::string>();
  if (v.is<std::vector<Value>>()) {
    nlohmann::json arr = nlohmann::json::array();
    for (const Value& x : v.as<std::vector<Value>>()) arr.push_back(value_to_json(x, namer));
    return arr;
  }
  LOOM_ICHECK(namer != nullptr, "a random variable in an attribute");
  return namer->render(v);
}

/// JSON literal -> Value (strings stay strings; RV names are resolved by the caller).
Value json_to_value(const nlohmann::json& j) {
  if (j.is_null()) return Value();
  if (j.is_boolean()) return Value(j.get<bool>());
  if (j.is_number_integer()) return Value(j.get<int64_t>());
  if (j.is_number_float()) return Value(j.get<double>());
  if (j.is_string()) return Value(j.get<std::string>());
  if (j.is_array()) {
    std::vector<Value> out;
    for (const auto& x : j) out.push_back(json_to_value(x));
    return Value(std::move(out));
  }
  throw UserError(fmt::format("unexpected JSON value {} in a trace", j.dump()));
}

}  // namespace

std::optional<Value> Trace::decision_of(size_t inst_index) const {
  auto it = decisions_.find(inst_index);
  if (it == decisions_.end()) return std::nullopt;
  return it->second;
}

void Trace::append(Instruction inst, std::optional<Value> decision) {
  LOOM_ICHECK(inst.kind != nullptr, "an instruction without a kind");
  if (decision) {
    LOOM_ICHECK(inst.kind->sampling, "a decision on a non-sampling instruction " + inst.kind->name);
    decisions_[insts_.size()] = std::move(*decision);
  }
  insts_.push_back(std::move(inst));
}

size_t Trace::postproc_start() const {
  for (size_t i = 0; i < insts_.size(); ++i) {
    if (insts_[i].kind->name == kEnterPostprocKind) return i;
  }
  return insts_.size();
}

void Trace::truncate(size_t size) {
  if (size >= insts_.size()) return;
  insts_.resize(size);
  decisions_.erase(decisions_.lower_bound(size), decisions_.end());
}

Trace Trace::before_postproc() const {
  Trace cut;
  for (size_t i = 0, end = postproc_start(); i < end; ++i) cut.append(insts_[i], decision_of(i));
  return cut;
}

Trace Trace::with_decision(size_t inst_index, Value decision) const {
  if (inst_index >= insts_.size())
    throw UserError(fmt::format("trace has {} instructions, no instruction {}", insts_.size(), inst_index));
  if (!insts_[inst_index].kind->sampling)
    throw UserError(fmt::format("instruction {} ({}) does not sample, it has no decision", inst_index,
                                insts_[inst_index].kind->name));
  Trace t = *this;
  t.decisions_[inst_index] = std::move(decision);
  return t;
}

void Trace::apply_to(Schedule& sch, const DecisionFn& decide) const {
  std::map<RVKey, Value> rv_map;
  auto translate = [&](const Value& v, size_t index) -> Value {
    if (auto key = rv_key(v)) {
      auto it = rv_map.find(*key);
      if (it == rv_map.end())
        throw UserError(
            fmt::format("trace instruction {} uses a random variable that no earlier instruction defines", index));
      return it->second;
    }
    return v;
  };
  for (size_t i = 0; i < insts_.size(); ++i) {
    const Instruction& inst = insts_[i];
    std::vector<Value> inputs;
    for (const Value& v : inst.inputs) inputs.push_back(translate(v, i));
    Value decision;
    if (auto d = decision_of(i)) decision = *d;
    if (decide && inst.kind->sampling) decision = decide(i, decision);
    std::vector<Value> outputs = inst.kind->apply(sch, inputs, inst.attrs, decision);
    if (outputs.size() != inst.outputs.size())
      throw UserError(fmt::format("trace instruction {} ({}) produced {} outputs on replay, {} when recorded", i,
                                  inst.kind->name, outputs.size(), inst.outputs.size()));
    for (size_t k = 0; k < outputs.size(); ++k) {
      if (auto key = rv_key(inst.outputs[k])) rv_map[*key] = outputs[k];
    }
  }
}

Trace Trace::simplify() const {
  std::set<RVKey> used;
  std::vector<bool> keep(insts_.size(), false);
  for (size_t i = insts_.size(); i-- > 0;) {
    const Instruction& inst = insts_[i];
    bool needed = !inst.kind->pure;
    for (const Value& out : inst.outputs) {
      if (auto key = rv_key(out); key && used.count(*key)) needed = true;
    }
    if (!needed) continue;
    keep[i] = true;
    std::function<void(const Value&)> mark = [&](const Value& v) {
      if (auto key = rv_key(v)) used.insert(*key);
      if (v.is<std::vector<Value>>()) {
        for (const Value& x : v.as<std::vector<Value>>()) mark(x);
      }
    };
    for (const Value& in : inst.inputs) mark(in);
  }
  Trace out;
  for (size_t i = 0; i < insts_.size(); ++i) {
    if (keep[i]) out.append(insts_[i], decision_of(i));
  }
  return out;
}

nlohmann::json Trace::to_json() const {
  RVNamer namer;
  nlohmann::json insts = nlohmann::json::array();
  nlohmann::json decisions = nlohmann::json::array();
  for (size_t i = 0; i < insts_.size(); ++i) {
    const Instruction& inst = insts_[i];
    nlohmann::json inputs = nlohmann::json::array(), attrs = nlohmann::json::array(), outputs = nlohmann::json::array();
    for (const Value& v : inst.inputs) inputs.push_back(value_to_json(v, &namer));
    for (const Value& v : inst.attrs) attrs.push_back(value_to_json(v, nullptr));
    for (const Value& v : inst.outputs) outputs.push_back(namer.define(v));
    insts.push_back(nlohmann::json::array({inst.kind->name, inputs, attrs, outputs}));
    if (auto d = decision_of(i)) decisions.push_back(nlohmann::json::array({i, value_to_json(*d, nullptr)}));
  }
  return nlohmann::json::array({insts, decisions});
}

Trace Trace::from_json(const nlohmann::json& json) {
  auto bad = [](const std::string& where, const std::string& what) {
    return UserError(fmt::format("invalid trace JSON at {}: {}", where, what));
  };
  if (!json.is_array() || json.size() != 2 || !json[0].is_array() || !json[1].is_array())
    throw bad("top level", "expected [[instructions...], [[index, decision]...]]");
  const InstructionRegistry& registry = InstructionRegistry::global();
  Trace trace;
  std::map<std::string, Value> rvs;
  uint32_t next_id = 1;
  std::map<size_t, Value> decisions;
  for (const auto& d : json[1]) {
    if (!d.is_array() || d.size() != 2 || !d[0].is_number_unsigned())
      throw bad("decisions", "expected [instruction index, decision], got " + d.dump());
    decisions[d[0].get<size_t>()] = json_to_value(d[1]);
  }
  for (size_t i = 0; i < json[0].size(); ++i) {
    const auto& j = json[0][i];
    std::string where = fmt::format("instruction {}", i);
    if (!j.is_array() || j.size() != 4 || !j[0].is_string() || !j[1].is_array() || !j[2].is_array() || !j[3].is_array())
      throw bad(where, "expected [kind, [inputs], [attrs], [outputs]], got " + j.dump());
    const InstructionKind* kind = registry.find(j[0].get<std::string>());
    if (!kind) throw bad(where, fmt::format("unknown instruction kind '{}'", j[0].get<std::string>()));
    Instruction inst{kind, {}, {}, {}};
    std::function<Value(const nlohmann::json&)> input = [&](const nlohmann::json& x) -> Value {
      if (x.is_string()) {
        const std::string& str = x.get<std::string>();
        if (str.size() >= 2 && str.front() == '"' && str.back() == '"') return Value(str.substr(1, str.size() - 2));
        auto it = rvs.find(x.get<std::string>());
        if (it == rvs.end())
          throw bad(where, fmt::format("'{}' is not a random variable defined earlier", x.get<std::string>()));
        return it->second;
      }
      if (x.is_array()) {
        std::vector<Value> list;
        for (const auto& y : x) list.push_back(input(y));
        return Value(std::move(list));
      }
      return json_to_value(x);
    };
    for (const auto& x : j[1]) inst.inputs.push_back(input(x));
    for (const auto& x : j[2]) inst.attrs.push_back(json_to_value(x));
    for (const auto& x : j[3]) {
      if (!x.is_string() || x.get<std::string>().empty()) throw bad(where, "outputs must be random variable names");
      const std::string& name = x.get<std::string>();
      Value rv;
      switch (name[0]) {
        case 'b':
          rv = BlockRV{next_id++};
          break;
        case 'l':
          rv = LoopRV{next_id++};
          break;
        case 'v':
          rv = ExprRV{next_id++};
          break;
        default:
          throw bad(where, fmt::format("output '{}' must start with b, l or v", name));
      }
      rvs[name] = rv;
      inst.outputs.push_back(rv);
    }
    std::optional<Value> decision;
    if (auto it = decisions.find(i); it != decisions.end()) {
      if (!kind->sampling) throw bad(where, fmt::format("{} has a decision but does not sample", kind->name));
      decision = it->second;
    }
    trace.append(std::move(inst), std::move(decision));
  }
  for (const auto& [index, d] : decisions) {
    if (index >= json[0].size())
      throw bad("decisions", fmt::format("decision for instruction {} which does not exist", index));
  }
  return trace;
}

std::string Trace::as_python() const {
  RVNamer namer;
  std::string out;
  for (size_t i = 0; i < insts_.size(); ++i) {
    const Instruction& inst = insts_[i];
    std::vector<std::string> inputs, outputs;
    for (const Value& v : inst.inputs) inputs.push_back(namer.render(v));
    for (const Value& v : inst.outputs) outputs.push_back(namer.define(v));
    Value decision;
    if (auto d = decision_of(i)) decision = *d;
    out += inst.kind->as_python(inputs, inst.attrs, decision, outputs) + "\n";
  }
  return out;
}

}  // namespace loom::sched
