// Key lookups against one serving pod: `--lookups` GETs of /v1/keys/<key>
// for keys drawn (seeded) from the benchmark's user ids, one connection per
// request as a client behind a Service without keep-alive would make.
// Prints "p50_us p99_us misses" on one line for bench/lambda/run.sh.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "support/http_get.h"

int main(int argc, char** argv) {
  std::string host;
  int port = 8080, users = 100000, lookups = 10000;
  unsigned seed = 1;
  CLI::App app{"lookup latency of one kappa-processor serving pod"};
  app.add_option("--host", host, "pod address")->required();
  app.add_option("--port", port, "serving port");
  app.add_option("--users", users, "user ids u0000000.. to draw from")->check(CLI::PositiveNumber);
  app.add_option("--lookups", lookups, "requests to make")->check(CLI::PositiveNumber);
  app.add_option("--seed", seed, "key order");
  CLI11_PARSE(app, argc, argv);

  std::mt19937 random(seed);
  std::uniform_int_distribution<int> user(0, users - 1);
  std::vector<double> micros;
  micros.reserve(static_cast<std::size_t>(lookups));
  int misses = 0;
  char key[16];
  for (int i = 0; i < lookups; ++i) {
    std::snprintf(key, sizeof key, "u%07d", user(random));
    const auto start = std::chrono::steady_clock::now();
    const auto answer = kappa::testing::processor::http_get(host, port, std::string("/v1/keys/") + key);
    micros.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
    if (answer.status != 200) ++misses;
  }
  std::sort(micros.begin(), micros.end());
  const auto at = [&](double q) { return micros[static_cast<std::size_t>(q * static_cast<double>(micros.size() - 1))]; };
  std::printf("%.0f %.0f %d\n", at(0.50), at(0.99), misses);
  return misses == 0 ? 0 : 1;
}
