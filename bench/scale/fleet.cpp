#include "fleet.h"

#include <algorithm>
#include <cstdio>

#include "kube/api_error.h"

namespace kappa::bench {
namespace {

using nlohmann::json;

std::string padded(int i) {
  char text[16];
  std::snprintf(text, sizeof text, "%04d", i);
  return text;
}

}  // namespace

Fleet::Fleet(kube::KubeClient& kube, FleetSpec spec) : kube_(kube), spec_(std::move(spec)) {
  for (int i = 0; i < spec_.namespaces; ++i) namespaces_.push_back("scale-" + spec_.run + "-n" + std::to_string(i));
  for (int i = 0; i < spec_.size; ++i) {
    pipelines_.push_back({namespaces_[static_cast<std::size_t>(i % spec_.namespaces)], "p" + padded(i)});
  }
}

void Fleet::grow_to(int count) {
  const json run_labels{{run_label(), spec_.run}};
  for (const auto& ns : namespaces_) {
    if (created_ > 0) break;
    try {
      kube_.create(kube::resources::kNamespaces, "",
                   {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}, {"labels", run_labels}}}});
    } catch (const kube::ApiError& e) {
      if (e.kind() != kube::ApiErrorKind::AlreadyExists) throw;
    }
  }
  for (; created_ < std::min<int>(count, static_cast<int>(pipelines_.size())); ++created_) {
    const auto& p = pipelines_[static_cast<std::size_t>(created_)];
    const json pipeline{
        {"apiVersion", "kappa.dev/v1alpha1"},
        {"kind", "Pipeline"},
        {"metadata", {{"name", p.name}, {"namespace", p.ns}, {"labels", run_labels}}},
        {"spec",
         {{"kafka", {{"bootstrapServers", spec_.bootstrap_servers}}},
          {"input", {{"topic", spec_.input_topic}}},
          {"processor",
           {{"image", spec_.image},
            {"replicas", 1},
            // Small requests: a thousand pods (and their next versions) fit
            // the node's 8 CPUs and 16 GiB as the scheduler counts them.
            {"resources", {{"requests", {{"cpu", "1m"}, {"memory", "8Mi"}}}}}}},
          {"output", {{"partitions", 1}, {"replicationFactor", 1}}},
          {"serving", {{"serviceName", p.name}, {"port", 8080}}},
          {"rollout",
           {{"startFrom", "Earliest"},
            {"maxLag", 0},
            {"stableFor", spec_.stable_for},
            {"promotion", "Automatic"},
            {"retireAfter", spec_.retire_after},
            {"keepRetiredTables", 0}}}}}};
    try {
      kube_.create(kPipelines, p.ns, pipeline);
    } catch (const kube::ApiError& e) {
      if (e.kind() != kube::ApiErrorKind::AlreadyExists) throw;
    }
  }
}

void Fleet::change_template(const PipelineRef& p, const std::string& value) {
  const json patch{{"spec", {{"processor", {{"env", json::array({{{"name", "SCALE_CHANGE"}, {"value", value}}})}}}}}};
  kube_.patch(kPipelines, p.ns, p.name, kube::PatchType::Merge, patch, {});
}

void Fleet::delete_namespaces() {
  for (const auto& ns : namespaces_) {
    try {
      kube_.remove(kube::resources::kNamespaces, "", ns, {});
    } catch (const kube::ApiError& e) {
      if (e.kind() != kube::ApiErrorKind::NotFound) throw;
    }
  }
}

int Fleet::namespaces_left() {
  int left = 0;
  for (const auto& ns : namespaces_) {
    try {
      kube_.get(kube::resources::kNamespaces, "", ns);
      ++left;
    } catch (const kube::ApiError& e) {
      if (e.kind() != kube::ApiErrorKind::NotFound) throw;
    }
  }
  return left;
}

}  // namespace kappa::bench
