// The ABI's config access: a component's own TOML table with typed getters. A wrong type is
// a LOOM_ERROR_CONFIG whose message gives the file, line, column and both types.
#include "abi.h"
#include "fmt/format.h"
#include "loom/config/value.h"

namespace loom::host::detail {

namespace {

template <typename F>
loom_status config_guarded(const loom_config* config, loom_error* error, F&& body) {
  if (config == nullptr || config->config == nullptr)
    return fail(error, LOOM_ERROR_ARGUMENT, "the config handle is null");
  try {
    return body(*config->config);
  } catch (const config::ConfigError& e) {
    return fail(error, LOOM_ERROR_CONFIG, e.what());
  } catch (const std::exception& e) {
    return fail(error, LOOM_ERROR_INTERNAL, e.what());
  }
}

template <typename T>
loom_status write_list(const std::vector<T>& values, T* out, size_t cap, size_t* n, loom_error* error) {
  if (n != nullptr) *n = values.size();
  if (values.size() > cap || (!values.empty() && out == nullptr))
    return fail(error, LOOM_ERROR_BUFFER_TOO_SMALL,
                fmt::format("the list has {} values but the output array holds {}", values.size(), cap));
  std::copy(values.begin(), values.end(), out);
  return LOOM_OK;
}

}  // namespace

int config_has(const loom_config* config, loom_str key) {
  return config != nullptr && config->config != nullptr && config->config->has(to_string(key)) ? 1 : 0;
}

loom_status config_get_int(const loom_config* config, loom_str key, int64_t default_value, int64_t* out,
                           loom_error* error) {
  return config_guarded(config, error, [&](const config::ComponentConfig& c) {
    *out = c.get_int(to_string(key), default_value);
    return LOOM_OK;
  });
}

loom_status config_get_float(const loom_config* config, loom_str key, double default_value, double* out,
                             loom_error* error) {
  return config_guarded(config, error, [&](const config::ComponentConfig& c) {
    *out = c.get_float(to_string(key), default_value);
    return LOOM_OK;
  });
}

loom_status config_get_bool(const loom_config* config, loom_str key, int default_value, int* out, loom_error* error) {
  return config_guarded(config, error, [&](const config::ComponentConfig& c) {
    *out = c.get_bool(to_string(key), default_value != 0) ? 1 : 0;
    return LOOM_OK;
  });
}

loom_status config_get_string(const loom_config* config, loom_str key, loom_str default_value, loom_str* out,
                              loom_error* error) {
  return config_guarded(config, error, [&](const config::ComponentConfig& c) {
    std::string k = to_string(key);
    (void)c.get_string(k, "");  // type check, and marks the key as read
    const config::ConfigValue* value = c.get(k);
    *out = value == nullptr ? default_value : make_str(value->as_string());
    return LOOM_OK;
  });
}

loom_status config_get_int_list(const loom_config* config, loom_str key, int64_t* out, size_t cap, size_t* n,
                                loom_error* error) {
  return config_guarded(config, error, [&](const config::ComponentConfig& c) {
    return write_list(c.get_int_list(to_string(key), {}), out, cap, n, error);
  });
}

loom_status config_get_float_list(const loom_config* config, loom_str key, double* out, size_t cap, size_t* n,
                                  loom_error* error) {
  return config_guarded(config, error, [&](const config::ComponentConfig& c) {
    return write_list(c.get_float_list(to_string(key), {}), out, cap, n, error);
  });
}

loom_status config_get_string_list(const loom_config* config, loom_str key, loom_str* out, size_t cap, size_t* n,
                                   loom_error* error) {
  return config_guarded(config, error, [&](const config::ComponentConfig& c) {
    std::string k = to_string(key);
    (void)c.get_string_list(k, {});  // type check, and marks the key as read
    const config::ConfigValue* value = c.get(k);
    // The strings point into the config's own values, valid while the config is.
    std::vector<loom_str> items;
    if (value != nullptr) {
      for (const config::ConfigValue& item : value->as_array()) items.push_back(make_str(item.as_string()));
    }
    return write_list(items, out, cap, n, error);
  });
}

}  // namespace loom::host::detail
