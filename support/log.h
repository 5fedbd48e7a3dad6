// Process-wide logging in logrus' text format (what containerd copies from a shim's log FIFO):
// time="2026-11-24T09:00:00.000000000Z" level=info msg="..." key=value
#pragma once

#include <string>
#include <string_view>

namespace ws::support {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// Where log lines go: a descriptor (default 2) and the lowest level written. `fd` stays owned by
// the caller. Lines are written with one write(2) each, so concurrent lines do not interleave.
void set_log_sink(int fd, LogLevel min_level);
// Adds ` key=value` pairs to every line (e.g. namespace and id).
void set_log_fields(std::string fields);

void log(LogLevel level, std::string_view message);
inline void log_debug(std::string_view m) { log(LogLevel::kDebug, m); }
inline void log_info(std::string_view m) { log(LogLevel::kInfo, m); }
inline void log_warning(std::string_view m) { log(LogLevel::kWarning, m); }
inline void log_error(std::string_view m) { log(LogLevel::kError, m); }

// One log line without the trailing newline (exposed for tests).
std::string format_log_line(LogLevel level, std::string_view message, std::string_view fields);

}  // namespace ws::support
