#include "core/aggregates.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "core/json_writer.h"

namespace kappa::processor {
namespace {

std::string type_name(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::object: return "an object";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::binary: return "binary";
    case nlohmann::json::value_t::discarded: return "discarded";
    default: return "a number";
  }
}

// An integer JSON value that fits int64, or nullopt.
std::optional<std::int64_t> as_int64(const nlohmann::json& value) {
  if (value.is_number_integer() && !value.is_number_unsigned()) return value.get<std::int64_t>();
  if (value.is_number_unsigned()) {
    const auto u = value.get<std::uint64_t>();
    if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return static_cast<std::int64_t>(u);
    }
  }
  return std::nullopt;
}

std::string_view type_name(const FieldValue& value) {
  switch (value.kind) {
    case FieldValue::Kind::Null: return "null";
    case FieldValue::Kind::Object: return "an object";
    case FieldValue::Kind::Array: return "an array";
    case FieldValue::Kind::String: return "a string";
    case FieldValue::Kind::Boolean: return "a boolean";
    default: return "a number";
  }
}

// From exact integers to the exact sum of doubles, keeping what was summed.
void leave_integers(SumState& sum) {
  sum.integral = false;
  sum.real.add_integer(sum.integer);
  sum.integer = 0;
}

// As add_to_sum below, for a FieldValue number.
void add_to_sum(SumState& sum, const FieldValue& value) {
  if (sum.integral) {
    bool fits = true;
    std::int64_t integer = 0;
    if (value.kind == FieldValue::Kind::Integer) {
      integer = value.integer;
    } else if (value.kind == FieldValue::Kind::Unsigned &&
               value.unsigned_integer <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      integer = static_cast<std::int64_t>(value.unsigned_integer);
    } else {
      fits = false;
    }
    std::int64_t result = 0;
    if (fits && !__builtin_add_overflow(sum.integer, integer, &result)) {
      sum.integer = result;
      return;
    }
    leave_integers(sum);
  }
  switch (value.kind) {
    case FieldValue::Kind::Integer: sum.real.add_integer(value.integer); break;
    case FieldValue::Kind::Unsigned: sum.real.add(static_cast<double>(value.unsigned_integer)); break;
    default: sum.real.add(value.real); break;
  }
}

void add_to_sum(SumState& sum, const nlohmann::json& value) {
  if (sum.integral) {
    if (const auto integer = as_int64(value)) {
      std::int64_t result = 0;
      if (!__builtin_add_overflow(sum.integer, *integer, &result)) {
        sum.integer = result;
        return;
      }
    }
    leave_integers(sum);
  }
  if (const auto integer = as_int64(value)) {
    sum.real.add_integer(*integer);
  } else {
    sum.real.add(value.get<double>());
  }
}

SumState decode_sum(const nlohmann::json& encoded) {
  if (encoded.is_number()) {
    if (const auto integer = as_int64(encoded)) return SumState{true, *integer, {}};
    return SumState{false, 0, ExactSum::of({encoded.get<double>()})};
  }
  constexpr std::size_t kMostPartials = 64;  // a double's range needs far fewer
  if (!encoded.is_array() || encoded.empty() || encoded.size() > kMostPartials) {
    throw std::invalid_argument("a sum must be a number or an array of at most 64 partial sums");
  }
  ExactSum::Partials partials;
  for (const auto& p : encoded) {
    if (!p.is_number()) throw std::invalid_argument("a sum's partials must be numbers");
    partials.push_back(p.get<double>());
  }
  return SumState{false, 0, ExactSum::of(partials)};
}

struct Renderer {
  nlohmann::json operator()(const CountState& s) const { return s.count; }
  nlohmann::json operator()(const SumState& s) const {
    return s.integral ? nlohmann::json(s.integer) : nlohmann::json(s.real.value());
  }
  nlohmann::json operator()(const ExtremeState& s) const { return s.value; }
  nlohmann::json operator()(const DistinctState& s) const { return s.values.size(); }
  nlohmann::json operator()(const LastState& s) const { return s.value; }
};

// A sum whose exact value is one double is that number (as before exact
// sums); otherwise its partials, so that nothing of it is lost.
nlohmann::json encode_sum(const SumState& s) {
  if (s.integral) return s.integer;
  const auto& partials = s.real.partials();
  if (partials.size() <= 1) return s.real.value();
  return nlohmann::json(std::vector<double>(partials.begin(), partials.end()));
}

// [[timestamp, partition, offset], value]: see encode().
nlohmann::json encode_ordered_last(const LastState& s) {
  if (s.value.is_null()) return nullptr;
  return nlohmann::json::array({nlohmann::json::array({s.order.timestamp_ms, s.order.partition, s.order.offset}), s.value});
}

