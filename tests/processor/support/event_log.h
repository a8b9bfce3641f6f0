#pragma once
// A generated log of user events with a known answer: the view the tests
// run, the events (keyed by user, so one user's events share a partition),
// some bad records, and the table the view must produce.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "support/kafka_helpers.h"

namespace kappa::testing::processor {

// The canonical user stats plus one aggregate of each other op.
inline std::string test_view(const std::string& dead_letter_topic = "") {
  nlohmann::json view = {
      {"key", "user_id"},
      {"aggregates",
       {{"total_events", {{"op", "count"}}},
        {"total_revenue", {{"op", "sum"}, {"field", "revenue"}, {"optional", true}}},
        {"total_sessions", {{"op", "count_distinct"}, {"field", "session_id"}}},
        {"max_revenue", {{"op", "max"}, {"field", "revenue"}, {"optional", true}}},
        {"last_page", {{"op", "last"}, {"field", "page"}}},
        {"purchases", {{"op", "count"}, {"where", {{"field", "type"}, {"equals", "purchase"}}}}}}}};
  if (!dead_letter_topic.empty()) view["deadLetterTopic"] = dead_letter_topic;
  return view.dump();
}

struct EventLog {
  std::vector<Record> records;                      // in production order
  std::map<std::string, nlohmann::json> expected;  // user -> row
  std::size_t bad = 0;
};

// `events` good events over `users` users, plus a bad record every
// `bad_every` events (cycling through every kind of bad record).
inline EventLog generate_event_log(std::size_t events, int users, std::size_t bad_every, std::uint32_t seed) {
  std::mt19937 rng(seed);
  struct Totals {
    std::int64_t events = 0;
    // Exact for these amounts (cents up to 1000.00: far fewer than 113 bits
    // in all), so the expected sum is the exact sum rounded once, as the
    // processor promises, whatever order or split the events are folded in.
    __float128 revenue = 0;
    bool any_revenue = false;
    double max_revenue = 0;
    std::set<std::string> sessions;
    std::string last_page;
    std::int64_t purchases = 0;
  };
  std::map<std::string, Totals> totals;
  EventLog log;
  // Keyed as a producer keying by user_id would key them (a random key
  // where the event has none): the input is keyed by the view key.
  const std::vector<std::pair<std::string, std::string>> bad_values = {
      {"u-1", R"({"user_id": "u-1", "session_id": "s-1", "pa)"},                              // truncated JSON
      {"u-2", R"({"user_id": "u-2", "session_id": "s-2", "page": "/x", "revenue": "12.5"})"},  // wrong type
      {"", R"({"session_id": "s-3", "page": "/x", "type": "view"})"},                         // missing key
      {"", R"([1, 2, 3])"},                                                                   // not an object
      {"u-4", R"({"user_id": "u-4", "page": "/x", "type": "view"})"},                         // missing field
      {"", R"({"user_id": {"id": 5}, "session_id": "s", "page": "/x"})"},                     // invalid key
  };
  for (std::size_t i = 0; i < events; ++i) {
    if (bad_every && i % bad_every == bad_every - 1) {
      const auto& [key, value] = bad_values[log.bad % bad_values.size()];
      const std::string random_key = "u-" + std::to_string(rng() % users);
      log.records.push_back({key.empty() ? random_key : key, value});
      ++log.bad;
    }
    const std::string user = "u-" + std::to_string(rng() % users);
    auto& t = totals[user];
    nlohmann::json event = {{"user_id", user},
                            {"session_id", user + "-s" + std::to_string(rng() % 8)},
                            {"page", "/p/" + std::to_string(rng() % 50)}};
    ++t.events;
    t.sessions.insert(event["session_id"].get<std::string>());
    t.last_page = event["page"].get<std::string>();
    if (rng() % 4 == 0) {
      const double revenue = static_cast<double>(rng() % 100000) / 100.0;
      event["type"] = "purchase";
      event["revenue"] = revenue;
      t.revenue += revenue;
      t.max_revenue = t.any_revenue ? std::max(t.max_revenue, revenue) : revenue;
      t.any_revenue = true;
      ++t.purchases;
    } else {
      event["type"] = "view";
    }
    log.records.push_back({user, event.dump()});
  }
  for (const auto& [user, t] : totals) {
    log.expected[user] = {{"total_events", t.events},
                          {"total_revenue", t.any_revenue ? nlohmann::json(static_cast<double>(t.revenue)) : nlohmann::json(0)},
                          {"total_sessions", t.sessions.size()},
                          {"max_revenue", t.any_revenue ? nlohmann::json(t.max_revenue) : nlohmann::json(nullptr)},
                          {"last_page", t.last_page},
                          {"purchases", t.purchases}};
  }
  return log;
}

// The rows of a table read from Kafka, parsed.
inline std::map<std::string, nlohmann::json> parse_rows(const std::map<std::string, std::string>& rows) {
  std::map<std::string, nlohmann::json> out;
  for (const auto& [key, value] : rows) out[key] = nlohmann::json::parse(value, nullptr, false);
  return out;
}

}  // namespace kappa::testing::processor
