#include "controllers/disruption_budget.h"

#include "api/names.h"
#include "controllers/serving_service.h"
#include "kube/api_error.h"

namespace kappa::controllers {

using nlohmann::json;

namespace {

constexpr const char* kBudgetFields[] = {"minAvailable", "maxUnavailable"};

// Both fields, the unset one as null: a merge patch of this replaces the
// budget whichever field it used before.
json budget_fields(const json& budget) {
  json out = json::object();
  for (const char* field : kBudgetFields) out[field] = budget.contains(field) ? budget[field] : json(nullptr);
  return out;
}

bool budget_differs(const json& existing, const json& budget) {
  const json spec = existing.value("spec", json::object());
  for (const char* field : kBudgetFields) {
    if (spec.value(field, json(nullptr)) != budget.value(field, json(nullptr))) return true;
  }
  return false;
}

}  // namespace

json build_disruption_budget(const std::string& pipeline, int64_t version, const json& deployment, const json& budget) {
  json spec = {{"selector", {{"matchLabels", serving_selector(pipeline, version)}}},
               // A replaying candidate is not Ready for hours; its pods must
               // not hold up a node drain. Ready pods stay protected.
               {"unhealthyPodEvictionPolicy", "AlwaysAllow"}};
  for (const char* field : kBudgetFields) {
    if (budget.contains(field)) spec[field] = budget[field];
  }
  const json& meta = deployment["metadata"];
  // Spelled out: an object from a list carries no kind of its own.
  const json owner = {{"apiVersion", "apps/v1"},
                      {"kind", "Deployment"},
                      {"metadata", {{"name", meta.value("name", "")}, {"uid", meta.value("uid", "")}}}};
  json reference = api::controller_reference(owner);
  // Nothing waits on a budget: no deployments/finalizers permission needed.
  reference["blockOwnerDeletion"] = false;
  return {{"apiVersion", "policy/v1"},
          {"kind", "PodDisruptionBudget"},
          {"metadata",
           {{"name", meta.value("name", "")},
            {"namespace", meta.value("namespace", "")},
            {"labels", api::version_labels(pipeline, version)},
            {"ownerReferences", json::array({reference})}}},
          {"spec", spec}};
}

BudgetChange apply_disruption_budget(kube::KubeClient& client, const kube::ObjectCache& cache,
                                     const std::string& pipeline, int64_t version, const json& deployment,
                                     const json& budget) {
  const std::string ns = deployment["metadata"].value("namespace", "");
  const std::string name = deployment["metadata"].value("name", "");
  const auto existing = cache.get(ns + "/" + name);
  if (existing && !api::is_controlled_by(*existing, deployment)) return BudgetChange::None;
  if (budget.is_null()) {
    if (!existing) return BudgetChange::None;
    client.remove(kube::resources::kPodDisruptionBudgets, ns, name, {});
    return BudgetChange::Deleted;
  }
  if (!existing) {
    try {
      client.create(kube::resources::kPodDisruptionBudgets, ns,
                    build_disruption_budget(pipeline, version, deployment, budget));
      return BudgetChange::Created;
    } catch (const kube::ApiError& e) {
      if (e.kind() != kube::ApiErrorKind::AlreadyExists) throw;
      return BudgetChange::None;  // our cache is behind; its event brings us back
    }
  }
  if (!budget_differs(*existing, budget)) return BudgetChange::None;
  client.patch(kube::resources::kPodDisruptionBudgets, ns, name, kube::PatchType::Merge,
               {{"spec", budget_fields(budget)}}, {});
  return BudgetChange::Updated;
}

}  // namespace kappa::controllers
