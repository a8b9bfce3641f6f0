#include "core/field_path.h"

#include <stdexcept>

namespace kappa::processor {

FieldPath FieldPath::parse(const std::string& text) {
  FieldPath path;
  path.text_ = text;
  std::string::size_type start = 0;
  while (true) {
    const auto dot = text.find('.', start);
    auto segment = text.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (segment.empty()) throw std::invalid_argument("field path '" + text + "' has an empty segment");
    path.segments_.push_back(std::move(segment));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return path;
}

const nlohmann::json* FieldPath::find(const nlohmann::json& event) const {
  const nlohmann::json* node = &event;
  for (const auto& segment : segments_) {
    if (!node->is_object()) return nullptr;
    const auto it = node->find(segment);
    if (it == node->end()) return nullptr;
    node = &*it;
  }
  return node;
}

}  // namespace kappa::processor
