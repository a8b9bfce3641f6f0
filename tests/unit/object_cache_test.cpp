// The cache holds objects packed and hands each reader a snapshot that
// never changes under it; namespaces are key ranges and named indexes
// follow every write.
#include "kube/object_cache.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace kappa::kube {
namespace {

json object(const std::string& name, const std::string& rv, const std::string& pipeline) {
  return {{"metadata",
           {{"name", name}, {"namespace", "ns"}, {"resourceVersion", rv}, {"labels", {{"kappa.dev/pipeline", pipeline}}}}},
          {"spec", {{"big", std::string(1000, 'x')}}}};
}

TEST(ObjectCache, ReadsGiveBackTheObjectAsCachedAndEachReaderItsOwnSnapshot) {
  ObjectCache cache;
  cache.upsert(object("a", "1", "p"));
  cache.upsert(object("b", "1", "p"));
  const auto first = cache.list("ns");
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(*first[0], object("a", "1", "p")) << "packing loses nothing";
  EXPECT_EQ(*first[1], object("b", "1", "p"));
  EXPECT_EQ(*cache.get("ns/a"), *first[0]);
  EXPECT_EQ(*cache.by_label("kappa.dev/pipeline", "p", "ns")[0], *first[0]);
  EXPECT_NE(cache.get("ns/a").get(), first[0].get()) << "a snapshot per read";
  EXPECT_EQ(cache.list().size(), 2u);
  EXPECT_TRUE(cache.list("other").empty());
}

TEST(ObjectCache, ObjectsAreHeldPackedInLessThanTheirText) {
  ObjectCache cache;
  json big = object("a", "1", "p");
  for (int i = 0; i < 50; ++i) big["status"]["conditions"].push_back({{"type", "T" + std::to_string(i)}, {"status", "True"}});
  cache.upsert(big);
  EXPECT_GT(cache.packed_bytes(), 0u);
  EXPECT_LT(cache.packed_bytes(), big.dump().size());
  EXPECT_EQ(*cache.get("ns/a"), big);
}

TEST(ObjectCache, AnUpsertReplacesTheObjectAndNeverChangesOneAReaderHolds) {
  ObjectCache cache;
  cache.upsert(object("a", "1", "p"));
  const ObjectPtr held = cache.get("ns/a");
  const ObjectPtr previous = cache.upsert(object("a", "2", "q"));
  ASSERT_TRUE(previous);
  EXPECT_EQ(*previous, *held) << "the replaced object is returned";
  EXPECT_EQ((*held)["metadata"]["resourceVersion"], "1") << "a held object never changes";
  EXPECT_EQ((*cache.get("ns/a"))["metadata"]["resourceVersion"], "2");
  EXPECT_TRUE(cache.by_label("kappa.dev/pipeline", "p").empty()) << "the label index follows the new object";
  EXPECT_EQ(cache.by_label("kappa.dev/pipeline", "q").size(), 1u);
}

TEST(ObjectCache, AnErasedObjectLivesOnForItsHolders) {
  ObjectCache cache;
  cache.upsert(object("a", "1", "p"));
  const ObjectPtr held = cache.get("ns/a");
  const ObjectPtr gone = cache.erase("ns/a");
  ASSERT_TRUE(gone);
  EXPECT_EQ(*gone, *held);
  EXPECT_FALSE(cache.get("ns/a"));
  EXPECT_FALSE(cache.erase("ns/a"));
  EXPECT_EQ((*held)["metadata"]["name"], "a");
  EXPECT_TRUE(cache.by_label("kappa.dev/pipeline", "p").empty());
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.packed_bytes(), 0u);
}

json in_namespace(const std::string& ns, const std::string& name, const std::string& ref = "") {
  json o = {{"metadata", {{"name", name}, {"namespace", ns}}}};
  if (!ref.empty()) o["spec"]["pipelineRef"]["name"] = ref;
  return o;
}

std::vector<std::string> names_of(const std::vector<ObjectPtr>& objects) {
  std::vector<std::string> out;
  for (const auto& o : objects) out.push_back((*o)["metadata"].value("namespace", "") + "/" + (*o)["metadata"].value("name", ""));
  return out;
}

TEST(ObjectCache, ANamespaceListHoldsThatNamespaceOnlyNotItsPrefixedNeighbours) {
  ObjectCache cache;
  for (const auto* ns : {"team", "team-b", "teama", "tea"}) cache.upsert(in_namespace(ns, "one"));
  cache.upsert(in_namespace("team", "two"));
  EXPECT_EQ(names_of(cache.list("team")), (std::vector<std::string>{"team/one", "team/two"}));
  EXPECT_EQ(names_of(cache.list("tea")), (std::vector<std::string>{"tea/one"}));
  EXPECT_TRUE(cache.list("te").empty());
  EXPECT_EQ(cache.list().size(), 5u);
}

// What the Pipeline controller uses to find a Pipeline's Reprocessings.
std::vector<std::string> ref_of(const json& o) {
  const auto ref = o.value("spec", json::object()).value("pipelineRef", json::object()).value("name", "");
  if (ref.empty()) return {};
  return {o["metadata"].value("namespace", "") + "/" + ref};
}

TEST(ObjectCache, ANamedIndexFollowsUpsertsAndErasesAndIndexesWhatIsAlreadyThere) {
  ObjectCache cache;
  cache.upsert(in_namespace("team", "r1", "stats"));
  cache.add_index("ref", ref_of);
  cache.upsert(in_namespace("team", "r2", "stats"));
  cache.upsert(in_namespace("team", "r3", "clicks"));
  cache.upsert(in_namespace("other", "r4", "stats"));
  cache.upsert(in_namespace("team", "unreferenced"));
  EXPECT_EQ(names_of(cache.by_index("ref", "team/stats")), (std::vector<std::string>{"team/r1", "team/r2"}));
  cache.upsert(in_namespace("team", "r2", "clicks"));  // its reference changed
  EXPECT_EQ(names_of(cache.by_index("ref", "team/stats")), (std::vector<std::string>{"team/r1"}));
  EXPECT_EQ(names_of(cache.by_index("ref", "team/clicks")), (std::vector<std::string>{"team/r2", "team/r3"}));
  cache.erase("team/r1");
  EXPECT_TRUE(cache.by_index("ref", "team/stats").empty());
  EXPECT_EQ(names_of(cache.by_index("ref", "other/stats")), (std::vector<std::string>{"other/r4"}));
}

TEST(ObjectCache, AnUnregisteredIndexIsAWiringMistakeNotAnEmptyAnswer) {
  ObjectCache cache;
  EXPECT_THROW(cache.by_index("nobody-registered-this", "x"), std::logic_error);
}

}  // namespace
}  // namespace kappa::kube
