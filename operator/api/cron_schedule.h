#pragma once
// spec.batch.schedule of a Lambda Pipeline: a cron expression in UTC, as a
// Kubernetes CronJob reads one: five fields (minute 0-59, hour 0-23, day of
// month 1-31, month 1-12, day of week 0-7 with 0 and 7 both Sunday), each
// `*`, a number, a range `a-b`, a step `*/n` or `a-b/n`, or a comma list of
// those; or one of @yearly, @annually, @monthly, @weekly, @daily, @midnight,
// @hourly. When both day fields are restricted a day matches either (cron's
// rule). Times are whole minutes.
#include <bitset>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace kappa::api {

class CronSchedule {
 public:
  using Time = std::chrono::system_clock::time_point;

  // Throws std::invalid_argument saying which field is wrong and why.
  static CronSchedule parse(std::string_view text);

  // The first matching minute strictly after `after`; nothing when no
  // minute in the next five years matches (e.g. "0 0 30 2 *").
  std::optional<Time> next_after(Time after) const;

 private:
  bool day_matches(unsigned day_of_month, unsigned month, unsigned weekday) const;

  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;      // 1-31
  std::bitset<13> months_;    // 1-12
  std::bitset<7> weekdays_;   // 0 = Sunday
  bool days_restricted_ = false;
  bool weekdays_restricted_ = false;
};

}  // namespace kappa::api
