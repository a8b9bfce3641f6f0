#include "core/exact_sum.h"

#include <cmath>
#include <utility>

namespace kappa::processor {

void ExactSum::add(double x) {
  if (x == 0.0) return;  // changes nothing (and keeps the partials few)
  if (!std::isfinite(x)) {
    special_ += x;
    return;
  }
  // Grow the expansion (Shewchuk): a two-sum against each partial, `hi`
  // carries on and the exact error `lo` stays as a partial. Knuth's two-sum
  // needs no comparison of magnitudes, and zeros are dropped without a
  // branch: both matter, as this runs once per summed event.
  std::size_t kept = 0;
  for (double y : partials_) {
    const double hi = x + y;
    const double y_part = hi - x;
    const double lo = (x - (hi - y_part)) + (y - y_part);
    partials_[kept] = lo;
    kept += lo != 0.0;
    x = hi;
  }
  partials_.resize(kept);
  if (!std::isfinite(x)) {  // the running sum overflowed
    special_ += x;
    return;
  }
  partials_.push_back(x);
}

void ExactSum::add_integer(std::int64_t value) {
  const double high = static_cast<double>(value);
  add(high);
  // |value - high| is below 2^11 and high an integer within ±2^63: long
  // double computes the difference exactly, and it converts exactly.
  add(static_cast<double>(static_cast<long double>(value) - static_cast<long double>(high)));
}

void ExactSum::add(const ExactSum& other) {
  for (double p : other.partials_) add(p);
  special_ += other.special_;
}

double ExactSum::value() const {
  if (special_ != 0.0) return special_;  // NaN compares unequal too
  std::size_t n = partials_.size();
  if (n == 0) return 0.0;
  double hi = partials_[--n];
  double lo = 0.0;
  while (n > 0) {  // from the largest down, until the rest no longer changes hi
    const double x = hi;
    const double y = partials_[--n];
    hi = x + y;
    lo = y - (hi - x);
    if (lo != 0.0) break;
  }
  // Round half to even correctly: when what is left below lo points the
  // same way as lo, the exact sum is past the half-way point.
  if (n > 0 && ((lo < 0.0 && partials_[n - 1] < 0.0) || (lo > 0.0 && partials_[n - 1] > 0.0))) {
    const double y = lo * 2.0;
    const double x = hi + y;
    if (y == x - hi) hi = x;
  }
  return hi;
}

ExactSum ExactSum::of(const Partials& partials) {
  ExactSum sum;
  for (double p : partials) sum.add(p);
  return sum;
}

}  // namespace kappa::processor
