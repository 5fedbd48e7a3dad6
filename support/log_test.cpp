// Log line format: what containerd's logrus parser expects.
#include "support/log.h"

#include <unistd.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ws::support {
namespace {

using ::testing::EndsWith;
using ::testing::MatchesRegex;

TEST(Log, LogrusTextFormat) {
  std::string line = format_log_line(LogLevel::kWarning, "say \"hi\"\n\x01", "id=c1");
  EXPECT_THAT(line, MatchesRegex("time=\"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z\" level=warning "
                                 "msg=\"say \\\\\"hi\\\\\"\\\\n\\\\x01\" id=c1"));
}

TEST(Log, WritesToTheSinkAboveTheLevel) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  set_log_sink(p[1], LogLevel::kInfo);
  set_log_fields("ns=default");
  log_debug("hidden");
  log_error("shown");
  set_log_sink(2, LogLevel::kInfo);
  set_log_fields("");
  close(p[1]);
  char buf[512];
  ssize_t n = read(p[0], buf, sizeof buf);
  close(p[0]);
  ASSERT_GT(n, 0);
  std::string got(buf, static_cast<size_t>(n));
  EXPECT_THAT(got, EndsWith("level=error msg=\"shown\" ns=default\n"));
  EXPECT_EQ(got.find("hidden"), std::string::npos);
}

}  // namespace
}  // namespace ws::support
