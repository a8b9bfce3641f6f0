#pragma once
// The benchmarks' user-activity events, deterministic: event i of a log of
// `users` users is always the same bytes. About ten sessions per user:
// session k of a user covers its events 10k..10k+9, so distinct sets stay
// small while keys repeat a lot.
#include <array>
#include <cstdint>
#include <cstdio>
#include <string_view>
#include <vector>

namespace kappa::bench {

// splitmix64: a fast, well-mixed sequence, so the log does not depend on
// the standard library's engines.
inline uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class UserActivity {
 public:
  explicit UserActivity(int users) : users_(users), seen_(static_cast<std::size_t>(users), 0) {}

  // Event i (call in order of i): its Kafka key (the user_id) and JSON value.
  void event(int64_t i, std::string_view& key, std::string_view& value) {
    static constexpr std::array<const char*, 3> kTypes = {"view", "view", "purchase"};
    const uint64_t r = mix(static_cast<uint64_t>(i));
    const auto user = static_cast<int>(r % static_cast<uint64_t>(users_));
    const int session = seen_[static_cast<std::size_t>(user)]++ / 10;
    const auto cents = static_cast<int>((r >> 20) % 10000);
    const int key_len = std::snprintf(key_, sizeof key_, "u%07d", user);
    const int len = std::snprintf(value_, sizeof value_,
                                  R"({"user_id":"%s","type":"%s","page":"/p/%d","session_id":"%s-s%d",)"
                                  R"("revenue":%d.%02d,"ts":%lld})",
                                  key_, kTypes[(r >> 40) % kTypes.size()], static_cast<int>((r >> 44) % 50), key_,
                                  session, cents / 100, cents % 100, static_cast<long long>(1700000000000LL + i));
    key = std::string_view(key_, static_cast<std::size_t>(key_len));
    value = std::string_view(value_, static_cast<std::size_t>(len));
  }

 private:
  int users_;
  std::vector<int32_t> seen_;
  char key_[16];
  char value_[256];
};

}  // namespace kappa::bench
