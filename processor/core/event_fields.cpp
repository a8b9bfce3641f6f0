#include "core/event_fields.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace kappa::processor {

FieldValue& FieldValue::operator=(const FieldValue& other) {
  if (this == &other) return *this;
  kind = other.kind;
  boolean = other.boolean;
  integer = other.integer;
  unsigned_integer = other.unsigned_integer;
  real = other.real;
  text.assign(other.text);
  if (!composite.is_null() || !other.composite.is_null()) composite = other.composite;
  return *this;
}

nlohmann::json FieldValue::to_json() const {
  switch (kind) {
    case Kind::Null: return nullptr;
    case Kind::Boolean: return boolean;
    case Kind::Integer: return integer;
    case Kind::Unsigned: return unsigned_integer;
    case Kind::Float: return real;
    case Kind::String: return text;
    case Kind::Object:
    case Kind::Array: return composite;
  }
  return nullptr;
}

bool FieldValue::equals(const nlohmann::json& other) const {
  switch (kind) {
    case Kind::String: return other.is_string() && other.get_ref<const std::string&>() == text;
    case Kind::Object:
    case Kind::Array: return composite == other;
    default: return to_json() == other;  // scalars: no allocation
  }
}

// The SAX handler: follows the member names through the trie of wanted
// paths, stores scalars in their slots and builds the objects and arrays
// that are wanted whole (as nlohmann's DOM parser would).
class EventFields::Handler {
 public:
  // `containers` is the caller's buffer, emptied first (kept from event to
  // event so that a parse allocates nothing).
  Handler(EventFields& fields, std::vector<int>& containers) : f_(fields), containers_(containers) {
    containers_.clear();
  }

  // Whether the value that comes next is wanted: the scanner skips the
  // conversion of numbers nobody reads.
  bool wants_value() const { return pending_ >= 0 || !captures_.empty(); }

  bool null() { return scalar([](FieldValue& v) { v.kind = FieldValue::Kind::Null; }, nullptr); }
  bool boolean(bool b) {
    return scalar([b](FieldValue& v) { v.kind = FieldValue::Kind::Boolean; v.boolean = b; }, b);
  }
  bool number_integer(std::int64_t i) {
    return scalar([i](FieldValue& v) { v.kind = FieldValue::Kind::Integer; v.integer = i; }, i);
  }
  bool number_unsigned(std::uint64_t u) {
    return scalar([u](FieldValue& v) { v.kind = FieldValue::Kind::Unsigned; v.unsigned_integer = u; }, u);
  }
  bool number_float(double d, const std::string&) {
    return scalar([d](FieldValue& v) { v.kind = FieldValue::Kind::Float; v.real = d; }, d);
  }
  bool string(std::string_view s) {
    if (!captures_.empty()) capture_value(nlohmann::json(std::string(s)));
    const int node = take_pending();
    if (node >= 0 && f_.nodes_[node].slot >= 0) {
      auto& value = slot(node);
      value.kind = FieldValue::Kind::String;
      value.text.assign(s);
    }
    return true;
  }
  bool binary(nlohmann::json::binary_t&) { return false; }  // not produced by the JSON parser

