// wasmc's option parser: argv -> Options, with no side effects.
#include "tools/wasmc/options.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace ws::tools::wasmc {
namespace {

absl::Status usage_error(absl::string_view option, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(option, ": ", problem));
}

absl::Status set_opt_level(absl::string_view option, absl::string_view v, Options& out) {
  if (v.size() != 1 || v[0] < '0' || v[0] > '3') {
    return usage_error(option, absl::StrCat("expected 0, 1, 2 or 3, got \"", v, "\""));
  }
  out.opt_level = v[0] - '0';
  return absl::OkStatus();
}

absl::Status set_threads(absl::string_view v, Options& out) {
  int n = 0;
  if (!absl::SimpleAtoi(v, &n) || n < 0 || n > 1024) {
    return usage_error("--threads",
                       absl::StrCat("expected 0 (every core) to 1024, got \"", v, "\""));
  }
  out.threads = n;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Options> parse_options(std::span<const std::string> args) {
  Options out;
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    absl::string_view arg = args[i];
    if (arg == "-h" || arg == "--help") {
      out.help = true;
      continue;
    }
    if (arg == "-V" || arg == "--version") {
      out.version = true;
      continue;
    }
    if (arg.size() == 3 && arg.substr(0, 2) == "-O") {
      if (absl::Status s = set_opt_level(arg, arg.substr(2), out); !s.ok()) return s;
      continue;
    }
    if (arg.empty() || arg[0] != '-' || arg == "-") {
      positional.emplace_back(arg);
      continue;
    }
    size_t eq = arg.find('=');
    absl::string_view name = arg.substr(0, eq);
    if (name != "-o" && name != "--output" && name != "--opt-level" && name != "--threads" &&
        name != "--check") {
      return usage_error(name, "unknown option (see --help)");
    }
    absl::string_view value;
    if (eq != absl::string_view::npos) {
      value = arg.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return usage_error(name, "missing value");
    }
    if (value.empty()) return usage_error(name, "empty value");
    if (name == "-o" || name == "--output") {
      out.output = std::string(value);
    } else if (name == "--opt-level") {
      if (absl::Status s = set_opt_level(name, value, out); !s.ok()) return s;
    } else if (name == "--threads") {
      if (absl::Status s = set_threads(value, out); !s.ok()) return s;
    } else {
      out.check = std::string(value);
    }
  }
  if (out.help || out.version) return out;
  if (positional.size() > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("one module expected, got ", positional.size(), " (see --help)"));
  }
  if (!positional.empty()) out.input = positional[0];
  if (out.check) {
    if (!out.output.empty()) return usage_error("-o", "not used with --check");
    return out;
  }
  if (out.input.empty()) return absl::InvalidArgumentError("no module given (see --help)");
  if (out.output.empty()) return usage_error("-o", "no output file given");
  return out;
}

std::string usage_text() {
  return R"(usage: wasmc [-O0|-O1|-O2|-O3] [--threads N] MODULE.wasm -o ARTIFACT
       wasmc --check ARTIFACT [MODULE.wasm]

Compiles a WebAssembly module ahead of time into an artifact the engine maps without compiling
(the format of the code cache), or checks one.

options:
  -O0 .. -O3, --opt-level N  LLVM optimisation level (default 2)
  --threads N                compile on N threads (default 0: every core)
  -o, --output FILE          where the artifact goes (written to a temporary file, then renamed)
  --check ARTIFACT           verify ARTIFACT (header, sizes, checksum) and that it was made for
                             this engine build and this CPU; with MODULE.wasm also that it was
                             compiled from exactly that module
  -h, --help                 print this help
  -V, --version              print the version

exit status: 0 written / intact and matching; 1 otherwise, with a one-line reason on stderr
(--check prints its verdict on stdout)
)";
}

std::string version_text() { return "wasmc (wasmshim) 0.1.0\n"; }

}  // namespace ws::tools::wasmc
