// loom/runner/worker_protocol.h: the framing every runner shares with its worker process
// (loom-cpu-worker, loom-cuda-worker), so that a kernel that crashes or hangs takes down only
// the worker; each runner defines its own run request on top (cpu/src/worker_protocol.h,
// cuda/src/worker_protocol.h), the reply is common.
//
// Transport. The parent makes a Unix stream socket pair and starts the worker with its end
// as file descriptor 3 (kWorkerFd); the parent sends with MSG_NOSIGNAL, so a dead worker is
// an EPIPE, never a SIGPIPE. One request, then one reply, at a time. The worker exits when
// the parent closes its end (EOF); the parent reads a reply with a deadline and kills the
// worker (SIGKILL) when it is late (worker_client.h).
//
// Framing. Every message is a frame:
//     u32 magic (kMagic, "LMW1")   u32 type (MessageType)   u64 payload size   payload
// Payload fields are written one after the other in the host's byte order (both processes
// run on one machine): u8 / u32 / i32 / u64 / i64 / f64 as their bytes; a string or a byte
// array as u64 size + the bytes.
//
// Reply (worker -> parent, kReply):
//     u32    status          kRan (0): ran; kFailed (1): failed before or around the run
//                            (message says why); kFatal (2): failed and the worker cannot go
//                            on (a CUDA context poisoned by a faulting kernel): it exits after
//                            replying and the parent starts another for the next request
//     string message
//     f64    run_s           seconds from receiving the request to replying
//     i64    number          calls per sample used (0 when not timed)
//     u32    n_samples       then n_samples f64: seconds per call, one per sample
//     u32    n_outputs       then n_outputs byte arrays: every argument after the first run
//                            (n_outputs is 0 without kReturnOutputs)
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace loom::runner {

inline constexpr uint32_t kMagic = 0x31574d4c;  // "LMW1"
inline constexpr int kWorkerFd = 3;

enum MessageType : uint32_t { kRun = 1, kReply = 2 };
enum RunFlags : uint32_t { kReturnOutputs = 1, kTime = 2 };
enum ReplyStatus : uint32_t { kRan = 0, kFailed = 1, kFatal = 2 };
/// Test-only faults a worker raises instead of running the kernel (runner key debug_fault).
enum class DebugFault : uint32_t { kNone = 0, kSegv = 1, kAbort = 2, kFpe = 3, kHang = 4 };

/// A malformed frame or payload.
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Appends payload fields.
class Writer {
 public:
  template <typename T>
  void put(T value) {
    static_assert(std::is_trivially_copyable_v<T>);
    data_.append(reinterpret_cast<const char*>(&value), sizeof(T));
  }
  void put_bytes(std::string_view bytes) {
    put<uint64_t>(bytes.size());
    data_.append(bytes.data(), bytes.size());
  }
  void put_bytes(const void* data, size_t size) { put_bytes(std::string_view(static_cast<const char*>(data), size)); }
  /// The frame: header then payload.
  std::string frame(MessageType type) const {
    std::string out;
    out.reserve(16 + data_.size());
    auto append = [&](auto v) { out.append(reinterpret_cast<const char*>(&v), sizeof(v)); };
    append(kMagic);
    append(static_cast<uint32_t>(type));
    append(static_cast<uint64_t>(data_.size()));
    out += data_;
    return out;
  }

 private:
  std::string data_;
};

/// Reads payload fields in order; throws ProtocolError past the end.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  template <typename T>
  T get() {
    need(sizeof(T));
    T value;
    std::memcpy(&value, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return value;
  }
  std::string_view get_bytes() {
    uint64_t size = get<uint64_t>();
    need(size);
    std::string_view out = data_.substr(pos_, size);
    pos_ += size;
    return out;
  }
  bool done() const { return pos_ == data_.size(); }

 private:
  void need(uint64_t size) const {
    if (size > data_.size() - pos_) throw ProtocolError("worker protocol: a message ends early");
  }
  std::string_view data_;
  size_t pos_ = 0;
};

/// The size of a frame header; parse_header gives its type and payload size.
inline constexpr size_t kHeaderSize = 16;
inline void parse_header(const char* header, uint32_t* type, uint64_t* size) {
  uint32_t magic = 0;
  std::memcpy(&magic, header, 4);
  std::memcpy(type, header + 4, 4);
  std::memcpy(size, header + 8, 8);
  if (magic != kMagic) throw ProtocolError("worker protocol: bad frame magic");
  if (*size > (uint64_t{1} << 40)) throw ProtocolError("worker protocol: frame too large");
}

/// The timing fields of a run request, in this order: i32 warmup, number, repeat; f64
/// min_repeat_ms, cooldown_ms; u8 flush_cache.
struct TimingFields {
  int32_t warmup = 1, number = 1, repeat = 3;
  double min_repeat_ms = 0, cooldown_ms = 0;
  bool flush_cache = false;

  void write(Writer& w) const {
    w.put(warmup);
    w.put(number);
    w.put(repeat);
    w.put(min_repeat_ms);
    w.put(cooldown_ms);
    w.put<uint8_t>(flush_cache ? 1 : 0);
  }
  static TimingFields read(Reader& r) {
    TimingFields t;
    t.warmup = r.get<int32_t>();
    t.number = r.get<int32_t>();
    t.repeat = r.get<int32_t>();
    t.min_repeat_ms = r.get<double>();
    t.cooldown_ms = r.get<double>();
    t.flush_cache = r.get<uint8_t>() != 0;
    return t;
  }
};

/// A decoded reply.
struct Reply {
  uint32_t status = kRan;
  std::string message;
  double run_s = 0;
  int64_t number = 0;
  std::vector<double> samples_s;
  std::vector<std::string> outputs;

  std::string encode() const {
    Writer w;
    w.put(status);
    w.put_bytes(message);
    w.put(run_s);
    w.put(number);
    w.put(static_cast<uint32_t>(samples_s.size()));
    for (double s : samples_s) w.put(s);
    w.put(static_cast<uint32_t>(outputs.size()));
    for (const std::string& o : outputs) w.put_bytes(o);
    return w.frame(kReply);
  }
  static Reply decode(std::string_view payload) {
    Reader r(payload);
    Reply p;
    p.status = r.get<uint32_t>();
    p.message = std::string(r.get_bytes());
    p.run_s = r.get<double>();
    p.number = r.get<int64_t>();
    uint32_t n = r.get<uint32_t>();
    for (uint32_t i = 0; i < n; ++i) p.samples_s.push_back(r.get<double>());
    uint32_t n_out = r.get<uint32_t>();
    for (uint32_t i = 0; i < n_out; ++i) p.outputs.emplace_back(r.get_bytes());
    if (!r.done()) throw ProtocolError("worker protocol: trailing bytes in a reply");
    return p;
  }
};

}  // namespace loom::runner
