#include "kube/request_verb.h"

#include <sstream>
#include <vector>

namespace kappa::kube {
namespace {

std::vector<std::string> segments_of(const std::string& path) {
  std::vector<std::string> out;
  std::stringstream in(path);
  for (std::string s; std::getline(in, s, '/');) {
    if (!s.empty()) out.push_back(s);
  }
  return out;
}

bool watch_query(const std::string& query) {
  std::stringstream in(query);
  for (std::string pair; std::getline(in, pair, '&');) {
    if (pair == "watch=true" || pair == "watch=1") return true;
  }
  return false;
}

// /api/v1/... or /apis/<group>/<version>/...: what follows the group version.
std::vector<std::string> resource_segments(const std::vector<std::string>& all) {
  std::size_t skip = 0;
  if (!all.empty() && all[0] == "api") skip = 2;
  if (!all.empty() && all[0] == "apis") skip = 3;
  if (all.size() <= skip) return {};
  std::vector<std::string> rest(all.begin() + static_cast<std::ptrdiff_t>(skip), all.end());
  // namespaces/<ns>/<resource>/...; "namespaces/<ns>" alone is one Namespace.
  if (rest.size() >= 3 && rest[0] == "namespaces") rest.erase(rest.begin(), rest.begin() + 2);
  return rest;
}

}  // namespace

std::string request_verb(const std::string& method, const std::string& path_and_query) {
  if (method != "GET") return method;
  const auto question = path_and_query.find('?');
  const std::string path = path_and_query.substr(0, question);
  const std::string query = question == std::string::npos ? "" : path_and_query.substr(question + 1);
  if (watch_query(query)) return "WATCH";
  return resource_segments(segments_of(path)).size() == 1 ? "LIST" : "GET";
}

}  // namespace kappa::kube
