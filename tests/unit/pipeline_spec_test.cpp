// PipelineSpec::parse fills the CRD's defaults and names the field it
// refuses; template_hash changes exactly when a version's output would.
#include "api/pipeline_spec.h"
#include "api/duration.h"

#include <gtest/gtest.h>

#include "support/controller_harness.h"

namespace kappa::testing {
namespace {

using api::parse_duration;
using api::PipelineSpec;

TEST(PipelineSpecParse, FillsDefaultsForAMinimalPipeline) {
  const json minimal = {{"metadata", {{"name", "p"}, {"namespace", "ns"}, {"uid", "u"}, {"generation", 3}}},
                        {"spec", {{"kafka", {{"bootstrapServers", "k:9092"}}}, {"input", {{"topic", "in"}}},
                                  {"processor", {{"image", "img"}}}}}};
  const auto s = PipelineSpec::parse(minimal);
  EXPECT_EQ(s.name, "p");
  EXPECT_EQ(s.ns, "ns");
  EXPECT_EQ(s.uid, "u");
  EXPECT_EQ(s.generation, 3);
  EXPECT_EQ(s.bootstrap_servers, "k:9092");
  EXPECT_EQ(s.secret_name, "");
  EXPECT_EQ(s.input_topic, "in");
  EXPECT_EQ(s.replicas, 1);
  EXPECT_EQ(s.output_partitions, 6);
  EXPECT_EQ(s.output_replication_factor, 1);
  EXPECT_EQ(s.topic_prefix, "ns.");
  EXPECT_EQ(s.service_name, "p");
  EXPECT_EQ(s.serving_port, 8080);
  EXPECT_EQ(s.rollout.start_from, "Earliest");
  EXPECT_EQ(s.rollout.max_lag, 1000);
  EXPECT_EQ(s.rollout.stable_for, std::chrono::seconds(30));
  EXPECT_FALSE(s.rollout.manual_promotion);
  EXPECT_EQ(s.rollout.catch_up_deadline, std::chrono::hours(6));
  EXPECT_EQ(s.rollout.retire_after, std::chrono::minutes(10));
  EXPECT_EQ(s.rollout.keep_retired_tables, 1);
  EXPECT_EQ(s.architecture, api::Architecture::Kappa);
  EXPECT_EQ(s.batch.schedule, "");
  EXPECT_FALSE(s.batch.every);
  EXPECT_FALSE(s.paused);
}

TEST(PipelineSpecParse, ReadsEverySetField) {
  json p = ControllerHarness::pipeline_manifest("stats", {{"promotion", "Manual"}, {"startFrom", "Latest"},
                                                          {"catchUpDeadline", "1h"}, {"keepRetiredTables", 2}});
  p["spec"]["kafka"]["secretRef"] = {{"name", "creds"}};
  p["spec"]["processor"]["replicas"] = 3;
  p["spec"]["output"]["topicPrefix"] = "team.tables.";
  p["spec"]["output"]["config"] = {{"retention.ms", 1000}, {"segment.bytes", "1024"}};
  p["spec"]["serving"] = {{"serviceName", "front"}, {"port", 9090}};
  p["spec"]["paused"] = true;
  const auto s = PipelineSpec::parse(p);
  EXPECT_EQ(s.secret_name, "creds");
  EXPECT_EQ(s.replicas, 3);
  EXPECT_EQ(s.topic_prefix, "team.tables.");
  EXPECT_EQ(s.output_config, (std::map<std::string, std::string>{{"retention.ms", "1000"}, {"segment.bytes", "1024"}}));
  EXPECT_EQ(s.service_name, "front");
  EXPECT_EQ(s.serving_port, 9090);
  EXPECT_TRUE(s.rollout.manual_promotion);
  EXPECT_EQ(s.rollout.start_from, "Latest");
  EXPECT_EQ(s.rollout.max_lag, 10);
  EXPECT_EQ(s.rollout.stable_for, std::chrono::seconds(10));
  EXPECT_EQ(s.rollout.catch_up_deadline, std::chrono::hours(1));
  EXPECT_EQ(s.rollout.retire_after, std::chrono::seconds(60));
  EXPECT_EQ(s.rollout.keep_retired_tables, 2);
  EXPECT_TRUE(s.paused);
}

TEST(PipelineSpecParse, RefusesWhatAdmissionCannotCatchNamingTheField) {
  const struct {
    json rollout;
    std::string field;
  } cases[] = {
      {{{"stableFor", "soon"}}, "spec.rollout.stableFor"},
      {{{"retireAfter", "10 parsecs"}}, "spec.rollout.retireAfter"},
      {{{"catchUpDeadline", ""}}, "spec.rollout.catchUpDeadline"},
      // Overflowed the clock once added to it: retired at once (UBSan).
      {{{"retireAfter", "3000000h"}}, "spec.rollout.retireAfter"},
      {{{"catchUpDeadline", "87600h1s"}}, "spec.rollout.catchUpDeadline"},
      {{{"startFrom", "yesterday"}}, "startFrom"},
  };
  for (const auto& c : cases) {
    try {
      PipelineSpec::parse(ControllerHarness::pipeline_manifest("p", c.rollout));
      ADD_FAILURE() << c.rollout.dump() << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(c.field), std::string::npos) << e.what();
    }
  }
}

json lambda_pipeline(const json& batch = nullptr) {
  json p = ControllerHarness::pipeline_manifest("p");
  p["spec"]["architecture"] = "Lambda";
  if (!batch.is_null()) p["spec"]["batch"] = batch;
  return p;
}

TEST(PipelineSpecParse, ALambdaPipelineWithoutBatchGetsTheDefaults) {
  const auto s = PipelineSpec::parse(lambda_pipeline());
  EXPECT_EQ(s.architecture, api::Architecture::Lambda);
  EXPECT_EQ(s.batch.schedule, "") << "generations start on template changes and kappa.dev/batch-now only";
  EXPECT_FALSE(s.batch.every);
  EXPECT_EQ(s.batch.backoff_limit, 3);
  EXPECT_TRUE(s.batch.resources.is_null()) << "the processor template's";
}

TEST(PipelineSpecParse, ReadsALambdaPipelinesBatch) {
  const json resources = {{"requests", {{"cpu", "2"}}}, {"limits", {{"memory", "8Gi"}}}};
  const auto scheduled = PipelineSpec::parse(
      lambda_pipeline({{"schedule", "0 3 * * 1-5"}, {"backoffLimit", 0}, {"resources", resources}}));
  EXPECT_EQ(scheduled.batch.schedule, "0 3 * * 1-5");
  EXPECT_FALSE(scheduled.batch.every);
  EXPECT_EQ(scheduled.batch.backoff_limit, 0);
  EXPECT_EQ(scheduled.batch.resources, resources);

  EXPECT_EQ(PipelineSpec::parse(lambda_pipeline({{"schedule", "@daily"}})).batch.schedule, "@daily");
  const auto periodic = PipelineSpec::parse(lambda_pipeline({{"every", "1h30m"}}));
  EXPECT_EQ(periodic.batch.schedule, "");
  EXPECT_EQ(periodic.batch.every, std::chrono::minutes(90));
  EXPECT_EQ(PipelineSpec::parse(lambda_pipeline({{"every", "1m"}})).batch.every, std::chrono::minutes(1));
}

// Each refusal names the field and says why; a bad cron carries the cron
// parser's own reason (which field of the five, which value).
TEST(PipelineSpecParse, RefusesABadArchitectureOrBatchNamingTheField) {
  json kappa_with_batch = ControllerHarness::pipeline_manifest("p");
  kappa_with_batch["spec"]["batch"] = {{"every", "1h"}};
  json explicit_kappa_with_batch = kappa_with_batch;
  explicit_kappa_with_batch["spec"]["architecture"] = "Kappa";
  json unknown = ControllerHarness::pipeline_manifest("p");
  unknown["spec"]["architecture"] = "Sigma";
  const struct {
    json pipeline;
    std::string field, reason;
  } cases[] = {
      {kappa_with_batch, "spec.batch", "only for architecture: Lambda"},
      {explicit_kappa_with_batch, "spec.batch", "only for architecture: Lambda"},
      {unknown, "spec.architecture", "\"Sigma\" is neither Kappa nor Lambda"},
      {lambda_pipeline({{"schedule", "61 * * * *"}}), "spec.batch.schedule \"61 * * * *\"", "61 is outside 0-59"},
      {lambda_pipeline({{"schedule", "* * *"}}), "spec.batch.schedule", "has 3"},
      {lambda_pipeline({{"schedule", "every day"}}), "spec.batch.schedule", "5 fields"},
      {lambda_pipeline({{"schedule", "0 3 * * 1-8"}}), "spec.batch.schedule", "day of week"},
      {lambda_pipeline({{"schedule", ""}}), "spec.batch.schedule", "5 fields"},
      {lambda_pipeline({{"schedule", "@fortnightly"}}), "spec.batch.schedule", "unknown cron macro"},
      {lambda_pipeline({{"schedule", 5}}), "spec.batch.schedule", "type must be string"},
      {lambda_pipeline({{"schedule", "@daily"}, {"every", "1h"}}), "spec.batch", "at most one of schedule and every"},
      {lambda_pipeline({{"every", "soon"}}), "spec.batch.every", "not a duration"},
      {lambda_pipeline({{"every", "-1h"}}), "spec.batch.every", "not a duration"},
      {lambda_pipeline({{"every", "30s"}}), "spec.batch.every", "at least 1m"},
      {lambda_pipeline({{"every", "0s"}}), "spec.batch.every", "at least 1m"},
      {lambda_pipeline({{"every", "87601h"}}), "spec.batch.every", "longer than 87600h"},
  };
  for (const auto& c : cases) {
    const std::string what = c.pipeline["spec"].dump();
    try {
      PipelineSpec::parse(c.pipeline);
      ADD_FAILURE() << what << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(c.field), std::string::npos) << what << ": " << e.what();
      EXPECT_NE(std::string(e.what()).find(c.reason), std::string::npos) << what << ": " << e.what();
    }
  }
}

