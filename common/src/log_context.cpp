#include "kappa/common/log_context.h"

#include <random>

namespace kappa {

namespace {
thread_local LogContext t_context;
}

const LogContext& current_log_context() { return t_context; }

LogScope::LogScope(LogContext context) : previous_(std::move(t_context)) { t_context = std::move(context); }
LogScope::~LogScope() { t_context = std::move(previous_); }

std::string new_reconcile_id() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* hex = "0123456789abcdef";
  std::string id(12, '0');
  auto bits = rng();
  for (auto& c : id) {
    c = hex[bits & 15];
    bits >>= 4;
  }
  return id;
}

}  // namespace kappa
