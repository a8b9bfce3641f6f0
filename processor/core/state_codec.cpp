#include "core/state_codec.h"

#include <nlohmann/json.hpp>

#include <stdexcept>

#include "core/event_time.h"
#include "core/json_writer.h"

namespace kappa::processor {
namespace {

constexpr int kFormatVersion = 1;

using json_writer::append_double;
using json_writer::append_integer;
using json_writer::append_json;
using json_writer::append_string;
using json_writer::append_unsigned;

void append_sum(std::string& out, const SumState& s) {
  if (s.integral) {
    append_integer(out, s.integer);
  } else {
    append_double(out, s.real.value());
  }
}

// As aggregates.cpp's encode_sum: the number, or the partials when the
// exact sum is not one double.
void append_encoded_sum(std::string& out, const SumState& s) {
  const auto& partials = s.real.partials();
  if (s.integral || partials.size() <= 1) {
    append_sum(out, s);
    return;
  }
  out += '[';
  for (std::size_t i = 0; i < partials.size(); ++i) {
    if (i > 0) out += ',';
    append_double(out, partials[i]);
  }
  out += ']';
}

// A repartitioned input's `last`: [[timestamp, partition, offset], value].
// Out of line, so that the keyed fast path's visitor stays as small as it
// was (transform_bench: see processor/README.md, "What the fast path pays").
[[gnu::noinline]] void append_ordered_last(std::string& out, const LastState& s) {
  out += "[[";
  append_integer(out, s.order.timestamp_ms);
  out += ',';
  append_unsigned(out, s.order.partition);
  out += ',';
  append_unsigned(out, s.order.offset);
  out += "],";
  append_json(out, s.value);
  out += ']';
}

// The output value of one aggregate (as render() returns it).
struct RenderTo {
  std::string& out;
  void operator()(const CountState& s) const { append_integer(out, s.count); }
  void operator()(const SumState& s) const { append_sum(out, s); }
  void operator()(const ExtremeState& s) const { append_json(out, s.value); }
  void operator()(const DistinctState& s) const { append_unsigned(out, s.values.size()); }
  void operator()(const LastState& s) const { append_json(out, s.value); }
};

// The changelog form of one aggregate (as encode() returns it).
struct EncodeTo {
  std::string& out;
  bool event_order;
  void operator()(const CountState& s) const { append_integer(out, s.count); }
  void operator()(const SumState& s) const { append_encoded_sum(out, s); }
  void operator()(const ExtremeState& s) const { append_json(out, s.value); }
  void operator()(const DistinctState& s) const {
    out += '[';
    bool first = true;
    for (const auto& member : s.values) {
      if (!first) out += ',';
      first = false;
      const std::string_view text = std::string_view(member).substr(1);
      switch (member[0]) {
        case 's': append_string(out, text); break;
        case 'b': out += text == "true" ? "true" : "false"; break;
        default: out += text; break;  // a number's canonical text is its JSON
      }
    }
    out += ']';
  }
  void operator()(const LastState& s) const {
    if (event_order && !s.value.is_null()) {
      append_ordered_last(out, s);
    } else {
      append_json(out, s.value);
    }
  }
};

}  // namespace

void encode_state(const ViewDefinition& view, const KeyState& state, std::string& out) {
  out.clear();
  out += "{\"a\":{";
  for (std::size_t i = 0; i < view.aggregates.size(); ++i) {
    if (i) out += ',';
    append_string(out, view.aggregates[i].name);
    out += ':';
    std::visit(EncodeTo{out, view.event_order}, state.aggregates[i]);
  }
  out += "},\"v\":";
  append_integer(out, kFormatVersion);
  out += ",\"view\":";
  append_string(out, view.fingerprint);
  out += '}';
}

std::string encode_state(const ViewDefinition& view, const KeyState& state) {
  std::string out;
  encode_state(view, state, out);
  return out;
}

namespace {

// A changelog record's document, checked for the format and the view.
nlohmann::json checked_record(const ViewDefinition& view, std::string_view bytes) {
  auto doc = nlohmann::json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) throw std::invalid_argument("state record is not a JSON object");
  const auto version = doc.find("v");
  if (version == doc.end() || *version != kFormatVersion) {
    throw std::invalid_argument("state record has format version " + (version == doc.end() ? "none" : version->dump()) +
                                ", expected " + std::to_string(kFormatVersion));
  }
  const auto fingerprint = doc.find("view");
  if (fingerprint == doc.end() || *fingerprint != view.fingerprint) {
    throw std::invalid_argument("state record was written by another view definition (fingerprint " +
                                (fingerprint == doc.end() ? "none" : fingerprint->dump()) + ", this view is \"" +
                                view.fingerprint + "\")");
  }
  return doc;
}

}  // namespace

KeyState decode_state(const ViewDefinition& view, std::string_view bytes) {
  const auto doc = checked_record(view, bytes);
  const auto aggregates = doc.find("a");
  if (aggregates == doc.end() || !aggregates->is_object()) {
    throw std::invalid_argument("state record has no aggregates object");
  }
  KeyState state;
  state.aggregates.reserve(view.aggregates.size());
  for (const auto& aggregate : view.aggregates) {
    const auto encoded = aggregates->find(aggregate.name);
    if (encoded == aggregates->end()) {
      throw std::invalid_argument("state record lacks aggregate '" + aggregate.name + "'");
    }
    try {
      state.aggregates.push_back(decode(aggregate.op, *encoded, view.event_order));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("state of aggregate '" + aggregate.name + "': " + e.what());
    }
  }
  state.distinct_bytes = count_distinct_bytes(state);
  return state;
}

void render_output(const ViewDefinition& view, const KeyState& state, std::string& out) {
  out.clear();
  out += '{';
  for (std::size_t i = 0; i < view.aggregates.size(); ++i) {
    if (i) out += ',';
    append_string(out, view.aggregates[i].name);
    out += ':';
    std::visit(RenderTo{out}, state.aggregates[i]);
  }
  out += '}';
}

std::string render_output(const ViewDefinition& view, const KeyState& state) {
  std::string out;
  render_output(view, state, out);
  return out;
}

}  // namespace kappa::processor

namespace kappa::processor {

void render_row(const ViewDefinition& view, std::string_view state_key, const KeyState& state, std::string& out) {
  render_output(view, state, out);
  if (!view.window) return;
  const auto split = event_time::split_window_key(state_key);
  if (!split) return;  // not a window's key: cannot happen for keys the view made
  std::string window = "{\"window_start\":\"" + event_time::format_rfc3339(split->start) + "\",\"window_end\":\"" +
                       event_time::format_rfc3339(split->start + view.window->size_ms) + "\"";
  if (out.size() > 2) window += ',';
  out.replace(0, 1, window);
}

std::string render_row(const ViewDefinition& view, std::string_view state_key, const KeyState& state) {
  std::string out;
  render_row(view, state_key, state, out);
  return out;
}

std::string encode_watermark(const ViewDefinition& view, std::int64_t watermark_ms) {
  std::string out = "{\"v\":";
  append_integer(out, kFormatVersion);
  out += ",\"view\":";
  append_string(out, view.fingerprint);
  out += ",\"watermark\":";
  append_integer(out, watermark_ms);
  out += '}';
  return out;
}

std::int64_t decode_watermark(const ViewDefinition& view, std::string_view bytes) {
  const auto doc = checked_record(view, bytes);
  const auto mark = doc.find("watermark");
  if (mark == doc.end() || !mark->is_number_integer()) throw std::invalid_argument("watermark record has no watermark");
  return mark->get<std::int64_t>();
}

}  // namespace kappa::processor
