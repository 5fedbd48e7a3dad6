#!/usr/bin/env bash
# Decode+validate throughput on CRuby's WASI build, side by side with wabt's wasm-validate.
#
# Fetches the npm package (once, into CACHE_DIR), runs ws_decode_bench (best of RUNS) and
# Debian's wasm-validate (best of 3, wall clock of the whole process) on the same file, and
# prints one table. Environment: BUILD_DIR (default ./build), CACHE_DIR (default
# bench/.cache), RUBY_WASM_PKG, RUNS (default 5), WASM_FILE (skip the download, use this file).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build_dir="${BUILD_DIR:-$root/build}"
cache_dir="${CACHE_DIR:-$root/bench/.cache}"
pkg="${RUBY_WASM_PKG:-@ruby/3.3-wasm-wasi@2.10.1}"
runs="${RUNS:-5}"

die() { echo "run.sh: $*" >&2; exit 1; }

fetch() {
  local dir="$cache_dir/ruby-wasm" tgz
  if [[ ! -f "$dir/package/dist/ruby+stdlib.wasm" ]]; then
    command -v npm >/dev/null || die "npm is needed to fetch $pkg"
    mkdir -p "$dir"
    echo "fetching $pkg into $dir" >&2
    tgz="$(cd "$dir" && npm pack --silent "$pkg" | tail -n1)"
    tar -xzf "$dir/$tgz" -C "$dir" package/dist/ruby+stdlib.wasm
    rm -f "$dir/$tgz"
  fi
  echo "$dir/package/dist/ruby+stdlib.wasm"
}

wasm="${WASM_FILE:-$(fetch)}"
[[ -f "$wasm" ]] || die "no such file: $wasm"
command -v wasm-validate >/dev/null || die "wasm-validate (Debian package wabt) is not installed"

bench="$build_dir/bench/decode/ws_decode_bench"
if [[ ! -x "$bench" ]]; then
  [[ -f "$build_dir/build.ninja" ]] || die "$build_dir is not configured (run make build first)"
  cmake --build "$build_dir" --target ws_decode_bench >&2
fi

ours="$("$bench" --runs "$runs" --tsv "$wasm")"

# wasm-validate: best wall-clock time of 3 runs; it must accept the file.
best_wv=""
for _ in 1 2 3; do
  t0=$(date +%s.%N)
  wasm-validate "$wasm" || die "wasm-validate rejected $wasm"
  t1=$(date +%s.%N)
  best_wv=$(awk -v a="$t0" -v b="$t1" -v best="$best_wv" \
    'BEGIN { t = b - a; if (best == "" || t < best) best = t; printf "%.6f", best }')
done
file_bytes=$(stat -c %s "$wasm")
code_bytes=$(printf '%s\n' "$ours" | awk -F'\t' 'NR == 1 { print $4 }')

echo "file: $wasm ($(awk -v b="$file_bytes" 'BEGIN { printf "%.1f", b / 1e6 }') MB," \
     "code section $(awk -v b="$code_bytes" 'BEGIN { printf "%.1f", b / 1e6 }') MB)"
echo "wasmshim: best of $runs runs in one process; wasm-validate: best of 3 runs of the process"
{
  printf '%s\n' "$ours" | awk -F'\t' '{ printf "wasmshim %s\t%s\n", $1, $2 }'
  printf 'wasm-validate\t%s\n' "$best_wv"
} | awk -F'\t' -v file="$file_bytes" -v code="$code_bytes" -v wv="$best_wv" '
  BEGIN {
    printf "%-31s %9s %14s %14s %18s\n", "tool", "seconds", "MB/s (file)", "MB/s (code)",
           "x wasm-validate"
  }
  {
    printf "%-31s %9.3f %14.1f %14.1f %18.1f\n", $1, $2, file / $2 / 1e6, code / $2 / 1e6,
           wv / $2
  }'
