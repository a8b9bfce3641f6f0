#include "cmd/operator_metrics.h"

#include <sstream>

namespace kappa::operator_cmd {

namespace {

void family(std::ostringstream& out, const char* name, const char* type, const char* help,
            const std::map<std::string, double>& values, const char* label) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
  for (const auto& [key, value] : values) out << name << '{' << label << "=\"" << key << "\"} " << value << '\n';
}

// "a,b" label pairs for the two-label families.
void family2(std::ostringstream& out, const char* name, const char* help, const std::map<std::string, double>& values,
             const char* first, const char* second) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " counter\n";
  for (const auto& [key, value] : values) {
    const auto comma = key.find(',');
    out << name << '{' << first << "=\"" << key.substr(0, comma) << "\"," << second << "=\"" << key.substr(comma + 1)
        << "\"} " << value << '\n';
  }
}

}  // namespace

void OperatorMetrics::queue_added(const std::string& queue) {
  std::lock_guard lock(mutex_);
  queue_adds_[queue] += 1;
}
void OperatorMetrics::queue_depth(const std::string& queue, std::size_t depth) {
  std::lock_guard lock(mutex_);
  queue_depth_[queue] = static_cast<double>(depth);
}
void OperatorMetrics::queue_retried(const std::string& queue) {
  std::lock_guard lock(mutex_);
  queue_retries_[queue] += 1;
}
void OperatorMetrics::reconciled(const std::string& controller, duration took, bool failed) {
  std::lock_guard lock(mutex_);
  reconcile_total_[controller] += 1;
  if (failed) reconcile_errors_[controller] += 1;
  reconcile_seconds_[controller] += std::chrono::duration<double>(took).count();
}
void OperatorMetrics::watch_restarted(const std::string& resource, const std::string& reason) {
  std::lock_guard lock(mutex_);
  watch_restarts_[resource + "," + reason] += 1;
}
void OperatorMetrics::api_request(const std::string& verb, int code, duration) {
  std::lock_guard lock(mutex_);
  api_requests_[verb + "," + std::to_string(code)] += 1;
}

std::string OperatorMetrics::render(bool leading) const {
  std::lock_guard lock(mutex_);
  std::ostringstream out;
  out << "# HELP kappa_operator_leader Whether this replica leads (1) or stands by (0).\n"
         "# TYPE kappa_operator_leader gauge\nkappa_operator_leader "
      << (leading ? 1 : 0) << '\n';
  family(out, "kappa_reconcile_total", "counter", "Reconciles run, by controller.", reconcile_total_, "controller");
  family(out, "kappa_reconcile_errors_total", "counter", "Reconciles that failed (retried with backoff).",
         reconcile_errors_, "controller");
  family(out, "kappa_reconcile_duration_seconds_total", "counter", "Seconds spent reconciling, by controller.",
         reconcile_seconds_, "controller");
  family(out, "kappa_workqueue_adds_total", "counter", "Keys added to the work queue.", queue_adds_, "queue");
  family(out, "kappa_workqueue_retries_total", "counter", "Keys re-queued with backoff.", queue_retries_, "queue");
  family(out, "kappa_workqueue_depth", "gauge", "Keys waiting in the work queue.", queue_depth_, "queue");
  family2(out, "kappa_watch_restarts_total", "Watches restarted, by resource and reason.", watch_restarts_,
          "resource", "reason");
  family2(out, "kappa_api_requests_total", "Kubernetes API requests, by verb and HTTP code (0: no answer).",
          api_requests_, "verb", "code");
  return out.str();
}

}  // namespace kappa::operator_cmd
