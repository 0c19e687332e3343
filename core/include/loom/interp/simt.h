// The SIMT mode of the reference interpreter: runs a GPU-lowered function (the form
// docs/ARCHITECTURE.md "The GPU-lowered form" defines: top-level global Allocates around a
// sequence of kernels whose
// ThreadBinding loops bind blockIdx / threadIdx) with one logical thread per (blockIdx,
// threadIdx), and reports data races. It is the oracle for barrier insertion and warp
// reductions on machines without a GPU.
//
// Semantics:
// - Each top-level statement (below the global Allocates) is one kernel launch; its launch
//   extent per tag is the largest extent of its loops with that tag (1 when absent). Every
//   thread runs the kernel body; a ThreadBinding loop binds its variable to the thread's
//   index for its tag, and the thread skips the body when that index is >= the extent.
// - Blocks run one after the other. Within a block every thread has its own variables and
//   its own local allocations; a "shared" allocation is one zeroed copy per block; global
//   allocations and parameters are shared by all threads.
// - T.storage_sync() is a barrier of the threads of a block: every thread that has not
//   finished must reach the same barrier, else a RuntimeError names the threads that
//   finished or wait elsewhere. T.warp_shuffle / T.warp_shuffle_down exchange values among
//   the threads of a warp (32 consecutive linear thread indices tx + ty*bx + tz*bx*by)
//   that call the same shuffle; reading from a lane that does not call it is an error.
// - A data race: two accesses to the same element of a global, parameter or shared buffer
//   by different threads of one launch, at least one a write, either from different blocks
//   or from one block with no barrier between them. Each element keeps its last write and
//   up to two reads that can still conflict, so every conflicting pair is not necessarily
//   listed, but a launch with a race reports at least one.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "loom/interp/error.h"
#include "loom/interp/interpreter.h"
#include "loom/ir/function.h"

namespace loom::interp {

/// A thread of a launch: its block and thread indices (x, y, z).
struct SimtThread {
  int64_t block[3] = {0, 0, 0};
  int64_t thread[3] = {0, 0, 0};

  /// "(bx,by,bz)/(tx,ty,tz)".
  std::string to_string() const;
};

/// One data race: two conflicting accesses.
struct DataRace {
  size_t kernel = 0;   ///< Index of the kernel launch among the top-level statements.
  std::string buffer;  ///< The buffer's name.
  int64_t index = 0;   ///< The flat element index in the buffer's storage.
  SimtThread first;    ///< The thread of the earlier access.
  bool first_is_write = false;
  SimtThread second;  ///< The thread of the later access.
  bool second_is_write = false;

  /// "data race on S[5] in kernel 0: write by thread (0,0,0)/(5,0,0) and read by thread
  /// (0,0,0)/(58,0,0) with no barrier between them" (or "in different blocks").
  std::string to_string() const;
};

/// A data race found while running with SimtOptions::throw_on_race (its message is
/// DataRace::to_string()).
class DataRaceError : public RuntimeError {
 public:
  explicit DataRaceError(DataRace race) : RuntimeError(race.to_string()), race_(std::move(race)) {}
  /// The race.
  const DataRace& race() const { return race_; }

 private:
  DataRace race_;
};

/// Options of run_simt.
struct SimtOptions {
  /// Throw DataRaceError at the first race; otherwise collect races into the report.
  bool throw_on_race = true;
  /// With throw_on_race false: the most races the report keeps (later ones are counted).
  size_t max_races = 16;
};

/// What run_simt found.
struct SimtReport {
  std::vector<DataRace> races;  ///< The races kept (at most max_races).
  size_t race_count = 0;        ///< Every race detected, kept or not.
  size_t kernels = 0;           ///< Number of kernel launches run.
};

/// Runs the GPU-lowered `func` on `args` (same argument kinds and checks as run()) in SIMT
/// mode. Throws ArgumentError for bad arguments, RuntimeError when the function is not in
/// the GPU-lowered form (a blockIdx loop below a threadIdx loop, a non-constant
/// ThreadBinding extent), for a divergent barrier, a shuffle reading an inactive lane,
/// out-of-bounds accesses (message as run()'s, plus the thread) and DataRaceError for the
/// first race when options.throw_on_race.
SimtReport run_simt(const ir::PrimFunc& func, const std::vector<Arg>& args, const SimtOptions& options = {});

}  // namespace loom::interp
