#include "controllers/watches.h"

#include "api/names.h"

namespace kappa::controllers {
namespace {

using nlohmann::json;

std::string pipeline_ref_key(const json& rp) {
  const std::string ns = rp["metadata"].value("namespace", "");
  return ns + "/" + rp.value("spec", json::object()).value("pipelineRef", json::object()).value("name", "");
}

}  // namespace

std::vector<std::string> pipeline_ref_index(const json& reprocessing) { return {pipeline_ref_key(reprocessing)}; }

namespace {

// A rollback request is an annotation: it must reach the controllers
// although it does not change the generation.
bool spec_or_annotations_changed(const json& a, const json& b) {
  return kube::generation_changed(a, b) ||
         a["metadata"].value("annotations", json::object()) != b["metadata"].value("annotations", json::object());
}

// Every event of an informer, handed to one function of the object.
kube::EventHandlers on_any_event(std::function<void(const json&)> handle) {
  return {handle, [handle](const json&, const json& o) { handle(o); }, handle};
}

}  // namespace

void watch_for_pipelines(kube::Controller& pipelines, Informers& informers) {
  auto& queue = pipelines.queue();
  const auto add = [&queue](const json& o) { queue.add(kube::object_key(o)); };
  informers.pipelines.add_handlers({add,
                                    [add](const json& old_object, const json& new_object) {
                                      if (spec_or_annotations_changed(old_object, new_object)) add(new_object);
                                    },
                                    add});
  // Any Reprocessing change (status included) may change its Pipeline's
  // status, hand-made ones too (they carry no ownerReference).
  informers.reprocessings.add_handlers(on_any_event([&queue](const json& o) { queue.add(pipeline_ref_key(o)); }));
  pipelines.watch_owned(informers.deployments, "Pipeline");
  pipelines.watch_owned(informers.services, "Pipeline");
  // A budget someone deleted or edited comes back; the disruption
  // controller's status updates do not wake the Pipeline.
  const auto by_pipeline_label = [&queue](const json& o) {
    const auto labels = o["metadata"].value("labels", json::object());
    const std::string pipeline = labels.value(api::kLabelPipeline, "");
    if (!pipeline.empty()) queue.add(o["metadata"].value("namespace", "") + "/" + pipeline);
  };
  informers.disruption_budgets.add_handlers({nullptr,
                                             [by_pipeline_label](const json& old_object, const json& new_object) {
                                               if (kube::generation_changed(old_object, new_object)) {
                                                 by_pipeline_label(new_object);
                                               }
                                             },
                                             by_pipeline_label});
}

void watch_for_reprocessings(kube::Controller& reprocessings, Informers& informers) {
  reprocessings.watch_primary(informers.reprocessings);
  auto& queue = reprocessings.queue();
  const kube::ObjectCache& cache = informers.reprocessings.cache();
  // A Pipeline's spec or annotations changed: each of its Reprocessings looks again.
  informers.pipelines.add_handlers({nullptr,
                                    [&queue, &cache](const json& old_object, const json& pipeline) {
                                      if (!spec_or_annotations_changed(old_object, pipeline)) return;
                                      for (const auto& rp : cache.by_index(kByPipelineRef, kube::object_key(pipeline))) {
                                        queue.add(kube::object_key(*rp));
                                      }
                                    },
                                    nullptr});
  // A version's Deployment, pods or the Service changed: the Reprocessing
  // building that version (or every one of the pipeline, for the Service)
  // looks again.
  const auto by_version = [&queue, &cache](const json& object) {
    const auto labels = object["metadata"].value("labels", json::object());
    const std::string pipeline = labels.value(api::kLabelPipeline, "");
    if (pipeline.empty()) return;
    const auto version = api::version_label(object);
    for (const auto& rp : cache.by_label(api::kLabelPipeline, pipeline, object["metadata"].value("namespace", ""))) {
      if (!version || api::version_label(*rp) == version) queue.add(kube::object_key(*rp));
    }
  };
  for (auto* informer : {&informers.deployments, &informers.pods, &informers.services, &informers.jobs}) {
    informer->add_handlers(on_any_event(by_version));
  }
}

}  // namespace kappa::controllers
