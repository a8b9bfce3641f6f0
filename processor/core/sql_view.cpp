#include "core/sql_view.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace kappa::processor::sql {

const char* const kSupported =
    "[CREATE MATERIALIZED VIEW name AS] SELECT key, aggregate AS name [FILTER (WHERE ...)], ... FROM name "
    "[WHERE predicate] GROUP BY key [, TUMBLE(ts, INTERVAL 'n' SECOND|MINUTE|HOUR|DAY)]; aggregates COUNT(*), "
    "COUNT(col), COUNT(DISTINCT col), SUM, MIN, MAX, LAST_VALUE; predicates =, <>, <, <=, >, >=, [NOT] IN (...), "
    "IS [NOT] NULL, AND, OR, NOT";

namespace {

using nlohmann::json;

// SQL features outside the subset, refused by name where they appear.
const std::set<std::string, std::less<>> kUnsupported = {
    "HAVING", "ORDER", "LIMIT",  "OFFSET",  "JOIN",    "INNER",  "LEFT",    "RIGHT",  "FULL",   "OUTER",
    "CROSS",  "ON",    "USING",  "UNION",   "EXCEPT",  "INTERSECT", "WITH", "CASE",   "WHEN",   "THEN",
    "ELSE",   "END",   "LIKE",   "ILIKE",   "BETWEEN", "EXISTS", "OVER",    "WINDOW", "QUALIFY", "LATERAL",
    "INSERT", "UPDATE", "DELETE", "VALUES", "FETCH",   "SIMILAR"};
// Words that are never a bare column name (quote a field named so).
const std::set<std::string, std::less<>> kKeywords = {
    "SELECT", "FROM", "WHERE", "GROUP", "BY",     "AS",       "AND", "OR",     "NOT",     "IN",
    "IS",     "NULL", "TRUE",  "FALSE", "FILTER", "DISTINCT", "ALL", "CREATE", "INTERVAL"};
bool is_reserved(const std::string& word) { return kKeywords.count(word) != 0 || kUnsupported.count(word) != 0; }

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::toupper(c); });
  return text;
}

const char* comparison_op(const std::string& symbol) {
  if (symbol == "=") return "equals";
  if (symbol == "<>" || symbol == "!=") return "notEquals";
  if (symbol == "<") return "lt";
  if (symbol == "<=") return "le";
  if (symbol == ">") return "gt";
  if (symbol == ">=") return "ge";
  return nullptr;
}

// `literal OP column` as `column OP' literal`.
const char* mirrored(const char* op) {
  const std::string o = op;
  if (o == "lt") return "gt";
  if (o == "le") return "ge";
  if (o == "gt") return "lt";
  if (o == "ge") return "le";
  return op;
}

class Compiler {
 public:
  explicit Compiler(std::string_view text) : tokens_(tokenize(text)) {}

  json run() {
    json view = json::object();
    if (peek().is("CREATE")) view["name"] = create_prefix();
    expect_keyword("SELECT");
    if (peek().is("DISTINCT") || peek().is("ALL")) unsupported(peek(), "SELECT " + upper(peek().text));
    if (peek().is_symbol("*")) unsupported(peek(), "SELECT *");
    std::vector<Column> selected_keys;
    json aggregates = json::object();
    do {
      select_item(selected_keys, aggregates);
    } while (accept_symbol(","));
    if (aggregates.empty()) throw SqlError(peek().at, "the view needs at least one aggregate, e.g. COUNT(*) AS events");
    expect_keyword("FROM");
    from_clause();
    if (accept_keyword("WHERE")) view["filter"] = predicate();
    expect_keyword("GROUP");
    expect_keyword("BY");
    group_by(view);
    for (const auto& column : selected_keys) {
      if (column.path != view["key"]) {
        throw SqlError(column.at, column.path + " must be the GROUP BY key or inside an aggregate");
      }
    }
    accept_symbol(";");
    if (peek().kind != Token::Kind::End) refuse_here("the end of the statement");
    view["aggregates"] = aggregates;
    return view;
  }

