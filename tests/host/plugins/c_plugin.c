/* Test plugins written in plain C99 against loom/plugin.h, one per variant (a compile
 * definition picks it), for the host's loading and ABI-compatibility tests:
 *   LOOM_TEST_OLD_MINOR     structs of older minor versions: rules of the ABI 1.0 layout (no
 *                           life cycle), a cost model without the save/load fields, plugin
 *                           info of ABI minor 0; a rule that works through sch_call, and a
 *                           rule whose primitive call fails
 *   LOOM_TEST_NEW_MINOR     a newer minor version: structs with an extra trailing field
 *   LOOM_TEST_OTHER_MAJOR   another major version (must be refused)
 *   LOOM_TEST_ENTRY_ERROR   register_components reports an error
 *   LOOM_TEST_DUPLICATE     registers a name LOOM_TEST_OLD_MINOR registers too
 *   LOOM_TEST_NOT_PLUGIN    exports no entry symbol */
#include <stddef.h>
#include <string.h>

#include "loom/plugin.h"

static loom_str str(const char* s) {
  loom_str out;
  out.data = s;
  out.size = strlen(s);
  return out;
}

#ifndef LOOM_TEST_NOT_PLUGIN

static const loom_host_api* host;

static loom_status create(void* userdata, const loom_config* config, void** instance, loom_error* error) {
  (void)config;
  (void)error;
  *instance = userdata;
  return LOOM_OK;
}

static void destroy(void* instance) { (void)instance; }

/* Annotates the block with "from" = the plugin's variant name, on a copy. */
static loom_status annotate_rule(void* instance, const loom_schedule* sch, loom_value block, loom_schedule_list* out,
                                 loom_error* error) {
  loom_schedule* copy = host->sch_copy(sch);
  loom_value args[3];
  size_t n_out = 0;
  loom_status status;
  memset(args, 0, sizeof(args));
  args[0] = block;
  args[1].kind = LOOM_VALUE_STR;
  args[1].s = str("from");
  args[2].kind = LOOM_VALUE_STR;
  args[2].s = str((const char*)instance);
  status = host->sch_call(copy, str("annotate"), args, 3, NULL, NULL, 0, NULL, 0, &n_out, error);
  if (status != LOOM_OK) {
    host->sch_free(copy);
    return status;
  }
  host->sch_list_push(out, copy);
  return LOOM_OK;
}

#endif

#if defined(LOOM_TEST_OLD_MINOR)

/* Inlines the block, which fails for an output block: the schedule error must reach the
 * host with its kind. */
static loom_status inline_rule(void* instance, const loom_schedule* sch, loom_value block, loom_schedule_list* out,
                               loom_error* error) {
  loom_schedule* copy = host->sch_copy(sch);
  size_t n_out = 0;
  loom_status status = host->sch_call(copy, str("compute_inline"), &block, 1, NULL, NULL, 0, NULL, 0, &n_out, error);
  (void)instance;
  if (status != LOOM_OK) {
    host->sch_free(copy);
    return status;
  }
  host->sch_list_push(out, copy);
  return LOOM_OK;
}

/* The cost model of "minor version 0": update and predict only. */
static loom_status cost_update(void* instance, const loom_features* features, const double* throughputs,
                               loom_error* error) {
  (void)instance;
  (void)features;
  (void)throughputs;
  (void)error;
  return LOOM_OK;
}

static loom_status cost_predict(void* instance, const loom_features* features, double* scores, loom_error* error) {
  size_t c;
  (void)instance;
  (void)error;
  for (c = 0; c < features->n_candidates; ++c) scores[c] = (double)c;
  return LOOM_OK;
}

static loom_status register_components(const loom_host_api* h, loom_registrar* registrar, loom_error* error) {
  loom_schedule_rule rule;
  loom_schedule_rule bad;
  loom_cost_model model;
  loom_status status;
  host = h;
  memset(&rule, 0, sizeof(rule));
  /* The ABI 1.0 layout: no life cycle (initialize, clone) after apply. */
  rule.base.struct_size = (uint32_t)LOOM_STRUCT_SIZE(loom_schedule_rule, apply);
  rule.base.kind = LOOM_COMPONENT_SCHEDULE_RULE;
  rule.base.name = str("c.annotate");
  rule.base.version = str("0.1");
  rule.base.description = str("annotates a block (C plugin, old minor version)");
  rule.base.userdata = (void*)"old_minor";
  rule.base.create = create;
  rule.base.destroy = destroy;
  rule.apply = annotate_rule;
  status = host->register_component(registrar, &rule.base, error);
  if (status != LOOM_OK) return status;

  bad = rule;
  bad.base.name = str("c.inline");
  bad.base.description = str("inlines a block, failing on output blocks");
  bad.apply = inline_rule;
  status = host->register_component(registrar, &bad.base, error);
  if (status != LOOM_OK) return status;

  memset(&model, 0, sizeof(model));
  model.base.struct_size = (uint32_t)offsetof(loom_cost_model, save); /* no save/load */
  model.base.kind = LOOM_COMPONENT_COST_MODEL;
  model.base.name = str("c.old_model");
  model.base.version = str("0.1");
  model.base.create = create;
  model.base.destroy = destroy;
  model.update = cost_update;
  model.predict = cost_predict;
  return host->register_component(registrar, &model.base, error);
}

