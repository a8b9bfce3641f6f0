#pragma once
// The real kappa-operator binary as a child process of the scale driver,
// and what /proc says about it (resident memory, CPU time).
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace kappa::bench {

class OperatorProcess {
 public:
  // Starts `binary args...` with stdout and stderr appended to `log_path`.
  // Throws std::runtime_error when it cannot be started.
  OperatorProcess(const std::string& binary, const std::vector<std::string>& args, const std::string& log_path);
  // Stops it (TERM, then KILL after the grace period) if still running.
  ~OperatorProcess();
  OperatorProcess(const OperatorProcess&) = delete;
  OperatorProcess& operator=(const OperatorProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // SIGTERM, then SIGKILL once `grace` has passed; waits for the exit.
  void stop(std::chrono::seconds grace = std::chrono::seconds(20));

  // VmRSS of /proc/<pid>/status in bytes.
  long long rss_bytes() const;
  // utime + stime of /proc/<pid>/stat, in seconds.
  double cpu_seconds() const;

 private:
  pid_t pid_ = -1;
};

}  // namespace kappa::bench
