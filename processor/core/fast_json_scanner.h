#pragma once
// EventFields' fast path: a strict scanner of the JSON subset events are
// made of in practice (no escapes, ASCII strings, numbers that convert
// exactly, at most 64 levels deep). It never decides that an event is bad:
// on anything outside the subset (or invalid) it gives up, and nlohmann's
// parser reads the event from the start and has the last word. What it
// accepts is valid JSON, and every value it reports is the value nlohmann's
// parser reports (integers by std::from_chars as strtoll/strtoull, doubles
// correctly rounded as strtod; out of range: give up).
//
// The members of the event object itself take a shorter way than nested
// values: a scalar member the handler stores whole or skips (Handler::
// root_leaf) is written straight to its sink, with no SAX event.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>

#include "core/event_fields.h"

namespace kappa::processor {

// Handler: nlohmann's SAX interface (with key() taking a MemberName), plus
//   wants_value(): whether the next scalar is read (unread numbers are not
//     converted),
//   bool root_leaf(const MemberName&, Handler::Leaf&): whether a scalar
//     member of the event object goes to the given sink (which has the
//     scalar half of the SAX interface and wants_value()) instead.
template <typename Handler>
class FastJsonScanner {
 public:
  FastJsonScanner(std::string_view text, Handler& handler)
      : p_(text.data()), end_(text.data() + text.size()), handler_(handler) {}

  bool scan() {
    skip_space();
    if (!(p_ != end_ && *p_ == '{' ? event_object() : value(0))) return false;
    skip_space();
    return p_ == end_;
  }

 private:
  // Its own recursion stays shallow: deeper events go to nlohmann's parser,
  // which keeps its stack on the heap (and EventFields stops it at
  // limits::kMaxEventDepth).
  static constexpr int kMaxDepth = 64;
  inline static const std::string kNoText;

  // Most events have no whitespace at all: one inlined compare decides.
  [[gnu::always_inline]] void skip_space() {
    if (p_ != end_ && static_cast<unsigned char>(*p_) > ' ') return;
    skip_space_slow();
  }
  void skip_space_slow() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  bool expect(char c) {
    skip_space();
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }

