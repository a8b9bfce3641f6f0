#include "http_target.h"

#include <algorithm>
#include <cstdint>

namespace kappa::http {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Visible ASCII only: a target is ASCII (RFC 9112); anything else is
// percent-encoded by a well-behaved client.
bool is_visible_ascii(std::string_view text) {
  for (const char c : text) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

std::optional<std::string> decode_text(std::string_view text) {
  auto decoded = percent_decode(text);
  if (!decoded || !is_valid_utf8(*decoded)) return std::nullopt;
  return decoded;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = hex_value(text[i + 1]), low = hex_value(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

bool is_valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<std::uint8_t>(text[i]);
    std::size_t length;
    std::uint32_t code;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if ((lead & 0xe0) == 0xc0) {
      length = 2, code = lead & 0x1f;
    } else if ((lead & 0xf0) == 0xe0) {
      length = 3, code = lead & 0x0f;
    } else if ((lead & 0xf8) == 0xf0) {
      length = 4, code = lead & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<std::uint8_t>(text[i + k]);
      if ((next & 0xc0) != 0x80) return false;
      code = (code << 6) | (next & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and beyond U+10FFFF are invalid.
    static constexpr std::uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kMinimum[length] || (code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) return false;
    i += length;
  }
  return true;
}

std::optional<Request> parse_target(std::string method, std::string_view target) {
  if (target.empty() || target.front() != '/' || !is_visible_ascii(target)) return std::nullopt;
  Request request;
  request.method = std::move(method);
  const auto question = target.find('?');
  const auto path = target.substr(0, question);
  request.path = std::string(path);
  for (std::size_t start = 1; start <= path.size();) {
    const auto slash = std::min(path.find('/', start), path.size());
    auto segment = decode_text(path.substr(start, slash - start));
    if (!segment) return std::nullopt;
    if (!segment->empty()) request.segments.push_back(std::move(*segment));
    start = slash + 1;
  }
  if (question == std::string_view::npos) return request;
  const auto query = target.substr(question + 1);
  for (std::size_t start = 0; start < query.size();) {
    const auto amp = std::min(query.find('&', start), query.size());
    const auto pair = query.substr(start, amp - start);
    start = amp + 1;
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto name = decode_text(pair.substr(0, eq));
    auto value = decode_text(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!name || !value) return std::nullopt;
    request.query[std::move(*name)] = std::move(*value);
  }
  return request;
}

}  // namespace kappa::http
