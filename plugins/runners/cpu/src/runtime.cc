// The parallel runtime of compiled kernels (loom/cpu/runtime.h), on oneTBB.
#include "loom/cpu/runtime.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

extern "C" void loom_parallel_for(int64_t begin, int64_t end, loom_parallel_body body, void* closure) {
  if (end <= begin) return;
  if (end - begin == 1) {
    body(begin, end, closure);
    return;
  }
  tbb::parallel_for(tbb::blocked_range<int64_t>(begin, end),
                    [&](const tbb::blocked_range<int64_t>& r) { body(r.begin(), r.end(), closure); });
}
