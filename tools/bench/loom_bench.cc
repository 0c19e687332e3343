// loom-bench: times a zoo workload compiled by loom (optionally with a schedule script)
// against the same operator in oneDNN (and OpenBLAS sgemm for gmm), alternating the
// contenders round by round in one process, and prints median times, GFLOP/s and ratios.
//
//   loom-bench gmm --set M=1024 --set N=1024 --set K=1024 --schedule configs/schedules/gmm_1024.py --threads 2
//   loom-bench c2d --schedule configs/schedules/c2d.py --threads 1
//   loom-bench gmm --set M=512 --set N=512 --set K=512 --schedule tools/bench/gmm_vectorize_parallel.py --unscheduled
//
// With --unscheduled the workload compiled without a schedule runs beside the others (its
// output checked too), and a last column gives every contender's speed-up over it: what a
// schedule buys on this machine, as the code generator compiles both.
//
// Every round takes one sample of each contender (TimingOptions: min_repeat_ms per sample,
// the number of calls per sample fixed after a calibration), with a pause between them so
// one library's spinning threads do not steal the next one's cores. loom's output is
// checked against oneDNN's before timing.
#include <omp.h>
#include <tbb/global_control.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <dnnl.hpp>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fmt/format.h"
#include "loom/cpu/codegen.h"
#include "loom/cpu/timing.h"
#include "loom/host/host_api.h"
#include "loom/interp/ndarray.h"
#include "loom/ir/error.h"
#include "loom/ir/flops.h"
#include "loom/lower/lower.h"
#include "loom/plugin_ir.hpp"
#include "loom/sched/schedule.h"
#include "loom/sched/schedule_script.h"
#include "loom/script/printer.h"
#include "loom/workloads/zoo.h"

extern "C" void openblas_set_num_threads(int num_threads);
extern "C" void cblas_sgemm(int order, int trans_a, int trans_b, int m, int n, int k, float alpha, const float* a,
                            int lda, const float* b, int ldb, float beta, float* c, int ldc);

