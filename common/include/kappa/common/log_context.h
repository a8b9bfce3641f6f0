#pragma once
#include <string>

namespace kappa {

// What the current thread is reconciling, printed on every log line it
// writes (text: `controller=… object=… reconcileID=…`; JSON: fields of the
// same names), so one reconcile's lines can be picked out of an
// interleaved log, as controller-runtime's reconcileID allows.
struct LogContext {
  std::string controller;
  std::string object;        // namespace/name
  std::string reconcile_id;  // unique per reconcile
};

// The current thread's context; empty fields outside a reconcile.
const LogContext& current_log_context();

// Sets the thread's context for its lifetime, restores the previous one.
class LogScope {
 public:
  explicit LogScope(LogContext context);
  ~LogScope();
  LogScope(const LogScope&) = delete;
  LogScope& operator=(const LogScope&) = delete;

 private:
  LogContext previous_;
};

// A short random id for a reconcile.
std::string new_reconcile_id();

}  // namespace kappa