  // After the opening quote; leaves p_ after the closing one.
  [[gnu::always_inline]] bool string(std::string_view& out) {
    const char* start = p_;
    // Eight bytes at a time: a mask of the bytes that need a look (quote,
    // backslash, control character, non-ASCII); its lowest flagged byte is
    // exact (the borrow of the zero-byte trick only reaches higher bytes).
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
    const auto zero_byte = [](std::uint64_t x) { return (x - kOnes) & ~x & kHigh; };
    while (end_ - p_ >= 8) {
      std::uint64_t word;
      std::memcpy(&word, p_, sizeof word);
      const std::uint64_t special = zero_byte(word ^ (kOnes * '"')) | zero_byte(word ^ (kOnes * '\\')) |
                                    ((word - kOnes * 0x20) & ~word & kHigh) | (word & kHigh);
      if (special != 0) {
        p_ += __builtin_ctzll(special) / 8;
        break;
      }
      p_ += 8;
    }
    while (p_ != end_) {
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        out = std::string_view(start, static_cast<std::size_t>(p_ - start));
        ++p_;
        return true;
      }
      if (c < 0x20 || c == '\\' || c >= 0x80) return false;  // control, escape, non-ASCII: nlohmann decides
      ++p_;
    }
    return false;
  }
  // A member name, from its opening quote to after the colon.
  [[gnu::always_inline]] bool member_name(MemberName& out) {
    if (!expect('"') || !string(out.text)) return false;
    const auto size = out.text.size();
    if (end_ - out.text.data() >= 8) {
      std::uint64_t word;  // eight bytes of the payload from the name's start
      std::memcpy(&word, out.text.data(), sizeof word);
      out.head = size >= 8 ? word : word & ((std::uint64_t{1} << (8 * size)) - 1);
    } else {
      out.head = MemberName::head_of(out.text);
    }
    return expect(':');
  }
  bool literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) return false;
    p_ += word.size();
    return true;
  }
  static bool digit(char c) { return c >= '0' && c <= '9'; }

  template <typename Sink>
  bool number(Sink& sink) {
    const char* start = p_;
    const bool negative = *p_ == '-';
    if (negative) ++p_;
    if (p_ == end_ || !digit(*p_)) return false;
    if (*p_ == '0') {
      ++p_;
    } else {
      while (p_ != end_ && digit(*p_)) ++p_;
    }
    bool integral = true;
    if (p_ != end_ && *p_ == '.') {
      integral = false;
      ++p_;
      if (p_ == end_ || !digit(*p_)) return false;
      while (p_ != end_ && digit(*p_)) ++p_;
    }
    const bool exponent = p_ != end_ && (*p_ == 'e' || *p_ == 'E');
    if (exponent) {
      integral = false;
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !digit(*p_)) return false;
      while (p_ != end_ && digit(*p_)) ++p_;
    }
    // A number nobody reads needs no conversion once it is sure to be finite
    // (nlohmann rejects one that overflows a double): no exponent, few digits.
    if (!sink.wants_value() && !exponent && p_ - start < 300) return sink.null();
    if (integral && negative) {
      std::int64_t value = 0;
      const auto [ptr, error] = std::from_chars(start, p_, value);
      return error == std::errc() && ptr == p_ && sink.number_integer(value);
    }
    if (integral) {
      std::uint64_t value = 0;
      const auto [ptr, error] = std::from_chars(start, p_, value);
      return error == std::errc() && ptr == p_ && sink.number_unsigned(value);
    }
    double value = 0;
    if (exact_decimal(start, p_, value)) return sink.number_float(value, kNoText);
    const auto [ptr, error] = std::from_chars(start, p_, value);
    return error == std::errc() && ptr == p_ && std::isfinite(value) && value != 0.0 &&
           sink.number_float(value, kNoText);
  }
  // The common decimal (at most 15 significant digits, no exponent, at most
  // 22 fraction digits) the quick exact way: the digits as an integer and a
  // power of ten are both exact doubles, so one IEEE division rounds
  // correctly, as strtod does. False when that does not apply (or for 0).
  static bool exact_decimal(const char* p, const char* end, double& out) {
    static constexpr double kPowers[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                         1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    const bool negative = *p == '-';
    if (negative) ++p;
    std::uint64_t digits = 0;
    int significant = 0, fraction = -1;
    for (; p != end; ++p) {
      if (*p == '.') {
        fraction = 0;
        continue;
      }
      if (!digit(*p)) return false;  // an exponent
      digits = digits * 10 + static_cast<std::uint64_t>(*p - '0');
      if (digits != 0) ++significant;
      if (fraction >= 0) ++fraction;
    }
    if (significant > 15 || fraction < 0 || fraction > 22 || digits == 0) return false;
    out = static_cast<double>(digits) / kPowers[fraction];
    if (negative) out = -out;
    return true;
  }

  // A string, number or literal at p_ (not whitespace), to `sink`.
  template <typename Sink>
  bool scalar(Sink& sink) {
    switch (*p_) {
      case '"': {
        ++p_;
        std::string_view text;
        return string(text) && sink.string(text);
      }
      case 't': return literal("true") && sink.boolean(true);
      case 'f': return literal("false") && sink.boolean(false);
      case 'n': return literal("null") && sink.null();
      default: return (*p_ == '-' || digit(*p_)) && number(sink);
    }
  }

  // After the last value of a container: true when `close` ends it (p_ after
  // it), false with `more` when a comma follows (p_ after it).
  bool next_or_close(char close, bool& more) {
    skip_space();
    if (p_ == end_) return false;
    more = *p_ == ',';
    if (more || *p_ == close) {
      ++p_;
      return true;
    }
    return false;
  }

  // The members or elements of a container whose opening bracket is at p_,
  // up to and including `close`: `item` reads one of them from p_.
  template <typename Item>
  bool items(char close, Item&& item) {
    ++p_;
    skip_space();
    if (p_ != end_ && *p_ == close) {
      ++p_;
      return true;
    }
    for (bool more = true; more;) {
      if (!item() || !next_or_close(close, more)) return false;
    }
    return true;
  }

  // The event object at p_: its scalar members straight to their sinks.
  bool event_object() {
    return handler_.start_object(static_cast<std::size_t>(-1)) && items('}', [&] {
             MemberName name;
             if (!member_name(name)) return false;
             skip_space();
             if (p_ == end_) return false;
             typename Handler::Leaf leaf;
             if (*p_ != '{' && *p_ != '[' && handler_.root_leaf(name, leaf)) return scalar(leaf);
             return handler_.key(name) && value(1);
           }) && handler_.end_object();
  }

  bool value(int depth) {
    skip_space();
    if (p_ == end_) return false;
    switch (*p_) {
      case '{':
        return depth < kMaxDepth && handler_.start_object(static_cast<std::size_t>(-1)) && items('}', [&] {
                 MemberName name;
                 return member_name(name) && handler_.key(name) && value(depth + 1);
               }) && handler_.end_object();
      case '[':
        return depth < kMaxDepth && handler_.start_array(static_cast<std::size_t>(-1)) &&
               items(']', [&] { return value(depth + 1); }) && handler_.end_array();
      default: return scalar(handler_);
    }
  }

  const char* p_;
  const char* end_;
  Handler& handler_;
};

}  // namespace kappa::processor
