#include "plugin/selection.h"

#include <gtest/gtest.h>

#include "fixtures.h"
#include "plugin/rollback_events.h"

namespace kappa::plugin {
namespace {

std::string name_of(const json& r) { return r["metadata"]["name"]; }

TEST(Selection, OnlyThePipelinesReprocessingsByVersion) {
  auto items = fixtures::history();
  json other = fixtures::candidate();
  other["metadata"]["name"] = "other-9";
  other["spec"]["pipelineRef"]["name"] = "other";
  items.push_back(other);
  std::reverse(items.begin(), items.end());
  const auto rows = of_pipeline(json(items), "user-stats");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(name_of(rows.front()), "user-stats-1");
  EXPECT_EQ(name_of(rows.back()), "user-stats-4");
}

TEST(Selection, InFlightIsTheHighestVersionNotFinished) {
  auto items = fixtures::history();
  EXPECT_EQ(name_of(*in_flight(items)), "user-stats-4");
  items.back()["status"]["phase"] = "Aborted";
  EXPECT_FALSE(in_flight(items).has_value());
  // A Promotable v5 beats a CatchingUp v4 the operator has not cleaned up.
  items.back()["status"]["phase"] = "CatchingUp";
  json v5 = fixtures::candidate();
  v5["metadata"]["name"] = "user-stats-5";
  v5["status"].update({{"version", 5}, {"phase", "Promotable"}});
  items.push_back(v5);
  EXPECT_EQ(name_of(*in_flight(items)), "user-stats-5");
}

TEST(Selection, APendingOneWithoutStatusIsInFlight) {
  json r = fixtures::reprocessing("by-hand", json::object());
  r.erase("status");
  EXPECT_EQ(name_of(*in_flight({r})), "by-hand");
}

json refusal(const std::string& name, const std::string& pipeline, int count, const std::string& note) {
  json e = {{"metadata", {{"name", name}}},
            {"reason", "RollbackUnavailable"},
            {"note", note},
            {"regarding", {{"kind", "Pipeline"}, {"name", pipeline}}}};
  if (count > 1) e["series"] = {{"count", count}};
  return e;
}

TEST(RollbackEvents, ANewOrRecountedRefusalIsOurs) {
  const json before = {{"items", {refusal("p.1", "p", 1, "rollback refused: old"),
                                  refusal("q.1", "q", 1, "rollback refused: other pipeline")}}};
  const RefusalCounts counts = refusal_counts(before, "p");
  EXPECT_EQ(counts.size(), 1u);
  EXPECT_FALSE(new_refusal(counts, before, "p"));

  json recounted = before;
  recounted["items"][0]["series"] = {{"count", 2}};
  EXPECT_EQ(new_refusal(counts, recounted, "p"), "rollback refused: old");

  json added = before;
  added["items"].push_back(refusal("p.2", "p", 1, "rollback refused: v2 is not Ready"));
  EXPECT_EQ(new_refusal(counts, added, "p"), "rollback refused: v2 is not Ready");

  json other_reason = before;
  other_reason["items"].push_back(refusal("p.3", "p", 1, "x"));
  other_reason["items"].back()["reason"] = "RolledBack";
  EXPECT_FALSE(new_refusal(counts, other_reason, "p"));
}

TEST(RollbackEvents, SelectedVersion) {
  EXPECT_EQ(selected_version({{"spec", {{"selector", {{"kappa.dev/pipeline", "p"}, {"kappa.dev/version", "3"}}}}}}),
            3);
  EXPECT_FALSE(selected_version({{"spec", {{"selector", {{"kappa.dev/pipeline", "p"}}}}}}));
  EXPECT_FALSE(selected_version(json::object()));
}

}  // namespace
}  // namespace kappa::plugin
