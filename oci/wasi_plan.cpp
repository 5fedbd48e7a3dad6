// config.json -> WasiPlan: entry resolution, argv/env, mounts, rlimits and annotations.
#include "oci/wasi_plan.h"

#include <cmath>
#include <limits>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "oci/mount_options.h"

namespace ws::oci {
namespace {

constexpr absl::string_view kNotRegular = "not a regular file";

absl::Status invalid(absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("config.json: ", field, ": ", what));
}

std::string hex_bytes(absl::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes.substr(0, 4)) {
    absl::StrAppend(&out, out.empty() ? "" : " ", absl::Hex(c, absl::kZeroPad2));
  }
  return out.empty() ? "an empty file" : absl::StrCat("magic bytes ", out);
}

bool has_dotdot(absl::string_view path) {
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    if (part == "..") return true;
  }
  return false;
}

// "64M", "1G", "65536" (1024-based suffixes K, M, G, optionally followed by "i" and/or "B").
std::optional<uint64_t> parse_size(absl::string_view text) {
  std::string t = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(text));
  uint64_t scale = 1;
  if (absl::EndsWith(t, "B")) t.pop_back();
  if (absl::EndsWith(t, "I")) t.pop_back();
  if (!t.empty()) {
    switch (t.back()) {
      case 'K':
        scale = uint64_t{1} << 10;
        break;
      case 'M':
        scale = uint64_t{1} << 20;
        break;
      case 'G':
        scale = uint64_t{1} << 30;
        break;
      default:
        scale = 0;
        break;
    }
    if (scale != 0)
      t.pop_back();
    else
      scale = 1;
  }
  uint64_t n = 0;
  if (t.empty() || !absl::SimpleAtoi(t, &n) || n == 0) return std::nullopt;
  if (n > std::numeric_limits<uint64_t>::max() / scale) return std::nullopt;
  return n * scale;
}

// "127.0.0.1:8080", "[::1]:8080", "0.0.0.0:80": a numeric address and a port 1..65535.
std::optional<ListenAddress> parse_listen(absl::string_view text) {
  size_t colon = text.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) return std::nullopt;
  absl::string_view host = text.substr(0, colon);
  uint32_t port = 0;
  if (!absl::SimpleAtoi(text.substr(colon + 1), &port) || port == 0 || port > 65535) {
    return std::nullopt;
  }
  if (absl::StartsWith(host, "[") && absl::EndsWith(host, "]")) {
    host = host.substr(1, host.size() - 2);
    if (host.find(':') == absl::string_view::npos) return std::nullopt;
  } else if (host.find(':') != absl::string_view::npos) {
    return std::nullopt;  // IPv6 needs brackets
  }
  if (host.empty() ||
      host.find_first_not_of("0123456789abcdefABCDEF.:") != absl::string_view::npos) {
    return std::nullopt;
  }
  return ListenAddress{std::string(host), static_cast<uint16_t>(port)};
}

