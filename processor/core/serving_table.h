#pragma once
// The whole output table as one replica serves it: key -> JSON row, kept in
// key order for paging. Written by the table materializer, read by HTTP
// handlers on other threads.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

namespace kappa::processor {

class ServingTable {
 public:
  struct Page {
    std::vector<std::pair<std::string, std::string>> rows;  // key, JSON row
    std::optional<std::string> next_after;                  // pass as `after` for the next page
  };

  void upsert(const std::string& key, std::string row);
  void erase(const std::string& key);

  std::optional<std::string> get(const std::string& key) const;
  // Up to `limit` rows with keys strictly after `after` ("" = from the start).
  Page list(const std::string& after, std::size_t limit) const;
  std::size_t size() const;
  // A windowed view's rows of view key `key` (stored as "<key>@<start>"):
  // window start and row, newest first.
  std::vector<std::pair<std::int64_t, std::string>> windows(const std::string& key) const;

 private:
  mutable std::shared_mutex mutex_;
  std::map<std::string, std::string, std::less<>> rows_;
};

}  // namespace kappa::processor
