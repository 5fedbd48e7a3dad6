// wasmrun's option parser: argv -> RunOptions, with no side effects.
#include "tools/wasmrun/options.h"

#include <cmath>
#include <cstdlib>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace ws::tools {
namespace {

absl::Status usage_error(absl::string_view option, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(option, ": ", problem));
}

absl::StatusOr<double> parse_seconds(absl::string_view text) {
  absl::string_view digits = text;
  absl::ConsumeSuffix(&digits, "s");
  double value = 0;
  if (digits.empty() || !absl::SimpleAtod(digits, &value) || !std::isfinite(value) || value <= 0) {
    return usage_error("--timeout",
                       absl::StrCat("expected a positive number of seconds, got \"", text, "\""));
  }
  return value;
}

// Options that take a value; the value is the next argument or follows '='.
enum class ValueOption {
  kDir,
  kEnv,
  kTcpListen,
  kInvoke,
  kMaxMemory,
  kTimeout,
  kOptLevel,
  kTier,
  kCacheDir,
  kCacheMax
};

std::optional<ValueOption> value_option(absl::string_view name) {
  if (name == "--dir") return ValueOption::kDir;
  if (name == "--env") return ValueOption::kEnv;
  if (name == "--tcplisten") return ValueOption::kTcpListen;
  if (name == "--invoke") return ValueOption::kInvoke;
  if (name == "--max-memory") return ValueOption::kMaxMemory;
  if (name == "--timeout") return ValueOption::kTimeout;
  if (name == "--opt-level") return ValueOption::kOptLevel;
  if (name == "--tier") return ValueOption::kTier;
  if (name == "--cache-dir") return ValueOption::kCacheDir;
  if (name == "--cache-max") return ValueOption::kCacheMax;
  return std::nullopt;
}

absl::Status apply_value(RunOptions& out, ValueOption option, absl::string_view value) {
  switch (option) {
    case ValueOption::kDir: {
      absl::StatusOr<DirGrant> dir = parse_dir(value);
      if (!dir.ok()) return dir.status();
      out.dirs.push_back(std::move(*dir));
      return absl::OkStatus();
    }
    case ValueOption::kEnv: {
      size_t eq = value.find('=');
      if (eq == absl::string_view::npos || eq == 0) {
        return usage_error("--env", absl::StrCat("expected KEY=VALUE, got \"", value, "\""));
      }
      out.env.emplace_back(value);
      return absl::OkStatus();
    }
    case ValueOption::kTcpListen: {
      absl::StatusOr<ListenAddress> addr = parse_listen(value);
      if (!addr.ok()) return addr.status();
      out.listen.push_back(std::move(*addr));
      return absl::OkStatus();
    }
    case ValueOption::kInvoke:
      if (value.empty()) return usage_error("--invoke", "expected a function name");
      out.invoke = std::string(value);
      return absl::OkStatus();
    case ValueOption::kMaxMemory: {
      absl::StatusOr<uint64_t> bytes = parse_byte_size(value);
      if (!bytes.ok()) return bytes.status();
      out.max_memory_bytes = *bytes;
      return absl::OkStatus();
    }
    case ValueOption::kTimeout: {
      absl::StatusOr<double> seconds = parse_seconds(value);
      if (!seconds.ok()) return seconds.status();
      out.timeout_seconds = *seconds;
      return absl::OkStatus();
    }
    case ValueOption::kOptLevel:
      if (value.size() != 1 || value[0] < '0' || value[0] > '3') {
        return usage_error("--opt-level",
                           absl::StrCat("expected 0, 1, 2 or 3, got \"", value, "\""));
      }
      out.opt_level = value[0] - '0';
      return absl::OkStatus();
    case ValueOption::kTier:
      if (value != "eager" && value != "lazy") {
        return usage_error("--tier", absl::StrCat("expected eager or lazy, got \"", value, "\""));
      }
      out.tier = std::string(value);
      return absl::OkStatus();
    case ValueOption::kCacheDir:
      if (value.empty()) return usage_error("--cache-dir", "expected a directory");
      out.cache_dir = std::string(value);
      return absl::OkStatus();
    case ValueOption::kCacheMax: {
      absl::StatusOr<uint64_t> bytes = parse_byte_size(value);
      if (!bytes.ok() || *bytes == 0) {
        return usage_error("--cache-max",
                           absl::StrCat("expected a positive size with an optional K, M or G "
                                        "suffix, got \"",
                                        value, "\""));
      }
      out.cache_max_bytes = *bytes;
      return absl::OkStatus();
    }
  }
  return absl::InternalError("unhandled option");
}

