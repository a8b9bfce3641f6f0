#pragma once
// Objects shaped like the operator writes them (crds/*.yaml status fields):
// pipeline user-stats in namespace demo, v3 serving, v4 catching up, v2
// warm for rollback, v1 retired; and the Reprocessings behind them.
#include <chrono>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/time_format.h"

namespace kappa::plugin::fixtures {

using nlohmann::json;

// The time every frame is rendered at.
inline std::chrono::system_clock::time_point now() { return *kube::parse_time("2026-11-24T17:00:00Z"); }

inline json pipeline() {
  return json::parse(R"({
    "apiVersion": "kappa.dev/v1alpha1", "kind": "Pipeline",
    "metadata": {"name": "user-stats", "namespace": "demo", "generation": 4},
    "spec": {
      "kafka": {"bootstrapServers": "kafka:9092"}, "input": {"topic": "events"},
      "processor": {"image": "kappa.dev/kappa-processor:1", "replicas": 1},
      "serving": {"serviceName": "user-stats-svc", "port": 8080},
      "rollout": {"promotion": "Automatic", "maxLag": 1000}, "paused": false
    },
    "status": {
      "observedGeneration": 4, "activeVersion": 3, "candidateVersion": 4,
      "candidateLag": 12345, "candidateProgress": "47%", "candidateETA": "1m20s", "nextVersion": 5,
      "versions": [
        {"version": 1, "templateHash": "11aa22bb33", "deployment": "user-stats-v1", "state": "Retired",
         "since": "2026-11-24T12:00:00Z"},
        {"version": 2, "templateHash": "22bb33cc44", "deployment": "user-stats-v2", "state": "Standby",
         "since": "2026-11-24T16:00:00Z"},
        {"version": 3, "templateHash": "33cc44dd55", "deployment": "user-stats-v3", "state": "Active",
         "since": "2026-11-24T16:00:00Z"},
        {"version": 4, "templateHash": "44dd55ee66", "deployment": "user-stats-v4", "state": "CatchingUp",
         "lag": 12345, "since": "2026-11-24T16:55:00Z"}
      ],
      "conditions": [
        {"type": "Ready", "status": "True", "reason": "Serving", "message": "v3 serves",
         "lastTransitionTime": "2026-11-24T16:00:00Z", "observedGeneration": 4},
        {"type": "Reconciling", "status": "True", "reason": "CatchingUp", "message": "v4 is catching up",
         "lastTransitionTime": "2026-11-24T16:55:00Z", "observedGeneration": 4},
        {"type": "Stalled", "status": "False", "reason": "AsExpected", "message": "",
         "lastTransitionTime": "2026-11-24T12:00:00Z", "observedGeneration": 4}
      ]
    }
  })");
}

inline json reprocessing(const std::string& name, const json& status) {
  return {{"apiVersion", "kappa.dev/v1alpha1"},
          {"kind", "Reprocessing"},
          {"metadata", {{"name", name}, {"namespace", "demo"}, {"creationTimestamp", status.value("startedAt", "")}}},
          {"spec", {{"pipelineRef", {{"name", "user-stats"}}}, {"promote", false}, {"abort", false}}},
          {"status", status}};
}

// v4, a quarter of an hour into its replay.
inline json candidate() {
  return reprocessing("user-stats-4", json::parse(R"({
    "version": 4, "templateHash": "44dd55ee66", "deployment": "user-stats-v4",
    "consumerGroup": "kappa.demo.user-stats.v4", "outputTopic": "demo.user-stats.v4",
    "phase": "CatchingUp", "startLag": 23300, "lag": 12345, "progressPercent": 47,
    "recordsPerSecond": 1234, "etaSeconds": 80, "startedAt": "2026-11-24T16:55:00Z",
    "conditions": [{"type": "Stalled", "status": "False", "reason": "Progressing", "message": "",
                    "lastTransitionTime": "2026-11-24T16:55:00Z"}]
  })"));
}

