// loom/runner/worker_server.h: a worker process's side of the protocol (worker_protocol.h):
// the request loop on kWorkerFd and the test-only faults.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "loom/runner/worker_protocol.h"

namespace loom::runner {

/// Answers run requests on `fd` until the parent closes its end: `run` gets each kRun
/// payload and returns the encoded reply frame; a reply with status kFatal ends the loop
/// after it is sent. Returns 0 at EOF or after a fatal reply; throws ProtocolError for a
/// malformed frame or a broken connection.
int serve(int fd, const std::function<Reply(std::string_view payload)>& run);

/// Raises `fault` the way a broken kernel would (a signal, an abort) or never returns (a
/// hang); returns at once for DebugFault::kNone.
void raise_fault(DebugFault fault);

/// The request loop of a worker executable's main(): serve() on kWorkerFd, a ProtocolError
/// or any other exception printed as "NAME: what" with exit status 3.
int worker_main(const char* name, const std::function<Reply(std::string_view payload)>& run);

}  // namespace loom::runner
