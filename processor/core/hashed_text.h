#pragma once
// Text keys of the processor's hash tables (each key's state, in
// key_table.h, and each distinct set's members), looked up by a text whose
// hash is already known: an event's key and distinct value are each looked
// up several times (prefetched ahead, then folded), and hashing them once
// per event instead of at every lookup is a measurable share of the fold.
#include <absl/container/flat_hash_set.h>
#include <absl/hash/hash.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace kappa::processor {

// Debian's Abseil has its own string_view type (not std's).
inline std::size_t hash_text(std::string_view text) {
  return absl::Hash<absl::string_view>{}(absl::string_view(text.data(), text.size()));
}

// A text with its hash_text() computed once.
struct HashedText {
  std::string_view text;
  std::size_t hash;

  // Implicit, so that any text can be passed where a HashedText is taken.
  HashedText(std::string_view t) : text(t), hash(hash_text(t)) {}  // NOLINT(google-explicit-constructor)
  HashedText(const std::string& t) : HashedText(std::string_view(t)) {}  // NOLINT(google-explicit-constructor)
  HashedText(const char* t) : HashedText(std::string_view(t)) {}  // NOLINT(google-explicit-constructor)
  HashedText(std::string_view t, std::size_t h) : text(t), hash(h) {}
};

struct TextHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const { return hash_text(text); }
  std::size_t operator()(const std::string& text) const { return hash_text(text); }
  std::size_t operator()(const HashedText& text) const { return text.hash; }
};

struct TextEq {
  using is_transparent = void;
  static std::string_view view(std::string_view text) { return text; }
  static std::string_view view(const std::string& text) { return text; }
  static std::string_view view(const HashedText& text) { return text.text; }
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return view(a) == view(b);
  }
};

using TextSet = absl::flat_hash_set<std::string, TextHash, TextEq>;

}  // namespace kappa::processor