LastState decode_ordered_last(const nlohmann::json& encoded) {
  if (encoded.is_null()) return LastState{};
  const auto fail = [] {
    throw std::invalid_argument("a last value of a repartitioned input must be null or [[timestamp, partition, offset], value]");
  };
  if (!encoded.is_array() || encoded.size() != 2 || encoded[1].is_null()) fail();
  const auto& order = encoded[0];
  if (!order.is_array() || order.size() != 3 || !order[0].is_number_integer() || !order[1].is_number_unsigned() ||
      !order[2].is_number_unsigned() || order[1].get<std::uint64_t>() > std::numeric_limits<std::uint32_t>::max()) {
    fail();
  }
  // A timestamp beyond int64 is read as unsigned: refused, not wrapped.
  if (order[0].is_number_unsigned() &&
      order[0].get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    fail();
  }
  return LastState{encoded[1], EventOrder{order[0].get<std::int64_t>(), order[1].get<std::uint32_t>(),
                                          order[2].get<std::uint64_t>()}};
}

struct Encoder {
  bool event_order = false;
  nlohmann::json operator()(const CountState& s) const { return s.count; }
  nlohmann::json operator()(const SumState& s) const { return encode_sum(s); }
  nlohmann::json operator()(const ExtremeState& s) const { return s.value; }
  nlohmann::json operator()(const DistinctState& s) const {
    auto out = nlohmann::json::array();
    for (const auto& member : s.values) {
      switch (member[0]) {
        case 's': out.push_back(member.substr(1)); break;
        case 'b': out.push_back(member[1] == 't'); break;
        default: out.push_back(nlohmann::json::parse(member.substr(1))); break;
      }
    }
    return out;
  }
  nlohmann::json operator()(const LastState& s) const { return event_order ? encode_ordered_last(s) : s.value; }
};

}  // namespace

AggregateState initial_state(AggregateOp op) {
  switch (op) {
    case AggregateOp::Count: return CountState{};
    case AggregateOp::Sum: return SumState{};
    case AggregateOp::Min:
    case AggregateOp::Max: return ExtremeState{};
    case AggregateOp::CountDistinct: return DistinctState{};
    case AggregateOp::Last: return LastState{};
  }
  throw std::logic_error("unknown aggregate op");
}

KeyState initial_key_state(const ViewDefinition& view) {
  KeyState state;
  state.aggregates.reserve(view.aggregates.size());
  for (const auto& aggregate : view.aggregates) state.aggregates.push_back(initial_state(aggregate.op));
  return state;
}

std::optional<std::string> type_error(AggregateOp op, const nlohmann::json& value) {
  switch (op) {
    case AggregateOp::Count:
    case AggregateOp::Last: return std::nullopt;
    case AggregateOp::Sum:
    case AggregateOp::Min:
    case AggregateOp::Max:
      if (value.is_number()) return std::nullopt;
      return type_name(value) + ", expected a number";
    case AggregateOp::CountDistinct:
      if (value.is_string() || value.is_number() || value.is_boolean()) return std::nullopt;
      return type_name(value) + ", expected a string, number or boolean";
  }
  return "unknown op";
}

std::string canonical_scalar(const nlohmann::json& value) {
  if (value.is_string()) return "s" + value.get_ref<const std::string&>();
  if (value.is_boolean()) return value.get<bool>() ? "btrue" : "bfalse";
  if (value.is_number_float()) {
    const double d = value.get<double>();
    // Integral floats within int64 are the integer (5.0 and 5 are one value).
    if (std::trunc(d) == d && d >= -9.2e18 && d <= 9.2e18) {
      return "n" + std::to_string(static_cast<std::int64_t>(d));
    }
  }
  return "n" + value.dump();
}

std::optional<std::string> type_error(AggregateOp op, const FieldValue& value) {
  switch (op) {
    case AggregateOp::Count:
    case AggregateOp::Last: return std::nullopt;
    case AggregateOp::Sum:
    case AggregateOp::Min:
    case AggregateOp::Max:
      if (value.is_number()) return std::nullopt;
      return std::string(type_name(value)) + ", expected a number";
    case AggregateOp::CountDistinct:
      if (value.is_string() || value.is_number() || value.is_boolean()) return std::nullopt;
      return std::string(type_name(value)) + ", expected a string, number or boolean";
  }
  return "unknown op";
}

void canonical_scalar(const FieldValue& value, std::string& out) {
  out.clear();
  char digits[24];
  switch (value.kind) {
    case FieldValue::Kind::String:
      out.reserve(value.text.size() + 1);
      out += 's';
      out += value.text;
      return;
    case FieldValue::Kind::Boolean:
      out = value.boolean ? "btrue" : "bfalse";
      return;
    case FieldValue::Kind::Integer: {
      const auto end = std::to_chars(digits, digits + sizeof digits, value.integer).ptr;
      out += 'n';
      out.append(digits, end);
      return;
    }
    case FieldValue::Kind::Unsigned: {
      const auto end = std::to_chars(digits, digits + sizeof digits, value.unsigned_integer).ptr;
      out += 'n';
      out.append(digits, end);
      return;
    }
    default:
      out = canonical_scalar(value.to_json());  // floats: rare, keep one definition
      return;
  }
}

