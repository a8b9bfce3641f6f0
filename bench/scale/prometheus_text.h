#pragma once
// The Prometheus text exposition format, read back: what the scale driver
// needs to turn two scrapes of /metrics into rates and quantiles over the
// window between them.
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kappa::bench {

using Labels = std::map<std::string, std::string>;

struct Sample {
  std::string name;
  Labels labels;
  double value = 0;
};

// Every sample of an exposition (comments and blank lines skipped, an
// optional timestamp ignored). Throws std::invalid_argument naming the line
// that is not a sample.
std::vector<Sample> parse_prometheus_text(std::string_view text);

// A parsed scrape with the sums the driver asks of it.
class Scrape {
 public:
  Scrape() = default;
  explicit Scrape(std::vector<Sample> samples) : samples_(std::move(samples)) {}
  static Scrape parse(std::string_view text) { return Scrape(parse_prometheus_text(text)); }

  // Sum of every series of `name` whose labels include all of `match`.
  double sum(std::string_view name, const Labels& match = {}) const;
  // The same, per value of label `by` (e.g. API requests per verb).
  std::map<std::string, double> sum_by(std::string_view name, const std::string& by, const Labels& match = {}) const;
  // Cumulative buckets (upper bound, count) of histogram `name` (without the
  // _bucket suffix), summed over the series matching `match`, by bound.
  std::vector<std::pair<double, double>> buckets(std::string_view name, const Labels& match = {}) const;

  const std::vector<Sample>& samples() const { return samples_; }

 private:
  std::vector<Sample> samples_;
};

// Cumulative buckets of `after` minus those of `before` (what was observed
// between the two scrapes); a bound missing from `before` counts from 0.
std::vector<std::pair<double, double>> bucket_delta(const std::vector<std::pair<double, double>>& after,
                                                    const std::vector<std::pair<double, double>>& before);

// Quantile q (0..1) of cumulative buckets, interpolated linearly within the
// bucket it falls in, as Prometheus' histogram_quantile does; the +Inf
// bucket answers with the highest finite bound. NaN when nothing was
// observed.
double histogram_quantile(double q, const std::vector<std::pair<double, double>>& buckets);

}  // namespace kappa::bench