  bool start_object(std::size_t) {
    if (!captures_.empty()) capture_open(nlohmann::json::object());
    if (containers_.empty()) {  // the event itself
      root_is_object_ = true;
      containers_.push_back(0);
      return true;
    }
    const int node = take_pending();
    if (node >= 0 && f_.nodes_[node].slot >= 0) start_capture(node, nlohmann::json::object(), FieldValue::Kind::Object);
    containers_.push_back(node);  // its members are followed when `node` has children
    return true;
  }
  bool key(std::string_view name) {
    if (!captures_.empty()) {
      for (auto& capture : captures_) capture.member = &(*capture.stack.back())[std::string(name)];
    }
    const int parent = containers_.empty() ? -1 : containers_.back();
    pending_ = parent >= 0 ? f_.child(parent, name) : -1;
    if (pending_ >= 0) f_.clear(pending_);  // a duplicate member replaces the earlier one
    return true;
  }
  bool end_object() { return close(); }
  bool start_array(std::size_t) {
    if (!captures_.empty()) capture_open(nlohmann::json::array());
    if (containers_.empty()) {
      containers_.push_back(-1);
      return true;
    }
    const int node = take_pending();
    if (node >= 0 && f_.nodes_[node].slot >= 0) start_capture(node, nlohmann::json::array(), FieldValue::Kind::Array);
    containers_.push_back(-1);  // paths do not go through arrays
    return true;
  }
  bool end_array() { return close(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

  bool root_is_object() const { return root_is_object_; }

 private:
  struct Capture {
    std::vector<nlohmann::json*> stack;      // open containers, innermost last
    nlohmann::json* member = nullptr;        // the object member named last
  };

  FieldValue& slot(int node) {
    const auto index = static_cast<std::size_t>(f_.nodes_[node].slot);
    f_.present_[index] = f_.generation_;
    return f_.values_[index];
  }
  int take_pending() {
    const int node = pending_;
    pending_ = -1;
    return node;
  }
  template <typename Set, typename Json>
  bool scalar(Set&& set, Json&& json) {
    if (!captures_.empty()) capture_value(nlohmann::json(std::forward<Json>(json)));
    const int node = take_pending();
    if (node >= 0 && f_.nodes_[node].slot >= 0) set(slot(node));
    return true;
  }

  // Captures: DOM building for the values wanted whole.
  nlohmann::json* place(Capture& capture, nlohmann::json value) {
    auto* parent = capture.stack.back();
    if (parent->is_array()) {
      parent->push_back(std::move(value));
      return &parent->back();
    }
    *capture.member = std::move(value);
    return capture.member;
  }
  void capture_value(const nlohmann::json& value) {
    for (auto& capture : captures_) place(capture, value);
  }
  void capture_open(const nlohmann::json& empty) {
    for (auto& capture : captures_) capture.stack.push_back(place(capture, empty));
  }
  void start_capture(int node, nlohmann::json empty, FieldValue::Kind kind) {
    auto& value = slot(node);
    value.kind = kind;
    value.composite = std::move(empty);
    captures_.push_back(Capture{{&value.composite}});
  }
  bool close() {
    containers_.pop_back();
    for (auto& capture : captures_) capture.stack.pop_back();
    while (!captures_.empty() && captures_.back().stack.empty()) captures_.pop_back();
    return true;
  }

  EventFields& f_;
  std::vector<int>& containers_;  // trie node of each open container (-1: not followed)
  std::vector<Capture> captures_;
  int pending_ = -1;             // trie node of the value that comes next
  bool root_is_object_ = false;
};

namespace {

// The fast path: a strict scanner of the JSON subset events are made of in
// practice (no escapes, ASCII strings, numbers that convert exactly, at most
// 64 levels deep), feeding the same handler. It never decides that an event
// is bad: on anything outside the subset (or invalid) it gives up, and
// nlohmann's parser reads the event from the start and has the last word.
// What it accepts is valid JSON, and every value it reports is the value
// nlohmann's parser reports (integers by std::from_chars as strtoll/strtoull,
// doubles correctly rounded as strtod; out of range: give up).
template <typename Handler>
class FastScanner {
 public:
  FastScanner(std::string_view text, Handler& handler)
      : p_(text.data()), end_(text.data() + text.size()), handler_(handler) {}

  bool scan() {
    if (!value(0)) return false;
    skip_space();
    return p_ == end_;
  }

 private:
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
  bool string(std::string_view& out) {
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
  bool literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) return false;
    p_ += word.size();
    return true;
  }
  static bool digit(char c) { return c >= '0' && c <= '9'; }
  bool number() {
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
    if (!handler_.wants_value() && !exponent && p_ - start < 300) return handler_.null();
    if (integral && negative) {
      std::int64_t value = 0;
      const auto [ptr, error] = std::from_chars(start, p_, value);
      return error == std::errc() && ptr == p_ && handler_.number_integer(value);
    }
    if (integral) {
      std::uint64_t value = 0;
      const auto [ptr, error] = std::from_chars(start, p_, value);
      return error == std::errc() && ptr == p_ && handler_.number_unsigned(value);
    }
    double value = 0;
    if (exact_decimal(start, p_, value)) return handler_.number_float(value, kNoText);
    const auto [ptr, error] = std::from_chars(start, p_, value);
    return error == std::errc() && ptr == p_ && std::isfinite(value) && value != 0.0 &&
           handler_.number_float(value, kNoText);
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
  bool value(int depth) {
    skip_space();
    if (p_ == end_) return false;
    switch (*p_) {
      case '{': {
        if (depth >= kMaxDepth) return false;
        ++p_;
        if (!handler_.start_object(static_cast<std::size_t>(-1))) return false;
        skip_space();
        if (p_ != end_ && *p_ == '}') {
          ++p_;
          return handler_.end_object();
        }
        while (true) {
          std::string_view name;
          if (!expect('"') || !string(name) || !handler_.key(name) || !expect(':') || !value(depth + 1)) return false;
          skip_space();
          if (p_ == end_) return false;
          if (*p_ == ',') {
            ++p_;
            continue;
          }
          if (*p_ != '}') return false;
          ++p_;
          return handler_.end_object();
        }
      }
      case '[': {
        if (depth >= kMaxDepth) return false;
        ++p_;
        if (!handler_.start_array(static_cast<std::size_t>(-1))) return false;
        skip_space();
        if (p_ != end_ && *p_ == ']') {
          ++p_;
          return handler_.end_array();
        }
        while (true) {
          if (!value(depth + 1)) return false;
          skip_space();
          if (p_ == end_) return false;
          if (*p_ == ',') {
            ++p_;
            continue;
          }
          if (*p_ != ']') return false;
          ++p_;
          return handler_.end_array();
        }
      }
      case '"': {
        ++p_;
        std::string_view text;
        return string(text) && handler_.string(text);
      }
      case 't': return literal("true") && handler_.boolean(true);
      case 'f': return literal("false") && handler_.boolean(false);
      case 'n': return literal("null") && handler_.null();
      default: return (*p_ == '-' || digit(*p_)) && number();
    }
  }

  const char* p_;
  const char* end_;
  Handler& handler_;
};

}  // namespace

EventFields::EventFields() : nodes_(1) {}

std::size_t EventFields::add(const FieldPath& path) {
  int node = 0;
  for (const auto& segment : path.segments()) {
    int next = child(node, segment);
    if (next < 0) {
      next = static_cast<int>(nodes_.size());
      nodes_[static_cast<std::size_t>(node)].children.emplace_back(segment, next);
      nodes_.emplace_back();
    }
    node = next;
  }
  auto& end = nodes_[static_cast<std::size_t>(node)];
  if (end.slot < 0) {
    end.slot = static_cast<int>(values_.size());
    values_.emplace_back();
    present_.push_back(0);
  }
  return static_cast<std::size_t>(end.slot);
}

int EventFields::child(int node, std::string_view name) const {
  for (const auto& [segment, next] : nodes_[static_cast<std::size_t>(node)].children) {
    // Length and first byte first: most member names differ there, and
    // neither needs a call to memcmp.
    if (segment.size() != name.size() || (!name.empty() && segment[0] != name[0])) continue;
    std::size_t at = 1;
    while (at < name.size() && segment[at] == name[at]) ++at;  // names are short: no memcmp call
    if (at >= name.size()) return next;
  }
  return -1;
}

void EventFields::clear(int node) {
  const auto& n = nodes_[static_cast<std::size_t>(node)];
  if (n.slot >= 0) present_[static_cast<std::size_t>(n.slot)] = 0;
  for (const auto& [segment, next] : n.children) clear(next);
}

EventFields::Result EventFields::parse(std::string_view payload) {
  ++generation_;
  {
    Handler handler(*this, containers_);
    if (FastScanner<Handler>(payload, handler).scan()) {
      return handler.root_is_object() ? Result::Ok : (++generation_, Result::NotAnObject);
    }
  }
  ++generation_;  // forget what the fast path found; nlohmann's parser decides
  Handler handler(*this, containers_);
  const char* begin = payload.data();
  if (!nlohmann::json::sax_parse(begin, begin + payload.size(), &handler)) {
    ++generation_;  // nothing of a malformed event is present
    return Result::Malformed;
  }
  if (!handler.root_is_object()) {
    ++generation_;
    return Result::NotAnObject;
  }
  return Result::Ok;
}

}  // namespace kappa::processor
