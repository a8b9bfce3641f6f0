#pragma once
// An in-memory Kubernetes API for unit tests of the controllers: it keeps
// objects the way the apiserver does (resourceVersion on every write,
// optimistic concurrency, generation, status as a subresource, finalizers
// and deletionTimestamp, garbage collection of dependents) and feeds
// ObjectCaches that move only when a test calls sync(), so a test decides
// exactly how stale the controllers' view is. Calls can be made to fail.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/api_error.h"
#include "kube/kube_client.h"
#include "kube/object_cache.h"

namespace kappa::testing {

using nlohmann::json;

enum class Verb { Get, List, Create, DryRunCreate, Update, UpdateStatus, Patch, Remove };
const char* to_string(Verb verb);

// One request as the fake received it.
struct FakeCall {
  Verb verb;
  std::string resource;  // plural: "services", "pipelines"
  std::string ns, name;
  std::string subresource;  // "status" for status writes
  json body;                // what was sent (null for reads and deletes)
};

// The error an apiserver answers with.
kube::ApiError api_error(kube::ApiErrorKind kind, const std::string& message = "injected");

class FakeKubeClient final : public kube::KubeClient {
 public:
  // Decides whether a call fails: an exception to throw, or nothing.
  using FailureRule = std::function<std::exception_ptr(const FakeCall& call, const std::vector<FakeCall>& history)>;

  // --- kube::KubeClient ---
  json get(const kube::Resource& r, const std::string& ns, const std::string& name) override;
  json list(const kube::Resource& r, const std::string& ns, const kube::ListOptions& options) override;
  json create(const kube::Resource& r, const std::string& ns, const json& object,
              const kube::CreateOptions& options = {}) override;
  json update(const kube::Resource& r, const json& object) override;
  json update_status(const kube::Resource& r, const json& object) override;
  json patch(const kube::Resource& r, const std::string& ns, const std::string& name, kube::PatchType type,
             const json& body, const kube::PatchOptions& options) override;
  void remove(const kube::Resource& r, const std::string& ns, const std::string& name,
              const kube::DeleteOptions& options) override;

  // --- the test's side ---
  // Stores an object as it is (status included), as if it had been there
  // all along: no call is recorded. Returns it with uid, resourceVersion,
  // generation and creationTimestamp filled in where missing.
  json seed(const kube::Resource& r, json object);
  // The server's copy, or nothing.
  std::optional<json> stored(const kube::Resource& r, const std::string& ns, const std::string& name) const;
  std::vector<json> stored_all(const kube::Resource& r, const std::string& ns = {}) const;

  // The informer cache of a resource (created on first use). It changes
  // only on sync(): between syncs it is as stale as the test wants.
  kube::ObjectCache& cache(const kube::Resource& r);
  // Brings every cache (or one) up to the server's state, as a watch would.
  void sync();
  void sync(const kube::Resource& r);

  // Lists with a resourceVersion older than the current one answer 410
  // Gone from now on, as after an etcd compaction.
  void compact();
  std::string resource_version() const;

  // Failure injection. The n-th call (1-based, counted from now) of `verb`
  // on `r` throws `error` instead of happening.
  void fail_nth(Verb verb, const kube::Resource& r, int n, std::exception_ptr error);
  void fail_nth(Verb verb, const kube::Resource& r, int n, kube::ApiErrorKind kind) {
    fail_nth(verb, r, n, std::make_exception_ptr(api_error(kind)));
  }
  // A rule consulted before every call; it fires once (the first time it
  // returns an exception) and is then dropped.
  void fail_once_when(FailureRule rule);

  std::vector<FakeCall> calls() const;
  // Calls of `verb` on `r` (every resource when `r` is null).
  int count(Verb verb, const kube::Resource* r = nullptr) const;
  void clear_calls();

 private:
  struct Store {
    std::map<std::string, json> objects;  // by namespace/name
  };

  void begin_call(FakeCall call);  // records it, throws when a rule says so
  Store& store_locked(const kube::Resource& r) { return stores_[r.plural]; }
  json& existing_locked(const kube::Resource& r, const std::string& ns, const std::string& name);
  json& guarded_locked(const kube::Resource& r, const json& meta);
  std::string next_rv_locked() { return std::to_string(++rv_); }
  // Writes `next` over the stored `current` (both full objects) as the
  // apiserver does: preconditions, generation, resourceVersion, deletion.
  json commit_locked(const kube::Resource& r, json& current, json next);
  void delete_locked(const kube::Resource& r, const std::string& key);
  void sync_locked(const std::string& plural);

  mutable std::mutex mutex_;
  int64_t rv_ = 1000;
  int64_t compacted_rv_ = 0;
  int64_t uid_ = 0;
  std::map<std::string, Store> stores_;
  std::map<std::string, std::unique_ptr<kube::ObjectCache>> caches_;
  std::map<std::string, kube::Resource> resources_;  // plural -> resource, for caches
  std::vector<FakeCall> calls_;
  std::vector<FailureRule> rules_;
};

// Applies an RFC 7386 JSON merge patch to `target`.
json merge_patch(json target, const json& patch);

}  // namespace kappa::testing
