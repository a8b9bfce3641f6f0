// spec.batch.schedule: cron expressions as a Kubernetes CronJob reads them,
// in UTC; the next run after a given time; bad ones refused with the field
// named; random texts never crash the parser.
#include "api/cron_schedule.h"

#include <gtest/gtest.h>

#include <random>
#include <stdexcept>

namespace kappa::testing {
namespace {

using api::CronSchedule;
using namespace std::chrono;

CronSchedule::Time at(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  return CronSchedule::Time(sys_days(year{y} / month{mo} / day{d}) + hours(h) + minutes(mi) + seconds(s));
}

CronSchedule::Time next(const char* cron, CronSchedule::Time after) {
  const auto n = CronSchedule::parse(cron).next_after(after);
  EXPECT_TRUE(n) << cron;
  return n.value_or(CronSchedule::Time{});
}

TEST(CronSchedule, NextRunIsTheFirstMatchingMinuteStrictlyAfter) {
  const auto t = at(2026, 12, 6, 21, 59, 30);  // a Sunday
  EXPECT_EQ(next("* * * * *", t), at(2026, 12, 6, 22, 0));
  EXPECT_EQ(next("*/15 * * * *", t), at(2026, 12, 6, 22, 0));
  EXPECT_EQ(next("*/15 * * * *", at(2026, 12, 6, 22, 0)), at(2026, 12, 6, 22, 15)) << "strictly after";
  EXPECT_EQ(next("30 2 * * *", t), at(2026, 12, 7, 2, 30));
  EXPECT_EQ(next("@hourly", t), at(2026, 12, 6, 22, 0));
  EXPECT_EQ(next("@daily", t), at(2026, 12, 7));
  EXPECT_EQ(next("@weekly", t), at(2026, 12, 13)) << "the next Sunday";
  EXPECT_EQ(next("@monthly", t), at(2027, 1, 1));
  EXPECT_EQ(next("@yearly", t), at(2027, 1, 1));
  EXPECT_EQ(next("0 9 * * 1-5", t), at(2026, 12, 7, 9)) << "Monday";
  EXPECT_EQ(next("0 0 * * 7", t), at(2026, 12, 13)) << "7 is Sunday too";
  EXPECT_EQ(next("0 12 1,15 * *", t), at(2026, 12, 15, 12));
  EXPECT_EQ(next("5/20 * * * *", at(2026, 12, 6, 22, 30)), at(2026, 12, 6, 22, 45));
  EXPECT_EQ(next("0 0 29 2 *", t), at(2028, 2, 29)) << "the next leap day";
  EXPECT_EQ(next("0 0 13 * 5", t), at(2026, 12, 11)) << "day 13 OR a Friday, as cron reads both";
}

TEST(CronSchedule, AScheduleThatNeverMatchesHasNoNextRun) {
  EXPECT_FALSE(CronSchedule::parse("0 0 30 2 *").next_after(at(2026, 1, 1)));
}

TEST(CronSchedule, BadSchedulesNameTheFieldAndTheReason) {
  const struct {
    const char* text;
    const char* says;
  } cases[] = {
      {"", "5 fields"},         {"* * * *", "5 fields"},        {"60 * * * *", "minute"},
      {"* 24 * * *", "hour"},   {"* * 0 * *", "day of month"},  {"* * * 13 *", "month"},
      {"* * * * 8", "day of week"}, {"5-1 * * * *", "backwards"}, {"*/0 * * * *", "step"},
      {"a * * * *", "not a number"}, {"1,,2 * * * *", "empty"},  {"@sometimes", "macro"},
      {"* * * * * *", "5 fields"},
  };
  for (const auto& c : cases) {
    try {
      CronSchedule::parse(c.text);
      ADD_FAILURE() << "'" << c.text << "' was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(c.says), std::string::npos) << c.text << ": " << e.what();
    }
  }
}

// Random texts from cron's alphabet: each is accepted or refused with
// invalid_argument, and an accepted one answers next_after.
TEST(CronSchedule, RandomTextsAreAcceptedOrRefusedCleanly) {
  std::mt19937 random(1206);
  const std::string alphabet = "0123456789*/-, @abcdefghijklmnopqrstuvwxyz";
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    const int length = static_cast<int>(random() % 24);
    for (int c = 0; c < length; ++c) text += alphabet[random() % alphabet.size()];
    if (i % 3 == 0) text = "1 2 3 4 5";  // mutate a valid one
    if (i % 3 == 0) text[random() % text.size()] = alphabet[random() % alphabet.size()];
    try {
      const auto s = CronSchedule::parse(text);
      ++accepted;
      s.next_after(at(2026, 12, 6));
    } catch (const std::invalid_argument&) {
    }
  }
  EXPECT_GT(accepted, 0);
}

}  // namespace
}  // namespace kappa::testing
