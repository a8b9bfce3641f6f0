#include "kube/http_kube_client.h"

#include <algorithm>
#include <thread>

#include "kube/api_error.h"
#include "kube/query.h"
#include "kube/request_deadline.h"

namespace kappa::kube {
namespace {

std::string namespace_of(const json& object) {
  return object.at("metadata").value("namespace", "");
}
std::string name_of(const json& object) { return object.at("metadata").at("name").get<std::string>(); }

const char* content_type_of(PatchType type) {
  switch (type) {
    case PatchType::Merge: return "application/merge-patch+json";
    case PatchType::Json: return "application/json-patch+json";
    case PatchType::StrategicMerge: return "application/strategic-merge-patch+json";
    case PatchType::Apply: return "application/apply-patch+yaml";
  }
  return "application/merge-patch+json";
}

}  // namespace

HttpKubeClient::HttpKubeClient(RestClient& rest, int max_throttle_retries, std::chrono::seconds max_retry_after,
                               std::shared_ptr<const WriteFence> fence)
    : rest_(rest),
      max_throttle_retries_(max_throttle_retries),
      max_retry_after_(max_retry_after),
      fence_(std::move(fence)) {}

// The fence is asked again before every attempt: a throttled write retried
// after Retry-After must still fall inside the term.
HttpResponse HttpKubeClient::send_once(const std::string& method, const std::string& path, const std::string& body,
                                       const std::string& content_type) {
  if (!fence_ || method == "GET") return rest_.send(method, path, body, content_type);
  ScopedRequestDeadline deadline(fence_->admit_write(method + " " + path));
  return rest_.send(method, path, body, content_type);
}

json HttpKubeClient::call(const std::string& method, const std::string& path, const std::string& body,
                          const std::string& content_type) {
  for (int attempt = 0;; ++attempt) {
    const HttpResponse response = send_once(method, path, body, content_type);
    if (response.ok()) {
      return response.body.empty() ? json::object() : json::parse(response.body);
    }
    ApiError error = api_error_from(response, method + " " + path);
    const bool throttled = error.kind() == ApiErrorKind::TooManyRequests ||
                           (response.status == 503 && error.retry_after_seconds());
    if (!throttled || attempt >= max_throttle_retries_) throw error;
    auto wait = std::chrono::steady_clock::now() + std::min(std::chrono::seconds(error.retry_after_seconds().value_or(1)), max_retry_after_);
    // A caller's deadline is not slept past: the next attempt fails at once.
    if (const auto deadline = ScopedRequestDeadline::current()) wait = std::min(wait, *deadline);
    std::this_thread::sleep_until(wait);
  }
}

json HttpKubeClient::get(const Resource& r, const std::string& ns, const std::string& name) {
  return call("GET", r.path(ns, name));
}

json HttpKubeClient::list(const Resource& r, const std::string& ns, const ListOptions& options) {
  return call("GET", r.path(ns) + query_string({
                         {"labelSelector", options.label_selector},
                         {"fieldSelector", options.field_selector},
                         {"resourceVersion", options.resource_version},
                         {"limit", options.limit > 0 ? std::to_string(options.limit) : ""},
                         {"continue", options.continue_token},
                     }));
}

json HttpKubeClient::create(const Resource& r, const std::string& ns, const json& object, const CreateOptions& options) {
  return call("POST", r.path(ns) + (options.dry_run ? "?dryRun=All" : ""), object.dump());
}

json HttpKubeClient::update(const Resource& r, const json& object) {
  return call("PUT", r.path(namespace_of(object), name_of(object)), object.dump());
}

json HttpKubeClient::update_status(const Resource& r, const json& object) {
  return call("PUT", r.path(namespace_of(object), name_of(object), "status"), object.dump());
}

json HttpKubeClient::patch(const Resource& r, const std::string& ns, const std::string& name, PatchType type,
                           const json& body, const PatchOptions& options) {
  const std::string query = query_string({
      {"fieldManager", options.field_manager},
      {"force", type == PatchType::Apply && options.force ? "true" : ""},
  });
  // JSON is valid YAML, so an apply patch can be sent as JSON text.
  return call("PATCH", r.path(ns, name, options.subresource) + query, body.dump(), content_type_of(type));
}

void HttpKubeClient::remove(const Resource& r, const std::string& ns, const std::string& name,
                            const DeleteOptions& options) {
  json body = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}};
  if (!options.propagation_policy.empty()) body["propagationPolicy"] = options.propagation_policy;
  if (options.grace_period_seconds) body["gracePeriodSeconds"] = *options.grace_period_seconds;
  if (!options.precondition_uid.empty()) body["preconditions"]["uid"] = options.precondition_uid;
  if (!options.precondition_resource_version.empty()) {
    body["preconditions"]["resourceVersion"] = options.precondition_resource_version;
  }
  call("DELETE", r.path(ns, name), body.dump());
}

json list_all(KubeClient& client, const Resource& r, const std::string& ns, ListOptions options) {
  json result = client.list(r, ns, options);
  json items = result.value("items", json::array());
  while (true) {
    const std::string next = result.value("metadata", json::object()).value("continue", "");
    if (next.empty()) break;
    options.continue_token = next;
    options.resource_version.clear();  // the token pins the snapshot
    result = client.list(r, ns, options);
    for (auto& item : result.value("items", json::array())) items.push_back(std::move(item));
  }
  result["items"] = std::move(items);
  return result;
}

}  // namespace kappa::kube
