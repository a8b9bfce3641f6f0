#include "api/cron_schedule.h"

#include <array>
#include <charconv>
#include <stdexcept>
#include <vector>

namespace kappa::api {

namespace {

struct Field {
  const char* name;
  unsigned low;
  unsigned high;
};
constexpr std::array<Field, 5> kFields = {{{"minute", 0, 59}, {"hour", 0, 23}, {"day of month", 1, 31},
                                           {"month", 1, 12}, {"day of week", 0, 7}}};

[[noreturn]] void refuse(const Field& field, std::string_view part, const std::string& why) {
  throw std::invalid_argument("cron " + std::string(field.name) + " field '" + std::string(part) + "': " + why);
}

unsigned number(const Field& field, std::string_view part, std::string_view digits) {
  unsigned value = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || error != std::errc() || end != digits.data() + digits.size()) {
    refuse(field, part, "'" + std::string(digits) + "' is not a number");
  }
  if (value < field.low || value > field.high) {
    refuse(field, part, std::to_string(value) + " is outside " + std::to_string(field.low) + "-" +
                            std::to_string(field.high));
  }
  return value;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const auto at = text.find(separator, start);
    parts.push_back(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return parts;
    start = at + 1;
  }
}

// One comma-separated part: `*`, `n`, `a-b`, each optionally `/step`.
template <std::size_t N>
void add_part(const Field& field, std::string_view part, std::bitset<N>& bits) {
  std::string_view range = part;
  unsigned step = 1;
  const auto slash = part.find('/');
  if (slash != std::string_view::npos) {
    range = part.substr(0, slash);
    const auto digits = part.substr(slash + 1);
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), step);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() || step == 0) {
      refuse(field, part, "the step must be a positive number");
    }
  }
  unsigned low = field.low, high = field.high;
  if (range != "*") {
    const auto dash = range.find('-');
    low = number(field, part, range.substr(0, dash));
    // "n/step" runs from n to the field's end, as in cron.
    const bool open = slash != std::string_view::npos;
    high = dash == std::string_view::npos ? (open ? field.high : low) : number(field, part, range.substr(dash + 1));
    if (high < low) refuse(field, part, "the range goes backwards");
  }
  for (unsigned v = low; v <= high; v += step) bits.set(v % N);  // N = 7 folds day-of-week 7 onto 0 (Sunday)
}

template <std::size_t N>
bool parse_field(const Field& field, std::string_view text, std::bitset<N>& bits) {
  if (text.empty()) refuse(field, text, "empty");
  for (const auto part : split(text, ',')) {
    if (part.empty()) refuse(field, text, "an empty list item");
    add_part(field, part, bits);
  }
  return text != "*" && text.front() != '*';  // "*" and "*/n" do not restrict the days
}

std::string_view expand_macro(std::string_view text) {
  if (text == "@yearly" || text == "@annually") return "0 0 1 1 *";
  if (text == "@monthly") return "0 0 1 * *";
  if (text == "@weekly") return "0 0 * * 0";
  if (text == "@daily" || text == "@midnight") return "0 0 * * *";
  if (text == "@hourly") return "0 * * * *";
  if (!text.empty() && text.front() == '@') throw std::invalid_argument("unknown cron macro '" + std::string(text) + "'");
  return text;
}

}  // namespace

CronSchedule CronSchedule::parse(std::string_view text) {
  std::vector<std::string_view> fields;
  for (const auto f : split(expand_macro(text), ' ')) {
    if (!f.empty()) fields.push_back(f);  // runs of spaces separate once
  }
  if (fields.size() != 5) {
    throw std::invalid_argument("a cron schedule has 5 fields (minute hour day-of-month month day-of-week), '" +
                                std::string(text) + "' has " + std::to_string(fields.size()));
  }
  CronSchedule s;
  parse_field(kFields[0], fields[0], s.minutes_);
  parse_field(kFields[1], fields[1], s.hours_);
  s.days_restricted_ = parse_field(kFields[2], fields[2], s.days_);
  parse_field(kFields[3], fields[3], s.months_);
  s.weekdays_restricted_ = parse_field(kFields[4], fields[4], s.weekdays_);
  return s;
}

bool CronSchedule::day_matches(unsigned day_of_month, unsigned month, unsigned weekday) const {
  if (!months_.test(month)) return false;
  const bool by_day = days_.test(day_of_month), by_weekday = weekdays_.test(weekday);
  if (days_restricted_ && weekdays_restricted_) return by_day || by_weekday;
  return by_day && by_weekday;
}

std::optional<CronSchedule::Time> CronSchedule::next_after(Time after) const {
  using namespace std::chrono;
  const auto start = floor<minutes>(after) + minutes(1);
  const auto first_day = floor<days>(start);
  for (auto day = first_day; day < first_day + days(5 * 366); day += days(1)) {
    const year_month_day date{day};
    const unsigned day_of_week = std::chrono::weekday{day}.c_encoding();  // 0 = Sunday
    if (!day_matches(static_cast<unsigned>(date.day()), static_cast<unsigned>(date.month()), day_of_week)) continue;
    for (unsigned h = 0; h < 24; ++h) {
      if (!hours_.test(h)) continue;
      for (unsigned m = 0; m < 60; ++m) {
        const auto at = day + hours(h) + minutes(m);
        if (minutes_.test(m) && at >= start) return Time(at);
      }
    }
  }
  return std::nullopt;
}

}  // namespace kappa::api