// Handles a flag without a value; false when `arg` is not one.
bool apply_flag(RunOptions& out, absl::string_view arg) {
  if (arg == "-h" || arg == "--help") {
    out.help = true;
  } else if (arg == "-V" || arg == "--version") {
    out.version = true;
  } else if (arg == "--trap-unknown-imports") {
    out.trap_unknown_imports = true;
  } else if (arg == "--no-cache") {
    out.no_cache = true;
  } else if (arg == "--no-tier-up") {
    out.no_tier_up = true;
  } else if (arg.size() == 3 && arg.substr(0, 2) == "-O" && arg[2] >= '0' && arg[2] <= '3') {
    out.opt_level = arg[2] - '0';
  } else {
    return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<uint64_t> parse_byte_size(absl::string_view text) {
  absl::string_view digits = text;
  uint64_t scale = 1;
  if (!digits.empty()) {
    switch (absl::ascii_tolower(static_cast<unsigned char>(digits.back()))) {
      case 'k':
        scale = uint64_t{1} << 10;
        break;
      case 'm':
        scale = uint64_t{1} << 20;
        break;
      case 'g':
        scale = uint64_t{1} << 30;
        break;
      default:
        break;
    }
    if (scale != 1) digits.remove_suffix(1);
  }
  uint64_t value = 0;
  bool all_digits = !digits.empty() && digits.find_first_not_of("0123456789") == digits.npos;
  if (!all_digits || !absl::SimpleAtoi(digits, &value)) {
    return usage_error(
        "--max-memory",
        absl::StrCat("expected bytes with an optional K, M or G suffix, got \"", text, "\""));
  }
  if (value > std::numeric_limits<uint64_t>::max() / scale) {
    return usage_error("--max-memory", absl::StrCat("\"", text, "\" is too large"));
  }
  return value * scale;
}

absl::StatusOr<DirGrant> parse_dir(absl::string_view text) {
  DirGrant dir;
  absl::string_view rest = text;
  if (absl::ConsumeSuffix(&rest, ":ro")) {
    dir.read_only = true;
  } else {
    absl::ConsumeSuffix(&rest, ":rw");
  }
  size_t colon = rest.find(':');
  if (colon == absl::string_view::npos) {
    dir.guest_path = dir.host_path = std::string(rest);
  } else {
    dir.guest_path = std::string(rest.substr(0, colon));
    dir.host_path = std::string(rest.substr(colon + 1));
  }
  if (dir.guest_path.empty() || dir.host_path.empty()) {
    return usage_error("--dir",
                       absl::StrCat("expected GUEST:HOST[:ro] or HOST, got \"", text, "\""));
  }
  if (dir.host_path.find(':') != std::string::npos) {
    return usage_error("--dir", absl::StrCat("too many ':' in \"", text,
                                             "\" (only GUEST:HOST and an optional :ro)"));
  }
  return dir;
}

absl::StatusOr<ListenAddress> parse_listen(absl::string_view text) {
  absl::string_view host;
  absl::string_view port;
  if (absl::StartsWith(text, "[")) {
    size_t close = text.find(']');
    if (close != absl::string_view::npos && text.substr(close + 1, 1) == ":") {
      host = text.substr(1, close - 1);
      port = text.substr(close + 2);
    }
  } else if (size_t colon = text.rfind(':'); colon != absl::string_view::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != absl::string_view::npos) host = "";  // IPv6 needs brackets
  }
  uint32_t number = 0;
  bool port_ok = !port.empty() && port.find_first_not_of("0123456789") == port.npos &&
                 absl::SimpleAtoi(port, &number) && number <= 65535;
  if (host.empty() || !port_ok) {
    return usage_error("--tcplisten",
                       absl::StrCat("expected ADDR:PORT or [IPV6]:PORT, got \"", text, "\""));
  }
  return ListenAddress{std::string(host), static_cast<uint16_t>(number)};
}

absl::StatusOr<RunOptions> parse_options(std::span<const std::string> args) {
  RunOptions out;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    absl::string_view arg = args[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg.empty() || arg[0] != '-' || arg == "-") break;
    if (apply_flag(out, arg)) continue;
    size_t eq = arg.find('=');
    absl::string_view name = arg.substr(0, eq);
    std::optional<ValueOption> option = value_option(name);
    if (!option) return usage_error(name, "unknown option (see --help)");
    absl::string_view value;
    if (eq != absl::string_view::npos) {
      value = arg.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return usage_error(name, "missing value");
    }
    absl::Status s = apply_value(out, *option, value);
    if (!s.ok()) return s;
  }
  if (out.help || out.version) return out;
  if (out.no_cache && out.cache_dir) {
    return usage_error("--no-cache", "cannot be combined with --cache-dir");
  }
  if (i >= args.size()) return absl::InvalidArgumentError("no module given (see --help)");
  out.module_path = args[i];
  out.guest_args.assign(args.begin() + static_cast<ptrdiff_t>(i) + 1, args.end());
  return out;
}

}  // namespace ws::tools