LOOM_PLUGIN_ENTRY {
  static loom_plugin_info info;
  info.struct_size = sizeof(info);
  info.abi_major = LOOM_ABI_MAJOR;
  info.abi_minor = 0;
  info.name = str("c_old_minor");
  info.version = str("0.1");
  info.register_components = register_components;
  return &info;
}

#elif defined(LOOM_TEST_NEW_MINOR)

/* A rule struct of a future minor version, with a field this host does not know. */
typedef struct future_rule {
  loom_schedule_rule rule;
  loom_status (*describe_block)(void* instance, loom_value block, loom_error* error);
} future_rule;

typedef struct future_info {
  loom_plugin_info info;
  const char* homepage;
} future_info;

static loom_status register_components(const loom_host_api* h, loom_registrar* registrar, loom_error* error) {
  future_rule rule;
  host = h;
  memset(&rule, 0, sizeof(rule));
  rule.rule.base.struct_size = sizeof(rule);
  rule.rule.base.kind = LOOM_COMPONENT_SCHEDULE_RULE;
  rule.rule.base.name = str("c.annotate_new");
  rule.rule.base.version = str("9.0");
  rule.rule.base.description = str("annotates a block (C plugin, newer minor version)");
  rule.rule.base.userdata = (void*)"new_minor";
  rule.rule.base.create = create;
  rule.rule.base.destroy = destroy;
  rule.rule.apply = annotate_rule;
  rule.describe_block = NULL;
  return host->register_component(registrar, &rule.rule.base, error);
}

LOOM_PLUGIN_ENTRY {
  static future_info info;
  info.info.struct_size = sizeof(info);
  info.info.abi_major = LOOM_ABI_MAJOR;
  info.info.abi_minor = LOOM_ABI_MINOR + 1;
  info.info.name = str("c_new_minor");
  info.info.version = str("9.0");
  info.info.register_components = register_components;
  info.homepage = "https://example.com";
  return &info.info;
}

#elif defined(LOOM_TEST_OTHER_MAJOR) || defined(LOOM_TEST_ENTRY_ERROR) || defined(LOOM_TEST_DUPLICATE)

static loom_status register_components(const loom_host_api* h, loom_registrar* registrar, loom_error* error) {
  host = h;
#if defined(LOOM_TEST_ENTRY_ERROR)
  (void)registrar;
  (void)create;
  (void)destroy;
  (void)annotate_rule;
  host->error_set(error, LOOM_ERROR, str("the license file /etc/acme.lic is missing"), str(""));
  return LOOM_ERROR;
#else
  {
    loom_schedule_rule rule;
    memset(&rule, 0, sizeof(rule));
    rule.base.struct_size = sizeof(rule);
    rule.base.kind = LOOM_COMPONENT_SCHEDULE_RULE;
    rule.base.name = str("c.annotate");
    rule.base.version = str("2.0");
    rule.base.userdata = (void*)"duplicate";
    rule.base.create = create;
    rule.base.destroy = destroy;
    rule.apply = annotate_rule;
    return host->register_component(registrar, &rule.base, error);
  }
#endif
}

LOOM_PLUGIN_ENTRY {
  static loom_plugin_info info;
  info.struct_size = sizeof(info);
#if defined(LOOM_TEST_OTHER_MAJOR)
  info.abi_major = LOOM_ABI_MAJOR + 1;
#else
  info.abi_major = LOOM_ABI_MAJOR;
#endif
  info.abi_minor = 0;
  info.name = str("c_variant");
  info.version = str("2.0");
  info.register_components = register_components;
  return &info;
}

#elif defined(LOOM_TEST_NOT_PLUGIN)

LOOM_PLUGIN_EXPORT int not_a_loom_plugin(void) { return (int)str("x").size; }

#else
#error "define one LOOM_TEST_* variant"
#endif
