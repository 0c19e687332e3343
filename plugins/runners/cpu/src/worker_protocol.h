// The protocol between the CPU runner (runner_plugin.cc, the parent) and its worker
// process (worker_main.cc, `loom-cpu-worker`), which loads compiled kernels and runs and
// times them, so that a kernel that crashes or hangs takes down only the worker. The
// transport, the framing and the reply are every runner's (loom/runner/worker_protocol.h,
// summarized here); the run request is the CPU's.
//
// Transport. The parent makes a Unix stream socket pair and starts the worker with its end
// as file descriptor 3 (kWorkerFd); the parent sends with MSG_NOSIGNAL, so a dead worker is
// an EPIPE, never a SIGPIPE. One request, then one reply, at a time. The worker exits when
// the parent closes its end (EOF); the parent reads a reply with a deadline and kills the
// worker (SIGKILL) when it is late.
//
// Framing. Every message is a frame:
//     u32 magic (kMagic, "LMW1")   u32 type (MessageType)   u64 payload size   payload
// Payload fields are written one after the other in the host's byte order (both processes
// run on one machine): u8 / u32 / i32 / u64 / i64 / f64 as their bytes; a string or a byte
// array as u64 size + the bytes.
//
// Run request (parent -> worker, kRun):
//     bytes  object          an object file from loom::cpu::compile_object
//     string name            the kernel's symbol name (ObjectCode::name; for messages)
//     string packed_name     the packed entry, void(void** args)
//     u32    flags           kReturnOutputs: reply with every argument after the first run;
//                            kTime: time the kernel (timing.h's protocol) after that run
//     i32    warmup, number, repeat
//     f64    min_repeat_ms, cooldown_ms
//     u8     flush_cache
//     u32    debug_fault     a DebugFault (test-only): fault instead of running the kernel
//     u32    n_args          then per argument, in parameter order:
//       bytes data           a buffer's initial contents or a scalar's value, in the code
//                            generator's packed convention (codegen.h); the worker passes a
//                            pointer to its own 64-byte aligned copy
// Reply (worker -> parent, kReply):
//     u32    status          0: ran; 1: failed before or around the run (message says why:
//                            the object cannot be linked, bad timing options)
//     string message
//     f64    run_s           seconds from receiving the request to replying
//     i64    number          calls per sample used (0 when not timed)
//     u32    n_samples       then n_samples f64: seconds per call, one per sample
//     u32    n_outputs       then n_outputs byte arrays: every argument after the first run
//                            (n_outputs is 0 without kReturnOutputs)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "loom/runner/worker_protocol.h"

namespace loom::cpu::worker {

using runner::DebugFault;
using runner::kHeaderSize;
using runner::kMagic;
using runner::kReply;
using runner::kReturnOutputs;
using runner::kRun;
using runner::kTime;
using runner::kWorkerFd;
using runner::MessageType;
using runner::parse_header;
using runner::ProtocolError;
using runner::Reader;
using runner::Reply;
using runner::Writer;

/// A decoded run request.
struct RunRequest {
  std::string object, name, packed_name;
  uint32_t flags = 0;
  int32_t warmup = 1, number = 1, repeat = 3;
  double min_repeat_ms = 0, cooldown_ms = 0;
  bool flush_cache = false;
  DebugFault debug_fault = DebugFault::kNone;
  std::vector<std::string> args;

  void set_timing(const runner::TimingFields& t) {
    warmup = t.warmup;
    number = t.number;
    repeat = t.repeat;
    min_repeat_ms = t.min_repeat_ms;
    cooldown_ms = t.cooldown_ms;
    flush_cache = t.flush_cache;
  }

  std::string encode() const {
    Writer w;
    w.put_bytes(object);
    w.put_bytes(name);
    w.put_bytes(packed_name);
    w.put(flags);
    runner::TimingFields{warmup, number, repeat, min_repeat_ms, cooldown_ms, flush_cache}.write(w);
    w.put(static_cast<uint32_t>(debug_fault));
    w.put(static_cast<uint32_t>(args.size()));
    for (const std::string& a : args) w.put_bytes(a);
    return w.frame(kRun);
  }
  static RunRequest decode(std::string_view payload) {
    Reader r(payload);
    RunRequest q;
    q.object = std::string(r.get_bytes());
    q.name = std::string(r.get_bytes());
    q.packed_name = std::string(r.get_bytes());
    q.flags = r.get<uint32_t>();
    q.set_timing(runner::TimingFields::read(r));
    q.debug_fault = static_cast<DebugFault>(r.get<uint32_t>());
    uint32_t n = r.get<uint32_t>();
    for (uint32_t i = 0; i < n; ++i) q.args.emplace_back(r.get_bytes());
    if (!r.done()) throw ProtocolError("worker protocol: trailing bytes in a run request");
    return q;
  }
};

}  // namespace loom::cpu::worker
