#pragma once
#include <string>
#include <vector>

namespace kappa::plugin {

// Left-aligned columns separated by two spaces, as kubectl prints them.
// The last column is not padded, so long trailing text does not widen
// every row.
class Table {
 public:
  explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  // Every row, each prefixed by `indent` and ended by a newline.
  std::string render(const std::string& indent = {}) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace kappa::plugin
