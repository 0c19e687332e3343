// How the CPU code generator fails: a CodegenError (loom/cpu/codegen.h) for a function it
// cannot compile or an LLVM step that fails, with LLVM's llvm::Error as text in the message.
#pragma once

#include <llvm/Support/Error.h>
#include <llvm/Support/raw_ostream.h>

#include <string>

#include "loom/cpu/codegen.h"

namespace loom::cpu {

/// Throws CodegenError(message).
[[noreturn]] inline void fail(const std::string& message) { throw CodegenError(message); }

/// The message of an LLVM error (consumes it).
inline std::string llvm_error_text(llvm::Error error) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << error;
  return os.str();
}

}  // namespace loom::cpu
