#include "core/state_store.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace kappa::processor {
namespace {

KeyState one_count() { return KeyState{{CountState{}}}; }

std::vector<std::string> dirty_of(const StateStore& store) {
  std::vector<std::string> out;
  store.for_each_dirty([&](int32_t partition, const std::string& key, const KeyState& state) {
    out.push_back(std::to_string(partition) + "/" + key + "=" +
                  std::to_string(std::get<CountState>(state.aggregates[0]).count));
  });
  return out;
}

TEST(StateStore, TracksEachChangedKeyOncePerTransaction) {
  StateStore store(one_count());
  ++std::get<CountState>(store.state_for(0, "a").aggregates[0]).count;
  ++std::get<CountState>(store.state_for(1, "b").aggregates[0]).count;
  ++std::get<CountState>(store.state_for(0, "a").aggregates[0]).count;
  EXPECT_EQ(dirty_of(store), (std::vector<std::string>{"0/a=2", "1/b=1"}));
  store.clear_dirty();
  EXPECT_EQ(store.dirty_count(), 0u);
  ++std::get<CountState>(store.state_for(1, "b").aggregates[0]).count;
  EXPECT_EQ(dirty_of(store), (std::vector<std::string>{"1/b=2"}));
  EXPECT_EQ(store.key_count(), 2u);
}

TEST(StateStore, RestoredKeysAreNotDirty) {
  StateStore store(one_count());
  store.put(2, "x", KeyState{{CountState{5}}});
  store.put(2, "y", KeyState{{CountState{1}}});
  store.erase(2, "y");
  EXPECT_EQ(store.dirty_count(), 0u);
  EXPECT_EQ(store.key_count(), 1u);
  EXPECT_EQ(std::get<CountState>(store.state_for(2, "x").aggregates[0]).count, 5);
}

TEST(StateStore, PartitionsFollowTheAssignment) {
  StateStore store(one_count());
  store.add_partition(3);
  store.state_for(0, "a");
  store.state_for(1, "b");
  EXPECT_EQ(store.partitions(), (std::vector<int32_t>{0, 1, 3}));
  store.drop_partition(0);
  EXPECT_EQ(dirty_of(store), (std::vector<std::string>{"1/b=0"}));
  store.clear_dirty();
  auto kept = store.take_partition(1);
  EXPECT_EQ(kept.size(), 1u);
  EXPECT_FALSE(store.has_partition(1));
  store.adopt_partition(1, std::move(kept));
  EXPECT_TRUE(store.has_partition(1));
  EXPECT_EQ(store.key_count(), 1u);
  store.drop_all();
  EXPECT_EQ(store.key_count(), 0u);
  EXPECT_TRUE(store.partitions().empty());
}

TEST(StateStore, DirtyKeysSurviveRehashingAndLeaveWithTheirKey) {
  StateStore store(one_count());
  // Enough keys to rehash the partition's map several times after the
  // first ones were marked dirty (dirty keys are kept as entry positions).
  for (int i = 0; i < 5000; ++i) ++std::get<CountState>(store.state_for(i % 2, "k" + std::to_string(i)).aggregates[0]).count;
  EXPECT_EQ(store.dirty_count(), 5000u);
  const auto dirty = dirty_of(store);
  EXPECT_EQ(dirty.front(), "0/k0=1");
  EXPECT_EQ(dirty.back(), "1/k4999=1");
  store.erase(0, "k0");              // a tombstone restored over a dirty key
  auto taken = store.take_partition(1);  // dirty keys of a partition handed over
  EXPECT_EQ(store.dirty_count(), 2499u);
  EXPECT_EQ(dirty_of(store).front(), "0/k2=1");
  // The erase moved partition 0's last entry (k4998) into k0's place: it is
  // still visited once, as itself, and so is every other dirty key.
  std::vector<std::string> expected;
  for (int i = 2; i < 5000; i += 2) expected.push_back("0/k" + std::to_string(i) + "=1");
  auto visited = dirty_of(store);
  std::sort(visited.begin(), visited.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(visited, expected);
  store.erase(0, "k4998");  // the moved entry itself, erased while dirty
  ++std::get<CountState>(store.state_for(0, "k2").aggregates[0]).count;  // already dirty: listed once
  EXPECT_EQ(store.dirty_count(), 2498u);
  EXPECT_EQ(dirty_of(store).front(), "0/k2=2");
  store.clear_dirty();
  store.adopt_partition(1, std::move(taken));
  EXPECT_EQ(store.dirty_count(), 0u);
  ++std::get<CountState>(store.state_for(1, "k1").aggregates[0]).count;
  EXPECT_EQ(dirty_of(store), (std::vector<std::string>{"1/k1=2"}));
}

}  // namespace
}  // namespace kappa::processor
