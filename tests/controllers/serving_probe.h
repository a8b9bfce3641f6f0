#pragma once
// Reads a known key through whatever the serving Service selects, every
// 200 ms, the way a client behind the Service would, and records every read
// that did not answer 200 ("the answers never went missing"). The local
// stack's EndpointSlices cannot hold loopback pod IPs, so the probe resolves
// the Service's selector to Ready pods itself, from fresh reads.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kube/api_error.h"
#include "kube/http_kube_client.h"
#include "kube/time_format.h"
#include "support/http_get.h"

namespace kappa::testing {

class ServingProbe {
 public:
  ServingProbe(kube::RestClient& rest, std::string ns, std::string service, std::string key, int port)
      : client_(rest), ns_(std::move(ns)), service_(std::move(service)), key_(std::move(key)), port_(port) {
    thread_ = std::jthread([this](std::stop_token stop) {
      while (!stop.stop_requested()) {
        read_once();
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    });
  }
  ~ServingProbe() { stop(); }

  void stop() {
    if (!thread_.joinable()) return;
    thread_.request_stop();
    thread_.join();
  }
  int answers() const { return answers_; }
  // Stops, then checks the promise: reads answered, none went missing.
  void expect_never_missed() {
    stop();
    EXPECT_GT(answers_.load(), 0) << "the probe never got an answer for " << key_;
    const auto missed = misses();
    EXPECT_TRUE(missed.empty()) << missed.size() << " reads through Service " << service_ << " failed; first: "
                                << missed.front();
  }
  std::vector<std::string> misses() {
    std::lock_guard lock(mutex_);
    return misses_;
  }
  // Every answer body, in the order read.
  std::vector<nlohmann::json> bodies() {
    std::lock_guard lock(mutex_);
    return bodies_;
  }

 private:
  void read_once() {
    nlohmann::json service, pods;
    try {
      service = client_.get(kube::resources::kServices, ns_, service_);
      std::string selector;
      for (const auto& [label, value] : service["spec"]["selector"].items()) {
        selector += (selector.empty() ? "" : ",") + label + "=" + value.get<std::string>();
      }
      kube::ListOptions options;
      options.label_selector = selector;
      pods = client_.list(kube::resources::kPods, ns_, options);
    } catch (const std::exception& e) {
      // No Service yet, or the apiserver is being restarted under us: not
      // a serving failure. Once serving started, a deleted Service is one.
      if (answers_ > 0 && kube::is_not_found(e)) miss("Service gone");
      return;
    }
    const std::string version = service["spec"]["selector"].value("kappa.dev/version", "?");
    std::vector<std::string> ready;
    for (const auto& pod : pods["items"]) {
      const auto status = pod.value("status", nlohmann::json::object());
      for (const auto& c : status.value("conditions", nlohmann::json::array())) {
        if (c.value("type", "") == "Ready" && c.value("status", "") == "True" && status.contains("podIP")) {
          ready.push_back(status["podIP"]);
        }
      }
    }
    if (ready.empty()) {
      if (answers_ > 0) miss("v" + version + " selected, no Ready pod");
      return;
    }
    for (const auto& ip : ready) {
      const auto result = processor::http_request(ip, port_, "GET", "/v1/keys/" + key_);
      if (result.status == 200) {
        ++answers_;
        std::lock_guard lock(mutex_);
        bodies_.push_back(nlohmann::json::parse(result.body, nullptr, /*allow_exceptions=*/false));
      } else if (answers_ > 0) {
        miss("v" + version + " pod " + ip + " answered " + std::to_string(result.status));
      }
    }
  }

  void miss(const std::string& what) {
    std::lock_guard lock(mutex_);
    misses_.push_back(kube::format_time(std::chrono::system_clock::now()) + " " + what);
  }

  kube::HttpKubeClient client_;
  std::string ns_, service_, key_;
  int port_;
  std::atomic<int> answers_{0};
  std::mutex mutex_;
  std::vector<std::string> misses_;
  std::vector<nlohmann::json> bodies_;
  std::jthread thread_;  // last: stopped before the members it uses go
};

}  // namespace kappa::testing
