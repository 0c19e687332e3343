// The compiled reference run in loom-cpu-worker (loom/cpu/compiled_reference.h).
#include "loom/cpu/compiled_reference.h"

#include <memory>
#include <utility>

#include "fmt/format.h"
#include "worker_protocol.h"

namespace loom::cpu {

runner::CompiledReference compile_reference(const plugin::ir::Func& reference, const CodegenOptions& options,
                                            runner::WorkerClient& worker, double timeout_s) {
  auto code = std::make_shared<ObjectCode>(compile_object(plugin::lower(reference).node(), options));
  return [code, &worker, timeout_s](std::vector<std::string>& buffers) -> std::string {
    worker::RunRequest q;
    q.object = code->object;
    q.name = code->name;
    q.packed_name = code->packed_name;
    q.flags = worker::kReturnOutputs;
    q.args = buffers;
    runner::Outcome o = worker.call(q.encode(), timeout_s);
    if (o.kind == runner::Outcome::kCrashed) return fmt::format("the compiled reference crashed: {}", o.reason);
    if (o.kind == runner::Outcome::kTimedOut) return fmt::format("the compiled reference {}", o.reason);
    if (o.reply.status != runner::kRan) return fmt::format("the compiled reference failed: {}", o.reply.message);
    buffers = std::move(o.reply.outputs);
    return "";
  };
}

}  // namespace loom::cpu
