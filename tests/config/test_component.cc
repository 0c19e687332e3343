// ComponentConfig: typed getters with defaults, type errors with positions, unread keys.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "../common/expect_error.h"
#include "loom/config/component.h"
#include "loom/config/run_config.h"

using loom::testing::throws_with;

namespace loom::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

/// The first [[rule]] of a config with the given rule table body.
ComponentConfig rule_of(const std::string& body) {
  RunConfig c = parse_config("[workload]\nzoo = \"gmm\"\n[[rule]]\n" + body, "c.toml");
  return c.rules.at(0);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ComponentConfig, GettersReturnValuesAndDefaults) {
  ComponentConfig r = rule_of(
      "name = \"acme.tile\"\nn = 4\nx = 0.5\nwhole = 2\nflag = true\ns = \"SSR\"\nints = [1, 2]\n"
      "floats = [1, 0.5]\nstrs = [\"a\", \"b\"]\n");
  EXPECT_EQ(r.name(), "acme.tile");
  EXPECT_EQ(r.section(), "[[rule]]");
  EXPECT_EQ(r.name_pos().to_string(), "c.toml:4:8");
  EXPECT_EQ(r.get_int("n", 0), 4);
  EXPECT_EQ(r.get_float("x", 0), 0.5);
  EXPECT_EQ(r.get_float("whole", 0), 2.0);  // integers are accepted as floats
  EXPECT_TRUE(r.get_bool("flag", false));
  EXPECT_EQ(r.get_string("s", ""), "SSR");
  EXPECT_THAT(r.get_int_list("ints", {}), ElementsAre(1, 2));
  EXPECT_THAT(r.get_float_list("floats", {}), ElementsAre(1.0, 0.5));
  EXPECT_THAT(r.get_string_list("strs", {}), ElementsAre("a", "b"));
  // Absent keys give the defaults.
  EXPECT_EQ(r.get_int("absent", 7), 7);
  EXPECT_EQ(r.get_float("absent_f", 1.5), 1.5);
  EXPECT_FALSE(r.get_bool("absent_b", false));
  EXPECT_EQ(r.get_string("absent_s", "d"), "d");
  EXPECT_THAT(r.get_int_list("absent_l", {3}), ElementsAre(3));
  EXPECT_TRUE(r.has("n"));
  EXPECT_FALSE(r.has("name"));  // the name is not one of the component's keys
  EXPECT_TRUE(r.unread_keys().empty());
}

TEST(ComponentConfig, TypeErrorsNamePositionSectionAndTypes) {
  ComponentConfig r = rule_of("name = \"acme.tile\"\nn = \"four\"\nlist = [1, \"x\"]\nf = true\n");
  EXPECT_EQ(error_of([&] { r.get_int("n", 0); }),
            "c.toml:5:5: [[rule]] acme.tile: key 'n' must be an integer, got a string");
  EXPECT_EQ(error_of([&] { r.get_string("list", ""); }),
            "c.toml:6:8: [[rule]] acme.tile: key 'list' must be a string, got an array");
  EXPECT_EQ(error_of([&] { r.get_int_list("list", {}); }),
            "c.toml:6:8: [[rule]] acme.tile: key 'list' must be an array of integers, got an array");
  EXPECT_EQ(error_of([&] { r.get_float("f", 0); }),
            "c.toml:7:5: [[rule]] acme.tile: key 'f' must be a float, got a boolean");
  EXPECT_EQ(error_of([&] { r.get_bool("n", false); }),
            "c.toml:5:5: [[rule]] acme.tile: key 'n' must be a boolean, got a string");
}

TEST(ComponentConfig, UnreadKeysAreListedWithPositions) {
  ComponentConfig r = rule_of("name = \"acme.tile\"\nmax_factor = 64\nmax_facter = 32\nother = 1\n");
  r.get_int("max_factor", 0);
  auto unread = r.unread_keys();
  ASSERT_EQ(unread.size(), 2u);
  EXPECT_EQ(unread[0].first, "max_facter");
  EXPECT_EQ(unread[0].second.to_string(), "c.toml:6:1");
  EXPECT_EQ(unread[1].first, "other");
  EXPECT_THAT(r.unread_key_errors(),
              ElementsAre("c.toml:6:1: [[rule]] acme.tile: unknown key 'max_facter' (did you mean 'max_factor'?)",
                          "c.toml:7:1: [[rule]] acme.tile: unknown key 'other'"));
  // Absent keys that were asked for count as read too: read_keys() is what the component knows.
  r.get_int("absent", 1);
  EXPECT_THAT(r.read_keys(), ElementsAre("absent", "max_factor"));
  // A getter that finds a wrong type still counts as a read.
  EXPECT_TRUE(
      throws_with<ConfigError>([&] { r.get_bool("other", false); }, "key 'other' must be a boolean, got an integer"));
  EXPECT_EQ(r.unread_keys().size(), 1u);
}

TEST(ComponentConfig, NestedValuesPrintAsInlineToml) {
  ComponentConfig r = rule_of("name = \"acme.t\"\nopts = { a = 1, \"b c\" = [1.5, \"q\\\"\"] }\n");
  EXPECT_EQ(r.to_toml(), "name = \"acme.t\"\nopts = { a = 1, \"b c\" = [1.5, \"q\\\"\"] }\n");
  const ConfigValue* opts = r.get("opts");
  ASSERT_NE(opts, nullptr);
  ASSERT_TRUE(opts->is_table());
  EXPECT_EQ(opts->find("a")->value.as_integer(), 1);
  EXPECT_EQ(opts->find("a")->key_pos.to_string(), "c.toml:5:10");
}

TEST(ConfigValue, FloatsPrintSoTheyReadBackAsFloats) {
  EXPECT_EQ(ConfigValue::floating(1.0).to_toml(), "1.0");
  EXPECT_EQ(ConfigValue::floating(0.1).to_toml(), "0.1");
  EXPECT_EQ(ConfigValue::floating(1e300).to_toml(), "1e+300");
  EXPECT_EQ(ConfigValue::floating(-2.5).to_toml(), "-2.5");
  EXPECT_EQ(toml_string("a\\b\n\x01"), "\"a\\\\b\\n\\u0001\"");
  EXPECT_EQ(toml_key("plain_key-1"), "plain_key-1");
  EXPECT_EQ(toml_key("has space"), "\"has space\"");
}

TEST(ConfigValue, ClosestMatchSuggestsOnlyLikelyTypos) {
  EXPECT_EQ(closest_match("populaton_size", {"population_size", "eps_greedy"}), "population_size");
  EXPECT_EQ(closest_match("Q", {"M", "N", "K"}), "");
  EXPECT_EQ(closest_match("trails", {"trials", "seed"}), "trials");
  EXPECT_EQ(closest_match("completely_else", {"trials", "seed"}), "");
}

}  // namespace
}  // namespace loom::config
