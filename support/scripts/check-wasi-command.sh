#!/usr/bin/env bash
# Checks that a .wasm file is a valid WASI command: wabt's wasm-validate accepts it, it exports
# _start and it imports each named wasi_snapshot_preview1 function.
# usage: check-wasi-command.sh MODULE.wasm [WASI_FUNCTION ...]
set -euo pipefail

module="${1:?usage: $0 MODULE.wasm [WASI_FUNCTION ...]}"
shift
[ -f "$module" ] || { echo "check-wasi-command: $module does not exist" >&2; exit 1; }
wasm-validate "$module" || { echo "check-wasi-command: wasm-validate rejects $module" >&2; exit 1; }

details="$(wasm-objdump -x "$module")"
if ! grep -q -E ' -> "_start"$' <<<"$details"; then
  echo "check-wasi-command: $module does not export _start" >&2
  wasm-objdump -x -j Import "$module" >&2 || true
  wasm-objdump -x -j Export "$module" >&2 || true
  exit 1
fi
for fn in "$@"; do
  if ! grep -q -F "<- wasi_snapshot_preview1.$fn" <<<"$details"; then
    echo "check-wasi-command: $module does not import wasi_snapshot_preview1.$fn" >&2
    wasm-objdump -x -j Import "$module" >&2 || true
    wasm-objdump -x -j Export "$module" >&2 || true
    exit 1
  fi
done
echo "check-wasi-command: $module is a valid WASI command ($(stat -c %s "$module") bytes)"
