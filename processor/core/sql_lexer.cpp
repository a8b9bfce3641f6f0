#include "core/sql_lexer.h"

#include <cctype>

namespace kappa::processor::sql {
namespace {

bool starts_word(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool in_word(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }
bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// The length of the UTF-8 sequence at text[i], or 0 when it is not one
// (truncated, overlong, a surrogate, beyond U+10FFFF).
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  const std::size_t length = (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
  if (length == 0 || lead == 0xC0 || lead == 0xC1 || lead > 0xF4 || i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(k) & 0xC0) != 0x80) return 0;
  }
  const unsigned char second = byte(1);
  if ((lead == 0xE0 && second < 0xA0) || (lead == 0xED && second >= 0xA0) || (lead == 0xF0 && second < 0x90) ||
      (lead == 0xF4 && second >= 0x90)) {
    return 0;
  }
  return length;
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  std::vector<Token> run() {
    check_utf8();
    std::vector<Token> tokens;
    for (skip_space_and_comments(); i_ < text_.size(); skip_space_and_comments()) tokens.push_back(next());
    tokens.push_back(Token{Token::Kind::End, "", at_});
    return tokens;
  }

 private:
  // Names and strings end up in JSON, which must be valid UTF-8 (KAPPA_CONFIG
  // is, but a statement can come from elsewhere, as in the tests).
  void check_utf8() const {
    Position at;
    for (std::size_t i = 0; i < text_.size();) {
      const std::size_t length = utf8_sequence(text_, i);
      if (length == 0) throw SqlError(at, "the statement is not valid UTF-8");
      if (text_[i] == '\n') {
        ++at.line;
        at.column = 1;
      } else {
        ++at.column;
      }
      i += length;
    }
  }

  char peek(std::size_t ahead = 0) const { return i_ + ahead < text_.size() ? text_[i_ + ahead] : '\0'; }

  void advance() {
    const char c = text_[i_++];
    if (c == '\n') {
      ++at_.line;
      at_.column = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++at_.column;  // UTF-8 continuation bytes belong to the character before
    }
  }

  void skip_space_and_comments() {
    while (i_ < text_.size()) {
      if (std::isspace(static_cast<unsigned char>(peek()))) {
        advance();
      } else if (peek() == '-' && peek(1) == '-') {
        while (i_ < text_.size() && peek() != '\n') advance();
      } else if (peek() == '/' && peek(1) == '*') {
        const Position start = at_;
        advance(), advance();
        while (i_ < text_.size() && !(peek() == '*' && peek(1) == '/')) advance();
        if (i_ >= text_.size()) throw SqlError(start, "a comment is not closed with */");
        advance(), advance();
      } else {
        return;
      }
    }
  }

  // Up to the closing `quote`; a doubled quote stands for one.
  std::string quoted(char quote, const char* what) {
    const Position start = at_;
    advance();
    std::string out;
    while (true) {
      if (i_ >= text_.size()) throw SqlError(start, std::string(what) + " is not closed with " + quote);
      if (peek() == quote) {
        advance();
        if (peek() != quote) return out;
      }
      out += peek();
      advance();
    }
  }

  Token next() {
    Token token{Token::Kind::Symbol, "", at_};
    const char c = peek();
    if (starts_word(c)) {
      token.kind = Token::Kind::Word;
      while (i_ < text_.size() && in_word(peek())) token.text += peek(), advance();
    } else if (c == '"') {
      token.kind = Token::Kind::QuotedName;
      token.text = quoted('"', "a quoted name");
      if (token.text.empty()) throw SqlError(token.at, "a quoted name is empty");
    } else if (c == '\'') {
      token.kind = Token::Kind::String;
      token.text = quoted('\'', "a string");
    } else if (is_digit(c) || (c == '.' && is_digit(peek(1)))) {
      token.kind = Token::Kind::Number;
      number(token.text);
    } else {
      symbol(token);
    }
    return token;
  }

  void number(std::string& out) {
    while (is_digit(peek())) out += peek(), advance();
    if (peek() == '.') {
      out += peek(), advance();
      while (is_digit(peek())) out += peek(), advance();
    }
    if ((peek() == 'e' || peek() == 'E') &&
        (is_digit(peek(1)) || ((peek(1) == '+' || peek(1) == '-') && is_digit(peek(2))))) {
      out += peek(), advance();
      if (!is_digit(peek())) out += peek(), advance();
      while (is_digit(peek())) out += peek(), advance();
    }
    if (starts_word(peek())) throw SqlError(at_, "a number runs into a name (separate them with a space)");
  }

  void symbol(Token& token) {
    static const char* const kTwo[] = {"<=", ">=", "<>", "!=", "||", "::"};
    for (const char* two : kTwo) {
      if (peek() == two[0] && peek(1) == two[1]) {
        token.text = two;
        advance(), advance();
        return;
      }
    }
    static const std::string_view kOne = "(),.;*=<>-+/%[]{}:|&^~!?@#";
    if (kOne.find(peek()) == std::string_view::npos) {
      const unsigned char byte = static_cast<unsigned char>(peek());
      throw SqlError(at_, byte < 0x20 || byte >= 0x7F ? "a character that starts no SQL token"
                                                     : std::string("'") + peek() + "' starts no SQL token");
    }
    token.text = std::string(1, peek());
    advance();
  }

  std::string_view text_;
  std::size_t i_ = 0;
  Position at_;
};

}  // namespace

bool Token::is(std::string_view keyword) const {
  if (kind != Kind::Word || text.size() != keyword.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(text[i])) != keyword[i]) return false;
  }
  return true;
}

std::string Token::describe() const {
  constexpr std::size_t kLongest = 40;  // messages stay one short line
  const std::string shown = text.size() > kLongest ? text.substr(0, kLongest) + "..." : text;
  switch (kind) {
    case Kind::End: return "the end of the statement";
    case Kind::QuotedName: return "\"" + shown + "\"";
    case Kind::String: return "'" + shown + "'";
    default: return shown;
  }
}

std::vector<Token> tokenize(std::string_view text) { return Lexer(text).run(); }

}  // namespace kappa::processor::sql
