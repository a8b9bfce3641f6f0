#pragma once
#include <chrono>
#include <memory>

#include "kube/kube_client.h"
#include "kube/rest_client.h"
#include "kube/write_fence.h"

namespace kappa::kube {

// KubeClient over HTTPS. A 429 (or 503 with Retry-After) is retried after
// the delay the server asked for, a few times, before it is thrown. With a
// WriteFence, every write (anything but GET) is first admitted by it and
// must be answered by the deadline it gives; reads are never fenced.
class HttpKubeClient final : public KubeClient {
 public:
  explicit HttpKubeClient(RestClient& rest, int max_throttle_retries = 3,
                          std::chrono::seconds max_retry_after = std::chrono::seconds(10),
                          std::shared_ptr<const WriteFence> fence = nullptr);

  json get(const Resource& r, const std::string& ns, const std::string& name) override;
  json list(const Resource& r, const std::string& ns, const ListOptions& options) override;
  json create(const Resource& r, const std::string& ns, const json& object,
              const CreateOptions& options = {}) override;
  json update(const Resource& r, const json& object) override;
  json update_status(const Resource& r, const json& object) override;
  json patch(const Resource& r, const std::string& ns, const std::string& name, PatchType type,
             const json& body, const PatchOptions& options) override;
  void remove(const Resource& r, const std::string& ns, const std::string& name,
              const DeleteOptions& options) override;

 private:
  json call(const std::string& method, const std::string& path, const std::string& body = {},
            const std::string& content_type = "application/json");

  HttpResponse send_once(const std::string& method, const std::string& path, const std::string& body,
                         const std::string& content_type);

  RestClient& rest_;
  int max_throttle_retries_;
  std::chrono::seconds max_retry_after_;
  std::shared_ptr<const WriteFence> fence_;
};

}  // namespace kappa::kube
