// kappa_http_test_server: kappa::http::Server with a probe and a key
// lookup, so the attack tests measure a server process of its own (its RSS,
// its fd limit) rather than the test runner.
// Usage: kappa_http_test_server BIND_ADDRESS PORT [MAX_OPEN_FILES [HELD_FILES]]
// HELD_FILES descriptors are opened after the server starts, as the rest of
// a process (Kafka, the API server) would, so accept() meets EMFILE.
// Prints "listening <url>" once it serves; stops on SIGTERM or SIGINT.
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "kappa/common/http_server.h"

namespace {

kappa::http::Response handle(const kappa::http::Request& request) {
  if (request.method != "GET") return kappa::http::json_error(405, "only GET");
  if (request.path == "/healthz") return {200, "text/plain", "ok\n", {}};
  // Echoes the decoded key into JSON, as the processor's query API does.
  if (request.segments.size() == 3 && request.segments[0] == "v1" && request.segments[1] == "keys") {
    return kappa::http::json_error(404, "key not found: " + request.segments[2]);
  }
  return kappa::http::json_error(404, "no such path");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s BIND_ADDRESS PORT [MAX_OPEN_FILES [HELD_FILES]]\n", argv[0]);
    return 2;
  }
  if (argc > 3) {
    const rlim_t files = std::strtoul(argv[3], nullptr, 10);
    const rlimit limit{files, files};
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) return 3;
  }
  // Blocked before the server starts its threads, so only sigwait sees them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  kappa::http::Server server(argv[1], std::stoi(argv[2]), handle);
  std::vector<std::ifstream> held(argc > 4 ? std::stoul(argv[4]) : 0);
  for (auto& file : held) file.open("/dev/null");
  std::printf("listening %s\n", server.url().c_str());
  std::fflush(stdout);
  int signal = 0;
  sigwait(&stop, &signal);
  std::fflush(nullptr);
  std::_Exit(0);
}
