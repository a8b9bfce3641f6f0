#include "http_dispatcher.h"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <memory>

namespace kappa::http {

namespace {
// Probes are few (a kubelet's period is seconds): one thread, a short queue.
constexpr std::size_t kProbeThreads = 1;
constexpr std::size_t kProbePending = 16;
}  // namespace

bool Dispatcher::Lane::post(std::function<void()> work) {
  if (pending_.fetch_add(1) >= max_pending_) {
    pending_.fetch_sub(1);
    return false;
  }
  boost::asio::post(pool_, [this, work = std::move(work)] {
    work();
    pending_.fetch_sub(1);
  });
  return true;
}

void Dispatcher::Lane::stop() {
  pool_.stop();
  pool_.join();
}

Dispatcher::Dispatcher(Handler handler, const Limits& limits)
    : handler_(std::move(handler)),
      limits_(limits),
      probes_(kProbeThreads, kProbePending),
      others_(std::max<std::size_t>(1, limits.handler_threads),
              std::max<std::size_t>(1, limits.max_pending_requests)) {}

Dispatcher::~Dispatcher() { stop(); }

void Dispatcher::stop() {
  probes_.stop();
  others_.stop();
}

bool Dispatcher::dispatch(Request request, std::function<void(Response)> reply) {
  auto& lane = limits_.probe_paths.count(request.path) ? probes_ : others_;
  // std::function needs a copyable callable; the request moves in once.
  auto shared = std::make_shared<Request>(std::move(request));
  return lane.post([this, shared, reply = std::move(reply)] { reply(run(*shared)); });
}

Response Dispatcher::run(const Request& request) const {
  try {
    return handler_(request);
  } catch (const std::exception& e) {
    spdlog::error("HTTP {} {} failed: {}", request.method, request.path, e.what());
    return json_error(500, "internal error");
  }
}

}  // namespace kappa::http
