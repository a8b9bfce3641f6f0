// The fake API behaves as the apiserver does where the controllers rely on
// it: optimistic concurrency, generation, the status subresource, merge
// patches, finalizers, 410 Gone; and its caches move only on sync().
#include "support/fake_kube_client.h"

#include <gtest/gtest.h>

#include "api/names.h"

namespace kappa::testing {
namespace {

using kube::ApiErrorKind;
const auto& kCm = kube::resources::kConfigMaps;

json object(const std::string& name, const json& spec = {{"a", 1}}) {
  return {{"metadata", {{"name", name}, {"namespace", "ns"}}}, {"spec", spec}};
}

ApiErrorKind kind_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const kube::ApiError& e) {
    return e.kind();
  }
  ADD_FAILURE() << "no ApiError";
  return ApiErrorKind::Other;
}

TEST(FakeKubeClient, EveryWriteMovesTheResourceVersionAndAStaleOneConflicts) {
  FakeKubeClient client;
  const json created = client.create(kCm, "ns", object("a"));
  json stale = created;
  json fresh = created;
  fresh["spec"]["a"] = 2;
  const json updated = client.update(kCm, fresh);
  EXPECT_NE(updated["metadata"]["resourceVersion"], created["metadata"]["resourceVersion"]);
  stale["spec"]["a"] = 3;
  EXPECT_EQ(kind_of([&] { client.update(kCm, stale); }), ApiErrorKind::Conflict);
  EXPECT_EQ(kind_of([&] { client.update_status(kCm, stale); }), ApiErrorKind::Conflict);
  const json guarded = {{"metadata", {{"resourceVersion", created["metadata"]["resourceVersion"]}}}, {"spec", {{"a", 4}}}};
  EXPECT_EQ(kind_of([&] { client.patch(kCm, "ns", "a", kube::PatchType::Merge, guarded, {}); }), ApiErrorKind::Conflict);
  EXPECT_EQ(client.stored(kCm, "ns", "a")->at("spec")["a"], 2);
}

TEST(FakeKubeClient, GenerationCountsSpecChangesOnly) {
  FakeKubeClient client;
  client.create(kCm, "ns", object("a"));
  client.patch(kCm, "ns", "a", kube::PatchType::Merge, {{"metadata", {{"labels", {{"x", "y"}}}}}}, {});
  EXPECT_EQ(client.stored(kCm, "ns", "a")->at("metadata")["generation"], 1);
  client.patch(kCm, "ns", "a", kube::PatchType::Merge, {{"spec", {{"a", 2}}}}, {});
  EXPECT_EQ(client.stored(kCm, "ns", "a")->at("metadata")["generation"], 2);
}

TEST(FakeKubeClient, StatusIsASubresource) {
  FakeKubeClient client;
  json o = client.create(kCm, "ns", {{"metadata", {{"name", "a"}}}, {"spec", {{"a", 1}}}, {"status", {{"s", 1}}}});
  EXPECT_FALSE(o.contains("status")) << "create ignores status";
  o["status"] = {{"s", 2}};
  o["spec"]["a"] = 9;
  o = client.update_status(kCm, o);
  EXPECT_EQ(o["status"]["s"], 2);
  EXPECT_EQ(o["spec"]["a"], 1) << "update_status ignores everything but status";
  o["status"] = {{"s", 3}};
  o["spec"]["a"] = 5;
  o = client.update(kCm, o);
  EXPECT_EQ(o["status"]["s"], 2) << "update ignores status";
  EXPECT_EQ(o["spec"]["a"], 5);
  kube::PatchOptions status;
  status.subresource = "status";
  o = client.patch(kCm, "ns", "a", kube::PatchType::Merge, {{"status", {{"t", 1}}}, {"spec", {{"a", 6}}}}, status);
  EXPECT_EQ(o["status"], (json{{"s", 2}, {"t", 1}}));
  EXPECT_EQ(o["spec"]["a"], 5);
}

TEST(FakeKubeClient, MergePatchFollowsRfc7386) {
  EXPECT_EQ(merge_patch({{"a", "b"}, {"c", {{"d", "e"}, {"f", "g"}}}}, {{"a", "z"}, {"c", {{"f", nullptr}}}}),
            (json{{"a", "z"}, {"c", {{"d", "e"}}}}));
  EXPECT_EQ(merge_patch({{"a", json::array({1, 2})}}, {{"a", json::array({3})}}), (json{{"a", json::array({3})}}));
  EXPECT_EQ(merge_patch({{"a", 1}}, {{"b", {{"c", nullptr}}}}), (json{{"a", 1}, {"b", json::object()}}));
}

TEST(FakeKubeClient, NotFoundAlreadyExistsAndGone) {
  FakeKubeClient client;
  EXPECT_EQ(kind_of([&] { client.get(kCm, "ns", "a"); }), ApiErrorKind::NotFound);
  const json list = client.list(kCm, "ns", {});
  client.create(kCm, "ns", object("a"));
  EXPECT_EQ(kind_of([&] { client.create(kCm, "ns", object("a")); }), ApiErrorKind::AlreadyExists);
  client.compact();
  kube::ListOptions old;
  old.resource_version = list["metadata"]["resourceVersion"];
  EXPECT_EQ(kind_of([&] { client.list(kCm, "ns", old); }), ApiErrorKind::Gone);
  EXPECT_EQ(client.list(kCm, "ns", {})["items"].size(), 1u);
}

TEST(FakeKubeClient, FinalizersHoldADeletionAndOwnedObjectsGoWithTheirOwner) {
  FakeKubeClient client;
  json owner = object("owner");
  owner["metadata"]["finalizers"] = json::array({"x/y"});
  owner = client.create(kCm, "ns", owner);
  json child = object("child");
  child["metadata"]["ownerReferences"] = json::array({api::controller_reference(owner)});
  client.create(kCm, "ns", child);
  client.remove(kCm, "ns", "owner", {});
  ASSERT_TRUE(client.stored(kCm, "ns", "owner")->at("metadata").contains("deletionTimestamp"));
  EXPECT_TRUE(client.stored(kCm, "ns", "child"));
  client.patch(kCm, "ns", "owner", kube::PatchType::Merge, {{"metadata", {{"finalizers", json::array()}}}}, {});
  EXPECT_FALSE(client.stored(kCm, "ns", "owner"));
  EXPECT_FALSE(client.stored(kCm, "ns", "child"));
}

TEST(FakeKubeClient, CachesMoveOnlyOnSync) {
  FakeKubeClient client;
  auto& cache = client.cache(kCm);
  client.create(kCm, "ns", object("a"));
  EXPECT_EQ(cache.size(), 0u);
  client.sync();
  ASSERT_EQ(cache.size(), 1u);
  client.patch(kCm, "ns", "a", kube::PatchType::Merge, {{"spec", {{"a", 2}}}}, {});
  EXPECT_EQ(cache.get("ns/a")->at("spec")["a"], 1);
  client.remove(kCm, "ns", "a", {});
  client.sync();
  EXPECT_EQ(cache.size(), 0u);
}

TEST(FakeKubeClient, TheNthCallOfAVerbOnAResourceFails) {
  FakeKubeClient client;
  client.create(kCm, "ns", object("a"));
  client.fail_nth(Verb::Get, kCm, 2, ApiErrorKind::ServerError);
  client.get(kCm, "ns", "a");
  EXPECT_EQ(kind_of([&] { client.get(kCm, "ns", "a"); }), ApiErrorKind::ServerError);
  client.get(kCm, "ns", "a");
  EXPECT_EQ(client.count(Verb::Get, &kCm), 3);
}

}  // namespace
}  // namespace kappa::testing
