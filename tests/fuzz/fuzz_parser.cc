// libFuzzer target for the TVMScript parser: any input must either parse or raise a
// loom::UserError (a ParseError), never crash, hang or trip a sanitizer. Whatever parses
// must print, parse back to a structurally equal module, and print identically.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "loom/ir/ir.h"
#include "loom/script/script.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  loom::ir::IRModule mod;
  try {
    mod = loom::script::parse_module(text, "<fuzz>");
  } catch (const loom::UserError&) {
    return 0;
  }
  // Outside the try: the printer's output must always be valid input.
  std::string printed = loom::script::print(mod);
  loom::ir::IRModule again = loom::script::parse_module(printed, "<printed>");
  if (loom::ir::structural_diff(mod, again).has_value()) std::abort();
  if (loom::script::print(again) != printed) std::abort();
  return 0;
}
