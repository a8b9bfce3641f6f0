#include "api/names.h"

#include <charconv>

namespace kappa::api {

using nlohmann::json;

namespace {

std::optional<int64_t> parse_version(std::string_view digits) {
  if (digits.empty() || digits.size() > 18) return std::nullopt;
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size() || value < 1) return std::nullopt;
  return value;
}

// The N of "<prefix>v<N>" or "<prefix>v<N><suffix>".
std::optional<int64_t> version_after(std::string_view name, std::string_view prefix, std::string_view suffix) {
  if (name.size() <= prefix.size() + suffix.size() || name.substr(0, prefix.size()) != prefix) return std::nullopt;
  name.remove_prefix(prefix.size());
  if (name.substr(name.size() - suffix.size()) != suffix) return std::nullopt;
  name.remove_suffix(suffix.size());
  if (name.front() != 'v') return std::nullopt;
  return parse_version(name.substr(1));
}

}  // namespace

std::string deployment_name(const std::string& pipeline, int64_t version) {
  return pipeline + "-v" + std::to_string(version);
}

std::string group_prefix(const std::string& ns, const std::string& pipeline) {
  return "kappa." + ns + "." + pipeline + ".";
}

std::string consumer_group(const std::string& ns, const std::string& pipeline, int64_t version) {
  return group_prefix(ns, pipeline) + "v" + std::to_string(version);
}

std::string output_topic(const std::string& prefix, const std::string& pipeline, int64_t version) {
  return prefix + pipeline + ".v" + std::to_string(version);
}

std::string state_topic(const std::string& output_topic) { return output_topic + ".state"; }

std::optional<int64_t> version_of_group(const std::string& group, const std::string& ns,
                                        const std::string& pipeline) {
  return version_after(group, group_prefix(ns, pipeline), "");
}

std::optional<int64_t> version_of_topic(const std::string& topic, const std::string& prefix,
                                        const std::string& pipeline) {
  const std::string base = prefix + pipeline + ".";
  if (auto v = version_after(topic, base, "")) return v;
  return version_after(topic, base, ".state");
}

std::optional<int64_t> version_label(const json& object) {
  const auto labels = object["metadata"].value("labels", json::object());
  const auto it = labels.find(kLabelVersion);
  if (it == labels.end() || !it->is_string()) return std::nullopt;
  return parse_version(it->get<std::string>());
}

json version_labels(const std::string& pipeline, int64_t version) {
  return {{kLabelName, "kappa-processor"},
          {kLabelManagedBy, kManagedBy},
          {kLabelPipeline, pipeline},
          {kLabelVersion, std::to_string(version)}};
}

json controller_reference(const json& owner) {
  return {{"apiVersion", owner.value("apiVersion", kApiVersion)},
          {"kind", owner.value("kind", "")},
          {"name", owner["metadata"].value("name", "")},
          {"uid", owner["metadata"].value("uid", "")},
          {"controller", true},
          {"blockOwnerDeletion", true}};
}

bool is_controlled_by(const json& object, const json& owner) {
  const std::string uid = owner["metadata"].value("uid", "");
  const auto refs = object["metadata"].value("ownerReferences", json::array());
  for (const auto& ref : refs) {
    if (ref.value("controller", false) && ref.value("uid", "") == uid) return true;
  }
  return false;
}

}  // namespace kappa::api