 private:
  struct Column {
    std::string path;  // a.b
    Position at;
  };

  const Token& peek(std::size_t ahead = 0) const { return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)]; }
  const Token& take() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }
  bool accept_keyword(std::string_view k) { return peek().is(k) ? (take(), true) : false; }
  bool accept_symbol(std::string_view s) { return peek().is_symbol(s) ? (take(), true) : false; }
  void expect_keyword(std::string_view k) {
    if (!accept_keyword(k)) refuse_here(std::string(k));
  }
  void expect_symbol(std::string_view s) {
    if (!accept_symbol(s)) refuse_here(std::string(s));
  }

  [[noreturn]] static void unsupported(const Token& at, const std::string& what) {
    throw SqlError(at.at, what + " is not supported; supported: " + kSupported);
  }
  // Where `expected` was due: a known SQL feature outside the subset is
  // named as such, anything else is a syntax error.
  [[noreturn]] void refuse_here(const std::string& expected) const {
    const Token& t = peek();
    if (t.kind == Token::Kind::Word && kUnsupported.count(upper(t.text)) != 0) unsupported(t, upper(t.text));
    if (t.kind == Token::Kind::Word && peek(1).is_symbol("(")) unsupported(t, "the function " + upper(t.text));
    if (t.kind == Token::Kind::Symbol && std::string_view("+-*/%||::[").find(t.text) != std::string_view::npos) {
      unsupported(t, "an expression with " + t.text + " (only columns and literals)");
    }
    throw SqlError(t.at, "expected " + expected + ", found " + t.describe());
  }

  std::string name(const char* what) {
    const Token& t = peek();
    if (t.kind == Token::Kind::QuotedName || (t.kind == Token::Kind::Word && !is_reserved(upper(t.text)))) {
      return take().text;
    }
    refuse_here(what);
  }

  Column column() {
    const Position at = peek().at;
    Column c{name("a column name"), at};
    while (accept_symbol(".")) c.path += "." + name("a field name after '.'");
    return c;
  }

  std::string create_prefix() {
    take();  // CREATE
    expect_keyword("MATERIALIZED");
    expect_keyword("VIEW");
    std::string view = name("the view's name");
    expect_keyword("AS");
    return view;
  }

  void from_clause() {
    if (peek().is_symbol("(")) unsupported(peek(), "a subquery");
    name("the input's name (any name: the input is the topic)");
    if (peek().is_symbol(",")) unsupported(peek(), "more than one input");
    if (peek().is("WHERE") || peek().is("GROUP")) return;
    refuse_here("WHERE or GROUP BY");
  }

  // One item of the SELECT list: the key column, or a named aggregate.
  void select_item(std::vector<Column>& keys, json& aggregates) {
    static const char* const kFunctions[] = {"COUNT", "SUM", "MIN", "MAX", "LAST_VALUE"};
    const Token& first = peek();
    const bool is_call = first.kind == Token::Kind::Word && peek(1).is_symbol("(");
    if (!is_call) {
      keys.push_back(column());
      if (accept_keyword("AS")) name("a name after AS");
      return;
    }
    const std::string function = upper(first.text);
    if (std::none_of(std::begin(kFunctions), std::end(kFunctions), [&](const char* f) { return function == f; })) {
      unsupported(first, "the function " + function);
    }
    take(), take();  // the name and "("
    json spec = aggregate(function);
    expect_symbol(")");
    if (accept_keyword("FILTER")) {
      expect_symbol("(");
      expect_keyword("WHERE");
      spec["where"] = predicate();
      expect_symbol(")");
    }
    if (peek().is("OVER")) unsupported(peek(), "a window function (OVER)");
    if (!accept_keyword("AS")) {
      throw SqlError(peek().at, "name the aggregate: " + function + "(...) AS name");
    }
    const Position at = peek().at;
    const std::string alias = name("the aggregate's name");
    if (aggregates.contains(alias)) throw SqlError(at, "two aggregates are named " + alias);
    aggregates[alias] = spec;
  }

  json aggregate(const std::string& function) {
    if (function == "COUNT" && accept_symbol("*")) return {{"op", "count"}};
    json spec;
    if (function == "COUNT" && accept_keyword("DISTINCT")) {
      spec = {{"op", "count_distinct"}, {"optional", true}};
    } else if (function == "COUNT") {
      spec = {{"op", "count"}};  // counts the events whose column is present and not null
    } else {
      static const std::pair<const char*, const char*> kOps[] = {
          {"SUM", "sum"}, {"MIN", "min"}, {"MAX", "max"}, {"LAST_VALUE", "last"}};
      for (const auto& [sql, op] : kOps) {
        if (function == sql) spec = {{"op", op}, {"optional", true}};
      }
    }
    if (peek().is_symbol("*")) throw SqlError(peek().at, function + "(*) is not defined; name a column");
    if (peek().is("DISTINCT")) unsupported(peek(), function + "(DISTINCT ...)");
    spec["field"] = column().path;
    return spec;
  }

  void group_by(json& view) {
    bool have_key = false;
    bool have_window = false;
    do {
      const Token& t = peek();
      if (t.is("TUMBLE") && peek(1).is_symbol("(")) {
        if (have_window) throw SqlError(t.at, "a second window");
        view["window"] = tumble();
        have_window = true;
      } else if (t.kind == Token::Kind::Word && peek(1).is_symbol("(")) {
        unsupported(t, "GROUP BY " + upper(t.text) + "(...)");
      } else {
        if (have_key) unsupported(t, "GROUP BY more than one key column");
        view["key"] = column().path;
        have_key = true;
      }
    } while (accept_symbol(","));
    if (!have_key) throw SqlError(peek().at, "GROUP BY needs the key column");
  }

  // TUMBLE(ts, INTERVAL '60' SECOND), also INTERVAL '60 seconds'.
  json tumble() {
    take(), take();  // TUMBLE (
    const std::string field = column().path;
    expect_symbol(",");
    expect_keyword("INTERVAL");
    const Token amount = peek();
    if (amount.kind != Token::Kind::String && amount.kind != Token::Kind::Number) refuse_here("'n' after INTERVAL");
    take();
    std::string text = amount.text;
    std::string unit;
    if (const auto space = text.find(' '); space != std::string::npos) {
      unit = upper(text.substr(space + 1));
      text.resize(space);
    } else {
      if (peek().kind != Token::Kind::Word) refuse_here("SECOND, MINUTE, HOUR or DAY");
      unit = upper(take().text);
    }
    std::int64_t n = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (error != std::errc() || end != text.data() + text.size() || n <= 0 || n > 1000000) {
      throw SqlError(amount.at, "the interval must be a whole number from 1 to 1000000");
    }
    if (!unit.empty() && unit.back() == 'S') unit.pop_back();
    static const std::pair<const char*, const char*> kUnits[] = {
        {"SECOND", "s"}, {"MINUTE", "m"}, {"HOUR", "h"}, {"DAY", "d"}};
    const auto found = std::find_if(std::begin(kUnits), std::end(kUnits), [&](const auto& u) { return unit == u.first; });
    if (found == std::end(kUnits)) throw SqlError(amount.at, "the interval's unit must be SECOND, MINUTE, HOUR or DAY");
    expect_symbol(")");
    return {{"field", field}, {"size", std::to_string(n) + found->second}};
  }

  // predicate := conjunction (OR conjunction)*, and so on down; nesting is
  // bounded so that no statement can exhaust the stack.
  json predicate() {
    Depth guard(*this);
    json any = json::array({conjunction()});
    while (accept_keyword("OR")) any.push_back(conjunction());
    return any.size() == 1 ? any[0] : json{{"any", any}};
  }
  json conjunction() {
    json all = json::array({negation()});
    while (accept_keyword("AND")) all.push_back(negation());
    return all.size() == 1 ? all[0] : json{{"all", all}};
  }
  json negation() {
    if (accept_keyword("NOT")) {
      Depth guard(*this);
      return {{"not", negation()}};
    }
    if (accept_symbol("(")) {
      json inner = predicate();
      expect_symbol(")");
      return inner;
    }
    return comparison();
  }

  json comparison() {
    if (is_literal_start()) {  // literal OP column
      const json value = literal();
      const char* op = comparison_op(peek().text);
      if (peek().kind != Token::Kind::Symbol || op == nullptr) refuse_here("a comparison such as = or <");
      take();
      return {{"field", column().path}, {mirrored(op), value}};
    }
    const std::string field = column().path;
    if (accept_keyword("IS")) {
      const bool negated = accept_keyword("NOT");
      expect_keyword("NULL");
      return {{"field", field}, {"exists", negated}};
    }
    const bool negated = accept_keyword("NOT");
    if (negated && !peek().is("IN")) refuse_here("IN after NOT");
    if (accept_keyword("IN")) {
      expect_symbol("(");
      if (peek().is("SELECT")) unsupported(peek(), "a subquery");
      json values = json::array({literal()});
      while (accept_symbol(",")) values.push_back(literal());
      expect_symbol(")");
      json in = {{"field", field}, {"in", values}};
      return negated ? json{{"not", in}} : in;
    }
    const char* op = peek().kind == Token::Kind::Symbol ? comparison_op(peek().text) : nullptr;
    if (op == nullptr) refuse_here("a comparison (=, <>, <, <=, >, >=, IN, IS NULL)");
    take();
    if (!is_literal_start() && !peek().is("NULL")) {
      if (peek().kind == Token::Kind::Word || peek().kind == Token::Kind::QuotedName) {
        unsupported(peek(), "comparing two columns");
      }
      refuse_here("a literal (a number, a 'string', TRUE or FALSE)");
    }
    return {{"field", field}, {op, literal()}};
  }

  bool is_literal_start() const {
    const Token& t = peek();
    return t.kind == Token::Kind::String || t.kind == Token::Kind::Number || t.is("TRUE") || t.is("FALSE") ||
           (t.is_symbol("-") && peek(1).kind == Token::Kind::Number);
  }

  json literal() {
    const Token& t = peek();
    if (t.is("NULL")) throw SqlError(t.at, "NULL is never equal to anything: use IS NULL or IS NOT NULL");
    if (t.kind == Token::Kind::String) return take().text;
    if (t.is("TRUE") || t.is("FALSE")) return upper(take().text) == "TRUE";
    const bool negative = accept_symbol("-");
    if (peek().kind != Token::Kind::Number) refuse_here("a literal (a number, a 'string', TRUE or FALSE)");
    const Token& number = take();
    const std::string text = (negative ? "-" : "") + number.text;
    if (text.find_first_of(".eE") == std::string::npos) {
      std::int64_t integer = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), integer);
      if (error == std::errc() && end == text.data() + text.size()) return integer;
    }
    double real = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), real);
    if (error != std::errc() || end != text.data() + text.size()) {
      throw SqlError(number.at, "the number " + text + " is out of range");
    }
    return real;
  }

  // Counts nesting (parentheses, NOT) while a predicate is being read.
  struct Depth {
    explicit Depth(Compiler& c) : compiler(c) {
      if (++compiler.depth_ > kMaxDepth) throw SqlError(compiler.peek().at, "the predicate is nested too deeply");
    }
    ~Depth() { --compiler.depth_; }
    Depth(const Depth&) = delete;
    Depth& operator=(const Depth&) = delete;
    Compiler& compiler;
  };
  // Each level can become two of the JSON filter (an `any` holding an
  // `all`), whose own limit is 64.
  static constexpr int kMaxDepth = 30;

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

json compile_view(std::string_view statement) { return Compiler(statement).run(); }

}  // namespace kappa::processor::sql
