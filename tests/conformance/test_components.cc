// The checks every component goes through, whatever its kind: it loads (its plugin's ABI
// version is accepted, create from its default table and initialize with the test context
// succeed), a value of the wrong type for any of its keys is an error naming the key and the
// line, and a key it does not know is refused by name.
#include <gmock/gmock.h>

#include "../common/expect_error.h"
#include "conformance.h"

namespace loom::conformance {
namespace {

using loom::testing::throws_with;
using ::testing::HasSubstr;

TEST(Plugins, EveryPluginOfThePluginFolderLoadsAndEveryKindHasComponents) {
  EXPECT_THAT(loaded().problems, ::testing::IsEmpty());
  EXPECT_FALSE(plugin_files().empty()) << "no plugin in " << LOOM_BUILD_PLUGIN_DIR;
  EXPECT_EQ(plugins().plugins().size(), plugin_files().size());
  // The built-in plugins provide every kind the suite checks.
  for (loom_component_kind kind : {LOOM_COMPONENT_SCHEDULE_RULE, LOOM_COMPONENT_MUTATOR, LOOM_COMPONENT_POSTPROC,
                                   LOOM_COMPONENT_COST_MODEL, LOOM_COMPONENT_RUNNER}) {
    EXPECT_FALSE(components_of(kind).empty()) << host::component_kind_name(kind);
  }
}

class AnyComponent : public ::testing::TestWithParam<Component> {};

TEST_P(AnyComponent, LoadsFromItsDefaultTable) {
  const Component& c = GetParam();
  const host::ComponentEntry& entry = plugins().at(c.kind, c.name);
  // The host accepted the plugin's ABI: the same major version, a minor it can talk to; the
  // built-in plugins are built against this tree's header.
  EXPECT_EQ(entry.abi_major, LOOM_ABI_MAJOR);
  EXPECT_EQ(entry.abi_minor, LOOM_ABI_MINOR);
  EXPECT_FALSE(entry.version.empty());
  EXPECT_FALSE(entry.description.empty());
  EXPECT_EQ(entry.as<loom_component>().kind, static_cast<uint32_t>(c.kind));
  config::ComponentConfig cfg = table(c);
  std::shared_ptr<host::ComponentInstance> instance = plugins().instantiate(c.kind, cfg);
  ASSERT_NE(instance, nullptr);
  EXPECT_EQ(instance->name(), c.name);
  EXPECT_TRUE(cfg.unread_keys().empty());
  host::TuningContext context = context_for(workload("gmm"), c.kind == LOOM_COMPONENT_RUNNER ? instance.get() : nullptr,
                                            is_gpu_component(c.name));
  instance->initialize(context);
  ASSERT_NE(instance->context(), nullptr);
  EXPECT_EQ(instance->context()->target.description, context.target.description);
}

TEST_P(AnyComponent, AValueOfTheWrongTypeIsAnErrorNamingTheKeyAndTheLine) {
  const Component& c = GetParam();
  // The keys the component reads: what its create asked its default table for.
  config::ComponentConfig defaults = table(c);
  plugins().instantiate(c.kind, defaults);
  std::vector<std::string> keys = defaults.read_keys();
  if (keys.empty()) GTEST_SKIP() << c.name << " reads no config keys";
  for (const std::string& key : keys) {
    SCOPED_TRACE("key '" + key + "'");
    // An inline table: of no type a component can read through the ABI (integer, float,
    // boolean, string or a list of those), on the table's first body line.
    config::ComponentConfig wrong = table(c, {key + " = { conformance = true }"});
    std::string where = std::string(kConfigFile) + ":" + std::to_string(kFirstBodyLine) + ":";
    EXPECT_TRUE(throws_with<UserError>([&] { make(c, workload("gmm"), wrong); }, where));
    EXPECT_TRUE(throws_with<UserError>([&] { make(c, workload("gmm"), wrong); }, "key '" + key + "'"));
  }
}

TEST_P(AnyComponent, AnUnknownKeyIsRefusedByName) {
  const Component& c = GetParam();
  config::ComponentConfig cfg = table(c, {"conformance_unknown_key = 1"});
  std::string expected = std::string(kConfigFile) + ":" + std::to_string(kFirstBodyLine) + ":1: " + cfg.section() +
                         " " + c.name + ": unknown key 'conformance_unknown_key'";
  EXPECT_TRUE(throws_with<config::ConfigError>([&] { plugins().instantiate(c.kind, cfg); }, expected));
}

INSTANTIATE_TEST_SUITE_P(Conformance, AnyComponent, ::testing::ValuesIn(all_components()), kind_and_name);

}  // namespace
}  // namespace loom::conformance
