#include "api/names.h"

#include <charconv>
#include <string_view>

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

constexpr size_t kMaxTopicPrefix = 128;  // + name + ".v<N>.state" stays under Kafka's 249

bool is_label_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

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

std::string batch_job_name(const std::string& pipeline, int64_t version) {
  return deployment_name(pipeline, version) + "-batch";
}

std::string batch_consumer_group(const std::string& ns, const std::string& pipeline, int64_t version) {
  return consumer_group(ns, pipeline, version) + ".batch";
}

std::string batch_table(const std::string& output_topic) { return output_topic + ".batch"; }

std::string repartition_topic(const std::string& consumer_group) { return consumer_group + "-kappa-repartition"; }

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

std::optional<std::string> pipeline_name_problem(const std::string& name) {
  if (name.empty() || name.size() > 63) return "must be 1 to 63 characters (it is " + std::to_string(name.size()) + ")";
  for (char c : name) {
    if (!is_label_char(c)) return "may hold only a-z, 0-9 and '-' (no dots: it becomes part of Kafka names)";
  }
  if (name.front() == '-' || name.back() == '-') return "must start and end with a letter or digit";
  return std::nullopt;
}

std::optional<std::string> topic_prefix_problem(const std::string& prefix, const std::string& ns) {
  const std::string required = ns + ".";
  if (prefix.substr(0, required.size()) != required) {
    return "must start with \"" + required + "\" (the Pipeline's namespace): it may not name another namespace's topics";
  }
  if (prefix.size() > kMaxTopicPrefix) return "is longer than " + std::to_string(kMaxTopicPrefix) + " characters";
  if (prefix.back() != '.' || prefix.find("..") != std::string::npos) {
    return "must be dot-separated segments ending in '.' (like \"" + required + "tables.\")";
  }
  for (char c : prefix) {
    if (!is_label_char(c) && c != '.' && c != '_' && !(c >= 'A' && c <= 'Z')) {
      return "may hold only a-z, A-Z, 0-9, '.', '_' and '-'";
    }
  }
  return std::nullopt;
}

bool group_in_pipeline_space(const std::string& group, const std::string& ns, const std::string& pipeline,
                             int64_t version) {
  if (pipeline_name_problem(pipeline) || pipeline_name_problem(ns)) return false;
  return group == consumer_group(ns, pipeline, version) || group == batch_consumer_group(ns, pipeline, version);
}

bool topic_in_pipeline_space(const std::string& topic, const std::string& ns, const std::string& pipeline,
                             int64_t version) {
  if (pipeline_name_problem(pipeline) || pipeline_name_problem(ns)) return false;
  const std::string tail = "." + pipeline + ".v" + std::to_string(version);
  auto ends_with = [](std::string_view s, std::string_view end) {
    return s.size() >= end.size() && s.substr(s.size() - end.size()) == end;
  };
  // The version's table, its changelog, and (Lambda) its batch table and that one's changelog.
  for (const std::string_view suffix : {"", ".state", ".batch", ".batch.state"}) {
    std::string_view table = topic;
    if (!ends_with(table, suffix)) continue;
    table.remove_suffix(suffix.size());
    if (!ends_with(table, tail)) continue;
    table.remove_suffix(tail.size());
    if (table == ns || (table.substr(0, ns.size() + 1) == ns + "." && !topic_prefix_problem(std::string(table) + ".", ns))) {
      return true;
    }
  }
  return false;
}

bool streams_internal_topic_of(const std::string& topic, const std::string& group) {
  const std::string prefix = group + "-";
  if (group.empty() || topic.size() <= prefix.size() || topic.compare(0, prefix.size(), prefix) != 0) return false;
  const std::string_view name = std::string_view(topic).substr(prefix.size());
  if (name.find('.') != std::string_view::npos) return false;
  for (std::string_view end : {"-changelog", "-repartition", "-topic"}) {
    if (name.size() > end.size() && name.substr(name.size() - end.size()) == end) return true;
  }
  return false;
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
