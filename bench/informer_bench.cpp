// Informer benchmark against the local stack's real kube-apiserver:
//  1. heap held by the cache per 1,000 objects, against the size of the same
//     objects as JSON text on the wire (the baseline);
//  2. watch events delivered per second, against the rate at which the API
//     server accepted the writes that caused them (the baseline): a ratio of
//     1.0 means the informer keeps up with the server.
// Prints tables; needs KUBECONFIG from `make stack-status`.
#include <malloc.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "kube/http_kube_client.h"
#include "kube/informer.h"
#include "kube/kubeconfig_loader.h"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using kappa::kube::HttpKubeClient;
using kappa::kube::Informer;
namespace res = kappa::kube::resources;
using steady = std::chrono::steady_clock;

std::size_t heap_in_use() { return mallinfo2().uordblks; }

json config_map(const std::string& ns, int i) {
  json data;
  for (int k = 0; k < 5; ++k) data["key-" + std::to_string(k)] = std::string(40, static_cast<char>('a' + k));
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", "obj-" + std::to_string(i)}, {"namespace", ns}, {"labels", {{"bench", "informer"}}}}},
          {"data", data}};
}

// Runs `fn(i)` for i in [0, n) on `threads` threads.
template <typename F>
void parallel_for(int n, int threads, F fn) {
  std::atomic<int> next{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i; (i = next++) < n;) fn(i);
    });
  }
  for (auto& th : pool) th.join();
}

}  // namespace

int main() {
  const char* kubeconfig = std::getenv("KUBECONFIG");
  if (!kubeconfig) {
    std::fprintf(stderr, "informer_bench: KUBECONFIG is unset; run `eval \"$(make -s stack-status)\"` first\n");
    return 2;
  }
  kappa::kube::RestClient rest(kappa::kube::load_kubeconfig(kubeconfig));
  HttpKubeClient client(rest);
  const std::string ns = "bench-informer-" + std::to_string(std::time(nullptr));
  client.create(res::kNamespaces, "", {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});

  constexpr int kObjects = 1000;
  parallel_for(kObjects, 8, [&](int i) { client.create(res::kConfigMaps, ns, config_map(ns, i)); });
  const std::size_t wire_bytes = client.list(res::kConfigMaps, ns, {}).dump().size();

  // 1. Memory per 1,000 cached objects.
  const std::size_t heap_before = heap_in_use();
  std::atomic<long> events{0};
  Informer informer(rest, res::kConfigMaps, {.ns = ns, .label_selector = "", .field_selector = ""},
                    {[&](const json&) { ++events; }, [&](const json&, const json&) { ++events; },
                     [&](const json&) { ++events; }});
  informer.start();
  if (!informer.wait_for_sync(60s)) {
    std::fprintf(stderr, "informer did not sync\n");
    return 1;
  }
  const std::size_t heap_after = heap_in_use();
  const double cache_bytes = static_cast<double>(heap_after - heap_before);

  std::printf("\n## Informer cache memory (%d ConfigMaps, 5 x 40-byte values each)\n\n", kObjects);
  std::printf("| measure | bytes per 1,000 objects | ratio to JSON text |\n|---|---:|---:|\n");
  std::printf("| JSON text of the list (baseline) | %.0f | 1.00 |\n", wire_bytes * 1000.0 / kObjects);
  std::printf("| informer cache (heap in use) | %.0f | %.2f |\n", cache_bytes * 1000.0 / kObjects,
              cache_bytes / wire_bytes);

  // 2. Watch events per second: patch every object twice, from 8 threads.
  constexpr int kUpdates = 2 * kObjects;
  events = 0;
  const auto write_start = steady::now();
  parallel_for(kUpdates, 8, [&](int i) {
    client.patch(res::kConfigMaps, ns, "obj-" + std::to_string(i % kObjects), kappa::kube::PatchType::Merge,
                 {{"data", {{"tick", std::to_string(i)}}}}, {});
  });
  const auto writes_done = steady::now();
  while (events < kUpdates && steady::now() - writes_done < 60s) std::this_thread::sleep_for(1ms);
  const auto delivered = steady::now();
  const double write_rate = kUpdates / std::chrono::duration<double>(writes_done - write_start).count();
  const double event_rate = events / std::chrono::duration<double>(delivered - write_start).count();

  std::printf("\n## Watch throughput (%d updates from 8 writer threads)\n\n", kUpdates);
  std::printf("| measure | per second | ratio to baseline |\n|---|---:|---:|\n");
  std::printf("| writes accepted by the API server (baseline) | %.0f | 1.00 |\n", write_rate);
  std::printf("| events delivered by the informer | %.0f | %.2f |\n", event_rate, event_rate / write_rate);
  std::printf("\n(delivered %ld of %d events)\n", events.load(), kUpdates);

  informer.stop();
  client.remove(res::kNamespaces, "", ns, {});
  return events == kUpdates ? 0 : 1;
}
