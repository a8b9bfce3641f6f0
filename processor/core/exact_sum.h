#pragma once
// The exact sum of a sequence of doubles, kept as a few non-overlapping
// partials (Shewchuk's algorithm, as Python's math.fsum keeps it), and read
// as that exact sum rounded once to the nearest double. The value does not
// depend on the order of the additions, so a Lambda merge of a batch sum and
// a speed sum gives the bits a single fold of the whole log gives, and a
// replay gives the bits of the first run.
#include <vector>

#include <cstdint>

namespace kappa::processor {

class ExactSum {
 public:
  // On the heap: usually two or three; the fold prefetches them (absl::
  // InlinedVector<double> trips GCC 12 -Wmaybe-uninitialized on copies).
  using Partials = std::vector<double>;

  void add(double x);
  void add(const ExactSum& other);
  // Exactly, also beyond 2^53 (as the sum of two doubles).
  void add_integer(std::int64_t value);
  // The exact sum, correctly rounded. Infinite or NaN once a value was, or
  // once the exact sum left the range of doubles.
  double value() const;
  // The partials live apart from the state: the fold's look-ahead loads
  // them early, as it does a distinct set's slot.
  void prefetch() const {
    if (!partials_.empty()) __builtin_prefetch(partials_.data());
  }
  // Increasing magnitude, none overlapping: what the changelog stores.
  const Partials& partials() const { return partials_; }
  // Rebuilt from stored partials (any order; they are added).
  static ExactSum of(const Partials& partials);

 private:
  Partials partials_;
  double special_ = 0.0;  // the sum of non-finite values and overflows; 0 while there are none
};

}  // namespace kappa::processor
