#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kube/http_kube_client.h"
#include "kube/object_cache.h"
#include "kube/resource.h"
#include "kube/rest_client.h"

namespace kappa::kube {

struct EventHandlers {
  std::function<void(const json& object)> on_add;
  std::function<void(const json& old_object, const json& new_object)> on_update;
  std::function<void(const json& last_known)> on_delete;
};

struct InformerOptions {
  std::string ns;  // "" = all namespaces
  std::string label_selector;
  std::string field_selector;
  // Controllers never read managedFields; dropping them from cached copies
  // saves a large share of the cache's memory (as controller-runtime's
  // DefaultTransform does).
  bool strip_managed_fields = true;
  // Drops more of each object before it is cached: what the controllers
  // never read of it (a pod's spec, a Deployment's pod template). Handlers
  // see the trimmed object too.
  std::function<void(json& object)> trim = nullptr;
};

// Keeps an ObjectCache of one resource in step with the API server, the way
// client-go's reflector does: list, then watch from the list's
// resourceVersion with bookmarks; re-watch when a watch ends (timeouts are
// randomised between 5 and 10 minutes); relist on 410 Gone, delivering as
// deletes whatever vanished meanwhile; reconnect with backoff on errors.
// Handlers run on the informer's thread: keep them short (enqueue a key).
class Informer {
 public:
  Informer(RestClient& rest, Resource resource, InformerOptions options, EventHandlers handlers = {});
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Lists (the first time) and watches on a thread of its own. After stop(),
  // start() resumes from the last resourceVersion with the cache intact.
  void start();
  // Cancels the open watch and joins the thread.
  void stop();
  // True once the first list has been loaded into the cache.
  bool wait_for_sync(std::chrono::milliseconds timeout);
  bool has_synced() const { return synced_; }
  // Adds another set of handlers (several controllers may share one
  // informer). Call before start().
  void add_handlers(EventHandlers handlers) { handlers_.push_back(std::move(handlers)); }

  const ObjectCache& cache() const { return cache_; }
  ObjectCache& cache() { return cache_; }  // to register indexes before start()
  const Resource& resource() const { return resource_; }
  // How many times the informer had to list again (410 Gone), for tests
  // and metrics.
  int relists() const { return relists_; }

 private:
  enum class WatchEnd { Closed, Expired };

  void run();
  void list_and_replace();
  WatchEnd watch_once();
  bool handle_event(const json& event, WatchEnd& end);
  void notify_add(const json& object);
  void notify_update(const json& old_object, const json& new_object);
  void notify_delete(const json& object);
  json transform(json object) const;
  void sleep_interruptibly(std::chrono::milliseconds delay);

  RestClient& rest_;
  HttpKubeClient client_;
  Resource resource_;
  InformerOptions options_;
  std::vector<EventHandlers> handlers_;
  ObjectCache cache_;

  std::string resource_version_;
  std::atomic<bool> synced_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<int> relists_{-1};  // the first list is not a relist
  pplx::cancellation_token_source cancel_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::thread thread_;
};

}  // namespace kappa::kube
