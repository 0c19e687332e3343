// Plugin loom.cost_models: registers loom.xgboost and loom.random.
#include "cost_models.h"

LOOM_DEFINE_PLUGIN("loom.cost_models", "1.0") {
  registry.add_cost_model<loom::cost_models::XGBoostModel>(
      "loom.xgboost", "1.0", "gradient boosted trees (XGBoost) over per-store features, summed per candidate");
  registry.add_cost_model<loom::cost_models::RandomModel>("loom.random", "1.0", "uniform random scores (baseline)");
}
