#pragma once
// The view a processor computes, from KAPPA_CONFIG (JSON):
//
//   {"key": "user_id",
//    "filter": {"field": "type", "in": ["view", "purchase"]},        (optional)
//    "aggregates": {
//      "total_events":   {"op": "count"},
//      "total_revenue":  {"op": "sum", "field": "revenue", "optional": true},
//      "total_sessions": {"op": "count_distinct", "field": "session_id"},
//      "purchases":      {"op": "count", "where": {"field": "type", "equals": "purchase"}}},
//    "window": {"field": "ts", "size": "60s", "allowedLateness": "10s"},  (optional)
//    "deadLetterTopic": "events.dead"}                                  (optional)
//
// or the same as SQL (core/sql_view.h), compiled into that form:
//
//   {"sql": "SELECT user_id, COUNT(*) AS total_events ... GROUP BY user_id",
//    "deadLetterTopic": "events.dead"}
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/field_path.h"
#include "core/filter.h"
#include "core/window_spec.h"

namespace kappa::processor {

enum class AggregateOp { Count, Sum, Min, Max, CountDistinct, Last };

std::string_view to_string(AggregateOp op);

struct AggregateSpec {
  std::string name;
  AggregateOp op = AggregateOp::Count;
  // The event field aggregated; required for every op but count (where it
  // counts the events that have the field).
  std::optional<FieldPath> field;
  // When true, events without the field (or with null) leave this aggregate
  // alone; when false (default) such an event is a bad record.
  bool optional = false;
  // Only events matching this update the aggregate.
  std::optional<Filter> where;
};

struct ViewDefinition {
  FieldPath key;
  std::vector<AggregateSpec> aggregates;  // in name order
  std::optional<Filter> filter;
  // Tumbling event-time windows: rows per key and window (README, Windows).
  std::optional<WindowSpec> window;
  std::string dead_letter_topic;  // empty: none
  std::string name;               // CREATE MATERIALIZED VIEW <name>, or "name"; may be empty
  // A stable hash of the definition; state records carry it so that state
  // written by another definition is never mixed in.
  std::string fingerprint;
  // The input is repartitioned (KAPPA_INPUT_KEYING=Any): `last` takes the
  // latest event by its EventOrder (core/event_order.h), and its state
  // keeps that order beside the value. State of this kind has a
  // fingerprint of its own: never read by the fast path's view, nor
  // the other way round.
  bool event_order = false;

  // This view, folding a repartitioned input (event_order set).
  ViewDefinition with_event_order() const;

  // Parses and validates `text`. Throws ConfigError whose field is the path
  // of the bad member, e.g. "KAPPA_CONFIG.aggregates.total_revenue.field".
  static ViewDefinition parse(const std::string& text);
};

}  // namespace kappa::processor
