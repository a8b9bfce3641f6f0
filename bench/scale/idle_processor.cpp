// kappa-idle-processor: keeps the processor contract (docs/processor-contract.md)
// at near-zero cost, so that the scale benchmark measures the operator and
// not the processors. It joins KAPPA_CONSUMER_GROUP on KAPPA_INPUT_TOPIC,
// commits what it consumes without computing anything (so a version catches
// up as soon as it has read the log), and serves /healthz, /readyz, /metrics
// and an always-empty key lookup. It writes no output table.
#include <librdkafka/rdkafka.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "kappa/common/http_server.h"
#include "kappa/common/kafka_properties.h"
#include "kappa/common/rdkafka_handles.h"

extern char** environ;

namespace {

using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t,
                                      kappa::rdkafka::Deleter<rd_kafka_topic_partition_list_t,
                                                              rd_kafka_topic_partition_list_destroy>>;
using Message = std::unique_ptr<rd_kafka_message_t,
                                kappa::rdkafka::Deleter<rd_kafka_message_t, rd_kafka_message_destroy>>;

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

std::atomic<bool> g_ready{false};
std::atomic<long long> g_consumed{0};
std::atomic<int> g_assigned{0};

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

std::string required_env(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value) throw std::invalid_argument(std::string(name) + " is not set (processor contract)");
  return value;
}

// Ready once the group has handed us an assignment (possibly empty): the
// member has joined, which is all an idle processor can promise.
void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts, void*) {
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    rd_kafka_assign(rk, parts);
    g_assigned = parts->cnt;
    g_ready = true;
  } else {
    rd_kafka_assign(rk, nullptr);
    g_assigned = 0;
  }
}

kappa::http::Response handle(const kappa::http::Request& request) {
  const auto& s = request.segments;
  if (s.size() == 1 && s[0] == "healthz") return {200, "text/plain", "ok\n", {}};
  if (s.size() == 1 && s[0] == "readyz") {
    return g_ready ? kappa::http::Response{200, "text/plain", "ready\n", {}}
                   : kappa::http::Response{503, "text/plain", "joining the consumer group\n", {}};
  }
  if (s.size() == 1 && s[0] == "metrics") {
    std::string body =
        "# HELP kappa_idle_processor_records_consumed_total Records read (and committed, never processed).\n"
        "# TYPE kappa_idle_processor_records_consumed_total counter\n"
        "kappa_idle_processor_records_consumed_total " + std::to_string(g_consumed.load()) + "\n"
        "# HELP kappa_idle_processor_assigned_partitions Input partitions assigned to this replica.\n"
        "# TYPE kappa_idle_processor_assigned_partitions gauge\n"
        "kappa_idle_processor_assigned_partitions " + std::to_string(g_assigned.load()) + "\n";
    return {200, "text/plain; version=0.0.4", std::move(body), {}};
  }
  // The contract's query API: this processor keeps no table.
  if (s.size() == 2 && s[0] == "v1" && s[1] == "keys") return {200, "application/json", R"({"items":[]})", {}};
  if (s.size() == 3 && s[0] == "v1" && s[1] == "keys") return kappa::http::json_error(404, "key not found");
  return kappa::http::json_error(404, "no such path");
}

kappa::rdkafka::Handle make_consumer() {
  const std::string start = env_or("KAPPA_START_FROM", "earliest");
  kappa::kafka::Properties props{
      {"bootstrap.servers", required_env("KAFKA_BOOTSTRAP_SERVERS")},
      {"group.id", required_env("KAPPA_CONSUMER_GROUP")},
      {"client.id", "kappa-idle-processor"},
      // An epoch-milliseconds start is read from the beginning: the operator
      // only needs commits, and an empty or small log makes no difference.
      {"auto.offset.reset", start == "latest" ? "latest" : "earliest"},
      {"enable.auto.commit", "true"},
      {"auto.commit.interval.ms", "1000"},
      // At rest: one long-poll fetch every 10 s and a heartbeat every 10 s,
      // so a thousand idle pods do not keep the broker busy.
      {"fetch.wait.max.ms", "10000"},
      {"heartbeat.interval.ms", "10000"},
      {"session.timeout.ms", "45000"},
      // Little memory for prefetched records: this reads and drops them.
      {"queued.max.messages.kbytes", "1024"},
      {"queued.min.messages", "1000"},
  };
  for (auto& p : kappa::kafka::properties_from_env(environ)) props.push_back(std::move(p));
  auto conf = kappa::rdkafka::make_conf(props);
  rd_kafka_conf_set_rebalance_cb(conf.get(), on_rebalance);
  auto consumer = kappa::rdkafka::make_handle(RD_KAFKA_CONSUMER, std::move(conf));
  rd_kafka_poll_set_consumer(consumer.get());
  return consumer;
}

int run() {
  const std::string topic = required_env("KAPPA_INPUT_TOPIC");
  const int port = std::stoi(env_or("KAPPA_SERVING_PORT", "8080"));
  kappa::http::Limits limits;
  limits.handler_threads = 1;
  limits.max_connections = 16;
  kappa::http::Server server(env_or("KAPPA_BIND_ADDRESS", "127.0.0.1"), port, handle, limits);
  auto consumer = make_consumer();
  PartitionList subscription(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(subscription.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  if (auto err = rd_kafka_subscribe(consumer.get(), subscription.get())) {
    std::fprintf(stderr, "kappa-idle-processor: subscribe to %s: %s\n", topic.c_str(), rd_kafka_err2str(err));
    return 1;
  }
  std::fprintf(stderr, "kappa-idle-processor: group %s on %s, serving %s\n",
               required_env("KAPPA_CONSUMER_GROUP").c_str(), topic.c_str(), server.url().c_str());
  while (!g_stop) {
    // A second's wait: the loop costs nothing measurable at rest and still
    // notices SIGTERM promptly.
    Message message(rd_kafka_consumer_poll(consumer.get(), 1000));
    if (message && !message->err) ++g_consumed;
  }
  rd_kafka_consumer_close(consumer.get());  // commits the last offsets and leaves the group
  return 0;
}

}  // namespace

int main() {
  // librdkafka before 2.3.1 wakes its main thread up to 1 ms before a timer
  // is due and then spins on the clock until it is (upstream issue 4684):
  // 1.7 ms of CPU per second per idle process here, most of a core for a
  // thousand. With 10 ms of timer slack, inherited by the threads it starts,
  // the kernel mostly wakes the thread a little late instead: 0.4 ms/s.
  prctl(PR_SET_TIMERSLACK, 10'000'000UL, 0, 0, 0);
  // What is left of that spin is still 0.5 ms/s per process in the stack,
  // half a core for a thousand. At nice 10 (inherited the same way) the
  // fleet yields the CPU to what the benchmark measures: the operator and
  // the control plane it drives. Its own work (a group join, a probe
  // answer) is small and still runs on a saturated machine.
  setpriority(PRIO_PROCESS, 0, 10);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  try {
    return run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kappa-idle-processor: %s\n", e.what());
    return 2;
  }
}
