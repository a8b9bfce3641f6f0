// The informer against the real kube-apiserver: initial list, live events,
// and recovery from an expired resourceVersion (410 Gone) by relisting,
// with the objects deleted meanwhile delivered as deletes.
#include "kube/informer.h"

#include <gtest/gtest.h>

#include <mutex>
#include <cstdlib>
#include <map>
#include <set>

#include "kube/api_error.h"
#include "support/kube_test_client.h"
#include "support/namespaced_test.h"
#include "support/wait.h"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using kappa::kube::HttpKubeClient;
using kappa::kube::Informer;
using kappa::testing::wait_for;
namespace res = kappa::kube::resources;

// Records what the handlers saw, for assertions from the test thread.
struct Recorder {
  std::mutex mutex;
  std::multiset<std::string> added, updated, deleted;

  kappa::kube::EventHandlers handlers() {
    return {
        [this](const json& o) { record(added, o); },
        [this](const json&, const json& o) { record(updated, o); },
        [this](const json& o) { record(deleted, o); },
    };
  }
  void record(std::multiset<std::string>& into, const json& o) {
    std::lock_guard lock(mutex);
    into.insert(o["metadata"]["name"].get<std::string>());
  }
  std::size_t count(std::multiset<std::string>& of, const std::string& name) {
    std::lock_guard lock(mutex);
    return of.count(name);
  }
};

class InformerTest : public kappa::testing::NamespacedTest {
 protected:
  InformerTest() : NamespacedTest("inf") {}
  json config_map(const std::string& name, const std::string& value = "v") {
    return {{"apiVersion", "v1"},
            {"kind", "ConfigMap"},
            {"metadata", {{"name", name}, {"namespace", ns_}, {"labels", {{"kappa.dev/pipeline", "p1"}}}}},
            {"data", {{"k", value}}}};
  }
};

TEST_F(InformerTest, ListsThenDeliversLiveEventsIntoTheCache) {
  client_->create(res::kConfigMaps, ns_, config_map("before"));
  Recorder seen;
  Informer informer(*rest_, res::kConfigMaps, {.ns = ns_, .label_selector = "", .field_selector = ""}, seen.handlers());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(10s));
  EXPECT_EQ(seen.count(seen.added, "before"), 1u) << "the initial list is delivered as adds";

  client_->create(res::kConfigMaps, ns_, config_map("live"));
  ASSERT_TRUE(wait_for(10s, [&] { return seen.count(seen.added, "live") == 1; }));
  client_->patch(res::kConfigMaps, ns_, "live", kappa::kube::PatchType::Merge, {{"data", {{"k", "changed"}}}}, {});
  ASSERT_TRUE(wait_for(10s, [&] {
    auto cached = informer.cache().get(ns_ + "/live");
    return cached && (*cached)["data"]["k"] == "changed";
  }));
  EXPECT_GE(seen.count(seen.updated, "live"), 1u);
  EXPECT_EQ(informer.cache().by_label("kappa.dev/pipeline", "p1", ns_).size(), 2u);

  client_->remove(res::kConfigMaps, ns_, "live", {});
  ASSERT_TRUE(wait_for(10s, [&] { return seen.count(seen.deleted, "live") == 1; }));
  EXPECT_FALSE(informer.cache().get(ns_ + "/live"));
  informer.stop();
}

TEST_F(InformerTest, RelistsAfterGoneAndDeliversMissedDeletes) {
  client_->create(res::kConfigMaps, ns_, config_map("survivor"));
  client_->create(res::kConfigMaps, ns_, config_map("doomed"));
  Recorder seen;
  Informer informer(*rest_, res::kConfigMaps, {.ns = ns_, .label_selector = "", .field_selector = ""}, seen.handlers());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(10s));
  const std::string old_rv = client_->list(res::kConfigMaps, ns_, {})["metadata"]["resourceVersion"];
  informer.stop();  // as if disconnected

  client_->remove(res::kConfigMaps, ns_, "doomed", {});
  client_->create(res::kConfigMaps, ns_, config_map("newcomer"));
  // Wait until the server has compacted past our resourceVersion, by asking
  // it directly; writes keep the revision moving (compaction is every 30 s).
  const bool expired = wait_for(240s, [&] {
    client_->patch(res::kConfigMaps, ns_, "survivor", kappa::kube::PatchType::Merge,
                   {{"data", {{"tick", std::to_string(std::rand())}}}}, {});
    const auto probe = rest_->send("GET", res::kConfigMaps.path(ns_) + "?watch=true&timeoutSeconds=1&resourceVersion=" + old_rv);
    return probe.status == 410 || probe.body.find("\"code\":410") != std::string::npos;
  }, 2s);
  ASSERT_TRUE(expired) << "resourceVersion " << old_rv << " never expired";

  informer.start();  // resumes from the expired resourceVersion
  ASSERT_TRUE(wait_for(60s, [&] { return seen.count(seen.deleted, "doomed") == 1; }))
      << "a delete missed while disconnected must be delivered after the relist";
  ASSERT_TRUE(wait_for(10s, [&] { return informer.cache().get(ns_ + "/newcomer") != nullptr; }));
  EXPECT_FALSE(informer.cache().get(ns_ + "/doomed"));
  EXPECT_GE(informer.relists(), 1);
  informer.stop();
}

}  // namespace

