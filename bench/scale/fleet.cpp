#include "fleet.h"

#include <cstdio>

#include "kube/api_error.h"

namespace kappa::bench {
namespace {

using nlohmann::json;

const kube::Resource kPipelines{"kappa.dev", "v1alpha1", "pipelines", true};
const kube::Resource kReprocessings{"kappa.dev", "v1alpha1", "reprocessings", true};

std::string padded(int i) {
  char text[16];
  std::snprintf(text, sizeof text, "%04d", i);
  return text;
}

bool ready_for_generation(const json& pipeline) {
  const auto generation = pipeline["metadata"].value("generation", 0LL);
  const auto& status = pipeline.value("status", json::object());
  for (const auto& c : status.value("conditions", json::array())) {
    if (c.value("type", "") != "Ready") continue;
    const auto observed = c.contains("observedGeneration") ? c.value("observedGeneration", 0LL)
                                                           : status.value("observedGeneration", 0LL);
    return c.value("status", "") == "True" && observed >= generation;
  }
  return false;
}

std::set<std::string> names_of(const json& list) {
  std::set<std::string> names;
  for (const auto& item : list["items"]) names.insert(item["metadata"].value("name", ""));
  return names;
}

}  // namespace

Fleet::Fleet(kube::KubeClient& kube, FleetSpec spec) : kube_(kube), spec_(std::move(spec)) {
  for (int i = 0; i < spec_.namespaces; ++i) namespaces_.push_back("scale-" + spec_.run + "-n" + std::to_string(i));
  for (int i = 0; i < spec_.size; ++i) {
    pipelines_.push_back({namespaces_[static_cast<std::size_t>(i % spec_.namespaces)], "p" + padded(i)});
  }
}

void Fleet::create() {
  const json run_labels{{run_label(), spec_.run}};
  for (const auto& ns : namespaces_) {
    try {
      kube_.create(kube::resources::kNamespaces, "",
                   {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}, {"labels", run_labels}}}});
    } catch (const kube::ApiError& e) {
      if (e.kind() != kube::ApiErrorKind::AlreadyExists) throw;
    }
  }
  for (const auto& p : pipelines_) {
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

int Fleet::ready_count() {
  int ready = 0;
  kube::ListOptions options;
  options.label_selector = run_label() + "=" + spec_.run;
  options.limit = 500;
  for (const auto& ns : namespaces_) {
    const auto list = kube::list_all(kube_, kPipelines, ns, options);  // kept: the loop reads into it
    for (const auto& p : list["items"]) ready += ready_for_generation(p);
  }
  return ready;
}

void Fleet::change_template(const PipelineRef& p, const std::string& value) {
  const json patch{{"spec", {{"processor", {{"env", json::array({{{"name", "SCALE_CHANGE"}, {"value", value}}})}}}}}};
  kube_.patch(kPipelines, p.ns, p.name, kube::PatchType::Merge, patch, {});
}

std::set<std::string> Fleet::reprocessings(const PipelineRef& p) {
  kube::ListOptions options;
  options.label_selector = "kappa.dev/pipeline=" + p.name;
  return names_of(kube_.list(kReprocessings, p.ns, options));
}

std::set<std::string> Fleet::deployments(const PipelineRef& p) {
  kube::ListOptions options;
  options.label_selector = "kappa.dev/pipeline=" + p.name;
  return names_of(kube_.list(kube::resources::kDeployments, p.ns, options));
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
