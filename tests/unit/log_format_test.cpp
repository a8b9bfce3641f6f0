// Every line a reconcile logs names the reconcile (controller, object,
// reconcileID), in text and as JSON fields; lines outside one are plain.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/details/log_msg.h>

#include "kappa/common/log_context.h"
#include "kappa/common/logging.h"

namespace {

std::string format_line(const std::string& format, std::string_view message) {
  const auto formatter = kappa::make_log_formatter(format);
  spdlog::details::log_msg msg("kappa", spdlog::level::info, message);
  spdlog::memory_buf_t out;
  formatter->format(msg, out);
  return std::string(out.data(), out.size());
}

TEST(LogFormat, TextLinesInsideAReconcileNameItOutsideTheyDoNot) {
  EXPECT_EQ(format_line("text", "hello").find("reconcileID"), std::string::npos);
  const kappa::LogScope scope({"pipeline", "ns/stats", "abc123"});
  const std::string line = format_line("text", "switched");
  EXPECT_NE(line.find("switched controller=pipeline object=ns/stats reconcileID=abc123"), std::string::npos) << line;
}

TEST(LogFormat, JsonLinesAreOneValidObjectWithTheReconcileAsFields) {
  const kappa::LogScope scope({"reprocessing", "ns/\"odd\"", "f00"});
  const auto line = nlohmann::json::parse(format_line("json", "a \"quoted\"\nmessage"));
  EXPECT_EQ(line["msg"], "a \"quoted\"\nmessage");
  EXPECT_EQ(line["controller"], "reprocessing");
  EXPECT_EQ(line["object"], "ns/\"odd\"");
  EXPECT_EQ(line["reconcileID"], "f00");
}

TEST(LogFormat, AScopeRestoresTheContextItReplaced) {
  {
    const kappa::LogScope outer({"pipeline", "ns/a", "1"});
    { const kappa::LogScope inner({"pipeline", "ns/b", "2"}); }
    EXPECT_EQ(kappa::current_log_context().object, "ns/a");
  }
  EXPECT_TRUE(kappa::current_log_context().reconcile_id.empty());
  EXPECT_NE(kappa::new_reconcile_id(), kappa::new_reconcile_id());
}

}  // namespace