namespace loom::bench {
namespace {

constexpr int kCblasRowMajor = 101;
constexpr int kCblasNoTrans = 111;

struct Options {
  std::string workload;
  std::vector<std::string> sets;
  std::string schedule;
  int threads = 0;
  int rounds = 10;
  double min_repeat_ms = 200;
  bool flush_cache = false;
  bool show_asm = false;
  bool show_lowered = false;
  bool unscheduled = false;
  std::string asm_out;
};

// A contender: a name and a function that runs the operator once.
struct Contender {
  std::string name;
  std::function<void()> run;
  int number = 1;
  std::vector<double> samples;
};

Contender contender(std::string name, std::function<void()> run) {
  Contender c;
  c.name = std::move(name);
  c.run = std::move(run);
  return c;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UserError(fmt::format("cannot read '{}'", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Float32 buffers: row-major, shapes as the workload's parameters.
struct Buffers {
  std::vector<interp::NDArray> arrays;
  std::vector<void*> args() {
    std::vector<void*> out;
    for (auto& a : arrays) out.push_back(a.data());
    return out;
  }
};

float* f32(interp::NDArray& a) { return reinterpret_cast<float*>(a.data()); }

// Compares the output of loom with a baseline's (max relative error over elements).
double max_rel_error(const interp::NDArray& got, const interp::NDArray& want) {
  const float* g = reinterpret_cast<const float*>(got.data());
  const float* w = reinterpret_cast<const float*>(want.data());
  double worst = 0;
  for (int64_t i = 0; i < got.size(); ++i) {
    double denom = std::max(1.0, std::abs(static_cast<double>(w[i])));
    worst = std::max(worst, std::abs(static_cast<double>(g[i]) - w[i]) / denom);
  }
  return worst;
}

struct Baselines {
  std::vector<Contender> contenders;
  // The expected output (filled by the first baseline's run) and loom's output index.
  std::function<void()> reference;
  interp::NDArray* reference_out = nullptr;
};

// oneDNN's engine and stream live as long as the process.
dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

Baselines gmm_baselines(const std::map<std::string, int64_t>& p, Buffers& in, interp::NDArray& expected) {
  using dnnl::memory;
  const int64_t M = p.at("M"), N = p.at("N"), K = p.at("K");
  auto a_md = memory::desc({M, K}, memory::data_type::f32, memory::format_tag::ab);
  auto b_md = memory::desc({K, N}, memory::data_type::f32, memory::format_tag::ab);
  auto c_md = memory::desc({M, N}, memory::data_type::f32, memory::format_tag::ab);
  auto pd = dnnl::matmul::primitive_desc(dnnl::matmul::desc(a_md, b_md, c_md), engine());
  auto prim = std::make_shared<dnnl::matmul>(pd);
  auto a = std::make_shared<memory>(a_md, engine(), in.arrays[0].data());
  auto b = std::make_shared<memory>(b_md, engine(), in.arrays[1].data());
  auto c = std::make_shared<memory>(c_md, engine(), expected.data());
  auto stream = std::make_shared<dnnl::stream>(engine());
  Baselines out;
  out.contenders.push_back(contender("oneDNN", [=] {
    prim->execute(*stream, {{DNNL_ARG_SRC, *a}, {DNNL_ARG_WEIGHTS, *b}, {DNNL_ARG_DST, *c}});
    stream->wait();
  }));
  float* A = f32(in.arrays[0]);
  float* B = f32(in.arrays[1]);
  auto blas_c = std::make_shared<std::vector<float>>(static_cast<size_t>(M * N));
  out.contenders.push_back(contender("OpenBLAS", [=] {
    cblas_sgemm(kCblasRowMajor, kCblasNoTrans, kCblasNoTrans, static_cast<int>(M), static_cast<int>(N),
                static_cast<int>(K), 1.0f, A, static_cast<int>(K), B, static_cast<int>(N), 0.0f, blas_c->data(),
                static_cast<int>(N));
  }));
  return out;
}

Baselines c2d_baselines(const std::map<std::string, int64_t>& p, Buffers& in, interp::NDArray& expected) {
  using dnnl::memory;
  const int64_t N = p.at("N"), H = p.at("H"), W = p.at("W"), CI = p.at("CI"), CO = p.at("CO"), K = p.at("K");
  const int64_t S = p.at("stride"), P = p.at("padding"), D = p.at("dilation");
  const int64_t OH = (H + 2 * P - D * (K - 1) - 1) / S + 1;
  const int64_t OW = (W + 2 * P - D * (K - 1) - 1) / S + 1;
  auto src_md = memory::desc({N, CI, H, W}, memory::data_type::f32, memory::format_tag::nhwc);
  auto wei_md = memory::desc({CO, CI, K, K}, memory::data_type::f32, memory::format_tag::hwio);
  auto dst_md = memory::desc({N, CO, OH, OW}, memory::data_type::f32, memory::format_tag::nhwc);
  // oneDNN picks its own weight layout; the reorder from HWIO is done once, outside timing.
  auto any_wei = memory::desc({CO, CI, K, K}, memory::data_type::f32, memory::format_tag::any);
  auto desc = dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                              src_md, any_wei, dst_md, {S, S}, {D - 1, D - 1}, {P, P}, {P, P});
  auto pd = dnnl::convolution_forward::primitive_desc(desc, engine());
  auto stream = std::make_shared<dnnl::stream>(engine());
  auto src = std::make_shared<memory>(src_md, engine(), in.arrays[0].data());
  memory user_wei(wei_md, engine(), in.arrays[1].data());
  auto wei = std::make_shared<memory>(pd.weights_desc(), engine());
  dnnl::reorder(user_wei, *wei).execute(*stream, user_wei, *wei);
  stream->wait();
  auto dst = std::make_shared<memory>(dst_md, engine(), expected.data());
  auto prim = std::make_shared<dnnl::convolution_forward>(pd);
  Baselines out;
  out.contenders.push_back(contender("oneDNN", [=] {
    prim->execute(*stream, {{DNNL_ARG_SRC, *src}, {DNNL_ARG_WEIGHTS, *wei}, {DNNL_ARG_DST, *dst}});
    stream->wait();
  }));
  return out;
}

int run(const Options& o) {
  std::map<std::string, int64_t> overrides;
  for (const std::string& s : o.sets) {
    auto eq = s.find('=');
    if (eq == std::string::npos) throw UserError(fmt::format("--set takes K=V, not '{}'", s));
    overrides[s.substr(0, eq)] = std::stoll(s.substr(eq + 1));
  }
  ir::PrimFunc func = workloads::make_workload(o.workload, overrides);
  std::map<std::string, int64_t> params;
  for (const auto& param : workloads::workload_info(o.workload).params) {
    params[param.name] = overrides.count(param.name) ? overrides[param.name] : param.default_value;
  }
  const double flops = ir::estimate_flops(func);

  // loom's kernel, and the unscheduled one for --unscheduled.
  ir::PrimFunc scheduled = func;
  if (!o.schedule.empty()) {
    sched::Schedule sch(func, 0, sched::DebugMode::Off);
    sched::apply_schedule_script(sch, read_file(o.schedule), o.schedule);
    scheduled = sch.mod().at(sch.default_func());
  }
  plugin::set_host(host::host_api());
  ir::PrimFunc lowered_func = lower::lower(scheduled);
  if (o.show_lowered) std::cout << script::print(lowered_func);
  plugin::ir::Func lowered(host::func_handle(lowered_func));
  cpu::CodegenOptions copts;
  copts.emit_assembly = o.show_asm || !o.asm_out.empty();
  cpu::ObjectCode code = cpu::compile_object(lowered.node(), copts);
  if (!o.asm_out.empty()) {
    std::ofstream(o.asm_out) << code.assembly;
  }
  cpu::Kernel kernel = cpu::load_object(code);
  std::optional<cpu::Kernel> unscheduled_kernel;
  if (o.unscheduled) {
    plugin::ir::Func plain(host::func_handle(lower::lower(func)));
    unscheduled_kernel.emplace(cpu::compile(plain.node()));
  }

  tbb::global_control tbb_threads(tbb::global_control::max_allowed_parallelism,
                                  o.threads > 0 ? static_cast<size_t>(o.threads) : std::thread::hardware_concurrency());
  if (o.threads > 0) {
    omp_set_num_threads(o.threads);
    openblas_set_num_threads(o.threads);
  }

  // Inputs: random data; the output starts zeroed.
  Buffers loom_bufs;
  for (const ir::Var& param : func->params) {
    ir::Buffer b = func->buffer_of(param);
    std::vector<int64_t> shape;
    for (const auto& d : b->shape) shape.push_back(d.as<ir::IntImmNode>()->value);
    loom_bufs.arrays.emplace_back(b->dtype, shape);
  }
  for (size_t i = 0; i + 1 < loom_bufs.arrays.size(); ++i) loom_bufs.arrays[i].fill_random(17 + i);
  interp::NDArray expected = loom_bufs.arrays.back();

  Baselines baselines;
  if (o.workload == "gmm") {
    baselines = gmm_baselines(params, loom_bufs, expected);
  } else if (o.workload == "c2d") {
    baselines = c2d_baselines(params, loom_bufs, expected);
  } else {
    throw UserError(fmt::format("loom-bench has baselines for gmm and c2d, not '{}'", o.workload));
  }

  auto args = std::make_shared<std::vector<void*>>(loom_bufs.args());
  std::vector<Contender> all;
  all.push_back(contender("loom", [&kernel, args] { kernel(args->data()); }));
  for (auto& c : baselines.contenders) all.push_back(std::move(c));
  // The unscheduled kernel writes its own output (same inputs).
  Buffers plain_bufs = loom_bufs;
  auto plain_args = std::make_shared<std::vector<void*>>(plain_bufs.args());
  if (unscheduled_kernel) {
    all.push_back(
        contender("unscheduled", [&unscheduled_kernel, plain_args] { (*unscheduled_kernel)(plain_args->data()); }));
  }

  // Correctness: loom (and the unscheduled kernel) against oneDNN.
  all[0].run();
  all[1].run();
  double err = max_rel_error(loom_bufs.arrays.back(), expected);
  if (unscheduled_kernel) {
    all.back().run();
    err = std::max(err, max_rel_error(plain_bufs.arrays.back(), expected));
  }
  fmt::print("{} {}: {:.3g} GFLOP per call, {} thread(s), schedule {}\n", o.workload, fmt::join(o.sets, " "),
             flops * 1e-9, o.threads > 0 ? o.threads : int(std::thread::hardware_concurrency()),
             o.schedule.empty() ? "(none)" : o.schedule);
  fmt::print("loom compiled for {} by LLVM\n", code.cpu);
  fmt::print("check: loom vs oneDNN max relative error {:.2e}{}\n", err, err > 1e-3 ? "  MISMATCH" : "");
  if (o.show_asm) std::cout << code.assembly;

  // Calibrate the number of calls per sample, then alternate.
  cpu::TimingOptions calib;
  calib.repeat = 1;
  calib.min_repeat_ms = o.min_repeat_ms;
  for (auto& c : all) c.number = cpu::time_function(c.run, calib).number;
  cpu::TimingOptions sample;
  sample.warmup = 0;
  sample.repeat = 1;
  sample.flush_cache = o.flush_cache;
  for (int r = 0; r < o.rounds; ++r) {
    for (auto& c : all) {
      sample.number = c.number;
      c.samples.push_back(cpu::time_function(c.run, sample).samples_s[0]);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  const double base = cpu::median(all[1].samples);
  const double plain = unscheduled_kernel ? cpu::median(all.back().samples) : 0;
  fmt::print("{:<12} {:>12} {:>12} {:>12} {:>10} {:>14}{}\n", "", "median ms", "min ms", "max ms", "GFLOP/s",
             "vs oneDNN", unscheduled_kernel ? fmt::format(" {:>16}", "vs unscheduled") : "");
  for (auto& c : all) {
    double med = cpu::median(c.samples);
    fmt::print("{:<12} {:>12.3f} {:>12.3f} {:>12.3f} {:>10.1f} {:>13.1f}%{}\n", c.name, med * 1e3,
               *std::min_element(c.samples.begin(), c.samples.end()) * 1e3,
               *std::max_element(c.samples.begin(), c.samples.end()) * 1e3, flops / med * 1e-9, 100 * base / med,
               unscheduled_kernel ? fmt::format(" {:>15.1f}x", plain / med) : "");
  }
  fmt::print("({} rounds, alternating; each sample ≥ {} ms)\n", o.rounds, o.min_repeat_ms);
  return err > 1e-3 ? 2 : 0;
}

}  // namespace
}  // namespace loom::bench

int main(int argc, char** argv) {
  loom::bench::Options o;
  CLI::App app("loom-bench: loom's kernel vs oneDNN (and OpenBLAS for gmm), measured side by side");
  app.add_option("workload", o.workload, "Zoo workload: gmm or c2d")->required();
  app.add_option("--set", o.sets, "Shape parameter K=V (repeatable), as `loom print`");
  app.add_option("--schedule", o.schedule, "Schedule script applied to loom's kernel");
  app.add_option("--threads", o.threads, "Threads for every contender (0: all cores)")->capture_default_str();
  app.add_option("--rounds", o.rounds, "Alternating rounds (one sample of each contender per round)")
      ->capture_default_str();
  app.add_option("--min-repeat-ms", o.min_repeat_ms, "Minimum duration of one sample")->capture_default_str();
  app.add_flag("--flush-cache", o.flush_cache, "Flush the caches before each sample");
  app.add_flag("--asm", o.show_asm, "Print loom's assembly");
  app.add_flag("--lowered", o.show_lowered, "Print loom's lowered kernel (TVMScript)");
  app.add_option("--asm-out", o.asm_out, "Write loom's assembly to this file");
  app.add_flag("--unscheduled", o.unscheduled, "Also time the workload compiled without a schedule, side by side");
  CLI11_PARSE(app, argc, argv);
  try {
    return loom::bench::run(o);
  } catch (const std::exception& e) {
    std::cerr << "loom-bench: error: " << e.what() << "\n";
    return 1;
  }
}
