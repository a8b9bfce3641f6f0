// The cache hands out the objects it holds, never copies: every reconcile
// lists a namespace, and at a thousand Pipelines copies would dominate.
// An update replaces the shared object; one a reader holds never changes.
#include "kube/object_cache.h"

#include <gtest/gtest.h>

namespace kappa::kube {
namespace {

json object(const std::string& name, const std::string& rv, const std::string& pipeline) {
  return {{"metadata",
           {{"name", name}, {"namespace", "ns"}, {"resourceVersion", rv}, {"labels", {{"kappa.dev/pipeline", pipeline}}}}},
          {"spec", {{"big", std::string(1000, 'x')}}}};
}

TEST(ObjectCache, ReadsShareTheCachedObjectInsteadOfCopyingIt) {
  ObjectCache cache;
  cache.upsert(object("a", "1", "p"));
  cache.upsert(object("b", "1", "p"));
  const auto first = cache.list("ns");
  const auto second = cache.list("ns");
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].get(), second[0].get());
  EXPECT_EQ(first[1].get(), second[1].get());
  EXPECT_EQ(cache.get("ns/a").get(), first[0].get());
  EXPECT_EQ(cache.by_label("kappa.dev/pipeline", "p", "ns")[0].get(), first[0].get());
  EXPECT_EQ(cache.list().size(), 2u);
  EXPECT_TRUE(cache.list("other").empty());
}

TEST(ObjectCache, AnUpsertReplacesTheObjectAndNeverChangesOneAReaderHolds) {
  ObjectCache cache;
  cache.upsert(object("a", "1", "p"));
  const ObjectPtr held = cache.get("ns/a");
  const ObjectPtr previous = cache.upsert(object("a", "2", "q"));
  EXPECT_EQ(previous.get(), held.get()) << "the replaced object is returned";
  EXPECT_EQ((*held)["metadata"]["resourceVersion"], "1") << "a held object never changes";
  EXPECT_EQ((*cache.get("ns/a"))["metadata"]["resourceVersion"], "2");
  EXPECT_NE(cache.get("ns/a").get(), held.get());
  EXPECT_TRUE(cache.by_label("kappa.dev/pipeline", "p").empty()) << "the label index follows the new object";
  EXPECT_EQ(cache.by_label("kappa.dev/pipeline", "q").size(), 1u);
}

TEST(ObjectCache, AnErasedObjectLivesOnForItsHolders) {
  ObjectCache cache;
  cache.upsert(object("a", "1", "p"));
  const ObjectPtr held = cache.get("ns/a");
  const ObjectPtr gone = cache.erase("ns/a");
  EXPECT_EQ(gone.get(), held.get());
  EXPECT_FALSE(cache.get("ns/a"));
  EXPECT_FALSE(cache.erase("ns/a"));
  EXPECT_EQ((*held)["metadata"]["name"], "a");
  EXPECT_TRUE(cache.by_label("kappa.dev/pipeline", "p").empty());
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace kappa::kube
