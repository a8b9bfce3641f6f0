// Lag polling benchmark against the local stack's real Kafka broker: the
// time to measure the lag of 10, 100 and 1,000 consumer groups on one topic
// with RdKafkaAdmin::lag (all groups in one concurrent round), against the
// baseline of asking for one group at a time, measured in the same run.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "kafka/rdkafka_admin.h"
#include "kappa/common/rdkafka_handles.h"

namespace {

using namespace std::chrono_literals;
using kappa::kafka::GroupLagQuery;
using kappa::kafka::RdKafkaAdmin;
namespace rk = kappa::rdkafka;
using steady = std::chrono::steady_clock;

constexpr int kPartitions = 6;

// Gives every group a committed offset on each partition, concurrently, so
// the benchmark measures groups that really exist on the broker.
void commit_offsets(const std::string& bootstrap, const std::string& topic, const std::vector<std::string>& groups) {
  auto handle = rk::make_handle(RD_KAFKA_PRODUCER, rk::make_conf({{"bootstrap.servers", bootstrap}}));
  rk::Queue queue(rd_kafka_queue_new(handle.get()));
  for (std::size_t g = 0; g < groups.size(); ++g) {
    rd_kafka_topic_partition_list_t* offsets = rd_kafka_topic_partition_list_new(kPartitions);
    for (int p = 0; p < kPartitions; ++p) {
      rd_kafka_topic_partition_list_add(offsets, topic.c_str(), p)->offset = static_cast<int64_t>(g % 100);
    }
    rd_kafka_AlterConsumerGroupOffsets_t* request = rd_kafka_AlterConsumerGroupOffsets_new(groups[g].c_str(), offsets);
    rd_kafka_topic_partition_list_destroy(offsets);
    rd_kafka_AlterConsumerGroupOffsets(handle.get(), &request, 1, nullptr, queue.get());
    rd_kafka_AlterConsumerGroupOffsets_destroy(request);
  }
  for (std::size_t answered = 0; answered < groups.size();) {
    rk::Event event(rd_kafka_queue_poll(queue.get(), 30000));
    if (!event) {
      std::fprintf(stderr, "committing offsets timed out\n");
      std::exit(1);
    }
    ++answered;
  }
}

double median_ms(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

template <typename F>
double time_ms(F f) {
  const auto start = steady::now();
  f();
  return std::chrono::duration<double, std::milli>(steady::now() - start).count();
}

}  // namespace

int main() {
  const char* bootstrap = std::getenv("KAFKA_BOOTSTRAP_SERVERS");
  if (!bootstrap) {
    std::fprintf(stderr, "lag_bench: KAFKA_BOOTSTRAP_SERVERS is unset; run `eval \"$(make -s stack-status)\"` first\n");
    return 2;
  }
  kappa::kafka::KafkaConnection connection;
  connection.bootstrap_servers = bootstrap;
  connection.timeout = 30s;
  RdKafkaAdmin admin(connection);
  const std::string topic = "bench-lag-" + std::to_string(std::time(nullptr));
  admin.create_topic({topic, kPartitions, 1, {{"cleanup.policy", "delete"}}});

  std::vector<std::string> groups;
  for (int g = 0; g < 1000; ++g) groups.push_back("kappa.bench." + topic + ".v" + std::to_string(g));
  commit_offsets(bootstrap, topic, groups);
  const auto start = admin.start_offsets(topic, kappa::kafka::StartFrom::earliest());

  std::printf("\n## Lag polling (%d partitions, groups with committed offsets)\n\n", kPartitions);
  std::printf("| groups | one group at a time (baseline) ms | batched lag() ms | speed-up |\n|---:|---:|---:|---:|\n");
  for (const int n : {10, 100, 1000}) {
    std::vector<GroupLagQuery> queries;
    for (int g = 0; g < n; ++g) queries.push_back({groups[g], start});
    std::vector<double> batched, sequential;
    const int rounds = n >= 1000 ? 3 : 5;
    for (int r = 0; r < rounds; ++r) {
      batched.push_back(time_ms([&] {
        const auto lags = admin.lag(topic, queries);
        for (const auto& l : lags) {
          if (l.error) {
            std::fprintf(stderr, "group %s: %s\n", l.group.c_str(), l.error->c_str());
            std::exit(1);
          }
        }
      }));
      sequential.push_back(time_ms([&] {
        for (const auto& q : queries) admin.lag(topic, {q});
      }));
    }
    const double b = median_ms(batched), s = median_ms(sequential);
    std::printf("| %d | %.1f | %.1f | %.1fx |\n", n, s, b, s / b);
  }
  for (const auto& g : groups) admin.delete_group(g);
  admin.delete_topic(topic);
  return 0;
}