// `pass_over` (when given) is set for an error a PATH search goes past, as execvp does: not a
// regular file, or no permission to look at it.
absl::StatusOr<std::string> probe_candidate(const std::string& entry_path, const std::string& path,
                                            const ProbeFn& probe, bool* pass_over = nullptr) {
  absl::StatusOr<std::string> head = probe(path);
  if (!head.ok()) {
    if (head.status().code() == absl::StatusCode::kNotFound) return head.status();
    if (pass_over != nullptr) {
      *pass_over = head.status().code() == absl::StatusCode::kFailedPrecondition ||
                   head.status().code() == absl::StatusCode::kPermissionDenied;
    }
    absl::string_view why = head.status().code() == absl::StatusCode::kFailedPrecondition
                                ? kNotRegular
                                : head.status().message();
    return invalid("process.args[0]", absl::StrCat(entry_path, ": ", path, ": ", why));
  }
  switch (classify_module(*head)) {
    case ModuleKind::kCoreModule:
      return path;
    case ModuleKind::kComponent:
      return invalid("process.args[0]",
                     absl::StrCat(entry_path, ": ", path,
                                  ": a WebAssembly component, not a core module: not supported"));
    case ModuleKind::kWasmText:
      return invalid("process.args[0]",
                     absl::StrCat(entry_path, ": ", path,
                                  ": WebAssembly text format is not supported; compile it with "
                                  "wat2wasm"));
    case ModuleKind::kOther:
      break;
  }
  // Linux programs (a pod's sidecars, say) are refused, not run natively.
  absl::string_view kind;
  if (absl::StartsWith(*head, "\177ELF")) kind = ": a Linux ELF executable";
  if (absl::StartsWith(*head, "#!")) kind = ": a script";
  return invalid(
      "process.args[0]",
      absl::StrCat(entry_path, ": ", path, ": not a WebAssembly module (", hex_bytes(*head), kind,
                   ") and this runtime only runs Wasm, not Linux programs"));
}

}  // namespace

absl::StatusOr<Entrypoint> parse_entrypoint(absl::string_view arg0) {
  Entrypoint e;
  size_t hash = arg0.rfind('#');
  e.path = std::string(arg0.substr(0, hash));
  if (hash != absl::string_view::npos) {
    e.function = std::string(arg0.substr(hash + 1));
    if (e.function.empty()) {
      return invalid("process.args[0]", absl::StrCat(arg0, ": no function name after '#'"));
    }
  }
  if (e.path.empty()) return invalid("process.args[0]", "empty: no module to run");
  return e;
}

ModuleKind classify_module(absl::string_view head) {
  if (head.size() >= 8 && head.substr(0, 4) == absl::string_view("\0asm", 4)) {
    if (head.substr(4, 4) == absl::string_view("\x01\0\0\0", 4)) return ModuleKind::kCoreModule;
    if (head[6] == '\x01' && head[7] == '\0') return ModuleKind::kComponent;  // layer 1
    return ModuleKind::kOther;
  }
  absl::string_view t = head;
  while (!t.empty() && absl::ascii_isspace(static_cast<unsigned char>(t.front()))) {
    t.remove_prefix(1);
  }
  if (absl::StartsWith(t, "(mod") || absl::StartsWith(t, ";;")) return ModuleKind::kWasmText;
  return ModuleKind::kOther;
}

