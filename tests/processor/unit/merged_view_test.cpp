// What a Lambda speed layer serves: for every key, the row one fold over the
// whole log would give, built from the batch layer's state (events before
// the snapshot) and the speed layer's (events after it), whichever arrives
// first and however often the speed state changes.
#include "core/merged_view.h"

#include <gtest/gtest.h>

#include <random>
#include <stdexcept>

#include "core/state_codec.h"

namespace kappa::processor {
namespace {

using nlohmann::json;

const char* kView = R"({"key":"user_id","aggregates":{
  "events":{"op":"count"}, "revenue":{"op":"sum","field":"revenue"},
  "low":{"op":"min","field":"revenue"}, "high":{"op":"max","field":"revenue"},
  "sessions":{"op":"count_distinct","field":"session_id"}, "latest":{"op":"last","field":"page"}}})";

class MergedViewTest : public ::testing::Test {
 protected:
  // Folds events into a key's state the way the processor does, aggregate
  // by aggregate (the field each aggregate reads).
  KeyState fold(const std::vector<json>& events, std::size_t from, std::size_t to) const {
    KeyState state = initial_key_state(view);
    for (std::size_t e = from; e < to; ++e) {
      for (std::size_t i = 0; i < view.aggregates.size(); ++i) {
        const auto& spec = view.aggregates[i];
        const std::string field = spec.name == "sessions" ? "session_id" : spec.name == "latest" ? "page" : "revenue";
        const json* value = spec.op == AggregateOp::Count ? nullptr : &events[e].at(field);
        apply(spec.op, state.aggregates[i], value);
      }
    }
    return state;
  }
  std::vector<json> random_events(std::mt19937& random, std::size_t n) const {
    std::vector<json> events;
    for (std::size_t i = 0; i < n; ++i) {
      events.push_back({{"revenue", static_cast<int>(random() % 100) + (random() % 2 ? 0.5 : 0.0)},
                        {"session_id", "s-" + std::to_string(random() % 7)},
                        {"page", "p-" + std::to_string(i)}});
    }
    return events;
  }

  ViewDefinition view = ViewDefinition::parse(kView);
  ServingTable table;
  MergedView merged{view, table};
};

TEST_F(MergedViewTest, EveryKeyServesTheRowOfOneFoldOverTheWholeLog) {
  std::mt19937 random(7);
  for (int k = 0; k < 200; ++k) {
    const std::string key = "u-" + std::to_string(k);
    const auto events = random_events(random, 1 + random() % 30);
    const std::size_t boundary = random() % (events.size() + 1);  // 0: speed only; size: batch only
    const auto whole = render_output(view, fold(events, 0, events.size()));
    // Either layer's record may come first; a speed state that grows is
    // re-read (each changelog record is the key's whole speed state).
    if (k % 2) merged.apply(MergedView::Layer::Batch, key, encode_state(view, fold(events, 0, boundary)));
    for (std::size_t upto = boundary; upto <= events.size(); upto += 5) {
      merged.apply(MergedView::Layer::Speed, key, encode_state(view, fold(events, boundary, upto)));
    }
    merged.apply(MergedView::Layer::Speed, key, encode_state(view, fold(events, boundary, events.size())));
    if (k % 2 == 0) merged.apply(MergedView::Layer::Batch, key, encode_state(view, fold(events, 0, boundary)));
    EXPECT_EQ(table.get(key), whole) << key << ", boundary " << boundary << " of " << events.size();
  }
  EXPECT_EQ(merged.keys(), 200u);
}

TEST_F(MergedViewTest, AKeyOnlyOneLayerHasServesThatLayersRow) {
  const std::vector<json> events = {{{"revenue", 3}, {"session_id", "a"}, {"page", "x"}}};
  merged.apply(MergedView::Layer::Batch, "old", encode_state(view, fold(events, 0, 1)));
  merged.apply(MergedView::Layer::Speed, "new", encode_state(view, fold(events, 0, 1)));
  EXPECT_EQ(table.get("old"), render_output(view, fold(events, 0, 1)));
  EXPECT_EQ(table.get("new"), render_output(view, fold(events, 0, 1)));
  EXPECT_FALSE(table.get("neither"));
}

TEST_F(MergedViewTest, AStateOfAnotherViewIsRefusedAndChangesNothing) {
  const auto other = ViewDefinition::parse(R"({"key":"user_id","aggregates":{"events":{"op":"count"}}})");
  KeyState state = initial_key_state(other);
  std::get<CountState>(state.aggregates[0]).count = 5;
  EXPECT_THROW(merged.apply(MergedView::Layer::Speed, "k", encode_state(other, state)), std::invalid_argument);
  EXPECT_THROW(merged.apply(MergedView::Layer::Batch, "k", "not json"), std::invalid_argument);
  EXPECT_FALSE(table.get("k"));
}

}  // namespace
}  // namespace kappa::processor
