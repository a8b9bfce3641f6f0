#include "core/state_codec.h"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace kappa::processor {
namespace {
constexpr int kFormatVersion = 1;
}

std::string encode_state(const ViewDefinition& view, const KeyState& state) {
  nlohmann::json aggregates = nlohmann::json::object();
  for (std::size_t i = 0; i < view.aggregates.size(); ++i) {
    aggregates[view.aggregates[i].name] = encode(state.aggregates[i]);
  }
  return nlohmann::json{{"v", kFormatVersion}, {"view", view.fingerprint}, {"a", std::move(aggregates)}}.dump();
}

KeyState decode_state(const ViewDefinition& view, std::string_view bytes) {
  const auto doc = nlohmann::json::parse(bytes.begin(), bytes.end(), nullptr, false);
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
      state.aggregates.push_back(decode(aggregate.op, *encoded));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("state of aggregate '" + aggregate.name + "': " + e.what());
    }
  }
  return state;
}

std::string render_output(const ViewDefinition& view, const KeyState& state) {
  nlohmann::json row = nlohmann::json::object();
  for (std::size_t i = 0; i < view.aggregates.size(); ++i) {
    row[view.aggregates[i].name] = render(state.aggregates[i]);
  }
  return row.dump();
}

}  // namespace kappa::processor
