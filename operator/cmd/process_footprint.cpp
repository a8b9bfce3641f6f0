#include "cmd/process_footprint.h"

#include <malloc.h>

#include <utility>  // boost.asio, under pplx, uses std::exchange without including it

#include <pplx/threadpool.h>

namespace kappa::operator_cmd {

void limit_process_footprint() {
  mallopt(M_ARENA_MAX, 2);
  crossplat::threadpool::initialize_with_threads(4);
}

void MemoryReturner::tick() {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < every_) return;
  last_ = now;
  malloc_trim(0);
}

}  // namespace kappa::operator_cmd
