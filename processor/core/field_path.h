#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace kappa::processor {

// A field of a JSON event: a name, or a dotted path into nested objects
// ("user.id"). Lookups never throw.
class FieldPath {
 public:
  // Throws std::invalid_argument when `text` is empty or has an empty segment.
  static FieldPath parse(const std::string& text);

  // The value at this path, or nullptr when a segment is missing or a
  // parent is not an object.
  const nlohmann::json* find(const nlohmann::json& event) const;
  const std::string& text() const { return text_; }
  const std::vector<std::string>& segments() const { return segments_; }

 private:
  std::string text_;
  std::vector<std::string> segments_;
};

}  // namespace kappa::processor
