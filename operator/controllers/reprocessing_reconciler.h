#pragma once
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api/pipeline_spec.h"
#include "controllers/controller_context.h"
#include "controllers/reprocessing_metrics.h"
#include "controllers/version_deployment.h"
#include "kafka/progress.h"
#include "kube/controller.h"

namespace kappa::controllers {

// Builds and promotes one version: allocates its number, provisions its
// tables and Deployment, measures its consumer lag until it has caught up,
// then switches the serving Service to it in one guarded write. Abort or
// deletion before the switch removes the candidate; serving is never
// touched by either.
class ReprocessingReconciler : public kube::Reconciler {
 public:
  explicit ReprocessingReconciler(ControllerContext& context);
  kube::Result reconcile(const std::string& key) override;

 private:
  // One reconcile's view: the object, the status being computed, and what
  // the steps learn on the way.
  struct Attempt {
    nlohmann::json object;
    nlohmann::json status;
    std::string ns, name;
    std::optional<nlohmann::json> pipeline;
    std::optional<api::PipelineSpec> spec;
    KafkaAccess kafka;
    VersionPlan plan;
    std::optional<nlohmann::json> deployment;
    // The version number was handed out in this pass: nothing named after
    // it can exist yet.
    bool new_version = false;
  };

  kube::Result run(Attempt& a);
  kube::Result finalize(Attempt& a);
  kube::Result abort(Attempt& a);
  void ensure_version(Attempt& a);
  int64_t allocate_version(Attempt& a);
  int64_t highest_version_in_use(Attempt& a);
  struct TopicScan {
    bool listed = false;  // the Pipeline's topics were listed
    int64_t highest = 0;  // the highest version among them
  };
  int64_t first_free(Attempt& a, int64_t candidate, TopicScan& scan);
  int64_t record_version(Attempt& a, int64_t version);
  VersionPlan plan_for(const Attempt& a, int64_t version) const;
  static bool needs_version(const nlohmann::json& object);
  kube::ObjectPtr read_fresh(const std::string& key);
  std::optional<kube::Result> provision(Attempt& a);
  void find_deployment(Attempt& a);
  std::optional<kube::Result> adopt_deployment(Attempt& a);
  std::optional<kube::Result> preflight(Attempt& a, int32_t& input_partitions);
  std::optional<kube::Result> create_tables(Attempt& a, const std::string& table_name, const std::string& group,
                                            int32_t input_partitions);
  kafka::LagQuery lag_query(const Attempt& a) const;
  void admit_deployment(const Attempt& a, const nlohmann::json& deployment);
  // A Lambda generation's batch run (reprocessing_batch.cpp): nothing while
  // it runs or when it failed, std::nullopt once its table is complete.
  std::optional<kube::Result> run_batch(Attempt& a, int32_t input_partitions);
  void take_snapshot(Attempt& a);
  std::optional<nlohmann::json> ensure_batch_job(Attempt& a, int32_t input_partitions);
  std::optional<kube::Result> follow_batch(Attempt& a, const nlohmann::json& job);
  std::optional<kube::Result> create_deployment(Attempt& a, const nlohmann::json& deployment);

  // What the gate learns from one lag measurement.
  struct LagReading {
    int64_t lag = 0;
    bool not_shrinking = false;  // no new low for the stall window
    bool fresh = false;          // measured by the round that woke this reconcile
  };
  struct Gate {
    bool ready = false;   // every replica Ready
    bool within = false;  // ready and lag <= maxLag
    std::chrono::system_clock::duration stable_for{};
    bool caught_up = false;  // within for stableFor
    std::string lag_text;
  };
  kube::Result measure_and_gate(Attempt& a);
  std::optional<LagReading> measure_lag(Attempt& a);
  Gate judge_gate(Attempt& a, int64_t lag);
  void report_stall(Attempt& a, const LagReading& lag, const Gate& gate);
  std::vector<nlohmann::json> own_pods(const Attempt& a) const;
  kube::Result keep_catching_up(Attempt& a, int64_t lag, const Gate& gate);
  void record_caught_up(Attempt& a, const Gate& gate);
  std::optional<kube::Result> await_promotion(Attempt& a);
  kube::Result switch_service(Attempt& a);
  kube::Result complete(Attempt& a);
  // Removes the candidate's Deployment, group and tables; true when gone.
  bool remove_candidate(Attempt& a);

  std::optional<int64_t> serving_version(const Attempt& a);
  void set_phase(Attempt& a, const std::string& phase);
  void set_condition(Attempt& a, const std::string& type, bool value, const std::string& reason,
                     const std::string& message);
  void stalled(Attempt& a, const std::string& reason, const std::string& message);
  void event(const Attempt& a, bool warning, const std::string& reason, const std::string& note);
  std::string now() const;
  kafka::ProgressTracker& tracker(const std::string& uid);
  // The version is done with: its lag watch and its progress go.
  void forget_progress(const Attempt& a);

  ControllerContext& ctx_;
  TransitionLedger counted_;  // aborts and catch-ups already reported
  std::mutex trackers_mutex_;
  std::map<std::string, kafka::ProgressTracker> trackers_;
};

}  // namespace kappa::controllers
