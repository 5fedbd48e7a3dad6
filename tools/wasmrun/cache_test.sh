#!/usr/bin/env bash
# wasmrun and the code cache, end to end: a cold run stores one private artifact, a warm run
# needs no code generator at all (WASMSHIM_CODEGEN points nowhere) and refreshes the artifact's
# mtime, --no-cache reads no cache, WASMSHIM_CACHE_DIR picks the directory, and an unusable
# directory only costs a warning.
# usage: cache_test.sh WASMRUN HELLO.wasm WORK_DIR
set -uo pipefail
wasmrun=$1 module=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
fails=0
check() {  # check NAME STATUS DETAILS
  if [[ $2 -eq 0 ]]; then echo "ok - $1"; else echo "not ok - $1: $3"; fails=$((fails + 1)); fi
}
# Artifacts only: the directory also holds identity-index entries (id-*) and fill locks.
artifacts() { ls -A "$1" 2>/dev/null | grep -E '^[0-9a-f]+$'; }
want="hello from wasm32-wasi"
cache="$work/cache"

out=$("$wasmrun" --cache-dir "$cache" "$module" 2>&1); rc=$?
files=$(artifacts "$cache")
[[ $rc -eq 0 && "$out" == "$want" && $(echo "$files" | wc -l) -eq 1 && "$files" =~ ^[0-9a-f]+$ ]]
check "a cold run prints and stores one artifact" $? "rc=$rc out=$out files=$files"
art="$cache/$files"
[[ $(stat -c %a "$cache") == 700 && $(stat -c %a "$art") == 600 ]]
check "cache dir 0700, artifact 0600" $? "$(stat -c '%a %n' "$cache" "$art")"

touch -m -d '2 hours ago' "$art"; old=$(stat -c %Y "$art")
out=$(WASMSHIM_CODEGEN=/nonexistent/codegen.so "$wasmrun" --cache-dir "$cache" "$module" 2>&1); rc=$?
[[ $rc -eq 0 && "$out" == "$want" ]]
check "a warm run needs no code generator" $? "rc=$rc out=$out"
[[ $(stat -c %Y "$art") -gt $old ]]
check "a warm run marks the artifact used (mtime)" $? "mtime $old -> $(stat -c %Y "$art")"

out=$(WASMSHIM_CODEGEN=/nonexistent/codegen.so "$wasmrun" --no-cache "$module" 2>&1); rc=$?
[[ $rc -eq 2 && "$out" == *"cannot load the code generator"*"/nonexistent/codegen.so"* ]]
check "--no-cache compiles (and names the missing plugin)" $? "rc=$rc out=$out"

out=$(WASMSHIM_CACHE_DIR="$work/env-cache" "$wasmrun" "$module" 2>&1); rc=$?
[[ $rc -eq 0 && $(artifacts "$work/env-cache" | wc -l) -eq 1 ]]
check "WASMSHIM_CACHE_DIR chooses the directory" $? "rc=$rc out=$out"

# A bound smaller than two artifacts: storing a second module's evicts the first one's.
cp "$module" "$work/other.wasm" && printf '\0\5\4xyz1' >>"$work/other.wasm"  # a custom section: another digest
"$wasmrun" --cache-dir "$work/small" --cache-max 1K "$module" >/dev/null 2>&1
first=$(artifacts "$work/small")
"$wasmrun" --cache-dir "$work/small" --cache-max 1K "$work/other.wasm" >/dev/null 2>&1; rc=$?
second=$(artifacts "$work/small")
[[ $rc -eq 0 && -n "$first" && $(echo "$second" | wc -l) -eq 1 && "$second" != "$first" ]]
check "--cache-max bounds the directory (LRU eviction)" $? "rc=$rc before=$first after=$second"

echo x >"$work/a-file"
out=$("$wasmrun" --cache-dir "$work/a-file" "$module" 2>"$work/err"); rc=$?
[[ $rc -eq 0 && "$out" == "$want" && "$(cat "$work/err")" == *"not a directory"* ]]
check "an unusable cache dir warns and still runs" $? "rc=$rc out=$out err=$(cat "$work/err")"
[[ $fails -eq 0 ]]
