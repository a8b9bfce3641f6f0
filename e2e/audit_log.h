#pragma once
// The writes the API server's audit log recorded (the stack logs every
// create, update, patch and delete; dev/stack-up.sh), read incrementally.
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kappa::testing {

struct AuditedWrite {
  std::string user_agent;
  std::string verb;
  std::string resource;
  std::string name;
  int code = 0;
  // RFC 3339 with six fractional digits, UTC: they compare as strings.
  std::string received;   // when the API server read the request
  std::string completed;  // when it had answered

  bool succeeded() const { return code >= 200 && code < 300; }
};

class AuditLog {
 public:
  explicit AuditLog(std::string path) : path_(std::move(path)) { skip_to_end(); }

  // Everything from now on is new.
  void skip_to_end() {
    std::ifstream in(path_, std::ios::ate);
    offset_ = in ? static_cast<std::streamoff>(in.tellg()) : 0;
  }

  // The complete lines written since the last call.
  std::vector<AuditedWrite> read_new() {
    std::vector<AuditedWrite> writes;
    std::ifstream in(path_);
    in.seekg(offset_);
    std::string line;
    while (std::getline(in, line)) {
      if (in.eof()) break;  // a line still being written: read it next time
      offset_ += static_cast<std::streamoff>(line.size()) + 1;
      const auto event = nlohmann::json::parse(line, nullptr, false);
      if (event.is_discarded() || event.value("stage", "") != "ResponseComplete") continue;
      const auto ref = event.value("objectRef", nlohmann::json::object());
      writes.push_back({event.value("userAgent", ""), event.value("verb", ""), ref.value("resource", ""),
                        ref.value("name", ""),
                        event.value("responseStatus", nlohmann::json::object()).value("code", 0),
                        event.value("requestReceivedTimestamp", ""), event.value("stageTimestamp", "")});
    }
    return writes;
  }

 private:
  std::string path_;
  std::streamoff offset_ = 0;
};

}  // namespace kappa::testing
