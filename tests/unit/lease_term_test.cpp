// The lease term as a write fence: writes start only inside the term and
// must be answered before another replica could hold the Lease.
#include "kube/lease_term.h"

#include <gtest/gtest.h>

namespace {

using namespace std::chrono_literals;
using kappa::kube::LeaseTerm;
using kappa::kube::WriteFenced;
using steady = std::chrono::steady_clock;

class LeaseTermTest : public ::testing::Test {
 protected:
  steady::time_point now_ = steady::time_point(1h);
  LeaseTerm term_{15s, 10s, [this] { return now_; }};
};

TEST_F(LeaseTermTest, RefusesWritesBeforeTheLeaseIsWon) {
  EXPECT_FALSE(term_.active());
  EXPECT_THROW(term_.admit_write("PUT x"), WriteFenced);
}

TEST_F(LeaseTermTest, AdmitsWritesUntilTheRenewDeadlineAndCutsThemBeforeTheLeaseExpires) {
  const auto sent_at = now_;
  now_ += 300ms;  // the renewal took a while to be answered
  term_.extend(sent_at);
  EXPECT_TRUE(term_.active());
  // Timed from when the renewal was sent, not answered; one second of the
  // five between renew deadline and lease duration is left for the answer.
  EXPECT_EQ(term_.admit_write("PUT x"), sent_at + 14s);
  now_ = sent_at + 10s - 1ms;
  EXPECT_EQ(term_.admit_write("PUT x"), sent_at + 14s);
  now_ = sent_at + 10s;
  EXPECT_FALSE(term_.active());
  EXPECT_THROW(term_.admit_write("PUT x"), WriteFenced);
}

TEST_F(LeaseTermTest, ARenewalExtendsItAndAnOlderOneDoesNotShortenIt) {
  term_.extend(now_);
  term_.extend(now_ + 2s);
  term_.extend(now_ + 1s);  // an attempt answered late
  now_ += 11s;
  EXPECT_EQ(term_.admit_write("PUT x"), now_ - 11s + 2s + 14s);
}

TEST_F(LeaseTermTest, EndingItRefusesWritesAtOnce) {
  term_.extend(now_);
  term_.end();
  EXPECT_FALSE(term_.active());
  EXPECT_THROW(term_.admit_write("DELETE x"), WriteFenced);
}

TEST(LeaseTermMargin, ShortLeasesKeepHalfTheGapForTheAnswer) {
  steady::time_point now(1h);
  LeaseTerm term(4s, 3s, [&] { return now; });
  term.extend(now);
  EXPECT_EQ(term.admit_write("PUT x"), now + 3500ms);
}

}  // namespace
