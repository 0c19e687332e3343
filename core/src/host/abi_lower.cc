// The ABI's lowering: a function to its codegen-ready form (loom/lower/lower.h).
#include "abi.h"
#include "loom/lower/lower.h"

namespace loom::host::detail {

loom_status func_lower(const loom_func* func, loom_func** out, loom_error* error) {
  if (out != nullptr) *out = nullptr;
  return guarded(error, [&] {
    if (func == nullptr || out == nullptr) return fail(error, LOOM_ERROR_ARGUMENT, "func_lower: null argument");
    *out = new loom_func{lower::lower(func->func)};
    return LOOM_OK;
  });
}

}  // namespace loom::host::detail
