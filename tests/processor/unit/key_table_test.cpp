#include "core/key_table.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace kappa::processor {
namespace {

KeyState counting(int64_t n) { return KeyState{{CountState{n}}}; }
int64_t count_of(const KeyTable::Entry& entry) { return std::get<CountState>(entry.state.aggregates[0]).count; }

TEST(KeyTable, FindsWhatItInsertedAndNothingElse) {
  KeyTable table;
  EXPECT_EQ(table.find("a"), nullptr);  // empty: no index yet
  table.find_or_insert("a", counting(1));
  table.find_or_insert("b", counting(2));
  auto& again = table.find_or_insert("a", counting(99));  // present: the state is kept
  EXPECT_EQ(count_of(again), 1);
  ASSERT_NE(table.find("b"), nullptr);
  EXPECT_EQ(count_of(*table.find("b")), 2);
  EXPECT_EQ(table.find("c"), nullptr);
  EXPECT_EQ(table.size(), 2u);
}

TEST(HugePageAllocator, LargeArraysAreHugePageAlignedAndUsable) {
  HugePageAllocator<std::uint64_t> allocator;
  const std::size_t large = HugePageAllocator<std::uint64_t>::kHugePage / sizeof(std::uint64_t) * 3;
  auto* memory = allocator.allocate(large);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(memory) % HugePageAllocator<std::uint64_t>::kHugePage, 0u);
  for (std::size_t i = 0; i < large; i += 4096) memory[i] = i;  // writable throughout
  const std::size_t last_written = (large - 1) / 4096 * 4096;
  EXPECT_EQ(memory[last_written], last_written);
  allocator.deallocate(memory, large);
  // A vector grows through both sizes, keeping its elements.
  std::vector<std::uint64_t, HugePageAllocator<std::uint64_t>> values;
  for (std::uint64_t i = 0; i < large; ++i) values.push_back(i);
  EXPECT_EQ(values[12345], 12345u);
  EXPECT_EQ(values.back(), large - 1);
}

// Keys with the same hash: the index cannot tell them apart, the entries can.
TEST(KeyTable, KeysWithOneHashStayApart) {
  KeyTable table;
  for (int i = 0; i < 20; ++i) table.find_or_insert(HashedText("k" + std::to_string(i), 42), counting(i));
  for (int i = 0; i < 20; ++i) {
    const auto* entry = table.find(HashedText("k" + std::to_string(i), 42));
    ASSERT_NE(entry, nullptr) << i;
    EXPECT_EQ(count_of(*entry), i);
  }
  table.erase(HashedText("k7", 42));
  EXPECT_EQ(table.find(HashedText("k7", 42)), nullptr);
  for (int i = 0; i < 20; ++i) {
    if (i == 7) continue;
    EXPECT_NE(table.find(HashedText("k" + std::to_string(i), 42)), nullptr) << i;
  }
}

// Random inserts, updates and erases against std::map, with hashes drawn
// from a few values so that probe runs are long, wrap around the end of the
// index and are cut by erases (backward-shift deletion must keep each key
// reachable).
TEST(KeyTable, AgreesWithAMapUnderRandomChanges) {
  std::mt19937 random(7);
  KeyTable table;
  std::map<std::string, int64_t> expected;
  const auto hash_of = [](const std::string& key) {
    return static_cast<std::size_t>(std::hash<std::string>{}(key) % 37) * 0x9e3779b97f4a7c15ULL;
  };
  for (int step = 0; step < 20000; ++step) {
    const std::string key = "key" + std::to_string(random() % 300);
    const HashedText hashed(key, hash_of(key));
    switch (random() % 3) {
      case 0:
      case 1: {
        auto& entry = table.find_or_insert(hashed, counting(0));
        ++std::get<CountState>(entry.state.aggregates[0]).count;
        ++expected[key];
        break;
      }
      default:
        table.erase(hashed);
        expected.erase(key);
        break;
    }
    if (step % 1000 == 0 || step == 19999) {
      ASSERT_EQ(table.size(), expected.size()) << "step " << step;
      for (int k = 0; k < 300; ++k) {
        const std::string probe = "key" + std::to_string(k);
        const auto* entry = table.find(HashedText(probe, hash_of(probe)));
        const auto it = expected.find(probe);
        if (it == expected.end()) {
          EXPECT_EQ(entry, nullptr) << probe << " at step " << step;
        } else {
          ASSERT_NE(entry, nullptr) << probe << " at step " << step;
          EXPECT_EQ(count_of(*entry), it->second) << probe;
        }
      }
    }
  }
}

TEST(KeyTable, PutSetsTheStateAndKeepsTheChangeMark) {
  KeyTable table;
  table.find_or_insert("a", counting(1)).changed_in = 7;
  table.put("a", counting(5));
  table.put("b", counting(6));
  EXPECT_EQ(count_of(*table.find("a")), 5);
  EXPECT_EQ(table.find("a")->changed_in, 7u);
  EXPECT_EQ(count_of(*table.find("b")), 6);
  EXPECT_EQ(table.find("b")->changed_in, 0u);
}

TEST(KeyTable, PrefetchingChangesNothing) {
  KeyTable table;
  table.prefetch_index("a");  // empty table: nothing to fetch
  table.prefetch_entry("a");
  table.find_or_insert("a", counting(1));
  table.prefetch_index("a");
  table.prefetch_entry("a");
  table.prefetch_entry("absent");
  EXPECT_EQ(table.size(), 1u);
  EXPECT_EQ(count_of(*table.find("a")), 1);
}

}  // namespace
}  // namespace kappa::processor
