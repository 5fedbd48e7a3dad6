#!/usr/bin/env bash
# Cold starts on the eager vs the lazy JIT tier: hello, SQLite's shell and CRuby.
#
# For each module ws_lazy_bench prints one line per tier (each in a fresh process): read,
# decode, validate and compile (for the lazy tier: making the stubs and the entry code),
# instantiate, the time from the start to the entry's first instruction and to its return,
# the CPU of the calling thread and of the JIT's compile threads during the entry call, the
# whole measurement's CPU (figures on a loaded machine: compare CPU, not only wall time), and
# how many functions were compiled.
#
# Environment: BUILD_DIR (default ./build), JOBS (build parallelism, default 1),
# SQLITE_WASM (default: test/real's build output), RUBY_WASM (default: the file
# bench/decode/run.sh fetches into CACHE_DIR, default bench/.cache), EAGER_TIMEOUT (seconds for
# CRuby's eager compile, default 900), TIERS (default eager,lazy).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build_dir="${BUILD_DIR:-$root/build}"
cache_dir="${CACHE_DIR:-$root/bench/.cache}"
jobs="${JOBS:-1}"
tiers="${TIERS:-eager,lazy}"
bench="$build_dir/bench/lazy/ws_lazy_bench"

die() { echo "run.sh: $*" >&2; exit 1; }

[[ -f "$build_dir/build.ninja" ]] || die "$build_dir is not configured (run make configure first)"
cmake --build "$build_dir" -j"$jobs" --target ws_lazy_bench ws_fixture_hello >&2

sql="$(mktemp)"
trap 'rm -f "$sql"' EXIT
printf 'create table t(a, b);\ninsert into t values (1, 2), (3, 4);\nselect sum(a * b) from t;\n' >"$sql"

"$bench" --tiers "$tiers" "$build_dir/test/fixtures/ws_fixture_hello.wasm"
echo

sqlite="${SQLITE_WASM:-$build_dir/test/real/ws_real_sqlite3.wasm}"
if [[ -f "$sqlite" ]]; then
  "$bench" --tiers "$tiers" --stdin "$sql" "$sqlite" 2>/dev/null
else
  echo "sqlite3: $sqlite not found (build the ws_real_sqlite3 target or set SQLITE_WASM)"
fi
echo

ruby="${RUBY_WASM:-$cache_dir/ruby-wasm/package/dist/ruby+stdlib.wasm}"
if [[ -f "$ruby" ]]; then
  "$bench" --tiers "$tiers" --timeout "${EAGER_TIMEOUT:-900}" --entry _initialize \
    --trap-unknown-imports "$ruby"
else
  echo "CRuby: $ruby not found (bench/decode/run.sh fetches it, or set RUBY_WASM)"
fi
