// kappa-processor: the reference Kappa processor. Wiring only: settings and
// view from the environment/flags, topic checks, the serving table and HTTP
// API (stream mode: the output table, or a Lambda speed layer's merged
// view), then the exactly-once stream loop. Exit codes: 0 done
// (stream: stopped by SIGTERM/SIGINT; bounded: snapshot processed), 1 Kafka
// or runtime failure, 2 bad configuration.
#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>
#include <thread>

#include "core/errors.h"
#include "core/merged_view.h"
#include "core/serving_api.h"
#include "core/serving_table.h"
#include "core/settings.h"
#include "core/view_definition.h"
#include "kappa/common/http_server.h"
#include "kappa/common/logging.h"
#include "runtime/kafka_clients.h"
#include "runtime/metrics.h"
#include "runtime/repartition_purge.h"
#include "runtime/repartitioner.h"
#include "runtime/serving_sources.h"
#include "runtime/status.h"
#include "runtime/stream_processor.h"
#include "runtime/table_materializer.h"
#include "runtime/topics.h"

extern char** environ;

namespace {

using namespace kappa::processor;

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");

extern "C" void on_stop_signal(int) { g_stop = true; }

// Checks Kafka answers and the topics are usable; creates the state topic
// (and the output topic when asked). Throws KafkaError.
void prepare_topics(const KafkaClients& clients, const Settings& s, const ViewDefinition& view) {
  const auto admin = clients.reader("admin");
  TopicLayout input;
  try {
    input = describe_topic(*admin, s.input_topic, s.startup_timeout);
  } catch (const KafkaError& e) {
    throw KafkaError("cannot reach Kafka at " + s.bootstrap_servers + " within " +
                     std::to_string(s.startup_timeout.count()) + " ms (" + e.what() + ")");
  }
  if (!input.exists) throw KafkaError("input topic '" + s.input_topic + "' does not exist");

  const auto compacted = std::vector<std::pair<std::string, std::string>>{{"cleanup.policy", "compact"}};
  if (!describe_topic(*admin, s.output_topic, s.startup_timeout).exists) {
    if (!s.create_output_topic) {
      throw KafkaError("output topic '" + s.output_topic +
                       "' does not exist (the operator provisions it; --create-output-topic creates it)");
    }
    create_topic(*admin, s.output_topic, input.partitions, s.state_replication_factor, compacted, s.startup_timeout);
    spdlog::info("created output topic {} ({} partitions, compacted)", s.output_topic, input.partitions);
  }
  const auto state = describe_topic(*admin, s.state_topic, s.startup_timeout);
  if (!state.exists) {
    create_topic(*admin, s.state_topic, input.partitions, s.state_replication_factor, compacted, s.startup_timeout);
    spdlog::info("created state topic {} ({} partitions, compacted)", s.state_topic, input.partitions);
  } else if (state.partitions < input.partitions) {
    throw KafkaError("state topic '" + s.state_topic + "' has " + std::to_string(state.partitions) +
                     " partitions, fewer than the " + std::to_string(input.partitions) + " of input topic '" +
                     s.input_topic + "'");
  }
  if (!view.dead_letter_topic.empty() && !describe_topic(*admin, view.dead_letter_topic, s.startup_timeout).exists) {
    throw KafkaError("dead-letter topic '" + view.dead_letter_topic + "' does not exist");
  }
  // As many partitions as the input; it goes with the consumer group. No
  // time-based retention: routed records keep their input timestamps,
  // which may be older than any retention (the operator makes it the same).
  if (!s.repartition_topic.empty()) {
    create_topic(*admin, s.repartition_topic, input.partitions, s.state_replication_factor, {{"retention.ms", "-1"}},
                 s.startup_timeout);
  }
}

// The folding stage of a repartitioned input reads the repartition topic
// from its start (it is the version's own); the first stage keeps where the
// input starts and stops, and an instance id of its own.
Settings folding_stage(Settings s) {
  s.input_topic = s.repartition_topic;
  s.start_from = StartFrom{};
  s.stop_at.reset();
  return s;
}
Settings routing_stage(Settings s) {
  s.instance_id += "-repartition";
  return s;
}

// After a bounded run: the repartition topic below what it folded and
// committed (in stream mode the routing stage purges as it goes).
void purge_folded(const KafkaClients& clients, const Settings& s) {
  const auto admin = clients.reader("repartition-purge");
  const auto partitions = describe_topic(*admin, s.repartition_topic, s.startup_timeout).partitions;
  RepartitionPurge(*admin, s.consumer_group, s.repartition_topic, partitions, s.startup_timeout).run();
}

// Stream mode with a repartitioned input: both stages at once, the routing
// one on a thread of its own. Either failing stops the other; the first
// failure is rethrown.
void run_both_stages(const KafkaClients& routing_clients, StreamProcessor& folding, const ViewDefinition& view,
                     const Settings& settings) {
  ProcessorStatus routing_status;
  std::exception_ptr routing_error;
  std::thread routing([&] {
    try {
      Repartitioner(routing_clients, view, settings.repartition_topic, routing_status).run(g_stop);
    } catch (...) {
      routing_error = std::current_exception();
      g_stop = true;
    }
  });
  try {
    folding.run(g_stop);
  } catch (...) {
    g_stop = true;
    routing.join();
    throw;
  }
  g_stop = true;
  routing.join();
  if (routing_error) std::rethrow_exception(routing_error);
}

int run(const Settings& settings, const ViewDefinition& view) {
  KafkaClients clients(settings);
  prepare_topics(clients, settings, view);

  Metrics metrics;
  ProcessorStatus status;
  status.beat();
  ServingTable table;
  MergedView merged(view, table);
  std::vector<std::unique_ptr<TableMaterializer>> materializers;
  std::unique_ptr<kappa::http::Server> server;
  if (!settings.bounded) {
    materializers = serving_readers(clients, settings, view, table, merged, metrics);
    for (auto& m : materializers) m->start();
    ServingApi::Hooks hooks;
    hooks.not_ready_reason = [&]() -> std::string {
      std::string reason;
      if (!status.assigned) reason = "waiting for a partition assignment and its state";
      for (const auto& m : materializers) {
        if (reason.empty()) reason = m->behind();
      }
      metrics.set_ready(reason.empty());
      return reason;
    };
    hooks.not_healthy_reason = [&]() -> std::string {
      for (const auto& m : materializers) {
        if (m->failed()) return "the serving table reader failed";
      }
      const auto silent_ms = ProcessorStatus::now_ms() - status.heartbeat_ms;
      if (silent_ms > 120000) return "the processing loop has not turned for " + std::to_string(silent_ms / 1000) + " s";
      return {};
    };
    hooks.metrics_text = [&] { return metrics.render(); };
    hooks.answer_context = answer_context(settings);
    if (view.window) hooks.window_size_ms = view.window->size_ms;
    auto api = std::make_shared<ServingApi>(table, std::move(hooks));
    server = std::make_unique<kappa::http::Server>(
        settings.bind_address, settings.serving_port,
        [api](const kappa::http::Request& request) { return api->handle(request); });
    spdlog::info("serving {} on {}", settings.output_topic, server->url());
  }

  // KafkaClients keeps a reference: the stages' settings live here.
  const Settings folding_settings = settings.repartition_topic.empty() ? settings : folding_stage(settings);
  const Settings routing_settings = routing_stage(settings);
  const KafkaClients folding_clients(folding_settings);
  const KafkaClients routing_clients(routing_settings);
  StreamProcessor processor(folding_clients, view, metrics, status);
  bool completed = true;
  if (settings.repartition_topic.empty()) {
    completed = processor.run(g_stop);
  } else if (settings.bounded) {  // all of the input routed first; then the repartition topic to its end
    ProcessorStatus routing_status;
    completed = Repartitioner(routing_clients, view, settings.repartition_topic, routing_status).run(g_stop) &&
                processor.run(g_stop);
    if (completed) purge_folded(clients, settings);
  } else {
    run_both_stages(routing_clients, processor, view, settings);
  }
  server.reset();
  materializers.clear();
  if (settings.bounded && !completed) {
    spdlog::error("bounded run stopped before reaching the end offsets; a rerun resumes from the committed offsets");
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<Settings> settings;
  std::optional<ViewDefinition> view;
  try {
    settings = parse_command_line(argc, argv, environ);
    if (!settings) return 0;
    kappa::setup_logging(settings->log_level);
    view = ViewDefinition::parse(settings->config_json);
    // Folding a repartitioned input: `last` by event order, state of its own.
    if (!settings->repartition_topic.empty()) view = view->with_event_order();
    if (view->window && !settings->batch_state_topic.empty()) {
      // The speed layer would have to start from the batch run's watermarks
      // (and serve the batch's windows by the same eviction): not built yet.
      throw ConfigError("KAPPA_BATCH_STATE_TOPIC",
                        "a windowed view (KAPPA_CONFIG.window, or TUMBLE) cannot run as a Lambda speed layer yet; "
                        "run it as a Kappa pipeline");
    }
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "kappa-processor: configuration error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kappa-processor: configuration error: %s\n", e.what());
    return 2;
  }

  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGINT, on_stop_signal);
  spdlog::info("kappa-processor starting{}{}: {} -> {} (group {}, view {}, {} aggregates)",
               settings->pipeline.empty() ? "" : " " + settings->pipeline,
               settings->version.empty() ? "" : " v" + settings->version, settings->input_topic,
               settings->output_topic, settings->consumer_group, view->fingerprint, view->aggregates.size());
  try {
    return run(*settings, *view);
  } catch (const ConfigError& e) {
    spdlog::error("configuration error: {}", e.what());
    return 2;
  } catch (const Interrupted& e) {
    spdlog::info("{}", e.what());
    return settings->bounded ? 1 : 0;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
}
