#include "runtime/serving_sources.h"

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string_view>
#include <utility>

#include "core/state_codec.h"

namespace kappa::processor {

std::vector<std::unique_ptr<TableMaterializer>> serving_readers(const KafkaClients& clients, const Settings& s,
                                                                const ViewDefinition& view, ServingTable& table,
                                                                MergedView& merged, Metrics& metrics) {
  std::vector<std::unique_ptr<TableMaterializer>> readers;
  if (view.window && s.batch_state_topic.empty()) {
    readers.push_back(std::make_unique<TableMaterializer>(
        clients, s.state_topic,
        [&view, &table, &metrics](const std::string& key, const char* value, std::size_t size) {
          if (key == kWatermarkKey) return;  // a partition's watermark, not a window
          if (value == nullptr) {
            table.erase(key);  // an evicted window
          } else {
            table.upsert(key, render_row(view, key, decode_state(view, std::string_view(value, size))));
          }
          metrics.set_serving_keys(table.size());
        }));
    return readers;
  }
  if (s.batch_state_topic.empty()) {
    readers.push_back(std::make_unique<TableMaterializer>(
        clients, s.output_topic, [&table, &metrics](const std::string& key, const char* value, std::size_t size) {
          if (value == nullptr) {
            table.erase(key);
          } else {
            const auto row = nlohmann::json::parse(value, value + size, nullptr, false);
            if (row.is_discarded() || !row.is_object()) throw std::invalid_argument("not a JSON object");
            table.upsert(key, row.dump());
          }
          metrics.set_serving_keys(table.size());
        }));
    return readers;
  }
  for (const auto& [topic, layer] : {std::pair{s.batch_state_topic, MergedView::Layer::Batch},
                                     std::pair{s.state_topic, MergedView::Layer::Speed}}) {
    readers.push_back(std::make_unique<TableMaterializer>(
        clients, topic, [&merged, &metrics, layer = layer](const std::string& key, const char* value, std::size_t size) {
          if (value == nullptr) return;  // state changelogs are never trimmed by tombstones
          merged.apply(layer, key, std::string_view(value, size));
          metrics.set_serving_keys(merged.keys());
        }));
  }
  return readers;
}

// A Lambda speed layer's answers name their generation and snapshot.
std::string answer_context(const Settings& s) {
  if (s.batch_state_topic.empty()) return {};
  nlohmann::json snapshot = nlohmann::json::object();
  for (const auto& [partition, offset] : s.start_from.offsets) snapshot[std::to_string(partition)] = offset;
  const bool digits = !s.version.empty() && s.version.size() <= 18 &&
                      s.version.find_first_not_of("0123456789") == std::string::npos;
  const nlohmann::json generation = digits ? nlohmann::json(std::stoll(s.version)) : nlohmann::json(s.version);
  return "\"generation\":" + generation.dump() + ",\"snapshot\":" + snapshot.dump();
}

}  // namespace kappa::processor
