#pragma once
// One fleet of the scale benchmark: N Pipelines of the idle processor spread
// round-robin over K namespaces, all labelled with the run, and the reads
// the driver waits on (how many are Ready, a Pipeline's Reprocessings and
// Deployments).
#include <set>
#include <string>
#include <vector>

#include "kube/kube_client.h"

namespace kappa::bench {

struct FleetSpec {
  std::string run;                // names and labels everything of this run
  int size = 10;                  // Pipelines
  int namespaces = 1;             // spread round-robin over this many
  std::string bootstrap_servers;  // spec.kafka.bootstrapServers
  std::string input_topic;        // one input topic shared by the whole fleet
  std::string image = "kappa.dev/kappa-idle-processor:1";
  std::string stable_for = "5s";
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

  // Creates the namespaces and every Pipeline (AlreadyExists is fine).
  void create();
  // Pipelines whose Ready condition is True for their current generation.
  int ready_count();
  // A new version template: an env entry of the processor set to `value`.
  void change_template(const PipelineRef& p, const std::string& value);
  std::set<std::string> reprocessings(const PipelineRef& p);
  std::set<std::string> deployments(const PipelineRef& p);
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
};

}  // namespace kappa::bench
