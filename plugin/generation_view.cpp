#include "plugin/generation_view.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "api/duration.h"
#include "plugin/table.h"

namespace kappa::plugin {
namespace {

// Past this many partitions a snapshot is summarised, not listed: the
// header stays one line.
constexpr std::size_t kListedPartitions = 8;

std::map<int64_t, int64_t> snapshot_offsets(const json& snapshot) {
  std::map<int64_t, int64_t> out;
  if (!snapshot.is_object()) return out;
  for (const auto& [key, offset] : snapshot.items()) {
    const bool partition = !key.empty() && key.size() <= 9 &&
                           std::all_of(key.begin(), key.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
    if (!partition || !offset.is_number_integer()) continue;
    out[std::stoll(key)] = offset.get<int64_t>();
  }
  return out;
}

std::string per_partition(const std::map<int64_t, int64_t>& offsets) {
  std::string text;
  if (offsets.size() <= kListedPartitions) {
    for (const auto& [partition, offset] : offsets) {
      text += (text.empty() ? "" : " ") + std::to_string(partition) + ":" + group_digits(offset);
    }
    return text;
  }
  const auto [low, high] = std::minmax_element(offsets.begin(), offsets.end(),
                                               [](const auto& a, const auto& b) { return a.second < b.second; });
  return std::to_string(offsets.size()) + " partitions, " + group_digits(low->second) + ".." +
         group_digits(high->second) + " each";
}

std::string ago(const std::string& rfc3339, Clock::time_point now) {
  const std::string a = age(rfc3339, now);
  return a == "-" ? a : a + " ago";
}

std::string run_duration(const json& run, Clock::time_point now) {
  if (const auto seconds = int_field(run, "durationSeconds")) {
    return api::format_duration(std::chrono::seconds(*seconds));
  }
  if (string_field(run, "outcome") == "Running") return age(string_field(run, "startedAt"), now) + " so far";
  return "-";
}

}  // namespace

std::string architecture_line(const json& spec) {
  const json batch = spec.value("batch", json::object());
  std::string when = "new generations on a template change or kubectl kappa batch";
  if (!string_field(batch, "every").empty()) {
    when = "a new generation every " + string_field(batch, "every");
  } else if (!string_field(batch, "schedule").empty()) {
    when = "a new generation on schedule \"" + string_field(batch, "schedule") + "\" (UTC)";
  }
  return "Arch       Lambda (" + when + ")\n";
}

std::string snapshot_summary(const json& snapshot) {
  const auto offsets = snapshot_offsets(snapshot);
  int64_t total = 0;
  for (const auto& entry : offsets) total += entry.second;
  if (offsets.empty()) return group_digits(total) + " records";
  return group_digits(total) + " records (" + per_partition(offsets) + ")";
}

std::string serving_generation_lines(const json& status, Clock::time_point now) {
  const json serving = status.value("servingGeneration", json::object());
  const auto version = int_field(serving, "version");
  if (!version) return "Serving    no generation yet\n";
  const std::string name = "v" + std::to_string(*version);
  std::string out = "Serving    generation " + name;
  if (serving.contains("snapshot")) out += ", snapshot " + snapshot_summary(serving["snapshot"]);
  if (serving.contains("snapshotAt")) out += " taken " + ago(string_field(serving, "snapshotAt"), now);
  const std::string completed = string_field(serving, "batchCompletedAt");
  out += "\nBatch age  ";
  out += completed.empty() ? "-" : age(completed, now) + " (" + name + "'s batch run completed " + completed + ")";
  return out + "\n";
}

std::string batch_detail(const json& status, Clock::time_point now) {
  const std::string started = string_field(status, "batchStartedAt");
  if (started.empty()) return "batch run starting";
  std::string text = "batch run: " + group_digits(int_field(status, "batchRecords").value_or(0)) +
                     " records up to the snapshot, " + age(started, now) + " so far";
  if (const std::string job = string_field(status, "batchJob"); !job.empty()) text += " (Job " + job + ")";
  return text;
}

std::string batch_runs_block(const json& status, Clock::time_point now) {
  const json runs = status.value("batchRuns", json::array());
  if (!runs.is_array() || runs.empty()) return "  no batch runs yet\n";
  Table table({"GENERATION", "OUTCOME", "STARTED", "DURATION", "RECORDS"});
  for (const auto& run : runs) {
    const auto version = int_field(run, "version");
    const auto records = int_field(run, "records");
    table.add({version ? "v" + std::to_string(*version) : "-", string_field(run, "outcome"),
               ago(string_field(run, "startedAt"), now), run_duration(run, now),
               records ? group_digits(*records) : "-"});
  }
  return table.render("  ");
}

}  // namespace kappa::plugin
