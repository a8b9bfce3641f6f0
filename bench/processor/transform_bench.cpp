// The processor's per-record work without Kafka: the user-stats view folded
// over N in-memory events of the replay benchmark's log, in log order and in
// batches read first and then folded, as the stream loop does, with
// a commit's encoding (output row + changelog record of every changed key)
// every --commit-every records, as a catch-up transaction does. The baseline,
// measured in the same run, is the straightforward way: nlohmann::json::parse
// of each event into a document, and nothing else.
//
//   transform_bench [--events N] [--users U] [--commit-every M]
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/aggregator.h"
#include "core/fold_ahead.h"
#include "core/state_codec.h"
#include "core/state_store.h"
#include "core/view_definition.h"
#include "user_activity.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kPartitions = 6;

struct Log {
  std::string bytes;
  struct Event {
    std::size_t value_at, value_size;
    int32_t partition;  // by the Kafka key, as the producer partitions
  };
  std::vector<Event> events;
  std::string_view value(const Event& e) const { return std::string_view(bytes).substr(e.value_at, e.value_size); }
};

Log make_log(int64_t events, int users) {
  Log log;
  log.bytes.reserve(static_cast<std::size_t>(events) * 140);
  log.events.reserve(static_cast<std::size_t>(events));
  kappa::bench::UserActivity activity(users);
  std::string_view key, value;
  for (int64_t i = 0; i < events; ++i) {
    activity.event(i, key, value);
    log.events.push_back(Log::Event{log.bytes.size(), value.size(),
                                    static_cast<int32_t>(std::hash<std::string_view>{}(key) % kPartitions)});
    log.bytes += value;
  }
  return log;
}

double seconds_of(const std::function<void()>& run) {
  const auto start = Clock::now();
  run();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  int64_t events = 3000000;
  int users = 100000;
  int64_t commit_every = 2500000;
  CLI::App app{"Per-record cost of kappa-processor's transform, without Kafka"};
  app.add_option("--events", events, "events in the log")->check(CLI::PositiveNumber);
  app.add_option("--users", users, "distinct user_id keys")->check(CLI::PositiveNumber);
  app.add_option("--commit-every", commit_every, "records per transaction")->check(CLI::PositiveNumber);
  bool prefetch = true, baseline = true;
  app.add_option("--baseline", baseline, "measure the baseline too (false: to profile kappa alone)");
  app.add_option("--prefetch", prefetch, "fetch ahead the memory of the folds of records ahead");
  CLI11_PARSE(app, argc, argv);

  using namespace kappa::processor;
  const auto view = ViewDefinition::parse(R"({"key": "user_id", "aggregates": {
      "total_events": {"op": "count"},
      "total_revenue": {"op": "sum", "field": "revenue"},
      "total_sessions": {"op": "count_distinct", "field": "session_id"}}})");
  const Log log = make_log(events, users);

  std::size_t members = 0;
  const double dom = seconds_of([&] {
    if (!baseline) return void(members = 1);
    for (const auto& e : log.events) members += nlohmann::json::parse(log.value(e)).size();
  });

  Aggregator aggregator(view);
  StateStore store(initial_key_state(view));
  std::size_t applied = 0, rows = 0;
  std::string output, state;
  double encode = 0;
  const auto commit = [&] {
    encode += seconds_of([&] {
      store.for_each_dirty([&](int32_t, const std::string&, const KeyState& key_state) {
        render_output(view, key_state, output);
        encode_state(view, key_state, state);
        ++rows;
      });
      store.clear_dirty();
    });
  };
  // As the stream loop folds a consumed batch: read it all first, then fold
  // record by record, fetching ahead (core/fold_ahead.h).
  constexpr std::size_t kBatch = 1000;
  std::vector<BatchRecord> batch(kBatch);
  const double total = seconds_of([&] {
    int64_t since_commit = 0;
    const auto& events = log.events;
    for (std::size_t first = 0; first < events.size(); first += kBatch) {
      const std::size_t count = std::min(kBatch, events.size() - first);
      for (std::size_t i = 0; i < count; ++i) {
        batch[i].partition = events[first + i].partition;
        aggregator.prepare(log.value(events[first + i]), batch[i].event);
      }
      for (std::size_t i = 0; i < count; ++i) {
        if (prefetch) prefetch_ahead(store, aggregator, batch, count, i);
        const auto& record = batch[i];
        if (record.event.outcome.kind == Outcome::Kind::Applied) {
          aggregator.fold(record.event, store.state_for(record.partition, record.event.key()));
          ++applied;
        }
        if (++since_commit == commit_every) {
          commit();
          since_commit = 0;
        }
      }
    }
    commit();
  });
  if (applied != log.events.size() || members == 0) {
    std::fprintf(stderr, "transform_bench: %zu of %zu events applied\n", applied, log.events.size());
    return 1;
  }

  const auto n = static_cast<double>(events);
  const auto row = [&](const char* what, double seconds) {
    std::printf("| %s | %.0f | %.0f | %.2f |\n", what, seconds / n * 1e9, n / seconds, dom / seconds);
  };
  std::printf("\n## Transform cost: %lld events, %d users, a commit every %lld records (%zu rows encoded)\n\n",
              static_cast<long long>(events), users, static_cast<long long>(commit_every), rows);
  std::printf("| stage | ns per event | events/s | speed vs nlohmann::json::parse |\n|---|---:|---:|---:|\n");
  row("baseline: nlohmann::json::parse into a document", dom);
  row("kappa: scan + fold into the state store", total - encode);
  row("kappa: commit encoding (output rows + changelog)", encode);
  row("kappa: total", total);
  return 0;
}
