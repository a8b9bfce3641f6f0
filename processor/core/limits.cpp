#include "core/limits.h"

namespace kappa::processor::limits {

std::string shorten(std::string_view text, std::size_t max) {
  if (text.size() <= max) return std::string(text);
  const std::string note = "... (" + std::to_string(text.size()) + " bytes, cut)";
  std::size_t keep = max > note.size() ? max - note.size() : 0;
  // Back off continuation bytes (10xxxxxx): never split a character.
  while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) --keep;
  return std::string(text.substr(0, keep)) + note;
}

}  // namespace kappa::processor::limits