bool add_member(DistinctState& distinct, const HashedText& member) {
  if (!distinct.last.empty() && distinct.last == member.text) return false;
  // One probe: the member is copied only when it is new.
  bool added = false;
  distinct.values.lazy_emplace(member, [&](const auto& construct) {
    construct(std::string(member.text));
    added = true;
  });
  distinct.last.assign(member.text);
  return added;
}

bool has_member(const DistinctState& distinct, const HashedText& member) {
  return (!distinct.last.empty() && distinct.last == member.text) || distinct.values.contains(member);
}

std::size_t count_distinct_bytes(const KeyState& state) {
  std::size_t bytes = 0;
  for (const auto& aggregate : state.aggregates) {
    if (const auto* distinct = std::get_if<DistinctState>(&aggregate)) {
      for (const auto& member : distinct->values) bytes += member_json_size(member);
    }
  }
  return bytes;
}

std::size_t member_json_size(std::string_view member) {
  if (member.empty()) return 0;
  // 's': a JSON string; 'n', 'b': the rest is the JSON text. Plus a comma.
  return (member[0] == 's' ? json_writer::string_size(member.substr(1)) : member.size() - 1) + 1;
}

void prefetch_member(const DistinctState& distinct, const HashedText& member) {
  if (distinct.last.empty() || distinct.last != member.text) distinct.values.prefetch(member);
}

void apply_field(AggregateOp op, AggregateState& state, const FieldValue* value) {
  switch (op) {
    case AggregateOp::Count:
      ++std::get<CountState>(state).count;
      return;
    case AggregateOp::Sum:
      add_to_sum(std::get<SumState>(state), *value);
      return;
    case AggregateOp::CountDistinct: {
      thread_local std::string member;
      canonical_scalar(*value, member);
      add_member(std::get<DistinctState>(state), member);
      return;
    }
    case AggregateOp::Min:
    case AggregateOp::Max:
    case AggregateOp::Last: {
      const auto json = value->to_json();
      apply(op, state, &json);
      return;
    }
  }
}

void apply(AggregateOp op, AggregateState& state, const nlohmann::json* value) {
  switch (op) {
    case AggregateOp::Count:
      ++std::get<CountState>(state).count;
      return;
    case AggregateOp::Sum:
      add_to_sum(std::get<SumState>(state), *value);
      return;
    case AggregateOp::Min: {
      auto& extreme = std::get<ExtremeState>(state);
      if (extreme.value.is_null() || *value < extreme.value) extreme.value = *value;
      return;
    }
    case AggregateOp::Max: {
      auto& extreme = std::get<ExtremeState>(state);
      if (extreme.value.is_null() || extreme.value < *value) extreme.value = *value;
      return;
    }
    case AggregateOp::CountDistinct:
      std::get<DistinctState>(state).values.insert(canonical_scalar(*value));
      return;
    case AggregateOp::Last:
      std::get<LastState>(state).value = *value;
      return;
  }
}

nlohmann::json render(const AggregateState& state) { return std::visit(Renderer{}, state); }

nlohmann::json encode(const AggregateState& state, bool event_order) {
  return std::visit(Encoder{event_order}, state);
}

void apply_last(LastState& state, const FieldValue& value, const EventOrder& order) {
  if (!state.value.is_null() && order < state.order) return;  // an earlier event, folded later
  state.value = value.to_json();
  state.order = order;
}

AggregateState decode(AggregateOp op, const nlohmann::json& encoded, bool event_order) {
  switch (op) {
    case AggregateOp::Count: {
      const auto count = as_int64(encoded);
      if (!count || *count < 0) throw std::invalid_argument("a count must be a non-negative integer");
      return CountState{*count};
    }
    case AggregateOp::Sum: {
      return decode_sum(encoded);
    }
    case AggregateOp::Min:
    case AggregateOp::Max:
      if (!encoded.is_null() && !encoded.is_number()) throw std::invalid_argument("min/max must be a number or null");
      return ExtremeState{encoded};
    case AggregateOp::CountDistinct: {
      if (!encoded.is_array()) throw std::invalid_argument("a distinct set must be an array");
      DistinctState distinct;
      distinct.values.reserve(encoded.size());
      for (const auto& member : encoded) {
        if (type_error(AggregateOp::CountDistinct, member)) {
          throw std::invalid_argument("a distinct set member must be a string, number or boolean");
        }
        distinct.values.insert(canonical_scalar(member));
      }
      return distinct;
    }
    case AggregateOp::Last:
      if (event_order) return decode_ordered_last(encoded);
      return LastState{encoded, {}};
  }
  throw std::logic_error("unknown aggregate op");
}

}  // namespace kappa::processor
