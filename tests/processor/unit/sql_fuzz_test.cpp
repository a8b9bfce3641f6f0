// The SQL compiler on tens of thousands of generated statements: seeds
// mutated byte by byte, and token soups drawn from the subset's own
// vocabulary (which reach far deeper than random bytes). Every one must be
// accepted or refused cleanly: a SqlError (or, for an accepted statement, a
// ConfigError from the view definition), nothing else, and no sanitizer
// report (the suite also runs under ASan + UBSan in `make test`). An
// accepted view then folds a few events, so its filters run too.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/aggregator.h"
#include "core/errors.h"
#include "core/sql_view.h"

namespace kappa::processor {
namespace {

using nlohmann::json;

const std::vector<std::string> kSeeds = {
    "CREATE MATERIALIZED VIEW user_stats AS\nSELECT\nuser_id,\nCOUNT(*) as total_events,\nSUM(revenue) as "
    "total_revenue,\nCOUNT(DISTINCT session_id) as total_sessions\nFROM events\nGROUP BY user_id;",
    "SELECT k, COUNT(*) FILTER (WHERE t = 'p') AS n, LAST_VALUE(a.b) AS l FROM e WHERE (x > 1 OR y IN (1, 'a')) "
    "AND z IS NOT NULL GROUP BY k, TUMBLE(ts, INTERVAL '60' SECOND)",
    "select \"we\"\"ird\", min(p) as lo, max(p) as hi from e where not (p <= -2.5e3) and q <> 'it''s' group by "
    "\"we\"\"ird\" -- done",
};

const std::vector<std::string> kVocabulary = {
    "SELECT", "FROM", "WHERE", "GROUP", "BY", "AS", "AND", "OR", "NOT", "IN", "IS", "NULL", "TRUE", "FALSE",
    "COUNT", "SUM", "MIN", "MAX", "LAST_VALUE", "DISTINCT", "FILTER", "TUMBLE", "INTERVAL", "SECOND", "CREATE",
    "MATERIALIZED", "VIEW", "JOIN", "HAVING", "OVER", "k", "x", "a.b", "\"q\"", "'s'", "'60'", "1", "-2", "3.5e2",
    "(", ")", ",", ".", ";", "*", "=", "<>", "<", "<=", ">", ">=", "-", "/*", "*/", "--", "\n", "'", "\""};

// Compiles `statement`; true when accepted. Fails the test on anything but a
// clean refusal.
bool compile_cleanly(const std::string& statement) {
  json view;
  try {
    view = sql::compile_view(statement);
  } catch (const sql::SqlError& e) {
    EXPECT_GT(e.at().line, 0);
    EXPECT_GT(e.at().column, 0);
    return false;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a SqlError: " << e.what() << " for: " << statement;
    return false;
  }
  try {
    const auto definition = ViewDefinition::parse(json{{"sql", statement}}.dump());
    const Aggregator aggregator(definition);
    KeyState state = initial_key_state(definition);
    for (const char* event : {R"({"k": "a", "x": 2, "y": "a", "p": 1.5, "a": {"b": 1}})", R"({"k": 1, "x": null})"}) {
      aggregator.process(event, [&](const HashedText&) -> KeyState& { return state; });
    }
  } catch (const ConfigError&) {
    // e.g. a window the view definition does not take: refused cleanly
  } catch (const std::exception& e) {
    ADD_FAILURE() << "compiled, then: " << e.what() << " for: " << statement;
  }
  return true;
}

TEST(SqlFuzz, MutatedStatementsAreAcceptedOrRefusedCleanly) {
  std::mt19937 random(20261207);
  const std::string alphabet = "(),.;*=<>!-+'\"_ \n\taZ09eE";
  int accepted = 0, refused = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string statement = kSeeds[random() % kSeeds.size()];
    for (int edits = 1 + static_cast<int>(random() % 4); edits > 0 && !statement.empty(); --edits) {
      const auto at = random() % statement.size();
      switch (random() % 4) {
        case 0: statement.erase(at, 1 + random() % 8); break;
        case 1: statement.insert(at, statement.substr(random() % statement.size(), 1 + random() % 12)); break;
        case 2: statement[at] = alphabet[random() % alphabet.size()]; break;
        default: statement[at] = static_cast<char>(random() % 256); break;
      }
    }
    (compile_cleanly(statement) ? accepted : refused)++;
  }
  EXPECT_GT(accepted, 200) << "mutations should leave some statements valid";
  EXPECT_GT(refused, 10000);
}

TEST(SqlFuzz, TokenSoupsAreAcceptedOrRefusedCleanly) {
  std::mt19937 random(7);
  int accepted = 0, refused = 0;
  for (int round = 0; round < 20000; ++round) {
    // Half start from the valid prefix, so that the deeper clauses are reached.
    std::string statement = round % 2 ? "SELECT k, COUNT(*) AS n FROM e WHERE " : "";
    for (int n = 1 + static_cast<int>(random() % 30); n > 0; --n) {
      statement += kVocabulary[random() % kVocabulary.size()] + " ";
    }
    if (round % 4 == 1) statement += " GROUP BY k";
    (compile_cleanly(statement) ? accepted : refused)++;
  }
  EXPECT_GT(refused, 15000);
  SUCCEED() << accepted << " token soups were valid statements";
}

}  // namespace
}  // namespace kappa::processor