std::string clean_path(absl::string_view path) {
  std::vector<absl::string_view> parts;
  for (absl::string_view part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    if (part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  return absl::StrCat("/", absl::StrJoin(parts, "/"));
}

std::vector<std::string> entry_candidates(const std::string& entry_path, const Process& process) {
  std::string cwd = clean_path(process.cwd.empty() ? "/" : process.cwd);
  auto from_cwd = [&](absl::string_view p) {
    return absl::StartsWith(p, "/") ? clean_path(p) : clean_path(absl::StrCat(cwd, "/", p));
  };
  if (entry_path.find('/') != std::string::npos) return {from_cwd(entry_path)};
  std::vector<std::string> out;
  for (const std::string& kv : process.env) {
    if (!absl::StartsWith(kv, "PATH=")) continue;
    for (absl::string_view dir : absl::StrSplit(kv.substr(5), ':', absl::SkipEmpty())) {
      std::string c = from_cwd(absl::StrCat(dir, "/", entry_path));
      if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
    }
    break;  // the first PATH is the one a libc would use
  }
  std::string here = from_cwd(entry_path);
  if (std::find(out.begin(), out.end(), here) == out.end()) out.push_back(here);
  return out;
}

absl::StatusOr<std::string> resolve_entry(const std::string& entry_path, const Process& process,
                                          const ProbeFn& probe) {
  std::vector<std::string> candidates = entry_candidates(entry_path, process);
  // As execvp does, a PATH entry that is not a regular file or may not be looked at (EACCES) is
  // passed over; its error is reported only when nothing else is found.
  absl::Status first_error;
  for (const std::string& c : candidates) {
    bool pass_over = false;
    absl::StatusOr<std::string> found = probe_candidate(entry_path, c, probe, &pass_over);
    if (found.ok()) return found;
    if (found.status().code() == absl::StatusCode::kNotFound) continue;
    if (!pass_over) return found.status();
    if (first_error.ok()) first_error = found.status();
  }
  if (!first_error.ok()) return first_error;
  return invalid("process.args[0]",
                 absl::StrCat(entry_path, ": not found in the rootfs (looked for ",
                              absl::StrJoin(candidates, ", "), ")"));
}

bool skipped_mount_type(absl::string_view type) {
  static const std::set<std::string, std::less<>> kSkipped = {
      "proc",       "sysfs",   "devpts",  "mqueue",      "cgroup",   "cgroup2",
      "securityfs", "debugfs", "tracefs", "binfmt_misc", "configfs", "fusectl"};
  return kSkipped.count(type) != 0;
}

absl::StatusOr<std::vector<PlannedMount>> plan_mounts(const std::vector<Mount>& mounts) {
  // Types whose options runc passes to the kernel as they are.
  static const std::set<std::string, std::less<>> kKnownTypes = {
      "tmpfs", "overlay", "ramfs", "devtmpfs", "none", "bind", "rbind"};
  std::vector<PlannedMount> out;
  for (size_t i = 0; i < mounts.size(); ++i) {
    const Mount& m = mounts[i];
    std::string at = absl::StrCat("mounts[", i, "]");
    if (m.destination.empty() || m.destination[0] != '/') {
      return invalid(absl::StrCat(at, ".destination"),
                     absl::StrCat("\"", m.destination, "\" is not an absolute path"));
    }
    if (has_dotdot(m.destination)) {
      return invalid(absl::StrCat(at, ".destination"),
                     absl::StrCat(m.destination, ": '..' is not allowed in a mount destination"));
    }
    if (skipped_mount_type(m.type)) continue;
    MountArgs args = parse_mount_options(m.type, m.options);
    PlannedMount p;
    p.index = i;
    p.destination = clean_path(m.destination);
    p.mount = m;
    p.read_only = args.read_only();
    if (args.bind()) {
      p.kind = PlannedMount::Kind::kBind;
      if (m.source.empty()) return invalid(absl::StrCat(at, ".source"), "a bind mount needs one");
    } else if (m.type == "tmpfs") {
      p.kind = PlannedMount::Kind::kTmpfs;
    } else if (m.type.empty()) {
      return invalid(absl::StrCat(at, ".type"),
                     absl::StrCat("no type and no bind option for ", m.destination));
    } else if (!kKnownTypes.count(m.type) && !args.data.empty()) {
      return invalid(absl::StrCat(at, ".type"),
                     absl::StrCat("unknown mount type \"", m.type, "\" with data \"", args.data,
                                  "\" for ", m.destination));
    }
    out.push_back(std::move(p));
  }
  return out;
}

absl::StatusOr<EngineOptions> plan_annotations(const std::map<std::string, std::string>& ann) {
  auto get = [&](absl::string_view key) -> const std::string* {
    auto it = ann.find(std::string(key));
    return it == ann.end() ? nullptr : &it->second;
  };
  auto field = [](absl::string_view key) { return absl::StrCat("annotations.\"", key, "\""); };
  if (const std::string* h = get(kHandlerAnnotation); h && *h != "wasm") {
    return invalid(field(kHandlerAnnotation),
                   absl::StrCat("handler \"", *h, "\" is not handled here (only \"wasm\")"));
  }
  if (const std::string* v = get(kVariantAnnotation); v && *v != "compat" && *v != "compat-smart") {
    return invalid(field(kVariantAnnotation),
                   absl::StrCat("unknown variant \"", *v, "\" (compat or compat-smart)"));
  }
  EngineOptions out;
  if (const std::string* m = get(kMaxMemoryAnnotation)) {
    out.max_memory_bytes = parse_size(*m);
    if (!out.max_memory_bytes || *out.max_memory_bytes < 65536) {
      return invalid(
          field(kMaxMemoryAnnotation),
          absl::StrCat("\"", *m, "\" is not a size of at least 64K (65536, 64K, 16M, 2G)"));
    }
  }
  if (const std::string* h = get(kMemoryHeadroomAnnotation)) {
    out.memory_headroom_bytes = parse_size(*h);
    if (!out.memory_headroom_bytes) {
      return invalid(field(kMemoryHeadroomAnnotation),
                     absl::StrCat("\"", *h, "\" is not a size (0, 64K, 48M, 1G)"));
    }
  }
  if (const std::string* t = get(kTimeoutAnnotation)) {
    double seconds = 0;
    if (!absl::SimpleAtod(*t, &seconds) || !std::isfinite(seconds) || seconds <= 0 ||
        seconds > 1e9) {
      return invalid(field(kTimeoutAnnotation),
                     absl::StrCat("\"", *t, "\" is not a positive number of seconds"));
    }
    out.timeout_seconds = seconds;
  }
  if (const std::string* l = get(kListenAnnotation)) {
    for (absl::string_view one : absl::StrSplit(*l, ',')) {
      std::optional<ListenAddress> a = parse_listen(absl::StripAsciiWhitespace(one));
      if (!a) {
        return invalid(
            field(kListenAnnotation),
            absl::StrCat("\"", one, "\" is not ADDRESS:PORT (127.0.0.1:8080, [::1]:80)"));
      }
      out.listen.push_back(*a);
    }
  }
  return out;
}

absl::StatusOr<WasiPlan> plan_wasi(const Spec& spec, const Process& process, bool exec,
                                   const ProbeFn& probe) {
  WasiPlan plan;
  absl::StatusOr<EngineOptions> engine = plan_annotations(spec.annotations);
  if (!engine.ok()) return engine.status();
  plan.engine = *engine;
  if (process.args.empty()) return invalid("process.args", "empty: no module to run");
  if (process.cwd.empty() || process.cwd[0] != '/') {
    return invalid("process.cwd", absl::StrCat("\"", process.cwd, "\" is not an absolute path"));
  }
  for (size_t i = 0; i < process.env.size(); ++i) {
    if (process.env[i].find('=') == std::string::npos) {
      return invalid(absl::StrCat("process.env[", i, "]"),
                     absl::StrCat("\"", process.env[i], "\" is not KEY=VALUE"));
    }
  }
  for (const Rlimit& l : process.rlimits) {
    if (l.type != "RLIMIT_NOFILE") continue;
    plan.max_fds =
        static_cast<uint32_t>(std::min<uint64_t>(l.soft, std::numeric_limits<uint32_t>::max()));
    if (plan.max_fds < 3) {
      return invalid("process.rlimits", "RLIMIT_NOFILE below 3 leaves no room for stdio");
    }
  }
  if (!exec) {
    absl::StatusOr<std::vector<PlannedMount>> mounts = plan_mounts(spec.mounts);
    if (!mounts.ok()) return mounts.status();
    plan.mounts = std::move(*mounts);
  }
  absl::StatusOr<Entrypoint> entry = parse_entrypoint(process.args[0]);
  if (!entry.ok()) return entry.status();
  plan.function = entry->function;
  plan.cwd = process.cwd;
  plan.argv = process.args;
  plan.env = process.env;
  plan.root_readonly = spec.root.readonly;
  absl::StatusOr<std::string> module = resolve_entry(entry->path, process, probe);
  if (!module.ok()) return module.status();
  plan.module_path = *module;
  return plan;
}

}  // namespace ws::oci
