#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "api/pipeline_spec.h"
#include "controllers/controller_context.h"
#include "controllers/owned_kafka.h"
#include "controllers/version_cleanup.h"
#include "kube/controller.h"

namespace kappa::controllers {

// Owns a Pipeline's lifecycle: the finalizer, a Reprocessing for each new
// version template (superseding an in-flight one), scaling in place,
// rollback, retiring standby versions and their Kafka parts, and the
// status kstatus and printer columns read. The serving Service is switched
// by the Reprocessing that caught up; the Pipeline only creates it back if
// it went missing and flips it on a rollback.
class PipelineReconciler : public kube::Reconciler {
 public:
  explicit PipelineReconciler(ControllerContext& context);
  kube::Result reconcile(const std::string& key) override;

  // The rollout a template change triggers: "<pipeline>-<hash>".
  static std::string reprocessing_name(const std::string& pipeline, const std::string& hash);

  struct View;  // what one reconcile has read (pipeline_view.h)

 private:
  static View start_view(const nlohmann::json& object);
  kube::Result run(View& v);
  kube::Result pass(View& v);
  kube::Result finalize(View& v);
  void read_children(View& v);
  std::optional<kube::Result> check_service(View& v);
  void read_service(View& v);     // from the cache when it can be trusted
  void confirm_service(View& v);  // fresh, before a write that depends on it
  void handle_rollback(View& v);
  bool take_rollback_request(View& v);
  void finish_rollback(View& v);
  void switch_service_back(View& v, int64_t target);
  std::optional<int64_t> rollback_target(const View& v, const std::string& request) const;
  std::string rollback_refusal(View& v, std::optional<int64_t> target) const;
  void restore_service(View& v);
  void roll_out_template(View& v);
  // The Reprocessings made for one template: one still running, the last
  // that ended Failed or Aborted (not superseded), and whether the plain
  // name "<pipeline>-<hash>" is taken.
  struct TemplateAttempts {
    const nlohmann::json* in_flight = nullptr;
    const nlohmann::json* blocked_by = nullptr;
    bool name_taken = false;
  };
  TemplateAttempts attempts_of(const View& v, const std::string& hash) const;
  void stall_on_ended_attempt(View& v, const nlohmann::json& attempt);
  void create_reprocessing(View& v, bool name_taken);
  nlohmann::json reprocessing_manifest(const View& v, const std::string& name) const;
  // Lambda (pipeline_generations.cpp): the next generation of the serving
  // template, on schedule or on request.
  void schedule_generation(View& v);
  std::optional<std::chrono::system_clock::time_point> last_generation_start(const View& v) const;
  std::optional<std::chrono::system_clock::time_point> next_generation_due(
      const View& v, std::chrono::system_clock::time_point last) const;
  void create_generation(View& v, const std::string& trigger, const std::string& suffix);
  void clear_batch_now(View& v);
  void report_failed_generation(View& v);
  void report_serving_batch(const View& v);
  void prune_generations(View& v);
  void supersede(View& v, const std::string& keep_hash);
  void scale_active(View& v);
  void apply_disruption_budgets(View& v);
  std::optional<kube::Result> retire_standby(View& v);
  void set_standby_since(View& v, const nlohmann::json& deployment,
                         std::optional<std::chrono::system_clock::time_point> since);
  bool standby_long_enough(View& v, const nlohmann::json& deployment);
  void retire_version(View& v, int64_t version, const nlohmann::json& deployment);
  VersionParts version_parts(const View& v, int64_t version, const nlohmann::json& deployment) const;
  bool version_finished(const View& v, const OwnedKafka& e) const;
  void collect_kafka_garbage(View& v);
  void delete_dead_groups(View& v, std::vector<OwnedKafka>& dead);
  void delete_dead_tables(View& v, const std::vector<OwnedKafka>& dead);
  void refuse_recorded_name(View& v, int64_t version, const std::string& name);
  void delete_all_owned_kafka(View& v);
  void adopt_legacy_kafka(View& v);
  void record_retired(View& v, int64_t version, const std::string& template_hash);
  void compute_status(View& v);
  void event(const View& v, bool warning, const std::string& reason, const std::string& note);

  ControllerContext& ctx_;
};

}  // namespace kappa::controllers
