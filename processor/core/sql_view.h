#pragma once
// A SQL view definition compiled into the JSON view definition
// (core/view_definition.h), which is then parsed and run as any other: one
// execution path for both forms. The subset:
//
//   [CREATE MATERIALIZED VIEW name AS]
//   SELECT [key [AS name],] aggregate AS name [FILTER (WHERE predicate)], ...
//   FROM any_name
//   [WHERE predicate]
//   GROUP BY key [, TUMBLE(ts, INTERVAL 'n' SECOND|MINUTE|HOUR|DAY)] [;]
//
//   aggregates  COUNT(*), COUNT(col), COUNT(DISTINCT col), SUM(col),
//               MIN(col), MAX(col), LAST_VALUE(col)
//   predicates  col = <> != < <= > >= literal, col [NOT] IN (literal, ...),
//               col IS [NOT] NULL, AND, OR, NOT, parentheses
//   literals    numbers, 'strings', TRUE, FALSE
//   columns     name or "quoted name", nested fields as a.b
//
// Keywords are case-insensitive. Names are not folded to lower case (they
// name JSON fields, which are case-sensitive); quote one that is a keyword.
// As in SQL, the aggregates other than COUNT(*) skip events whose column is
// absent or null.
#include <nlohmann/json.hpp>

#include <string_view>

#include "core/sql_lexer.h"

namespace kappa::processor::sql {

// What the subset is, for messages that refuse something outside it.
extern const char* const kSupported;

// The JSON view definition of `statement`. Throws SqlError (with the line
// and column) for anything outside the subset; never crashes on any input.
nlohmann::json compile_view(std::string_view statement);

}  // namespace kappa::processor::sql
