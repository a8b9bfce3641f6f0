// The scale driver's reading of /metrics: samples, sums by label, histogram
// deltas and quantiles as Prometheus computes them.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "prometheus_text.h"

namespace kappa::bench {
namespace {

constexpr const char* kText = R"(# HELP kappa_operator_api_requests_total API requests.
# TYPE kappa_operator_api_requests_total counter
kappa_operator_api_requests_total{code="200",verb="GET"} 7
kappa_operator_api_requests_total{code="404",verb="GET"} 1
kappa_operator_api_requests_total{code="200",verb="PATCH"} 2 1700000000000

kappa_operator_workqueue_depth{name="pipeline"} 3
kappa_operator_workqueue_depth{name="reprocessing"} 0
odd{msg="a \"quoted\", value\\n"} +Inf
h_bucket{controller="a",le="0.1"} 1
h_bucket{controller="a",le="1"} 3
h_bucket{controller="a",le="+Inf"} 4
h_bucket{controller="b",le="0.1"} 1
h_bucket{controller="b",le="1"} 1
h_bucket{controller="b",le="+Inf"} 1
)";

TEST(PrometheusText, ParsesSamplesLabelsAndValues) {
  const auto samples = parse_prometheus_text(kText);
  ASSERT_EQ(samples.size(), 12u);
  EXPECT_EQ(samples[0].name, "kappa_operator_api_requests_total");
  EXPECT_EQ(samples[0].labels.at("verb"), "GET");
  EXPECT_EQ(samples[2].value, 2);  // the timestamp is not the value
  EXPECT_EQ(samples[5].labels.at("msg"), "a \"quoted\", value\\n");
  EXPECT_TRUE(std::isinf(samples[5].value));
}

TEST(PrometheusText, SumsAndSumsByLabel) {
  const auto scrape = Scrape::parse(kText);
  EXPECT_EQ(scrape.sum("kappa_operator_api_requests_total"), 10);
  EXPECT_EQ(scrape.sum("kappa_operator_api_requests_total", {{"verb", "GET"}}), 8);
  EXPECT_EQ(scrape.sum("kappa_operator_workqueue_depth", {{"name", "pipeline"}}), 3);
  EXPECT_EQ(scrape.sum("absent"), 0);
  const auto by_verb = scrape.sum_by("kappa_operator_api_requests_total", "verb");
  EXPECT_EQ(by_verb.at("GET"), 8);
  EXPECT_EQ(by_verb.at("PATCH"), 2);
}

TEST(PrometheusText, BucketsSumOverSeriesByBound) {
  const auto scrape = Scrape::parse(kText);
  const auto all = scrape.buckets("h");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0], std::make_pair(0.1, 2.0));
  EXPECT_EQ(all[1], std::make_pair(1.0, 4.0));
  EXPECT_TRUE(std::isinf(all[2].first));
  EXPECT_EQ(all[2].second, 5);
  EXPECT_EQ(scrape.buckets("h", {{"controller", "b"}}).back().second, 1);
}

TEST(PrometheusText, QuantileInterpolatesLikePrometheus) {
  // 10 observations: 4 up to 0.1, 4 in (0.1, 1], 2 above 1.
  const std::vector<std::pair<double, double>> b{{0.1, 4}, {1, 8}, {HUGE_VAL, 10}};
  EXPECT_DOUBLE_EQ(histogram_quantile(0.2, b), 0.05);        // rank 2 of 4 in [0, 0.1]
  EXPECT_DOUBLE_EQ(histogram_quantile(0.6, b), 0.1 + 0.45);  // rank 6: half-way through (0.1, 1]
  EXPECT_DOUBLE_EQ(histogram_quantile(0.99, b), 1);          // in +Inf: the highest finite bound
  EXPECT_TRUE(std::isnan(histogram_quantile(0.5, {{0.1, 0}, {HUGE_VAL, 0}})));
  EXPECT_TRUE(std::isnan(histogram_quantile(0.5, {})));
}

TEST(PrometheusText, DeltaIsWhatWasObservedBetweenScrapes) {
  const std::vector<std::pair<double, double>> before{{0.1, 4}, {HUGE_VAL, 5}};
  const std::vector<std::pair<double, double>> after{{0.01, 2}, {0.1, 6}, {HUGE_VAL, 9}};
  const auto d = bucket_delta(after, before);
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].second, 2);  // a bound new since `before` counts from zero
  EXPECT_EQ(d[1].second, 2);
  EXPECT_EQ(d[2].second, 4);
}

TEST(PrometheusText, RefusesWhatIsNotASample) {
  EXPECT_THROW(parse_prometheus_text("metric{a=\"x} 1\n"), std::invalid_argument);
  EXPECT_THROW(parse_prometheus_text("metric abc\n"), std::invalid_argument);
  EXPECT_THROW(parse_prometheus_text("{a=\"x\"} 1\n"), std::invalid_argument);
  try {
    parse_prometheus_text("ok 1\n\nbad{ 2\n");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("line 3"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace kappa::bench
