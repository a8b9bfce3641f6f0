#include "core/view_definition.h"

#include <cstdint>
#include <cstdio>

#include "core/errors.h"
#include "core/sql_view.h"

namespace kappa::processor {
namespace {

constexpr const char* kRoot = "KAPPA_CONFIG";

std::optional<AggregateOp> op_from_string(const std::string& name) {
  if (name == "count") return AggregateOp::Count;
  if (name == "sum") return AggregateOp::Sum;
  if (name == "min") return AggregateOp::Min;
  if (name == "max") return AggregateOp::Max;
  if (name == "count_distinct") return AggregateOp::CountDistinct;
  if (name == "last") return AggregateOp::Last;
  return std::nullopt;
}

FieldPath parse_field(const nlohmann::json& value, const std::string& where) {
  if (!value.is_string()) throw ConfigError(where, "must be a string naming an event field");
  try {
    return FieldPath::parse(value.get<std::string>());
  } catch (const std::invalid_argument& e) {
    throw ConfigError(where, e.what());
  }
}

// FNV-1a, 64 bit: stable across builds and platforms (std::hash is not).
std::string fingerprint_of(const std::string& canonical) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const unsigned char c : canonical) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

AggregateSpec parse_aggregate(const std::string& name, const nlohmann::json& spec) {
  const std::string where = std::string(kRoot) + ".aggregates." + name;
  if (!spec.is_object()) throw ConfigError(where, "must be an object such as {\"op\": \"count\"}");
  AggregateSpec aggregate;
  aggregate.name = name;
  const auto op = spec.find("op");
  if (op == spec.end()) throw ConfigError(where + ".op", "required (count, sum, min, max, count_distinct, last)");
  if (!op->is_string() || !op_from_string(op->get<std::string>())) {
    throw ConfigError(where + ".op", "unknown op " + op->dump() + " (use count, sum, min, max, count_distinct, last)");
  }
  aggregate.op = *op_from_string(op->get<std::string>());
  for (const auto& [member, value] : spec.items()) {
    if (member == "op") continue;
    if (member == "field") {
      aggregate.field = parse_field(value, where + ".field");
    } else if (member == "optional") {
      if (!value.is_boolean()) throw ConfigError(where + ".optional", "must be true or false");
      aggregate.optional = value.get<bool>();
    } else if (member == "where") {
      aggregate.where = Filter::parse(value, where + ".where");
    } else {
      throw ConfigError(where + "." + member, "unknown member (use op, field, optional, where)");
    }
  }
  if (aggregate.op != AggregateOp::Count && !aggregate.field) {
    throw ConfigError(where + ".field", "required for op \"" + std::string(to_string(aggregate.op)) + "\"");
  }
  return aggregate;
}

void merge_window(nlohmann::json& compiled, const nlohmann::json& sibling) {
  const std::string where = std::string(kRoot) + ".window";
  const auto window = compiled.find("window");
  if (window == compiled.end()) {
    throw ConfigError(where, "only beside a statement with GROUP BY ..., TUMBLE(ts, INTERVAL ...)");
  }
  if (!sibling.is_object()) throw ConfigError(where, "must be an object such as {\"allowedLateness\": \"10s\"}");
  for (const auto& [member, value] : sibling.items()) {
    if (member == "field" || member == "size") {
      throw ConfigError(where + "." + member, "not beside sql: the statement's TUMBLE defines it");
    }
    if (member != "allowedLateness" && member != "retention") {
      throw ConfigError(where + "." + member, "unknown member (beside sql: allowedLateness, retention)");
    }
    (*window)[member] = value;
  }
}

// {"sql": "SELECT ...", ...} as the JSON definition the statement compiles
// to, with the other members (deadLetterTopic) kept beside it. A `window`
// beside it adds allowedLateness and retention to the statement's TUMBLE.
nlohmann::json with_sql_compiled(nlohmann::json doc) {
  const auto sql = doc.find("sql");
  if (sql == doc.end()) return doc;
  const std::string where = std::string(kRoot) + ".sql";
  if (!sql->is_string()) throw ConfigError(where, "must be a string holding one SELECT statement");
  nlohmann::json compiled;
  try {
    compiled = sql::compile_view(sql->get<std::string>());
  } catch (const sql::SqlError& e) {
    throw ConfigError(where, e.what());
  }
  for (const auto& [member, value] : doc.items()) {
    if (member == "sql") continue;
    if (member == "key" || member == "aggregates" || member == "filter" || member == "name") {
      throw ConfigError(std::string(kRoot) + "." + member, "not beside sql: the statement defines it");
    }
    if (member == "window") {
      merge_window(compiled, value);
      continue;
    }
    compiled[member] = value;
  }
  return compiled;
}

}  // namespace

