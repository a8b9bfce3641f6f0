#include "kube/informer.h"

#include <spdlog/spdlog.h>

#include <random>
#include <set>

#include "kube/api_error.h"
#include "kube/backoff.h"
#include "kube/query.h"
#include "kube/runtime_metrics.h"

namespace kappa::kube {
namespace {

using namespace std::chrono_literals;

// client-go's reflector: a watch lasts between 5 and 10 minutes, so that
// many informers do not reconnect in lock-step.
int random_watch_timeout_seconds() {
  static thread_local std::mt19937 rng{std::random_device{}()};
  return std::uniform_int_distribution<int>(300, 600)(rng);
}

constexpr int kListPageSize = 500;

}  // namespace

Informer::Informer(RestClient& rest, Resource resource, InformerOptions options, EventHandlers handlers)
    : rest_(rest), client_(rest), resource_(std::move(resource)), options_(std::move(options)),
      handlers_{std::move(handlers)} {}

json Informer::transform(json object) const {
  if (options_.strip_managed_fields && object.contains("metadata")) object["metadata"].erase("managedFields");
  if (options_.trim) options_.trim(object);
  return object;
}

void Informer::notify_add(const json& object) {
  for (const auto& h : handlers_) {
    if (h.on_add) h.on_add(object);
  }
}
void Informer::notify_update(const json& old_object, const json& new_object) {
  for (const auto& h : handlers_) {
    if (h.on_update) h.on_update(old_object, new_object);
  }
}
void Informer::notify_delete(const json& object) {
  for (const auto& h : handlers_) {
    if (h.on_delete) h.on_delete(object);
  }
}

Informer::~Informer() { stop(); }

void Informer::start() {
  if (thread_.joinable()) return;
  // A stopped informer can start again: it keeps its cache and
  // resourceVersion and resumes watching from there, as after a disconnect.
  stopping_ = false;
  cancel_ = pplx::cancellation_token_source();
  thread_ = std::thread([this] { run(); });
}

void Informer::stop() {
  stopping_ = true;
  cancel_.cancel();
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Informer::wait_for_sync(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!synced_) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

void Informer::sleep_interruptibly(std::chrono::milliseconds delay) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, delay, [this] { return stopping_.load(); });
}

void Informer::run() {
  Backoff backoff(800ms, 30s, 120s);
  bool need_list = !synced_;
  while (!stopping_) {
    try {
      if (need_list) {
        list_and_replace();
        need_list = false;
      }
      if (watch_once() == WatchEnd::Expired) {
        spdlog::info("watch of {} expired (410 Gone); listing again", resource_.plural);
        runtime_metrics().watch_restarted(resource_.plural, "expired");
        need_list = true;
      } else {
        runtime_metrics().watch_restarted(resource_.plural, "closed");
      }
    } catch (const pplx::task_canceled&) {
      break;
    } catch (const ApiError& e) {
      if (e.kind() == ApiErrorKind::Gone) {
        runtime_metrics().watch_restarted(resource_.plural, "expired");
        need_list = true;
        continue;
      }
      runtime_metrics().watch_restarted(resource_.plural, "error");
      const auto delay = backoff.next(std::chrono::steady_clock::now());
      spdlog::warn("informer for {}: {}; retrying in {} ms", resource_.plural, e.what(), delay.count());
      sleep_interruptibly(delay);
    } catch (const std::exception& e) {
      if (stopping_) break;
      runtime_metrics().watch_restarted(resource_.plural, "error");
      const auto delay = backoff.next(std::chrono::steady_clock::now());
      spdlog::warn("informer for {}: {}; retrying in {} ms", resource_.plural, e.what(), delay.count());
      sleep_interruptibly(delay);
    }
  }
}

void Informer::list_and_replace() {
  ListOptions list_options;
  list_options.label_selector = options_.label_selector;
  list_options.field_selector = options_.field_selector;
  list_options.limit = kListPageSize;
  const json list = list_all(client_, resource_, options_.ns, list_options);

  std::set<std::string> present;
  for (const auto& item : list["items"]) {
    const auto object = std::make_shared<const json>(transform(item));
    present.insert(object_key(*object));
    const auto previous = cache_.upsert(*object);
    if (!previous) {
      notify_add(*object);
    } else if ((*previous)["metadata"].value("resourceVersion", "") !=
               (*object)["metadata"].value("resourceVersion", "")) {
      notify_update(*previous, *object);
    }
  }
  // Whatever was deleted while we were not watching is a delete now.
  for (const auto& key : cache_.keys()) {
    if (present.count(key)) continue;
    if (auto gone = cache_.erase(key)) notify_delete(*gone);
  }
  resource_version_ = list["metadata"].value("resourceVersion", "");
  ++relists_;
  synced_ = true;
}

bool Informer::handle_event(const json& event, WatchEnd& end) {
  const std::string type = event.value("type", "");
  if (type == "ERROR") {
    const json& status = event["object"];
    if (status.value("code", 0) == 410) {
      end = WatchEnd::Expired;
      return false;
    }
    throw std::runtime_error("watch error event: " + status.dump());
  }
  const auto object = std::make_shared<const json>(transform(event["object"]));
  const std::string rv = (*object)["metadata"].value("resourceVersion", "");
  if (type == "BOOKMARK") {
    resource_version_ = rv;
    return true;
  }
  if (type == "ADDED" || type == "MODIFIED") {
    const auto previous = cache_.upsert(*object);
    if (previous) {
      notify_update(*previous, *object);
    } else {
      notify_add(*object);
    }
  } else if (type == "DELETED") {
    cache_.erase(object_key(*object));
    notify_delete(*object);
  }
  if (!rv.empty()) resource_version_ = rv;
  return !stopping_;
}

Informer::WatchEnd Informer::watch_once() {
  const int timeout_seconds = random_watch_timeout_seconds();
  const std::string path = resource_.path(options_.ns) + query_string({
                               {"watch", "true"},
                               {"allowWatchBookmarks", "true"},
                               {"resourceVersion", resource_version_},
                               {"timeoutSeconds", std::to_string(timeout_seconds)},
                               {"labelSelector", options_.label_selector},
                               {"fieldSelector", options_.field_selector},
                           });
  WatchEnd end = WatchEnd::Closed;
  // The idle timeout must outlast the whole watch: bookmarks may be the only
  // traffic on a quiet resource, and they are not guaranteed to be frequent.
  const auto idle_timeout = std::chrono::seconds(timeout_seconds + 60);
  const HttpResponse response = rest_.stream_lines(
      path, [&](const std::string& line) { return handle_event(json::parse(line), end); },
      cancel_.get_token(), idle_timeout);
  if (!response.ok()) throw api_error_from(response, "watch " + resource_.plural);
  return end;
}

}  // namespace kappa::kube
