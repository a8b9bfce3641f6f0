#include "plugin/history_view.h"

#include <gtest/gtest.h>

#include "fixtures.h"
#include "plugin/selection.h"

namespace kappa::plugin {
namespace {

TEST(HistoryTable, RowsByVersionWithDurations) {
  auto items = fixtures::history();
  std::reverse(items.begin(), items.end());  // the API's order is not the version's
  const auto rows = of_pipeline(json(items), "user-stats");
  EXPECT_EQ(render_history(rows, fixtures::now()),
            "NAME          VERSION  PHASE       STARTED               COMPLETED             DURATION   TEMPLATE\n"
            "user-stats-1  v1       Succeeded   2026-11-24T10:00:00Z  2026-11-24T10:12:30Z  12m30s     11aa22bb33\n"
            "user-stats-2  v2       Succeeded   2026-11-24T12:00:00Z  2026-11-24T14:05:00Z  2h5m       22bb33cc44\n"
            "user-stats-3  v3       Failed      2026-11-24T15:00:00Z  -                     -          33cc44dd55\n"
            "user-stats-4  v4       CatchingUp  2026-11-24T16:55:00Z  -                     5m so far  44dd55ee66\n");
}

TEST(HistoryTable, PendingWithoutStatusComesLast) {
  auto items = fixtures::history();
  json pending = fixtures::reprocessing("by-hand", json::object());
  pending.erase("status");
  items.insert(items.begin(), pending);
  const auto rows = of_pipeline(json(items), "user-stats");
  const std::string table = render_history(rows, fixtures::now());
  EXPECT_NE(table.find("\nby-hand       -        -           -                     -                     -          -\n"),
            std::string::npos)
      << table;
  EXPECT_GT(table.find("by-hand"), table.find("user-stats-4"));
}

TEST(HistoryTable, Empty) { EXPECT_EQ(render_history({}, fixtures::now()), "no reprocessings\n"); }

}  // namespace
}  // namespace kappa::plugin
