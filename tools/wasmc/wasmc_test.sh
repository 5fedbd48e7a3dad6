#!/usr/bin/env bash
# wasmc end to end: compile, --check (intact / with its module / another module / damaged /
# truncated / not an artifact), exit codes and one-line reasons.
# usage: wasmc_test.sh WASMC MODULE.wasm WORK_DIR
set -uo pipefail
wasmc=$1 module=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
fails=0
expect() {  # expect NAME WANT_RC WANT_SUBSTRING -- command...
  local name=$1 want_rc=$2 want=$3; shift 4
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [[ $rc -ne $want_rc || "$out" != *"$want"* ]]; then
    echo "FAIL $name: rc=$rc (want $want_rc) out: $out"; fails=$((fails + 1))
  else
    echo "ok $name"
  fi
}
art="$work/hello.aot"
expect "compile" 0 "hello.aot:" -- "$wasmc" -O1 "$module" -o "$art"
[[ -s "$art" ]] || { echo "FAIL no artifact written"; fails=$((fails + 1)); }
expect "check intact" 0 "ok: intact" -- "$wasmc" --check "$art"
expect "check with its module" 0 "compiled from $module" -- "$wasmc" --check "$art" "$module"
printf '\0asm\1\0\0\0' >"$work/empty.wasm"
expect "check with another module" 1 "another module" -- "$wasmc" --check "$art" "$work/empty.wasm"
cp "$art" "$work/damaged.aot"
size=$(stat -c %s "$art")
printf 'X' | dd of="$work/damaged.aot" bs=1 seek=$((size / 2)) conv=notrunc status=none
expect "check damaged" 1 "corrupt" -- "$wasmc" --check "$work/damaged.aot"
head -c $((size / 3)) "$art" >"$work/truncated.aot"
expect "check truncated" 1 "corrupt" -- "$wasmc" --check "$work/truncated.aot"
expect "check a module" 1 "corrupt" -- "$wasmc" --check "$module"
expect "check missing" 1 "nope.aot" -- "$wasmc" --check "$work/nope.aot"
printf 'not wasm' >"$work/bad.wasm"
expect "bad module" 1 "bad.wasm" -- "$wasmc" "$work/bad.wasm" -o "$work/x.aot"
expect "usage" 1 "no output" -- "$wasmc" "$module"
[[ $fails -eq 0 ]]
