#include "core/serving_api.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace kappa::processor {
namespace {

using nlohmann::json;

http::Request request(const std::string& method, std::vector<std::string> segments,
                      std::map<std::string, std::string> query = {}) {
  http::Request r;
  r.method = method;
  for (const auto& s : segments) r.path += "/" + s;
  r.segments = std::move(segments);
  r.query = std::move(query);
  return r;
}

class ServingApiTest : public ::testing::Test {
 protected:
  ServingApiTest() {
    for (int i = 0; i < 25; ++i) {
      char key[8];
      std::snprintf(key, sizeof key, "u-%02d", i);
      table_.upsert(key, json{{"total_events", i}}.dump());
    }
    table_.upsert("a/b c", R"({"total_events":99})");
  }
  ServingApi api(std::string not_ready = "", std::string not_healthy = "") {
    ServingApi::Hooks hooks;
    hooks.not_ready_reason = [not_ready] { return not_ready; };
    hooks.not_healthy_reason = [not_healthy] { return not_healthy; };
    hooks.metrics_text = [] { return std::string("# TYPE x counter\nx 1\n"); };
    return ServingApi(table_, hooks);
  }
  ServingTable table_;
};

TEST_F(ServingApiTest, GetsOneKey) {
  const auto response = api().handle(request("GET", {"v1", "keys", "u-07"}));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(json::parse(response.body), (json{{"key", "u-07"}, {"value", {{"total_events", 7}}}}));
  // Segments arrive decoded: a key with '/' and ' ' is one segment.
  EXPECT_EQ(json::parse(api().handle(request("GET", {"v1", "keys", "a/b c"})).body)["value"]["total_events"], 99);
}

// A Lambda speed layer names the generation and snapshot of each answer.
TEST_F(ServingApiTest, AnswersCarryTheContextWhenOneIsSet) {
  ServingApi::Hooks hooks;
  hooks.answer_context = R"("generation":3,"snapshot":{"0":120,"1":98})";
  const ServingApi lambda(table_, hooks);
  const auto one = json::parse(lambda.handle(request("GET", {"v1", "keys", "u-07"})).body);
  EXPECT_EQ(one, (json{{"key", "u-07"},
                       {"value", {{"total_events", 7}}},
                       {"generation", 3},
                       {"snapshot", {{"0", 120}, {"1", 98}}}}));
  const auto page = json::parse(lambda.handle(request("GET", {"v1", "keys"}, {{"limit", "2"}})).body);
  EXPECT_EQ(page["generation"], 3);
  EXPECT_EQ(page["items"].size(), 2u);
  EXPECT_FALSE(json::parse(api().handle(request("GET", {"v1", "keys", "u-07"})).body).contains("generation"));
  EXPECT_EQ(lambda.handle(request("GET", {"v1", "keys", "nope"})).status, 404);
}

TEST_F(ServingApiTest, UnknownKeyIs404WithAJsonError) {
  const auto response = api().handle(request("GET", {"v1", "keys", "nobody"}));
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(json::parse(response.body)["error"], "key not found: nobody");
}

// The server refuses a path that decodes to invalid UTF-8 (400), but keys
// from the input topic may be any bytes: they are answered, not a 500.
TEST_F(ServingApiTest, KeysThatAreNotUtf8AreAnsweredNotThrown) {
  table_.upsert("bad-\xff", R"({"total_events":1})");
  const auto found = api().handle(request("GET", {"v1", "keys", "bad-\xff"}));
  EXPECT_EQ(found.status, 200);
  EXPECT_EQ(json::parse(found.body)["key"], "bad-\xef\xbf\xbd");
  const auto missing = api().handle(request("GET", {"v1", "keys", "nobody-\xfe"}));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body)["error"], "key not found: nobody-\xef\xbf\xbd");
  EXPECT_EQ(api().handle(request("GET", {"v1", "keys"}, {{"limit", "100"}})).status, 200);
}

