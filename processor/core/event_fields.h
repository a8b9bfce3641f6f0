#pragma once
// The fields of one JSON event that a view reads, found in one SAX pass over
// the event's bytes: no document is built, and no memory is allocated per
// event once the buffers have grown (objects and arrays a view reads whole,
// for `last` or a filter, are the exception: they become nlohmann::json).
//
// The event is validated exactly as nlohmann::json::parse validates it (the
// same lexer and parser run), and a field's value is the one parse() would
// give: the last of duplicate members wins, and a path through a non-object
// finds nothing. Beyond that, an event is refused when it is too large or
// nested too deeply (core/limits.h): the values read whole are copied,
// compared and written by recursive code, which must never overflow the
// stack. nlohmann's parser itself keeps its stack on the heap.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/field_path.h"

namespace kappa::processor {

// One field's value: a scalar kept inline, or a whole object or array.
struct FieldValue {
  enum class Kind : std::uint8_t { Null, Boolean, Integer, Unsigned, Float, String, Object, Array };
  Kind kind = Kind::Null;
  bool boolean = false;
  std::int64_t integer = 0;
  std::uint64_t unsigned_integer = 0;
  double real = 0.0;
  std::string text;           // Kind::String (the buffer is reused from event to event)
  nlohmann::json composite;   // Kind::Object, Kind::Array

  FieldValue() = default;
  FieldValue(const FieldValue&) = default;
  FieldValue(FieldValue&&) = default;
  FieldValue& operator=(FieldValue&&) = default;
  // Copies in place, reusing the text buffer; the document only when one
  // side has one (a scalar copy never touches nlohmann::json).
  FieldValue& operator=(const FieldValue& other);

  bool is_null() const { return kind == Kind::Null; }
  bool is_number() const { return kind == Kind::Integer || kind == Kind::Unsigned || kind == Kind::Float; }
  bool is_string() const { return kind == Kind::String; }
  bool is_boolean() const { return kind == Kind::Boolean; }

  // The value as a document (allocates for strings, objects and arrays).
  nlohmann::json to_json() const;
  // JSON equality, as nlohmann::json's operator== (3 == 3.0, "3" != 3).
  bool equals(const nlohmann::json& other) const;
};

// A member name with its first eight bytes as one word (zero-padded,
// little-endian), so that most names are told apart by one compare.
struct MemberName {
  std::string_view text;
  std::uint64_t head;
  static std::uint64_t head_of(std::string_view text);  // reads only `text`
};

class EventFields {
 public:
  // TooDeep: more than limits::kMaxEventDepth levels of nesting; TooLarge:
  // more than limits::kMaxEventBytes (checked before anything is read).
  enum class Result { Ok, Malformed, NotAnObject, TooDeep, TooLarge };

  EventFields();
  EventFields(const EventFields&) = delete;
  EventFields& operator=(const EventFields&) = delete;

  // The slot that will hold the value at `path` (the same path, the same slot).
  std::size_t add(const FieldPath& path);

  // Reads one event; the slots keep its values until the next parse.
  Result parse(std::string_view payload);

  // The value at slot `slot`'s path in the last event parsed, or nullptr
  // when the path is absent (a JSON null is present, of Kind::Null).
  const FieldValue* get(std::size_t slot) const {
    return present_[slot] == generation_ ? &values_[slot] : nullptr;
  }

 private:
  class Handler;
  struct Child {
    std::uint64_t head;
    std::size_t size;
    int node;
    std::string name;
  };
  struct Node {
    std::vector<Child> children;
    int slot = -1;  // a path ends here
  };
  int child(int node, const MemberName& name) const;
  void clear(int node);  // every slot at or below `node` becomes absent

  std::vector<Node> nodes_;  // nodes_[0]: the event object
  std::vector<FieldValue> values_;
  std::vector<std::uint64_t> present_;  // == generation_: present in the current event
  std::uint64_t generation_ = 0;
  std::vector<int> containers_;  // the parser's stack of open containers
};

}  // namespace kappa::processor
