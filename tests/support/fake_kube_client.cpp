#include "support/fake_kube_client.h"

#include <set>

namespace kappa::testing {

using kube::ApiErrorKind;

namespace {

int http_status(ApiErrorKind kind) {
  switch (kind) {
    case ApiErrorKind::BadRequest: return 400;
    case ApiErrorKind::Unauthorized: return 401;
    case ApiErrorKind::Forbidden: return 403;
    case ApiErrorKind::NotFound: return 404;
    case ApiErrorKind::Conflict:
    case ApiErrorKind::AlreadyExists: return 409;
    case ApiErrorKind::Gone: return 410;
    case ApiErrorKind::Invalid: return 422;
    case ApiErrorKind::TooManyRequests: return 429;
    case ApiErrorKind::Timeout: return 504;
    case ApiErrorKind::ServerError:
    case ApiErrorKind::Other: break;
  }
  return 500;
}

std::string key_of(const std::string& ns, const std::string& name) { return ns.empty() ? name : ns + "/" + name; }

// The object without metadata and status: what generation counts changes of.
json spec_part(const json& object) {
  json out = object;
  out.erase("metadata");
  out.erase("status");
  return out;
}

bool matches_selector(const json& object, const std::string& selector) {
  if (selector.empty()) return true;
  const auto labels = object["metadata"].value("labels", json::object());
  std::size_t start = 0;
  while (start <= selector.size()) {
    const auto comma = selector.find(',', start);
    const std::string term = selector.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const auto eq = term.find('=');
    if (eq == std::string::npos) {
      if (!labels.contains(term)) return false;
    } else if (labels.value(term.substr(0, eq), std::string("\x01")) != term.substr(eq + 1)) {
      return false;
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return true;
}

}  // namespace

const char* to_string(Verb verb) {
  switch (verb) {
    case Verb::Get: return "get";
    case Verb::List: return "list";
    case Verb::Create: return "create";
    case Verb::DryRunCreate: return "create?dryRun";
    case Verb::Update: return "update";
    case Verb::UpdateStatus: return "update_status";
    case Verb::Patch: return "patch";
    case Verb::Remove: return "delete";
  }
  return "?";
}

kube::ApiError api_error(ApiErrorKind kind, const std::string& message) {
  return kube::ApiError(kind, http_status(kind), kube::to_string(kind), message, {}, std::nullopt);
}

json merge_patch(json target, const json& patch) {
  if (!patch.is_object()) return patch;
  if (!target.is_object()) target = json::object();
  for (const auto& [key, value] : patch.items()) {
    if (value.is_null()) {
      target.erase(key);
    } else {
      target[key] = merge_patch(target.contains(key) ? target[key] : json(), value);
    }
  }
  return target;
}

void FakeKubeClient::begin_call(FakeCall call) {
  std::exception_ptr failure;
  {
    std::lock_guard lock(mutex_);
    for (auto it = rules_.begin(); it != rules_.end(); ++it) {
      failure = (*it)(call, calls_);
      if (failure) {
        rules_.erase(it);
        break;
      }
    }
    calls_.push_back(std::move(call));
  }
  if (failure) std::rethrow_exception(failure);
}

json& FakeKubeClient::existing_locked(const kube::Resource& r, const std::string& ns, const std::string& name) {
  auto& objects = store_locked(r).objects;
  const auto it = objects.find(key_of(ns, name));
  if (it == objects.end()) throw api_error(ApiErrorKind::NotFound, r.plural + " \"" + name + "\" not found");
  return it->second;
}

json FakeKubeClient::get(const kube::Resource& r, const std::string& ns, const std::string& name) {
  begin_call({Verb::Get, r.plural, ns, name, "", nullptr});
  std::lock_guard lock(mutex_);
  return existing_locked(r, ns, name);
}

json FakeKubeClient::list(const kube::Resource& r, const std::string& ns, const kube::ListOptions& options) {
  begin_call({Verb::List, r.plural, ns, "", "", nullptr});
  std::lock_guard lock(mutex_);
  if (!options.resource_version.empty() && std::stoll(options.resource_version) < compacted_rv_) {
    throw api_error(ApiErrorKind::Gone, "too old resource version: " + options.resource_version);
  }
  json items = json::array();
  for (const auto& [key, object] : store_locked(r).objects) {
    if (!ns.empty() && object["metadata"].value("namespace", "") != ns) continue;
    if (matches_selector(object, options.label_selector)) items.push_back(object);
  }
  return {{"kind", "List"}, {"metadata", {{"resourceVersion", std::to_string(rv_)}}}, {"items", items}};
}

json FakeKubeClient::create(const kube::Resource& r, const std::string& ns, const json& object,
                            const kube::CreateOptions& options) {
  begin_call({options.dry_run ? Verb::DryRunCreate : Verb::Create, r.plural, ns, object["metadata"].value("name", ""),
              "", object});
  std::lock_guard lock(mutex_);
  json created = object;
  created.erase("status");  // status is a subresource: not set by a create
  auto& meta = created["metadata"];
  if (r.namespaced) meta["namespace"] = ns;
  const std::string key = key_of(r.namespaced ? ns : "", meta.value("name", ""));
  if (store_locked(r).objects.count(key)) {
    throw api_error(ApiErrorKind::AlreadyExists, r.plural + " \"" + meta.value("name", "") + "\" already exists");
  }
  if (options.dry_run) return created;  // admitted, not stored
  meta["uid"] = "uid-" + std::to_string(++uid_);
  meta["generation"] = 1;
  meta["creationTimestamp"] = "2026-01-01T00:00:00Z";
  meta["resourceVersion"] = next_rv_locked();
  meta.erase("deletionTimestamp");
  store_locked(r).objects[key] = created;
  return created;
}

json FakeKubeClient::seed(const kube::Resource& r, json object) {
  std::lock_guard lock(mutex_);
  auto& meta = object["metadata"];
  if (!meta.contains("uid")) meta["uid"] = "uid-" + std::to_string(++uid_);
  if (!meta.contains("generation")) meta["generation"] = 1;
  if (!meta.contains("creationTimestamp")) meta["creationTimestamp"] = "2026-01-01T00:00:00Z";
  meta["resourceVersion"] = next_rv_locked();
  store_locked(r).objects[key_of(meta.value("namespace", ""), meta.value("name", ""))] = object;
  resources_.emplace(r.plural, r);
  return object;
}

json FakeKubeClient::commit_locked(const kube::Resource& r, json& current, json next) {
  const auto& meta = current["metadata"];
  const std::string key = key_of(meta.value("namespace", ""), meta.value("name", ""));
  // Server-owned metadata is the server's, whatever the request said.
  for (const char* field : {"uid", "creationTimestamp", "namespace", "name", "deletionTimestamp"}) {
    if (meta.contains(field)) {
      next["metadata"][field] = meta[field];
    } else {
      next["metadata"].erase(field);
    }
  }
  int64_t generation = meta.value("generation", int64_t{1});
  if (spec_part(next) != spec_part(current)) ++generation;
  next["metadata"]["generation"] = generation;
  if (next == current) return current;  // a no-op write does not move the resourceVersion
  next["metadata"]["resourceVersion"] = next_rv_locked();
  const bool deleting = next["metadata"].contains("deletionTimestamp");
  if (deleting && next["metadata"].value("finalizers", json::array()).empty()) {
    delete_locked(r, key);
    return next;
  }
  current = next;
  return current;
}

// The stored object a PUT replaces, if the PUT names its resourceVersion.
json& FakeKubeClient::guarded_locked(const kube::Resource& r, const json& meta) {
  json& current = existing_locked(r, meta.value("namespace", ""), meta.value("name", ""));
  if (meta.value("resourceVersion", "") != current["metadata"].value("resourceVersion", "")) {
    throw api_error(ApiErrorKind::Conflict, "the object has been modified; please apply your changes to the latest version");
  }
  return current;
}

json FakeKubeClient::update(const kube::Resource& r, const json& object) {
  const auto& meta = object.at("metadata");
  begin_call({Verb::Update, r.plural, meta.value("namespace", ""), meta.value("name", ""), "", object});
  std::lock_guard lock(mutex_);
  json& current = guarded_locked(r, meta);
  json next = object;
  if (current.contains("status")) {
    next["status"] = current["status"];  // the main resource ignores status
  } else {
    next.erase("status");
  }
  return commit_locked(r, current, next);
}

json FakeKubeClient::update_status(const kube::Resource& r, const json& object) {
  const auto& meta = object.at("metadata");
  begin_call({Verb::UpdateStatus, r.plural, meta.value("namespace", ""), meta.value("name", ""), "status", object});
  std::lock_guard lock(mutex_);
  json& current = guarded_locked(r, meta);
  json next = current;  // the status subresource ignores everything but status
  next["status"] = object.value("status", json::object());
  return commit_locked(r, current, next);
}

json FakeKubeClient::patch(const kube::Resource& r, const std::string& ns, const std::string& name,
                           kube::PatchType type, const json& body, const kube::PatchOptions& options) {
  begin_call({Verb::Patch, r.plural, ns, name, options.subresource, body});
  std::lock_guard lock(mutex_);
  json& current = existing_locked(r, ns, name);
  json patched;
  switch (type) {
    case kube::PatchType::Merge:
    case kube::PatchType::StrategicMerge:  // lists are replaced, not merged by key: enough for these tests
      if (body.is_object() && body.contains("metadata") && body["metadata"].is_object()) {
        const std::string want = body["metadata"].value("resourceVersion", "");
        if (!want.empty() && want != current["metadata"].value("resourceVersion", "")) {
          throw api_error(ApiErrorKind::Conflict, "the object has been modified (resourceVersion precondition)");
        }
      }
      patched = merge_patch(current, body);
      break;
    case kube::PatchType::Json:
      patched = current.patch(body);
      break;
    case kube::PatchType::Apply:
      throw api_error(ApiErrorKind::BadRequest, "server-side apply is not faked");
  }
  patched["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"];
  json next = current;
  if (options.subresource == "status") {
    next["status"] = patched.value("status", json::object());
  } else {
    next = patched;
    if (current.contains("status")) {
      next["status"] = current["status"];
    } else {
      next.erase("status");
    }
  }
  return commit_locked(r, current, next);
}

void FakeKubeClient::remove(const kube::Resource& r, const std::string& ns, const std::string& name,
                            const kube::DeleteOptions& options) {
  begin_call({Verb::Remove, r.plural, ns, name, "", nullptr});
  std::lock_guard lock(mutex_);
  json& current = existing_locked(r, ns, name);
  const auto& meta = current["metadata"];
  if ((!options.precondition_uid.empty() && options.precondition_uid != meta.value("uid", "")) ||
      (!options.precondition_resource_version.empty() &&
       options.precondition_resource_version != meta.value("resourceVersion", ""))) {
    throw api_error(ApiErrorKind::Conflict, "precondition failed");
  }
  if (meta.value("finalizers", json::array()).empty()) {
    delete_locked(r, key_of(ns, name));
    return;
  }
  if (!meta.contains("deletionTimestamp")) {
    current["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z";
    current["metadata"]["resourceVersion"] = next_rv_locked();
  }
}

// The object goes, and with it (as the garbage collector would) every
// object that names it as owner; dependents with finalizers start deleting.
void FakeKubeClient::delete_locked(const kube::Resource& r, const std::string& key) {
  auto& objects = store_locked(r).objects;
  const auto it = objects.find(key);
  if (it == objects.end()) return;
  const std::string uid = it->second["metadata"].value("uid", "");
  objects.erase(it);
  next_rv_locked();
  for (auto& [plural, store] : stores_) {
    std::vector<std::string> dependents;
    for (auto& [dkey, object] : store.objects) {
      for (const auto& ref : object["metadata"].value("ownerReferences", json::array())) {
        if (ref.value("uid", "") == uid) dependents.push_back(dkey);
      }
    }
    for (const auto& dkey : dependents) {
      auto found = store.objects.find(dkey);
      if (found == store.objects.end()) continue;
      auto& meta = found->second["metadata"];
      if (meta.value("finalizers", json::array()).empty()) {
        const auto resource = resources_.find(plural);
        kube::Resource dr = resource != resources_.end() ? resource->second : kube::Resource{"", "", plural, true};
        delete_locked(dr, dkey);
      } else if (!meta.contains("deletionTimestamp")) {
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z";
        meta["resourceVersion"] = next_rv_locked();
      }
    }
  }
}

std::optional<json> FakeKubeClient::stored(const kube::Resource& r, const std::string& ns,
                                           const std::string& name) const {
  std::lock_guard lock(mutex_);
  const auto store = stores_.find(r.plural);
  if (store == stores_.end()) return std::nullopt;
  const auto it = store->second.objects.find(key_of(ns, name));
  if (it == store->second.objects.end()) return std::nullopt;
  return it->second;
}

std::vector<json> FakeKubeClient::stored_all(const kube::Resource& r, const std::string& ns) const {
  std::lock_guard lock(mutex_);
  std::vector<json> out;
  const auto store = stores_.find(r.plural);
  if (store == stores_.end()) return out;
  for (const auto& [key, object] : store->second.objects) {
    if (ns.empty() || object["metadata"].value("namespace", "") == ns) out.push_back(object);
  }
  return out;
}

kube::ObjectCache& FakeKubeClient::cache(const kube::Resource& r) {
  std::lock_guard lock(mutex_);
  resources_.emplace(r.plural, r);
  auto& cache = caches_[r.plural];
  if (!cache) cache = std::make_unique<kube::ObjectCache>();
  return *cache;
}

void FakeKubeClient::sync_locked(const std::string& plural) {
  auto& cache = *caches_.at(plural);
  const auto& objects = stores_[plural].objects;
  for (const auto& key : cache.keys()) {
    if (!objects.count(key)) cache.erase(key);
  }
  for (const auto& [key, object] : objects) {
    const auto cached = cache.get(key);
    if (!cached || cached->at("metadata").value("resourceVersion", "") != object["metadata"].value("resourceVersion", "")) {
      cache.upsert(object);
    }
  }
}

void FakeKubeClient::sync() {
  std::lock_guard lock(mutex_);
  for (const auto& [plural, cache] : caches_) sync_locked(plural);
}

void FakeKubeClient::sync(const kube::Resource& r) {
  std::lock_guard lock(mutex_);
  if (caches_.count(r.plural)) sync_locked(r.plural);
}

void FakeKubeClient::compact() {
  std::lock_guard lock(mutex_);
  compacted_rv_ = rv_;
}

std::string FakeKubeClient::resource_version() const {
  std::lock_guard lock(mutex_);
  return std::to_string(rv_);
}

void FakeKubeClient::fail_nth(Verb verb, const kube::Resource& r, int n, std::exception_ptr error) {
  auto seen = std::make_shared<int>(0);
  fail_once_when([verb, plural = r.plural, n, seen, error](const FakeCall& call, const std::vector<FakeCall>&) {
    if (call.verb != verb || call.resource != plural) return std::exception_ptr();
    return ++*seen == n ? error : std::exception_ptr();
  });
}

void FakeKubeClient::fail_once_when(FailureRule rule) {
  std::lock_guard lock(mutex_);
  rules_.push_back(std::move(rule));
}

std::vector<FakeCall> FakeKubeClient::calls() const {
  std::lock_guard lock(mutex_);
  return calls_;
}

int FakeKubeClient::count(Verb verb, const kube::Resource* r) const {
  std::lock_guard lock(mutex_);
  int n = 0;
  for (const auto& c : calls_) {
    if (c.verb == verb && (!r || c.resource == r->plural)) ++n;
  }
  return n;
}

void FakeKubeClient::clear_calls() {
  std::lock_guard lock(mutex_);
  calls_.clear();
}

}  // namespace kappa::testing
