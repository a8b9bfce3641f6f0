#include "core/event_fields.h"

#include "core/fast_json_scanner.h"
#include "core/limits.h"

namespace kappa::processor {

FieldValue& FieldValue::operator=(const FieldValue& other) {
  if (this == &other) return *this;
  kind = other.kind;
  boolean = other.boolean;
  integer = other.integer;
  unsigned_integer = other.unsigned_integer;
  real = other.real;
  if (kind == Kind::String) text.assign(other.text);  // read only for strings: left alone otherwise
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

namespace {

// Stores one scalar in a slot, or skips it (no slot): the scalar half of the
// SAX interface, for the scanner's members of the event object.
struct SlotWriter {
  FieldValue* value = nullptr;

  bool wants_value() const { return value != nullptr; }
  bool null() {
    if (value != nullptr) value->kind = FieldValue::Kind::Null;
    return true;
  }
  bool boolean(bool b) {
    if (value != nullptr) {
      value->kind = FieldValue::Kind::Boolean;
      value->boolean = b;
    }
    return true;
  }
  bool number_integer(std::int64_t i) {
    if (value != nullptr) {
      value->kind = FieldValue::Kind::Integer;
      value->integer = i;
    }
    return true;
  }
  bool number_unsigned(std::uint64_t u) {
    if (value != nullptr) {
      value->kind = FieldValue::Kind::Unsigned;
      value->unsigned_integer = u;
    }
    return true;
  }
  bool number_float(double d, const std::string&) {
    if (value != nullptr) {
      value->kind = FieldValue::Kind::Float;
      value->real = d;
    }
    return true;
  }
  bool string(std::string_view s) {
    if (value != nullptr) {
      value->kind = FieldValue::Kind::String;
      value->text.assign(s);
    }
    return true;
  }
};

}  // namespace

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

  using Leaf = SlotWriter;
  // A scalar member of the event object whose node has no children needs
  // no SAX event: it is stored in its slot, or skipped when nobody reads it.
  // False for a node with children (the member's value replaces theirs).
  bool root_leaf(const MemberName& name, SlotWriter& leaf) {
    const int node = f_.child(0, name);
    if (node < 0) return true;
    if (!f_.nodes_[static_cast<std::size_t>(node)].children.empty()) return false;
    leaf.value = &slot(node);  // a node without children ends a path: it has a slot
    return true;
  }

  // Whether the value that comes next is wanted: the scanner skips the
  // conversion of numbers nobody reads.
  bool wants_value() const { return pending_ >= 0 || !captures_.empty(); }

  bool null() { return scalar(nullptr).null(); }
  bool boolean(bool b) { return scalar(b).boolean(b); }
  bool number_integer(std::int64_t i) { return scalar(i).number_integer(i); }
  bool number_unsigned(std::uint64_t u) { return scalar(u).number_unsigned(u); }
  bool number_float(double d, const std::string& text) { return scalar(d).number_float(d, text); }
  bool string(std::string_view s) { return scalar(s).string(s); }
  bool binary(nlohmann::json::binary_t&) { return false; }  // not produced by the JSON parser

  bool start_object(std::size_t) {
    if (!enter()) return false;
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
  bool key(std::string_view name) { return key(MemberName{name, MemberName::head_of(name)}); }
  bool key(const MemberName& name) {
    if (!captures_.empty()) {
      for (auto& capture : captures_) capture.member = &(*capture.stack.back())[std::string(name.text)];
    }
    const int parent = containers_.back();  // a key is always inside an object
    pending_ = parent >= 0 ? f_.child(parent, name) : -1;
    // A duplicate member replaces the earlier one. A leaf needs no clearing:
    // whatever value follows is stored in its slot.
    if (pending_ >= 0 && !f_.nodes_[static_cast<std::size_t>(pending_)].children.empty()) f_.clear(pending_);
    return true;
  }
  bool end_object() { return close(); }
  bool start_array(std::size_t) {
    if (!enter()) return false;
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
  bool too_deep() const { return too_deep_; }

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
  // A scalar value: added to the open captures (built only when there are
  // some), and the writer of the slot it is wanted in (if any).
  template <typename Json>
  SlotWriter scalar(Json&& json) {
    if (!captures_.empty()) capture_value(nlohmann::json(std::forward<Json>(json)));
    const int node = take_pending();
    return SlotWriter{node >= 0 && f_.nodes_[node].slot >= 0 ? &slot(node) : nullptr};
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
  // One level deeper; false (the parse stops) past the limit, before any
  // value that deep is built.
  bool enter() {
    if (++depth_ <= limits::kMaxEventDepth) return true;
    too_deep_ = true;
    return false;
  }
  bool close() {
    --depth_;
    containers_.pop_back();
    for (auto& capture : captures_) capture.stack.pop_back();
    while (!captures_.empty() && captures_.back().stack.empty()) captures_.pop_back();
    return true;
  }

  EventFields& f_;
  std::vector<int>& containers_;  // trie node of each open container (-1: not followed)
  std::vector<Capture> captures_;
  int pending_ = -1;             // trie node of the value that comes next
  int depth_ = 0;                // open objects and arrays
  bool root_is_object_ = false;
  bool too_deep_ = false;
};


EventFields::EventFields() : nodes_(1) {}

std::uint64_t MemberName::head_of(std::string_view text) {
  // Little-endian byte order, as the scanner's eight-byte load gives it.
  std::uint64_t head = 0;
  for (std::size_t i = 0; i < text.size() && i < 8; ++i) {
    head |= std::uint64_t{static_cast<unsigned char>(text[i])} << (8 * i);
  }
  return head;
}

std::size_t EventFields::add(const FieldPath& path) {
  int node = 0;
  for (const auto& segment : path.segments()) {
    const MemberName name{segment, MemberName::head_of(segment)};
    int next = child(node, name);
    if (next < 0) {
      next = static_cast<int>(nodes_.size());
      nodes_[static_cast<std::size_t>(node)].children.push_back(Child{name.head, segment.size(), next, segment});
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

int EventFields::child(int node, const MemberName& name) const {
  for (const auto& child : nodes_[static_cast<std::size_t>(node)].children) {
    // Size and first eight bytes in one go; only longer names need the rest.
    if ((child.size ^ name.text.size()) | (child.head ^ name.head)) continue;
    if (child.size <= 8 || std::memcmp(child.name.data() + 8, name.text.data() + 8, child.size - 8) == 0) {
      return child.node;
    }
  }
  return -1;
}

void EventFields::clear(int node) {
  const auto& n = nodes_[static_cast<std::size_t>(node)];
  if (n.slot >= 0) present_[static_cast<std::size_t>(n.slot)] = 0;
  for (const auto& child : n.children) clear(child.node);
}

EventFields::Result EventFields::parse(std::string_view payload) {
  ++generation_;
  if (payload.size() > limits::kMaxEventBytes) return Result::TooLarge;
  {
    Handler handler(*this, containers_);
    if (FastJsonScanner<Handler>(payload, handler).scan()) {
      return handler.root_is_object() ? Result::Ok : (++generation_, Result::NotAnObject);
    }
  }
  ++generation_;  // forget what the fast path found; nlohmann's parser decides
  Handler handler(*this, containers_);
  const char* begin = payload.data();
  if (!nlohmann::json::sax_parse(begin, begin + payload.size(), &handler)) {
    ++generation_;  // nothing of a malformed event is present
    return handler.too_deep() ? Result::TooDeep : Result::Malformed;
  }
  if (!handler.root_is_object()) {
    ++generation_;
    return Result::NotAnObject;
  }
  return Result::Ok;
}

}  // namespace kappa::processor
