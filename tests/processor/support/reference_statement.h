#pragma once
// The materialized view of the reference text this project implements,
// character for character as printed there (line breaks, lower-case `as`,
// the trailing semicolon): what the SQL tests must run as is.
namespace kappa::testing::processor {

inline const char* const kReferenceStatement = R"(CREATE MATERIALIZED VIEW user_stats AS
SELECT
user_id,
COUNT(*) as total_events,
SUM(revenue) as total_revenue,
COUNT(DISTINCT session_id) as total_sessions
FROM events
GROUP BY user_id;)";

}  // namespace kappa::testing::processor
