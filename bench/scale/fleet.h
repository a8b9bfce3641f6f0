#pragma once
// One fleet of the scale benchmark: N Pipelines of the idle processor spread
// round-robin over K namespaces, all labelled with the run, created in
// steps (10, then 100, then 1,000) so one fleet serves every size.
#include <string>
#include <vector>

#include "kube/kube_client.h"

namespace kappa::bench {

inline const kube::Resource kPipelines{"kappa.dev", "v1alpha1", "pipelines", true};
inline const kube::Resource kReprocessings{"kappa.dev", "v1alpha1", "reprocessings", true};

struct FleetSpec {
  std::string run;                // names and labels everything of this run
  int size = 10;                  // Pipelines at the largest size
  int namespaces = 1;             // spread round-robin over this many
  std::string bootstrap_servers;  // spec.kafka.bootstrapServers
  std::string input_topic;        // one input topic shared by the whole fleet
  std::string image = "kappa.dev/kappa-idle-processor:1";
  // Below the 5 s lag-poll interval, so a version switches on the first
  // reading after the one that found it caught up. At 5 s, a reconcile
  // delayed in the queue made the gap between two readings' passes a
  // little short, and the version waited a third round.
  std::string stable_for = "3s";
  std::string retire_after = "5s";
};

struct PipelineRef {
  std::string ns;
  std::string name;
};

class Fleet {
 public:
  Fleet(kube::KubeClient& kube, FleetSpec spec);

  const std::vector<std::string>& namespaces() const { return namespaces_; }
  const std::vector<PipelineRef>& pipelines() const { return pipelines_; }

  // Creates the namespaces (the first time) and the Pipelines up to the
  // first `count` of pipelines(), those not made before (AlreadyExists is
  // fine): the fleet grows from one size to the next.
  void grow_to(int count);
  int created() const { return created_; }
  // Selects the fleet's Pipelines (a ReadyWatch counts their readiness).
  std::string label_selector() const { return run_label() + "=" + spec_.run; }
  // A new version template: an env entry of the processor set to `value`.
  void change_template(const PipelineRef& p, const std::string& value);
  // Deletes the namespaces (the Pipelines' finalizers need the operator).
  void delete_namespaces();
  // How many of the namespaces still exist.
  int namespaces_left();

  static std::string run_label() { return "kappa.dev/scale-run"; }

 private:
  kube::KubeClient& kube_;
  FleetSpec spec_;
  std::vector<std::string> namespaces_;
  std::vector<PipelineRef> pipelines_;
  int created_ = 0;
};

}  // namespace kappa::bench
