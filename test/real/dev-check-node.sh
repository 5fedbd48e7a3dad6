#!/usr/bin/env bash
# Developer check, not a test: runs the test/real drivers with node's WASI as the runner, to
# confirm the modules and the expected outputs independently of wasmrun.
#
# usage: test/real/dev-check-node.sh [BUILD_DIR]     (default ./build; builds the two modules)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build_dir="${1:-$root/build}"
node="${NODE:-node}"
command -v "$node" >/dev/null || { echo "dev-check-node: $node not found" >&2; exit 1; }
cmake --build "$build_dir" --target ws_real_sqlite3 ws_real_minigzip >&2
bin="$build_dir/test/real"
runner=("$node" --no-warnings "$root/support/scripts/node_wasi_run.mjs")
"$root/test/real/sqlite_session.sh" "$bin/node-work/sqlite" "$bin/ws_real_sqlite3.wasm" "${runner[@]}"
"$root/test/real/minigzip_roundtrip.sh" "$bin/node-work/minigzip" "$bin/ws_real_minigzip.wasm" \
  "${runner[@]}"
echo "dev-check-node: both drivers pass under node $("$node" --version)"