// Kafka names are built from the namespace, the prefix and the name: a
// prefix naming another namespace ("b." read namespace b's default tables),
// or a dotted name ("y.p" under "x." spelled x's tables for pipeline p
// under "x.y."), would let one Pipeline reach another's topics.
TEST(PipelineSpecParse, RefusesNamesThatCouldSpellAnotherNamespacesKafkaNames) {
  const struct {
    std::string name;
    json prefix;
    std::string field;
  } cases[] = {
      {"p", "other.", "spec.output.topicPrefix"},
      {"p", "tea.", "spec.output.topicPrefix"},
      {"p", "team", "spec.output.topicPrefix"},
      {"p", "teamx.", "spec.output.topicPrefix"},
      {"p", "team..x.", "spec.output.topicPrefix"},
      {"p", "team.a b.", "spec.output.topicPrefix"},
      {"p", "team." + std::string(200, 'x') + ".", "spec.output.topicPrefix"},
      {"y.p", nullptr, "metadata.name"},
      {std::string(64, 'p'), nullptr, "metadata.name"},
      {"P", nullptr, "metadata.name"},
      {"-p", nullptr, "metadata.name"},
  };
  for (const auto& c : cases) {
    json p = ControllerHarness::pipeline_manifest(c.name);
    if (!c.prefix.is_null()) p["spec"]["output"]["topicPrefix"] = c.prefix;
    try {
      PipelineSpec::parse(p);
      ADD_FAILURE() << c.name << " with prefix " << c.prefix.dump() << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(c.field), std::string::npos) << e.what();
    }
  }
  json ok = ControllerHarness::pipeline_manifest(std::string(63, 'p'));
  ok["spec"]["output"]["topicPrefix"] = "team.Tables_2-x.";
  EXPECT_NO_THROW(PipelineSpec::parse(ok));
}

