#!/usr/bin/env bash
# Runs the capability demo twice through wasmrun (no grants; then a docroot and two variables)
# and compares the output, with the date line checked by pattern and then masked.
# usage: check_capabilities.sh WASMRUN CAPABILITIES.wasm DOCROOT
set -euo pipefail
wasmrun="${1:?usage: $0 WASMRUN MODULE DOCROOT}"
module="${2:?}"
docroot="${3:?}"
date_re='^Today is [A-Z][a-z]+day, [0-9]{4}-[0-9]{2}-[0-9]{2}, at [0-9]{2}:[0-9]{2}:[0-9]{2} UTC: we greet you with this message!$'

check() {
  local name="$1" expected="$2"
  shift 2
  local out status=0
  out="$("$wasmrun" "$@" 2>&1)" || status=$?
  if [ "$status" -ne 0 ]; then
    echo "$name: wasmrun exited with $status:"; echo "$out"; return 1
  fi
  if ! grep -Eq "$date_re" <<<"$out"; then
    echo "$name: no greeting with a date in:"; echo "$out"; return 1
  fi
  local masked
  masked="$(sed -E 's/^Today is .* UTC: /Today is DATE UTC: /' <<<"$out")"
  if [ "$masked" != "$expected" ]; then
    echo "$name: output differs (expected, then actual):"
    diff <(echo "$expected") <(echo "$masked") || true
    return 1
  fi
  echo "$name: ok"
}

check "no grants" "Hello from C compiled to WebAssembly! This is the wasm32-wasi platform.
Environment variables: 0
Today is DATE UTC: we greet you with this message!
Contents of '/':
  Capabilities insufficient" "$module"

check "docroot and two variables" "Hello from C compiled to WebAssembly! This is the wasm32-wasi platform.
Environment variables: 2
  GREETING
  USER
Today is DATE UTC: we greet you with this message!
Contents of '/':
  docroot/
    assets
    hello.txt
    index.html" --dir "/docroot:$docroot:ro" --env GREETING=hello --env USER=demo "$module"