std::string_view to_string(AggregateOp op) {
  switch (op) {
    case AggregateOp::Count: return "count";
    case AggregateOp::Sum: return "sum";
    case AggregateOp::Min: return "min";
    case AggregateOp::Max: return "max";
    case AggregateOp::CountDistinct: return "count_distinct";
    case AggregateOp::Last: return "last";
  }
  return "?";
}

ViewDefinition ViewDefinition::parse(const std::string& text) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw ConfigError(kRoot, "empty: a JSON view definition is required");
  }
  const auto parsed = nlohmann::json::parse(text, nullptr, false);
  if (parsed.is_discarded()) throw ConfigError(kRoot, "not valid JSON");
  if (!parsed.is_object()) throw ConfigError(kRoot, "must be a JSON object");
  const auto doc = with_sql_compiled(parsed);

  ViewDefinition view;
  bool have_key = false;
  bool have_aggregates = false;
  for (const auto& [member, value] : doc.items()) {
    const std::string where = std::string(kRoot) + "." + member;
    if (member == "key") {
      view.key = parse_field(value, where);
      have_key = true;
    } else if (member == "aggregates") {
      if (!value.is_object()) throw ConfigError(where, "must be an object of named aggregates");
      if (value.empty()) throw ConfigError(where, "needs at least one aggregate");
      for (const auto& [name, spec] : value.items()) {
        if (name.empty()) throw ConfigError(where, "an aggregate name is empty");
        view.aggregates.push_back(parse_aggregate(name, spec));
      }
      have_aggregates = true;
    } else if (member == "filter") {
      view.filter = Filter::parse(value, where);
    } else if (member == "name") {
      if (!value.is_string() || value.get<std::string>().empty()) throw ConfigError(where, "must be a non-empty name");
      view.name = value.get<std::string>();
    } else if (member == "window") {
      view.window = WindowSpec::parse(value, where);
    } else if (member == "deadLetterTopic") {
      if (!value.is_string() || value.get<std::string>().empty()) {
        throw ConfigError(where, "must be a non-empty topic name");
      }
      view.dead_letter_topic = value.get<std::string>();
    } else {
      throw ConfigError(where, "unknown member (use sql, or key, aggregates, filter, window; and name, deadLetterTopic)");
    }
  }
  if (!have_key) throw ConfigError(std::string(kRoot) + ".key", "required: the event field to group by");
  if (!have_aggregates) throw ConfigError(std::string(kRoot) + ".aggregates", "required: at least one aggregate");
  auto canonical = doc;
  if (view.window) {
    for (const auto& aggregate : view.aggregates) {
      if (aggregate.name == "window_start" || aggregate.name == "window_end") {
        throw ConfigError(std::string(kRoot) + ".aggregates." + aggregate.name,
                          "reserved in a windowed view: each row has the window's window_start and window_end");
      }
    }
    canonical["window"] = view.window->canonical();  // "60s" and "1m", defaults or not: one view
  }
  view.fingerprint = fingerprint_of(canonical.dump());
  return view;
}

ViewDefinition ViewDefinition::with_event_order() const {
  ViewDefinition view = *this;
  if (!event_order) {
    view.event_order = true;
    view.fingerprint = fingerprint_of(fingerprint + "|event order");
  }
  return view;
}

}  // namespace kappa::processor
