#pragma once
// The tokens of a SQL view definition, each with its line and column (from
// 1; columns count characters, not bytes), so that every error can point at
// where it is. Comments (-- to the end of the line, /* ... */) are skipped.
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace kappa::processor::sql {

struct Position {
  int line = 1;
  int column = 1;
};

// A statement the compiler refuses: where, and why.
class SqlError : public std::runtime_error {
 public:
  SqlError(Position at, const std::string& message)
      : std::runtime_error("line " + std::to_string(at.line) + ", column " + std::to_string(at.column) + ": " +
                           message),
        at_(at) {}
  Position at() const { return at_; }

 private:
  Position at_;
};

struct Token {
  enum class Kind { Word, QuotedName, String, Number, Symbol, End };
  Kind kind = Kind::End;
  std::string text;  // a word as written; a quoted name or string unescaped; a symbol such as "<="
  Position at;

  // A bare word equal to `keyword`, ignoring case (keyword in upper case).
  bool is(std::string_view keyword) const;
  bool is_symbol(std::string_view symbol) const { return kind == Kind::Symbol && text == symbol; }
  // How an error message names it: `JOIN`, `"a b"`, `'x'`, `<=`, the end.
  std::string describe() const;
};

// Throws SqlError at an unterminated string, quoted name or comment, and at
// a character that starts no token.
std::vector<Token> tokenize(std::string_view text);

}  // namespace kappa::processor::sql
