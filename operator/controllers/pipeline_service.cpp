// How a Pipeline pass reads its serving Service, the source of truth for
// which version is active (docs/design.md, invariant 2).
//
// Most passes only report status, and the Service rarely changes, so the
// pass starts from the informer cache. Before any write whose choice
// depends on the Service (creating a version, retiring or marking one,
// scaling the active one, a rollback, a restore, deleting Kafka names) it
// reads the Service fresh. If that read differs from the cache, the pass
// starts over from the fresh read: what it decided so far came from a
// view the API server has already left. The fresh read comes after the
// pass's view of Reprocessings and Deployments, as it always did, so a
// version that was just switched to is either still a candidate in that
// view or already active in the read.
#include <spdlog/spdlog.h>

#include "api/conditions.h"
#include "api/status_names.h"
#include "controllers/pipeline_view.h"
#include "controllers/serving_service.h"

namespace kappa::controllers {

namespace {

std::string resource_version(const std::optional<json>& object) {
  return object ? (*object)["metadata"].value("resourceVersion", "") : "";
}

// The cache holds only the Services this operator manages, so a miss
// cannot tell "none yet" from "someone else's". It is trusted only while
// nothing has served (no Service of ours is expected) and no conflict is
// on record.
bool cache_miss_is_trusted(const json& status) {
  if (status.value("activeVersion", int64_t{0}) > 0) return false;
  const auto stalled = api::find_condition(status.value("conditions", json::array()), api::condition::kStalled);
  return !(stalled && stalled->value("reason", "") == api::reason::kServiceNotOwned);
}

}  // namespace

void PipelineReconciler::read_service(View& v) {
  if (!v.fresh_service) {
    const auto cached = ctx_.caches.services.get(v.ns + "/" + v.spec->service_name);
    if (cached ? api::is_controlled_by(*cached, v.object) : cache_miss_is_trusted(v.status)) {
      v.service = cached ? std::optional<json>(*cached) : std::nullopt;
      v.service_from_cache = true;
      return;
    }
  }
  v.service = read_serving_service(ctx_.client, v.ns, v.spec->service_name);
  v.service_from_cache = false;
}

void PipelineReconciler::confirm_service(View& v) {
  if (!v.service_from_cache) return;
  auto fresh = read_serving_service(ctx_.client, v.ns, v.spec->service_name);
  if (resource_version(fresh) != resource_version(v.service)) {
    spdlog::debug("pipeline {}/{}: the cached Service {} is behind; the pass starts over from a fresh read", v.ns,
                  v.name, v.spec->service_name);
    throw ServiceMoved();
  }
  v.service = std::move(fresh);
  v.service_from_cache = false;
}

}  // namespace kappa::controllers
