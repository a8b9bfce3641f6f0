#include "kube/request_deadline.h"

#include <algorithm>

namespace kappa::kube {
namespace {
thread_local std::optional<std::chrono::steady_clock::time_point> t_deadline;
}  // namespace

ScopedRequestDeadline::ScopedRequestDeadline(std::chrono::steady_clock::time_point deadline) : outer_(t_deadline) {
  t_deadline = outer_ ? std::min(*outer_, deadline) : deadline;
}

ScopedRequestDeadline::~ScopedRequestDeadline() { t_deadline = outer_; }

std::optional<std::chrono::steady_clock::time_point> ScopedRequestDeadline::current() { return t_deadline; }

}  // namespace kappa::kube