namespace {

// Runs a dev/ script against the suite's stack; returns its exit status.
int run_dev_script(const std::string& args) {
  const std::string command = std::string(KAPPA_SOURCE_DIR) + "/dev/" + args + " >&2";
  return std::system(command.c_str());
}

std::map<std::string, std::string> names_to_versions(const std::vector<json>& objects) {
  std::map<std::string, std::string> out;
  for (const auto& o : objects) out[o["metadata"]["name"]] = o["metadata"]["resourceVersion"];
  return out;
}
std::map<std::string, std::string> names_to_versions(const std::vector<kappa::kube::ObjectPtr>& objects) {
  std::map<std::string, std::string> out;
  for (const auto& o : objects) out[(*o)["metadata"]["name"]] = (*o)["metadata"]["resourceVersion"];
  return out;
}

TEST_F(InformerTest, DeliversEventsInOrderAndConvergesToAFreshList) {
  std::mutex mutex;
  std::vector<std::string> sequence;  // events for object "ordered"
  auto note = [&](const char* what, const json& o) {
    if (o["metadata"]["name"] != "ordered") return;
    std::lock_guard lock(mutex);
    sequence.push_back(std::string(what) + ":" + o["data"].value("k", ""));
  };
  Informer informer(*rest_, res::kConfigMaps, {.ns = ns_, .label_selector = "", .field_selector = ""},
                    {[&](const json& o) { note("add", o); },
                     [&](const json&, const json& o) { note("update", o); },
                     [&](const json& o) { note("delete", o); }});
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(10s));
  client_->create(res::kConfigMaps, ns_, config_map("ordered", "0"));
  for (int i = 1; i <= 5; ++i) {
    client_->patch(res::kConfigMaps, ns_, "ordered", kappa::kube::PatchType::Merge,
                   {{"data", {{"k", std::to_string(i)}}}}, {});
  }
  for (int i = 0; i < 10; ++i) client_->create(res::kConfigMaps, ns_, config_map("bulk-" + std::to_string(i)));
  client_->remove(res::kConfigMaps, ns_, "ordered", {});
  client_->remove(res::kConfigMaps, ns_, "bulk-3", {});

  ASSERT_TRUE(wait_for(15s, [&] {
    std::lock_guard lock(mutex);
    return !sequence.empty() && sequence.back().rfind("delete", 0) == 0;
  }));
  const std::vector<std::string> expected = {"add:0",    "update:1", "update:2", "update:3",
                                             "update:4", "update:5", "delete:5"};
  {
    std::lock_guard lock(mutex);
    EXPECT_EQ(sequence, expected);
  }
  const auto fresh = client_->list(res::kConfigMaps, ns_, {})["items"].get<std::vector<json>>();
  ASSERT_TRUE(wait_for(10s, [&] { return names_to_versions(informer.cache().list(ns_)) == names_to_versions(fresh); }))
      << "the cache must equal a fresh list";
  informer.stop();
}

TEST_F(InformerTest, RecoversFromAnApiServerRestartWithoutLosingAnUpdate) {
  client_->create(res::kConfigMaps, ns_, config_map("watched", "before"));
  Informer informer(*rest_, res::kConfigMaps, {.ns = ns_, .label_selector = "", .field_selector = ""});
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(10s));

  ASSERT_EQ(run_dev_script("stack-restart.sh kube-apiserver 2"), 0) << "could not restart the apiserver";
  // The update lands while the informer may still be reconnecting.
  ASSERT_TRUE(wait_for(30s, [&] {
    try {
      client_->patch(res::kConfigMaps, ns_, "watched", kappa::kube::PatchType::Merge, {{"data", {{"k", "after"}}}}, {});
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }));
  ASSERT_TRUE(wait_for(60s, [&] {
    auto cached = informer.cache().get(ns_ + "/watched");
    return cached && (*cached)["data"]["k"] == "after";
  })) << "the update made after the restart never reached the cache";
  informer.stop();
}

}  // namespace
