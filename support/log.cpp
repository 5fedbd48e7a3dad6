// Logging to a descriptor in logrus' text format.
#include "support/log.h"

#include <unistd.h>

#include <atomic>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace ws::support {
namespace {

std::atomic<int> g_fd{2};
std::atomic<int> g_min{static_cast<int>(LogLevel::kInfo)};
std::mutex g_fields_mu;
std::string g_fields;

const char* level_name(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

// logrus quotes msg with Go's %q: backslash, quote and control characters escaped.
std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static const char kHex[] = "0123456789abcdef";
          out += "\\x";
          out += kHex[(c >> 4) & 0xF];
          out += kHex[c & 0xF];
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

}  // namespace

void set_log_sink(int fd, LogLevel min_level) {
  g_fd = fd;
  g_min = static_cast<int>(min_level);
}

void set_log_fields(std::string fields) {
  std::lock_guard<std::mutex> lock(g_fields_mu);
  g_fields = std::move(fields);
}

std::string format_log_line(LogLevel level, std::string_view message, std::string_view fields) {
  std::string time = absl::FormatTime("%Y-%m-%dT%H:%M:%E9SZ", absl::Now(), absl::UTCTimeZone());
  return absl::StrCat("time=\"", time, "\" level=", level_name(level), " msg=", quote(message),
                      fields.empty() ? "" : " ", std::string(fields));
}

void log(LogLevel level, std::string_view message) {
  if (static_cast<int>(level) < g_min.load()) return;
  std::string fields;
  {
    std::lock_guard<std::mutex> lock(g_fields_mu);
    fields = g_fields;
  }
  std::string line = format_log_line(level, message, fields) + "\n";
  // A full or reader-less pipe must not stall or kill the shim: one attempt, errors ignored.
  ssize_t n = write(g_fd.load(), line.data(), line.size());
  (void)n;
}

}  // namespace ws::support
