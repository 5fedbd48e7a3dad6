#!/usr/bin/env bash
# Start-up with the code cache: `wasmrun hello.wasm` and a short sqlite3 shell session (test/real),
# whole-process wall time cold (empty cache), warm (median of RUNS) and without a cache.
#
# usage: bench/cache/run.sh            Environment: BUILD_DIR (./build), RUNS (21), COLD_RUNS (5)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build_dir="${BUILD_DIR:-$root/build}"
[[ -f "$build_dir/build.ninja" ]] || { echo "run.sh: $build_dir is not configured" >&2; exit 1; }
targets=(ws_cache_startup_bench wasmrun wasmshim-codegen ws_fixture_hello)
sqlite="$build_dir/test/real/ws_real_sqlite3.wasm"
if ninja -C "$build_dir" -t query ws_real_sqlite3 >/dev/null 2>&1; then targets+=(ws_real_sqlite3); fi
nice cmake --build "$build_dir" -j"${JOBS:-1}" --target "${targets[@]}" >&2
args=("$build_dir/tools/wasmrun/wasmrun" "$build_dir/test/fixtures/ws_fixture_hello.wasm")
if [[ -f "$sqlite" ]]; then args+=("$sqlite"); else echo "run.sh: no $sqlite; hello only" >&2; fi
"$build_dir/bench/cache/ws_cache_startup_bench" "${args[@]}" --runs "${RUNS:-21}" \
  --cold-runs "${COLD_RUNS:-5}"
