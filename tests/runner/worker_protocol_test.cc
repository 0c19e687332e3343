// Tests of the framed protocol between the CPU runner and its worker process
// (plugins/runners/cpu/src/worker_protocol.h): requests and replies round-trip field by
// field, and malformed frames are ProtocolErrors, never reads past the end.
#include "../../plugins/runners/cpu/src/worker_protocol.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace loom::cpu::worker {
namespace {

/// The message of the ProtocolError that f() throws ("" and a test failure when it throws
/// none).
template <typename F>
std::string protocol_error(F&& f) {
  try {
    f();
  } catch (const ProtocolError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a ProtocolError";
  return "";
}

/// The payload of a frame, after checking its header.
std::string payload_of(const std::string& frame, MessageType expected) {
  uint32_t type = 0;
  uint64_t size = 0;
  parse_header(frame.data(), &type, &size);
  EXPECT_EQ(type, expected);
  EXPECT_EQ(size, frame.size() - kHeaderSize);
  return frame.substr(kHeaderSize);
}

TEST(WorkerProtocol, RunRequestRoundTrips) {
  RunRequest q;
  q.object = std::string(
      "\x7f"
      "ELF\0\1\2",
      7);
  q.name = "gmm";
  q.packed_name = "gmm";
  q.flags = kReturnOutputs | kTime;
  q.warmup = 2;
  q.number = 5;
  q.repeat = 7;
  q.min_repeat_ms = 12.5;
  q.cooldown_ms = 0.25;
  q.flush_cache = true;
  q.debug_fault = DebugFault::kFpe;
  q.args = {std::string(64, 'a'), std::string("\0\0\0\1", 4), ""};
  RunRequest d = RunRequest::decode(payload_of(q.encode(), kRun));
  EXPECT_EQ(d.object, q.object);
  EXPECT_EQ(d.name, "gmm");
  EXPECT_EQ(d.packed_name, "gmm");
  EXPECT_EQ(d.flags, q.flags);
  EXPECT_EQ(d.warmup, 2);
  EXPECT_EQ(d.number, 5);
  EXPECT_EQ(d.repeat, 7);
  EXPECT_EQ(d.min_repeat_ms, 12.5);
  EXPECT_EQ(d.cooldown_ms, 0.25);
  EXPECT_TRUE(d.flush_cache);
  EXPECT_EQ(d.debug_fault, DebugFault::kFpe);
  EXPECT_EQ(d.args, q.args);
}

TEST(WorkerProtocol, ReplyRoundTrips) {
  Reply r;
  r.status = 1;
  r.message = "cannot load the kernel: x";
  r.run_s = 0.5;
  r.number = 1024;
  r.samples_s = {1e-6, 2e-6, 3e-6};
  r.outputs = {std::string(16, '\xff'), "abc"};
  Reply d = Reply::decode(payload_of(r.encode(), kReply));
  EXPECT_EQ(d.status, 1u);
  EXPECT_EQ(d.message, r.message);
  EXPECT_EQ(d.run_s, 0.5);
  EXPECT_EQ(d.number, 1024);
  EXPECT_EQ(d.samples_s, r.samples_s);
  EXPECT_EQ(d.outputs, r.outputs);
}

TEST(WorkerProtocol, MalformedFramesAreErrors) {
  Reply r;
  r.samples_s = {1.0, 2.0};
  std::string frame = r.encode();
  std::string payload = frame.substr(kHeaderSize);
  // Every truncation of the payload is caught.
  for (size_t cut = 0; cut < payload.size(); ++cut) {
    EXPECT_EQ(protocol_error([&] { Reply::decode(payload.substr(0, cut)); }), "worker protocol: a message ends early")
        << "cut at " << cut;
  }
  EXPECT_EQ(protocol_error([&] { Reply::decode(payload + "x"); }), "worker protocol: trailing bytes in a reply");
  EXPECT_EQ(protocol_error([&] { RunRequest::decode(RunRequest().encode().substr(kHeaderSize) + "x"); }),
            "worker protocol: trailing bytes in a run request");
  // A byte array claiming more bytes than there are.
  Writer w;
  w.put<uint32_t>(0);
  w.put<uint64_t>(uint64_t{1} << 50);
  EXPECT_EQ(protocol_error([&] { Reply::decode(w.frame(kReply).substr(kHeaderSize)); }),
            "worker protocol: a message ends early");
  // A bad magic number.
  std::string bad = frame;
  bad[0] = 'X';
  uint32_t type = 0;
  uint64_t size = 0;
  EXPECT_EQ(protocol_error([&] { parse_header(bad.data(), &type, &size); }), "worker protocol: bad frame magic");
  // A frame claiming more than 1 TiB.
  std::string huge = Writer().frame(kReply);
  const uint64_t too_large = (uint64_t{1} << 40) + 1;
  std::memcpy(huge.data() + kHeaderSize - sizeof(uint64_t), &too_large, sizeof(uint64_t));
  EXPECT_EQ(protocol_error([&] { parse_header(huge.data(), &type, &size); }), "worker protocol: frame too large");
}

}  // namespace
}  // namespace loom::cpu::worker
