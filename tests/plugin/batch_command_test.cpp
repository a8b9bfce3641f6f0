// kubectl kappa batch: annotates a Lambda pipeline kappa.dev/batch-now=true
// with one merge patch and says so; refuses any other architecture without
// writing anything.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "api/names.h"
#include "fixtures.h"
#include "plugin/commands.h"
#include "support/fake_kube_client.h"

namespace kappa::plugin {
namespace {

using ::testing::HasSubstr;
using kappa::testing::FakeKubeClient;
using kappa::testing::Verb;

class BatchCommand : public ::testing::Test {
 protected:
  // The fixture pipeline (user-stats in demo), with this architecture; no
  // architecture at all for an object written before the field existed.
  void seed(const char* architecture, const json& annotations = nullptr) {
    json p = fixtures::pipeline();
    if (architecture) p["spec"]["architecture"] = architecture;
    if (!annotations.is_null()) p["metadata"]["annotations"] = annotations;
    client_.seed(api::kPipelines, p);
  }
  json annotations() const {
    return client_.stored(api::kPipelines, "demo", "user-stats")->value("metadata", json::object()).value(
        "annotations", json::object());
  }
  std::string run(const std::string& pipeline = "user-stats") {
    std::ostringstream out;
    EXPECT_EQ(batch_command(target_, pipeline, out), 0);
    return out.str();
  }

  void expect_refused() {
    std::ostringstream out;
    try {
      batch_command(target_, "user-stats", out);
      ADD_FAILURE() << "a Kappa pipeline was annotated";
    } catch (const CommandError& e) {
      EXPECT_EQ(std::string(e.what()),
                "pipeline user-stats is architecture Kappa: batch runs are for architecture Lambda (a Kappa "
                "pipeline builds a new version when spec.processor changes)");
    }
    EXPECT_EQ(client_.count(Verb::Patch), 0);
    EXPECT_EQ(out.str(), "");
  }

  FakeKubeClient client_;
  Target target_{client_, "demo"};
};

TEST_F(BatchCommand, AnnotatesALambdaPipelineWithOneMergePatch) {
  seed("Lambda");
  const json spec_before = client_.stored(api::kPipelines, "demo", "user-stats")->at("spec");
  EXPECT_EQ(run(),
            "batch run of pipeline user-stats requested (kappa.dev/batch-now=true): the operator starts a new "
            "generation from a fresh snapshot of the input and then removes the annotation\n");
  EXPECT_EQ(annotations().value(api::kAnnotationBatchNow, ""), "true");
  ASSERT_EQ(client_.count(Verb::Patch), 1);
  const auto patch = client_.calls().back();
  EXPECT_EQ(patch.body, json({{"metadata", {{"annotations", {{"kappa.dev/batch-now", "true"}}}}}}));
  EXPECT_EQ(client_.stored(api::kPipelines, "demo", "user-stats")->at("spec"), spec_before) << "the spec is untouched";
}

TEST_F(BatchCommand, SaysWhenTheRequestIsAlreadyPending) {
  seed("Lambda", {{api::kAnnotationBatchNow, "true"}, {"team", "data"}});
  EXPECT_THAT(run(), HasSubstr("requested (kappa.dev/batch-now=true); it already was and the operator has not "
                               "started it yet"));
  EXPECT_EQ(annotations(), json({{api::kAnnotationBatchNow, "true"}, {"team", "data"}})) << "others are kept";
}

TEST_F(BatchCommand, RefusesAKappaPipelineWithoutWriting) {
  seed("Kappa");
  expect_refused();
}

TEST_F(BatchCommand, APipelineWithoutArchitectureIsKappa) {
  seed(nullptr);
  expect_refused();
}

TEST_F(BatchCommand, AnUnknownPipelineIsNamed) {
  std::ostringstream out;
  try {
    batch_command(target_, "nope", out);
    ADD_FAILURE() << "no error";
  } catch (const CommandError& e) {
    EXPECT_EQ(std::string(e.what()), "pipeline nope not found in namespace demo");
  }
}

}  // namespace
}  // namespace kappa::plugin
