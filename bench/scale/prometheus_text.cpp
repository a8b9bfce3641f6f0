#include "prometheus_text.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <stdexcept>

namespace kappa::bench {
namespace {

bool is_name_char(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || (!first && c >= '0' && c <= '9');
}

[[noreturn]] void bad_line(std::size_t number, std::string_view line, const std::string& why) {
  throw std::invalid_argument("metrics line " + std::to_string(number) + " (" + std::string(line.substr(0, 120)) +
                              "): " + why);
}

double parse_value(std::string_view text) {
  if (text == "+Inf" || text == "Inf") return std::numeric_limits<double>::infinity();
  if (text == "-Inf") return -std::numeric_limits<double>::infinity();
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  const std::string copy(text);
  char* end = nullptr;
  const double value = std::strtod(copy.c_str(), &end);
  if (copy.empty() || end != copy.c_str() + copy.size()) throw std::invalid_argument("not a number: " + copy);
  return value;
}

// Parses `{a="x",b="y"}` from line[pos] on; leaves pos after the brace.
Labels parse_labels(std::string_view line, std::size_t& pos, std::size_t number) {
  Labels labels;
  ++pos;  // '{'
  while (true) {
    while (pos < line.size() && (line[pos] == ' ' || line[pos] == ',')) ++pos;
    if (pos < line.size() && line[pos] == '}') {
      ++pos;
      return labels;
    }
    const auto start = pos;
    while (pos < line.size() && is_name_char(line[pos], pos == start)) ++pos;
    if (pos == start || pos + 1 >= line.size() || line[pos] != '=' || line[pos + 1] != '"') {
      bad_line(number, line, "bad label");
    }
    std::string name(line.substr(start, pos - start));
    pos += 2;
    std::string value;
    while (pos < line.size() && line[pos] != '"') {
      if (line[pos] == '\\' && pos + 1 < line.size()) {
        const char next = line[++pos];
        value += next == 'n' ? '\n' : next;
      } else {
        value += line[pos];
      }
      ++pos;
    }
    if (pos >= line.size()) bad_line(number, line, "unterminated label value");
    ++pos;  // closing quote
    labels[std::move(name)] = std::move(value);
  }
}

bool matches(const Labels& labels, const Labels& match) {
  return std::all_of(match.begin(), match.end(), [&](const auto& kv) {
    auto it = labels.find(kv.first);
    return it != labels.end() && it->second == kv.second;
  });
}

}  // namespace

std::vector<Sample> parse_prometheus_text(std::string_view text) {
  std::vector<Sample> samples;
  std::size_t number = 0;
  while (!text.empty()) {
    const auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto first = line.find_first_not_of(' ');
    if (first == std::string_view::npos || line[first] == '#') continue;
    line.remove_prefix(first);
    std::size_t pos = 0;
    while (pos < line.size() && is_name_char(line[pos], pos == 0)) ++pos;
    if (pos == 0) bad_line(number, line, "no metric name");
    Sample sample;
    sample.name = std::string(line.substr(0, pos));
    if (pos < line.size() && line[pos] == '{') sample.labels = parse_labels(line, pos, number);
    while (pos < line.size() && line[pos] == ' ') ++pos;
    const auto end = line.find(' ', pos);  // a timestamp may follow
    try {
      sample.value = parse_value(line.substr(pos, end == std::string_view::npos ? end : end - pos));
    } catch (const std::invalid_argument& e) {
      bad_line(number, line, e.what());
    }
    samples.push_back(std::move(sample));
  }
  return samples;
}

double Scrape::sum(std::string_view name, const Labels& match) const {
  double total = 0;
  for (const auto& s : samples_) {
    if (s.name == name && matches(s.labels, match)) total += s.value;
  }
  return total;
}

std::map<std::string, double> Scrape::sum_by(std::string_view name, const std::string& by, const Labels& match) const {
  std::map<std::string, double> totals;
  for (const auto& s : samples_) {
    if (s.name != name || !matches(s.labels, match)) continue;
    auto it = s.labels.find(by);
    totals[it == s.labels.end() ? std::string() : it->second] += s.value;
  }
  return totals;
}

std::vector<std::pair<double, double>> Scrape::buckets(std::string_view name, const Labels& match) const {
  const std::string bucket = std::string(name) + "_bucket";
  std::map<double, double> by_bound;
  for (const auto& s : samples_) {
    if (s.name != bucket || !matches(s.labels, match)) continue;
    auto le = s.labels.find("le");
    if (le == s.labels.end()) continue;
    by_bound[parse_value(le->second)] += s.value;
  }
  return {by_bound.begin(), by_bound.end()};
}

std::vector<std::pair<double, double>> bucket_delta(const std::vector<std::pair<double, double>>& after,
                                                    const std::vector<std::pair<double, double>>& before) {
  std::map<double, double> earlier(before.begin(), before.end());
  std::vector<std::pair<double, double>> delta;
  delta.reserve(after.size());
  for (const auto& [bound, count] : after) {
    auto it = earlier.find(bound);
    delta.emplace_back(bound, count - (it == earlier.end() ? 0 : it->second));
  }
  return delta;
}

double histogram_quantile(double q, const std::vector<std::pair<double, double>>& buckets) {
  if (buckets.empty() || buckets.back().second <= 0) return std::numeric_limits<double>::quiet_NaN();
  const double rank = q * buckets.back().second;
  double lower_bound = 0, lower_count = 0;
  for (const auto& [bound, count] : buckets) {
    if (count >= rank && count > lower_count) {
      if (std::isinf(bound)) return lower_bound;  // above the highest finite bound
      return lower_bound + (bound - lower_bound) * (rank - lower_count) / (count - lower_count);
    }
    lower_bound = std::isinf(bound) ? lower_bound : bound;
    lower_count = count;
  }
  return lower_bound;
}

}  // namespace kappa::bench
