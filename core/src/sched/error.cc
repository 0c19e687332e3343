// Schedule errors (loom/sched/error.h): lazy rendering, locations, the marked function, and the
// LOOM_SCHED_ERROR_STATS counters.
#include "loom/sched/error.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "fmt/args.h"
#include "loom/ir/function.h"
#include "loom/script/printer.h"

namespace loom::sched {

namespace {

/// LOOM_SCHED_ERROR_STATS=1: the number of schedule errors created and the time spent
/// building their messages, printed to stderr at exit.
struct Stats {
  std::atomic<uint64_t> created{0};
  std::atomic<uint64_t> rendered{0};
  std::atomic<uint64_t> nanoseconds{0};
  bool enabled = false;
  Stats() {
    const char* env = std::getenv("LOOM_SCHED_ERROR_STATS");
    enabled = env != nullptr && std::string(env) == "1";
  }
  ~Stats() {
    if (!enabled) return;
    std::fprintf(stderr, "loom: schedule errors: %llu created, %llu messages rendered, %.1f ms building messages\n",
                 static_cast<unsigned long long>(created.load()), static_cast<unsigned long long>(rendered.load()),
                 static_cast<double>(nanoseconds.load()) / 1e6);
  }
};

Stats& stats() {
  static Stats s;
  return s;
}

/// Times the enclosing scope into Stats::nanoseconds.
class BuildTimer {
 public:
  BuildTimer() : start_(std::chrono::steady_clock::now()) {}
  ~BuildTimer() {
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start_);
    stats().nanoseconds += static_cast<uint64_t>(ns.count());
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

bool is_location_word(std::string_view word, ErrorLocation::Kind* kind) {
  if (word == "block" || word == "blocks" || word == "producer" || word == "consumer") {
    *kind = ErrorLocation::Kind::Block;
    return true;
  }
  if (word == "loop" || word == "loops") {
    *kind = ErrorLocation::Kind::Loop;
    return true;
  }
  return false;
}

}  // namespace

namespace detail {
int64_t error_clock() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace detail

void ScheduleError::created(int64_t start) {
  Stats& s = stats();
  ++s.created;
  s.nanoseconds += static_cast<uint64_t>(detail::error_clock() - start);
}

ScheduleError::ScheduleError(std::string primitive, std::string message)
    : UserError(std::string()), primitive_(std::move(primitive)), state_(std::make_shared<State>()) {
  ++stats().created;
  BuildTimer timer;
  state_->what = "sch." + primitive_ + ": ";
  state_->prefix = state_->what.size();
  state_->what += message;
  state_->rendered = true;
}

const ScheduleError::State& ScheduleError::rendered() const {
  State& s = *state_;
  if (s.rendered) return s;
  ++stats().rendered;
  BuildTimer timer;
  std::string message;
  try {
    fmt::dynamic_format_arg_store<fmt::format_context> store;
    for (const detail::ErrorArg& arg : s.args) std::visit([&](const auto& v) { store.push_back(v); }, arg);
    message = fmt::vformat(s.format, store);
  } catch (const std::exception& e) {
    message = fmt::format("{} (the message could not be rendered: {})",
                          std::string_view(s.format.data(), s.format.size()), e.what());
  }
  s.what = "sch." + primitive_ + ": ";
  s.prefix = s.what.size();
  s.what += message;
  s.rendered = true;
  return s;
}

const char* ScheduleError::what() const noexcept {
  try {
    return rendered().what.c_str();
  } catch (...) {
    return "sch: a schedule error (its message could not be rendered)";
  }
}

std::string ScheduleError::detail() const { return rendered().what.substr(rendered().prefix); }

std::string ScheduleError::fast_message() const { return "sch." + primitive_ + ": " + kind(); }

std::vector<ErrorLocation> ScheduleError::locations() const {
  std::vector<ErrorLocation> out;
  if (state_->args.empty()) return out;
  std::string_view text(state_->format.data(), state_->format.size());
  size_t arg = 0;
  for (size_t pos = text.find("{}"); pos != std::string_view::npos && arg < state_->args.size();
       pos = text.find("{}", pos + 2), ++arg) {
    // The word right before the placeholder.
    size_t end = pos;
    while (end > 0 && text[end - 1] == ' ') --end;
    size_t begin = end;
    while (begin > 0 && std::isalpha(static_cast<unsigned char>(text[begin - 1]))) --begin;
    ErrorLocation::Kind kind;
    const auto* name = std::get_if<std::string>(&state_->args[arg]);
    if (name && is_location_word(text.substr(begin, end - begin), &kind)) {
      ErrorLocation loc{kind, *name};
      if (std::find(out.begin(), out.end(), loc) == out.end()) out.push_back(std::move(loc));
    }
  }
  return out;
}

std::string ScheduleError::render_marked(const ir::PrimFunc& func) const {
  std::vector<ErrorLocation> locs = locations();
  std::istringstream in(script::print(func));
  std::string out = std::string(what()) + "\n";
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> marks;
    for (const ErrorLocation& loc : locs) {
      bool here = false;
      if (loc.kind == ErrorLocation::Kind::Block) {
        here = line.find("T.block(\"" + loc.name + "\")") != std::string::npos;
      } else {
        // `for i in ...` or `for i, j in T.grid(...)`: the loop variable among the targets.
        size_t f = line.find("for ");
        size_t in_pos = line.find(" in ");
        if (f != std::string::npos && in_pos != std::string::npos && in_pos > f) {
          std::string targets = line.substr(f + 4, in_pos - f - 4);
          std::istringstream names(targets);
          for (std::string n; std::getline(names, n, ',');) {
            n.erase(0, n.find_first_not_of(' '));
            n.erase(n.find_last_not_of(' ') + 1);
            here = here || n == loc.name;
          }
        }
      }
      if (here) marks.push_back((loc.kind == ErrorLocation::Kind::Block ? "block " : "loop ") + loc.name);
    }
    out += line;
    if (!marks.empty()) out += fmt::format("  # <-- {} ({})", fmt::join(marks, ", "), kind());
    out += "\n";
  }
  return out;
}

}  // namespace loom::sched
