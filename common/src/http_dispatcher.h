#pragma once
// Runs handlers off the I/O thread, on a bounded number of threads with a
// bounded queue, and keeps a lane of its own for probe paths so a flood of
// slow requests cannot starve /healthz.
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <cstddef>
#include <functional>

#include "kappa/common/http_server.h"

namespace kappa::http {

class Dispatcher {
 public:
  Dispatcher(Handler handler, const Limits& limits);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Calls `reply` with the handler's response, on a handler thread. False
  // (and no call) when the request's lane is full: the caller answers 503.
  bool dispatch(Request request, std::function<void(Response)> reply);

  // Waits for running handlers; later dispatches are dropped.
  void stop();

 private:
  class Lane {
   public:
    Lane(std::size_t threads, std::size_t max_pending) : pool_(threads), max_pending_(max_pending) {}
    bool post(std::function<void()> work);
    void stop();

   private:
    boost::asio::thread_pool pool_;
    std::atomic<std::size_t> pending_{0};
    const std::size_t max_pending_;
  };

  Response run(const Request& request) const;

  Handler handler_;
  const Limits& limits_;
  Lane probes_;
  Lane others_;
};

}  // namespace kappa::http
