// The space of Kafka names one Pipeline may own (api/names.h): the last
// check before any deletion, so a tampered record cannot reach another
// namespace's or another Pipeline's topics and groups.
#include <gtest/gtest.h>

#include "api/names.h"

namespace kappa::testing {
namespace {

using api::group_in_pipeline_space;
using api::topic_in_pipeline_space;

TEST(KafkaNameSpace, TopicsOfThisPipelinesVersionAreInside) {
  EXPECT_TRUE(topic_in_pipeline_space("a.p.v3", "a", "p", 3));
  EXPECT_TRUE(topic_in_pipeline_space("a.p.v3.state", "a", "p", 3));
  EXPECT_TRUE(topic_in_pipeline_space("a.tables.p.v3", "a", "p", 3));
  EXPECT_TRUE(topic_in_pipeline_space("a.x.y_Z-1.p.v3.state", "a", "p", 3));
}

TEST(KafkaNameSpace, EverythingElseIsOutside) {
  const struct {
    const char* topic;
    const char* why;
  } cases[] = {
      {"b.p.v3", "another namespace's default name"},
      {"ab.p.v3", "a namespace that only starts like ours"},
      {"a.p.v4", "another version"},
      {"a.q.v3", "another Pipeline"},
      {"a.xp.v3", "a Pipeline whose name ends like ours"},
      {"a.p.v3.state.state", "not a changelog of ours"},
      {"a.p.v3x", "not a version"},
      {"p.v3", "no namespace"},
      {"a..p.v3", "an empty segment"},
      {"a.p.v3.other", "a suffix we never write"},
      {"events", "the input topic"},
      {"", "empty"},
  };
  for (const auto& c : cases) EXPECT_FALSE(topic_in_pipeline_space(c.topic, "a", "p", 3)) << c.topic << ": " << c.why;
}

TEST(KafkaNameSpace, ALambdaGenerationsBatchRunNamesAreInsideAndNothingAroundThem) {
  EXPECT_EQ(api::batch_consumer_group("a", "p", 3), "kappa.a.p.v3.batch");
  EXPECT_EQ(api::batch_table(api::output_topic("a.", "p", 3)), "a.p.v3.batch");
  EXPECT_EQ(api::batch_job_name("p", 3), "p-v3-batch");
  EXPECT_TRUE(group_in_pipeline_space("kappa.a.p.v3.batch", "a", "p", 3));
  EXPECT_TRUE(topic_in_pipeline_space("a.p.v3.batch", "a", "p", 3));
  EXPECT_TRUE(topic_in_pipeline_space("a.tables.p.v3.batch.state", "a", "p", 3));
  EXPECT_FALSE(group_in_pipeline_space("kappa.a.p.v3.batch.x", "a", "p", 3));
  EXPECT_FALSE(group_in_pipeline_space("kappa.b.p.v3.batch", "a", "p", 3));
  EXPECT_FALSE(topic_in_pipeline_space("a.p.v3.state.batch", "a", "p", 3)) << "not a name we write";
  EXPECT_FALSE(topic_in_pipeline_space("a.p.v3.batch.batch", "a", "p", 3));
  EXPECT_FALSE(topic_in_pipeline_space("a.p.v4.batch", "a", "p", 3));
  EXPECT_FALSE(topic_in_pipeline_space("b.p.v3.batch", "a", "p", 3));
}

TEST(KafkaNameSpace, DottedNamesNeverMatch) {
  // A Pipeline "y.p" in namespace "x" would have spelled "x.y.p.v1", which is
  // also what prefix "x.y." gives Pipeline "p": names with dots are refused.
  EXPECT_FALSE(topic_in_pipeline_space("x.y.p.v1", "x", "y.p", 1));
  EXPECT_FALSE(topic_in_pipeline_space("x.y.p.v1", "x.y", "p", 1));
  EXPECT_FALSE(group_in_pipeline_space("kappa.x.y.p.v1", "x", "y.p", 1));
}

TEST(KafkaNameSpace, OnlyTheVersionsOwnGroup) {
  EXPECT_TRUE(group_in_pipeline_space("kappa.a.p.v3", "a", "p", 3));
  EXPECT_FALSE(group_in_pipeline_space("kappa.b.p.v3", "a", "p", 3));
  EXPECT_FALSE(group_in_pipeline_space("kappa.a.p.v2", "a", "p", 3));
  EXPECT_FALSE(group_in_pipeline_space("someone-elses-group", "a", "p", 3));
}

TEST(KafkaNameSpace, StreamsInternalTopicsAreTheGroupsDotlessChangelogsAndRepartitions) {
  using api::streams_internal_topic_of;
  const std::string g = "kappa.a.p.v3";
  EXPECT_TRUE(streams_internal_topic_of(g + "-user-stats-changelog", g));
  EXPECT_TRUE(streams_internal_topic_of(g + "-KSTREAM-AGGREGATE-STATE-STORE-0000000002-repartition", g));
  EXPECT_TRUE(streams_internal_topic_of(g + "-KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-0000000006-topic", g));
  EXPECT_FALSE(streams_internal_topic_of(g + "-changelog", g)) << "no store name";
  EXPECT_FALSE(streams_internal_topic_of(g + "-s.q.v1-changelog", g)) << "a dot: a name the operator spells";
  EXPECT_FALSE(streams_internal_topic_of(g + "-store", g)) << "not a Streams suffix";
  EXPECT_FALSE(streams_internal_topic_of("kappa.a.p.v31-store-changelog", g)) << "another version";
  EXPECT_FALSE(streams_internal_topic_of(g, g));
  EXPECT_FALSE(streams_internal_topic_of("-store-changelog", ""));
}

TEST(KafkaNameSpace, PrefixesMustStartWithTheNamespace) {
  EXPECT_FALSE(api::topic_prefix_problem("a.", "a"));
  EXPECT_FALSE(api::topic_prefix_problem("a.tables.v2.", "a"));
  EXPECT_TRUE(api::topic_prefix_problem("b.", "a"));
  EXPECT_TRUE(api::topic_prefix_problem("", "a"));
  EXPECT_TRUE(api::topic_prefix_problem("a", "a"));
  EXPECT_TRUE(api::topic_prefix_problem("a.x", "a"));
  EXPECT_TRUE(api::topic_prefix_problem("a.x/y.", "a"));
}

}  // namespace
}  // namespace kappa::testing