TEST_F(ServingApiTest, ListsInKeyOrderPageByPage) {
  std::vector<std::string> keys;
  std::map<std::string, std::string> query = {{"limit", "10"}};
  for (int page = 0; page < 10; ++page) {
    const auto response = api().handle(request("GET", {"v1", "keys"}, query));
    ASSERT_EQ(response.status, 200);
    const auto body = json::parse(response.body);
    EXPECT_LE(body["items"].size(), 10u);
    for (const auto& item : body["items"]) keys.push_back(item["key"]);
    if (body["next"].is_null()) break;
    query["after"] = body["next"];
  }
  ASSERT_EQ(keys.size(), 26u);
  EXPECT_EQ(keys.front(), "a/b c");
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  // The default page is 100 rows, so one page holds everything here.
  const auto all = json::parse(api().handle(request("GET", {"v1", "keys"})).body);
  EXPECT_EQ(all["items"].size(), 26u);
  EXPECT_TRUE(all["next"].is_null());
}

TEST_F(ServingApiTest, BadListingParametersAre400) {
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"limit", "0"}, {"limit", "1001"}, {"limit", "-1"}, {"limit", "ten"}, {"limit", ""}, {"limit", "5x"},
           {"offset", "3"}}) {
    const auto response = api().handle(request("GET", {"v1", "keys"}, {{name, value}}));
    EXPECT_EQ(response.status, 400) << name << "=" << value;
    EXPECT_TRUE(json::parse(response.body).contains("error"));
  }
}

TEST_F(ServingApiTest, WrongMethodIs405AndUnknownPathIs404) {
  const auto post = api().handle(request("POST", {"v1", "keys", "u-01"}));
  EXPECT_EQ(post.status, 405);
  ASSERT_EQ(post.headers.size(), 1u);
  EXPECT_EQ(post.headers[0], (std::pair<std::string, std::string>{"Allow", "GET"}));
  EXPECT_EQ(api().handle(request("DELETE", {"metrics"})).status, 405);
  for (const auto& segments : std::vector<std::vector<std::string>>{
           {}, {"v1"}, {"v2", "keys"}, {"v1", "keys", "a", "b"}, {"keys"}, {"healthz", "x"}}) {
    const auto response = api().handle(request("GET", segments));
    EXPECT_EQ(response.status, 404) << request("GET", segments).path;
    EXPECT_TRUE(json::parse(response.body).contains("error"));
  }
}

TEST_F(ServingApiTest, ProbesAnswerWithTheReason) {
  EXPECT_EQ(api().handle(request("GET", {"readyz"})).status, 200);
  EXPECT_EQ(api().handle(request("GET", {"healthz"})).status, 200);
  const auto not_ready = api("restoring state").handle(request("GET", {"readyz"}));
  EXPECT_EQ(not_ready.status, 503);
  EXPECT_EQ(json::parse(not_ready.body)["reason"], "restoring state");
  EXPECT_EQ(api("", "stuck").handle(request("GET", {"healthz"})).status, 503);
  EXPECT_EQ(api("restoring").handle(request("GET", {"healthz"})).status, 200);
}

TEST_F(ServingApiTest, MetricsInPrometheusTextFormat) {
  const auto response = api().handle(request("GET", {"metrics"}));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type.rfind("text/plain; version=0.0.4", 0), 0u);
  EXPECT_EQ(response.body, "# TYPE x counter\nx 1\n");
}

TEST(ServingTable, UpsertEraseAndPagingBoundaries) {
  ServingTable table;
  table.upsert("b", "{}");
  table.upsert("a", "{}");
  table.upsert("a", R"({"n":1})");
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(table.get("a"), R"({"n":1})");
  const auto first = table.list("", 1);
  ASSERT_EQ(first.rows.size(), 1u);
  EXPECT_EQ(first.next_after, "a");
  const auto second = table.list("a", 1);
  EXPECT_EQ(second.rows[0].first, "b");
  EXPECT_FALSE(second.next_after.has_value());
  table.erase("a");
  EXPECT_FALSE(table.get("a").has_value());
  EXPECT_TRUE(table.list("b", 10).rows.empty());
}

}  // namespace
}  // namespace kappa::processor