TEST(Duration, TenYearsIsTheLongestAccepted) {
  EXPECT_EQ(parse_duration("87600h"), std::chrono::hours(87600));
  EXPECT_EQ(parse_duration("1h30m"), std::chrono::minutes(90));
  EXPECT_THROW(parse_duration("87601h"), std::invalid_argument);
  EXPECT_THROW(parse_duration("999999999999h999999999999h"), std::invalid_argument);
}

TEST(TemplateHash, ChangesWithWhatChangesTheOutputOnly) {
  const json base = ControllerHarness::pipeline_manifest("p");
  const auto hash = [](const json& p) {
    const auto s = PipelineSpec::parse(p);
    return api::template_hash(s.processor, s);
  };
  const std::string h0 = hash(base);
  EXPECT_EQ(h0.size(), 10u);
  EXPECT_EQ(hash(base), h0) << "stable";

  const struct {
    const char* what;
    std::function<void(json&)> edit;
    bool changes;
  } cases[] = {
      {"image", [](json& p) { p["spec"]["processor"]["image"] = "proc:2"; }, true},
      {"config", [](json& p) { p["spec"]["processor"]["config"]["key"] = "session"; }, true},
      {"env", [](json& p) { p["spec"]["processor"]["env"] = json::array({{{"name", "X"}, {"value", "1"}}}); }, true},
      {"output partitions", [](json& p) { p["spec"]["output"]["partitions"] = 6; }, true},
      {"topic prefix", [](json& p) { p["spec"]["output"]["topicPrefix"] = "team.t."; }, true},
      {"output config", [](json& p) { p["spec"]["output"]["config"] = {{"retention.ms", "1"}}; }, true},
      {"replicas", [](json& p) { p["spec"]["processor"]["replicas"] = 5; }, false},
      {"rollout", [](json& p) { p["spec"]["rollout"]["maxLag"] = 99; }, false},
      {"serving", [](json& p) { p["spec"]["serving"]["port"] = 9; }, false},
      {"paused", [](json& p) { p["spec"]["paused"] = true; }, false},
      {"input keying Any", [](json& p) { p["spec"]["input"]["keying"] = "Any"; }, true},
      {"input keying ViewKey, the default", [](json& p) { p["spec"]["input"]["keying"] = "ViewKey"; }, false},
  };
  for (const auto& c : cases) {
    json edited = base;
    c.edit(edited);
    EXPECT_EQ(hash(edited) != h0, c.changes) << c.what;
  }
  json renamed = base;
  renamed["metadata"]["name"] = "q";
  EXPECT_EQ(hash(renamed), h0) << "the hash is the template's, not the Pipeline's name";
}

TEST(StartFrom, ParsesEachFormAndWritesTheContractForm) {
  EXPECT_EQ(api::start_from_env(api::parse_start_from("Earliest")), "earliest");
  EXPECT_EQ(api::start_from_env(api::parse_start_from("Latest")), "latest");
  EXPECT_EQ(api::start_from_env(api::parse_start_from("1970-01-01T00:00:10Z")), "10000");
  EXPECT_THROW(api::parse_start_from("earliest"), std::invalid_argument);
}

}  // namespace
}  // namespace kappa::testing
