#!/usr/bin/env bash
# Runs clang-tidy-14 (checks from .clang-tidy) over the project's C++ sources using a build's
# compile_commands.json. Advisory: prints each finding once, exits 0 unless the tool cannot run.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
jobs="${JOBS:-2}"
clang_tidy="${CLANG_TIDY:-clang-tidy-14}"

if [ ! -f "$build/compile_commands.json" ]; then
  echo "tidy: $build/compile_commands.json missing; run 'make build' first" >&2
  exit 1
fi
if ! command -v "$clang_tidy" >/dev/null 2>&1; then
  echo "tidy: $clang_tidy not found (make deps installs clang-tidy-14)" >&2
  exit 1
fi

# Our translation units only (the database holds nothing else today, but stay explicit).
mapfile -t files < <(python3 - "$build/compile_commands.json" "$root" <<'PY'
import json, os, re, sys
db, root = sys.argv[1], sys.argv[2]
ours = re.compile(r"(support|engine|oci|cgroups|shim|tools|test|bench|proto)/.*\.(cpp|cc)$")
seen = set()
for entry in json.load(open(db)):
    path = os.path.normpath(os.path.join(entry["directory"], entry["file"]))
    rel = os.path.relpath(path, root)
    if ours.match(rel) and path not in seen:
        seen.add(path)
        print(path)
PY
)
if [ ${#files[@]} -eq 0 ]; then
  echo "tidy: no project sources in $build/compile_commands.json"
  exit 0
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
export clang_tidy build out
printf '%s\0' "${files[@]}" | xargs -0 -P "$jobs" -I{} bash -c \
  '"$clang_tidy" -p "$build" --quiet "$1" >"$out/$(printf %s "$1" | md5sum | cut -c1-16).log" \
     2>/dev/null || true' _ {}

# A header's finding shows up once per translation unit that includes it: print each once.
cat "$out"/*.log | awk -v root="$root/" '
  /^[^ ].*:[0-9]+:[0-9]+: (warning|error): / {
    keep = !seen[$0]++
    if (keep) n++
  }
  keep { sub(root, ""); print }
  END { printf "tidy: %d findings in %d files checked (advisory)\n", n, '"${#files[@]}"' }'
