#!/usr/bin/env bash
# Checks (default) or rewrites (--fix) the formatting of every C++ source of the tree with the
# pinned clang-format (Debian 12's clang-format-14); the check fails naming the files.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
clang_format="${CLANG_FORMAT:-clang-format-14}"
mode=check
case "${1:-}" in
  --fix) mode=fix ;;
  "" | --check) ;;
  *) echo "usage: $0 [--check|--fix]" >&2; exit 2 ;;
esac

if ! command -v "$clang_format" >/dev/null 2>&1; then
  echo "check-format: $clang_format not found (make deps installs clang-format-14)" >&2
  exit 1
fi

# Files of the tree: tracked plus new untracked ones when this is a git checkout (so a file is
# checked before it is committed), otherwise everything outside build directories.
list_files() {
  if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$root" ls-files -z --cached --others --exclude-standard -- \
      '*.cpp' '*.h' '*.cc'
  else
    (cd "$root" && find . \( -path ./.git -o -path './build*' -o -path ./.cache \) -prune -o \
      -type f \( -name '*.cpp' -o -name '*.h' -o -name '*.cc' \) -printf '%P\0')
  fi
}

files=()
while IFS= read -r -d '' f; do
  case "$f" in
    third_party/* | */third_party/*) continue ;;
  esac
  # Deleted but still in the index.
  [ -f "$root/$f" ] && files+=("$f")
done < <(list_files | sort -z -u)

if [ ${#files[@]} -eq 0 ]; then
  echo "check-format: no C++ files found under $root"
  exit 0
fi

cd "$root"
if [ "$mode" = fix ]; then
  printf '%s\0' "${files[@]}" | xargs -0 -n 50 "$clang_format" -i --style=file
  echo "check-format: formatted ${#files[@]} files with $clang_format"
  exit 0
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
printf '%s\0' "${files[@]}" | xargs -0 -n 50 "$clang_format" --dry-run -Werror --style=file \
  2>"$log" >/dev/null || status=$?
if [ "$status" -eq 0 ]; then
  echo "check-format: ${#files[@]} files formatted as .clang-format says ($clang_format)"
  exit 0
fi

# Diagnostics read "file:line:col: error: code should be clang-formatted [-Wclang-format-violations]".
mapfile -t bad < <(sed -n -E 's/^(.+):[0-9]+:[0-9]+: (error|warning): .*/\1/p' "$log" | sort | uniq -c)
if [ ${#bad[@]} -eq 0 ]; then
  echo "check-format: $clang_format failed:" >&2
  cat "$log" >&2
  exit 1
fi
echo "check-format: ${#bad[@]} of ${#files[@]} files are not formatted ($clang_format):" >&2
for entry in "${bad[@]}"; do
  read -r n f <<<"$entry"
  echo "  $f ($n to fix)" >&2
done
echo "check-format: first places (clang-format-14 --dry-run FILE shows all):" >&2
head -n 12 "$log" | sed 's/^/    /' >&2
echo "check-format: run 'make format' to rewrite them" >&2
exit 1