// The same pipeline as architecture Lambda: generation v3 serves (its batch
// run folded 1,234,567 records and completed half an hour ago), v4's batch
// run has been folding for two minutes, v2's failed.
inline json lambda_pipeline() {
  json p = pipeline();
  p["spec"]["architecture"] = "Lambda";
  p["spec"]["batch"] = {{"every", "1h"}, {"backoffLimit", 3}};
  json& s = p["status"];
  for (const char* field : {"candidateLag", "candidateProgress", "candidateETA"}) s.erase(field);
  s["versions"].erase(3);  // v4 has no Deployment while its batch runs
  const std::string batching = "generation 4: batch run (Job user-stats-v4-batch) folding 1250000 records up to "
                               "its snapshot; v3 keeps serving";
  s["conditions"][0] = {{"type", "Ready"}, {"status", "False"}, {"reason", "BatchRunning"},
                        {"message", batching}, {"lastTransitionTime", "2026-11-24T16:58:00Z"}};
  s["conditions"][1] = {{"type", "Reconciling"}, {"status", "True"}, {"reason", "BatchRunning"},
                        {"message", batching}, {"lastTransitionTime", "2026-11-24T16:58:00Z"}};
  s["servingGeneration"] = json::parse(R"({"version": 3, "snapshot": {"0": 400000, "1": 400000, "2": 434567},
    "snapshotAt": "2026-11-24T16:00:00Z", "batchCompletedAt": "2026-11-24T16:30:00Z"})");
  s["lastGenerationStartedAt"] = "2026-11-24T16:57:00Z";
  s["batchRuns"] = json::parse(R"([
    {"version": 4, "reprocessing": "user-stats-g4", "startedAt": "2026-11-24T16:58:00Z", "records": 1250000,
     "outcome": "Running"},
    {"version": 3, "reprocessing": "user-stats-g3", "startedAt": "2026-11-24T16:00:00Z",
     "completedAt": "2026-11-24T16:30:00Z", "records": 1234567, "durationSeconds": 1800, "outcome": "Succeeded"},
    {"version": 2, "reprocessing": "user-stats-g2", "startedAt": "2026-11-24T14:00:00Z",
     "completedAt": "2026-11-24T14:10:00Z", "durationSeconds": 600, "outcome": "Failed"}])");
  return p;
}

// Lambda v4 in its batch run.
inline json batching_candidate() {
  return reprocessing("user-stats-g4", json::parse(R"({
    "version": 4, "templateHash": "44dd55ee66", "phase": "Batching", "startedAt": "2026-11-24T16:57:00Z",
    "snapshot": {"0": 410000, "1": 410000, "2": 430000}, "snapshotAt": "2026-11-24T16:57:00Z",
    "batchJob": "user-stats-v4-batch", "batchStartedAt": "2026-11-24T16:58:00Z", "batchRecords": 1250000,
    "conditions": [{"type": "Stalled", "status": "False", "reason": "BatchRunning", "message": "",
                    "lastTransitionTime": "2026-11-24T16:58:00Z"}]
  })"));
}

inline std::vector<json> history() {
  return {
      reprocessing("user-stats-1", json::parse(R"({"version": 1, "templateHash": "11aa22bb33",
        "phase": "Succeeded", "startLag": 100, "lag": 0, "progressPercent": 100,
        "startedAt": "2026-11-24T10:00:00Z", "completedAt": "2026-11-24T10:12:30Z"})")),
      reprocessing("user-stats-2", json::parse(R"({"version": 2, "templateHash": "22bb33cc44",
        "phase": "Succeeded", "startedAt": "2026-11-24T12:00:00Z", "completedAt": "2026-11-24T14:05:00Z"})")),
      reprocessing("user-stats-3", json::parse(R"({"version": 3, "templateHash": "33cc44dd55",
        "phase": "Failed", "startedAt": "2026-11-24T15:00:00Z"})")),
      candidate(),
  };
}

}  // namespace kappa::plugin::fixtures
