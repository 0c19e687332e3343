// A GoogleTest helper for error tests: a call must throw an exception of a given type whose
// message contains a given text (a test that only checks that something was thrown passes
// for the wrong error too).
//
//     EXPECT_TRUE(throws_with<loom::UserError>([&] { parse(""); }, "expected a function"));
#pragma once

#include <gtest/gtest.h>

#include <exception>
#include <string>
#include <string_view>
#include <utility>

namespace loom::testing {

/// Success when `fn()` throws an `E` whose what() contains `substring`; otherwise a failure
/// that says what happened instead (no exception, another type, or the message).
template <typename E, typename F>
::testing::AssertionResult throws_with(F&& fn, std::string_view substring) {
  try {
    fn();
  } catch (const E& e) {
    if (std::string_view(e.what()).find(substring) != std::string_view::npos) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "the message \"" << e.what() << "\" does not contain \"" << substring
                                         << "\"";
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "expected an exception of the expected type containing \"" << substring
                                         << "\", got another type: " << e.what();
  } catch (...) {
    return ::testing::AssertionFailure() << "expected an exception containing \"" << substring
                                         << "\", got one that is not a std::exception";
  }
  return ::testing::AssertionFailure() << "nothing was thrown (expected \"" << substring << "\")";
}

/// EXPECT_TRUE(throws_with<E>(fn, substring)); the failure names the helper's line, so
/// prefer the EXPECT_TRUE form where a test makes several such checks.
template <typename E, typename F>
void expect_throw_with(F&& fn, std::string_view substring) {
  EXPECT_TRUE(throws_with<E>(std::forward<F>(fn), substring));
}

}  // namespace loom::testing
