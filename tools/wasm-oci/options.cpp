// wasm-oci's options: `--opt value` and `--opt=value`, repeatable lists, one module.
#include "tools/wasm-oci/options.h"

#include <sys/utsname.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ws::tools {

const char kWasmOciUsage[] = R"(usage: wasm-oci [options] -o OUT.tar MODULE.wasm

Builds a container image holding a WebAssembly module, with no daemon and no network, as a
tarball that `ctr images import` (and, with --format docker, `docker load`) accepts. Same inputs
give the same bytes and digests.

  -o, --output FILE        the tarball to write
  -t, --tag REF            image name[:tag] (default: the module's file name, tag latest;
                           short names get docker.io/library/)
  --format oci|docker|artifact
                           oci (default): OCI image layout, one gzip tar layer;
                           docker: OCI layout plus Docker's manifest.json, uncompressed layer;
                           artifact: OCI layout whose only layer is the module itself
                           (media type application/wasm)
  --module-path PATH       where the module goes in the image (default /<file name>)
  --add SRC:DST            copy a host file or directory (recursively, symlinks kept) to DST
  --entrypoint ARG         entrypoint word (repeatable; default: the module path; a
                           `#func` suffix makes the shim call that export)
  --cmd ARG                default argument (repeatable; `ctr run IMAGE ID ARGS` replaces them)
  --env KEY=VALUE          environment variable (repeatable)
  --label KEY=VALUE        image label (repeatable)
  --workdir DIR            process.cwd of containers
  --platform OS/ARCH       default wasi/wasm (docker: linux/<this machine>, because dockerd
                           refuses to load images of another OS)
  --no-gzip                leave the oci layer uncompressed
  -h, --help               this text
)";

namespace {

absl::Status need_equals(const std::string& opt, const std::string& v) {
  if (v.find('=') == std::string::npos || v[0] == '=') {
    return absl::InvalidArgumentError(absl::StrCat(opt, " ", v, ": expected KEY=VALUE"));
  }
  return absl::OkStatus();
}

std::string host_arch() {
  struct utsname u;
  if (::uname(&u) != 0) return "amd64";
  std::string m = u.machine;
  if (m == "x86_64") return "amd64";
  if (m == "aarch64") return "arm64";
  return m;
}

}  // namespace

absl::StatusOr<PackOptions> parse_pack_options(const std::vector<std::string>& args) {
  PackOptions o;
  bool platform_given = false;
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "-h" || a == "--help") {
      o.help = true;
      return o;
    }
    if (a == "--") {
      positional.insert(positional.end(), args.begin() + static_cast<long>(i) + 1, args.end());
      break;
    }
    if (a.empty() || a[0] != '-') {
      positional.push_back(a);
      continue;
    }
    if (a == "--no-gzip") {
      o.input.gzip = false;
      continue;
    }
    std::string value;
    if (size_t eq = a.find('='); absl::StartsWith(a, "--") && eq != std::string::npos) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
    } else {
      if (i + 1 >= args.size())
        return absl::InvalidArgumentError(absl::StrCat(a, ": needs a value"));
      value = args[++i];
    }
    if (a == "-o" || a == "--output") {
      o.output = value;
    } else if (a == "-t" || a == "--tag") {
      o.input.ref = value;
    } else if (a == "--format") {
      if (value == "oci") {
        o.format = ImageFormat::kOci;
      } else if (value == "docker") {
        o.format = ImageFormat::kDocker;
      } else if (value == "artifact") {
        o.format = ImageFormat::kArtifact;
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("--format ", value, ": expected oci, docker or artifact"));
      }
    } else if (a == "--module-path") {
      o.input.module_path = value;
    } else if (a == "--add") {
      size_t colon = value.rfind(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == value.size()) {
        return absl::InvalidArgumentError(absl::StrCat("--add ", value, ": expected SRC:DST"));
      }
      o.input.adds.push_back({value.substr(0, colon), value.substr(colon + 1)});
    } else if (a == "--entrypoint") {
      o.input.entrypoint.push_back(value);
    } else if (a == "--cmd") {
      o.input.cmd.push_back(value);
    } else if (a == "--env") {
      if (absl::Status s = need_equals(a, value); !s.ok()) return s;
      o.input.env.push_back(value);
    } else if (a == "--label") {
      if (absl::Status s = need_equals(a, value); !s.ok()) return s;
      size_t eq = value.find('=');
      o.input.labels[value.substr(0, eq)] = value.substr(eq + 1);
    } else if (a == "--workdir") {
      o.input.workdir = value;
    } else if (a == "--platform") {
      size_t slash = value.find('/');
      if (slash == std::string::npos || slash == 0 || slash + 1 == value.size() ||
          value.find('/', slash + 1) != std::string::npos) {
        return absl::InvalidArgumentError(absl::StrCat("--platform ", value, ": expected OS/ARCH"));
      }
      o.input.os = value.substr(0, slash);
      o.input.arch = value.substr(slash + 1);
      platform_given = true;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(a, ": unknown option (see --help)"));
    }
  }
  if (positional.size() != 1) {
    return absl::InvalidArgumentError(positional.empty()
                                          ? "no module given (see --help)"
                                          : "exactly one module may be given (see --help)");
  }
  if (o.output.empty()) return absl::InvalidArgumentError("no output given: -o OUT.tar");
  o.input.module_file = positional[0];
  if (o.format == ImageFormat::kDocker && !platform_given) {
    o.input.os = "linux";
    o.input.arch = host_arch();
  }
  return o;
}

}  // namespace ws::tools
