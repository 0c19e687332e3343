// A GoogleTest helper for the IR tests: assert that a statement throws loom::UserError whose
// message contains a given text, and show the message when it does not.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "loom/ir/error.h"

/// Expects `statement` to throw loom::UserError with `substring` in its message.
#define EXPECT_USER_ERROR(statement, substring)                                                           \
  do {                                                                                                    \
    try {                                                                                                 \
      statement;                                                                                          \
      ADD_FAILURE() << "expected loom::UserError containing \"" << (substring) << "\" from: " #statement; \
    } catch (const ::loom::UserError& error_) {                                                           \
      EXPECT_NE(std::string(error_.what()).find(substring), std::string::npos)                            \
          << "message: \"" << error_.what() << "\"\nexpected to contain: \"" << (substring) << "\"";      \
    } catch (const std::exception& other_) {                                                              \
      ADD_FAILURE() << "expected loom::UserError, got another exception: " << other_.what();              \
    }                                                                                                     \
  } while (0)
