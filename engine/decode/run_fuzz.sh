#!/usr/bin/env bash
# Builds and runs the decode+validate libFuzzer target, seeded with the spec suite's modules.
#
# Environment: FUZZ_DIR (build dir, default build-fuzz), FUZZ_TIME (seconds, default 600),
# FUZZ_WORK (corpus, seeds and crash artifacts, default /tmp/wasmshim-fuzz), SPEC_DIR (default
# ../shared/wasm-spec), JOBS (build parallelism, default 2). Extra arguments go to libFuzzer.
# Exits non-zero when the fuzzer finds a crash, leak, timeout or out-of-memory input.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
fuzz_dir="${FUZZ_DIR:-$root/build-fuzz}"
fuzz_time="${FUZZ_TIME:-600}"
work="${FUZZ_WORK:-/tmp/wasmshim-fuzz}"
spec_dir="${SPEC_DIR:-$root/../shared/wasm-spec}"

if [[ ! -f "$fuzz_dir/build.ninja" ]]; then
  CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$fuzz_dir" -G Ninja -DWS_FUZZ=ON >/dev/null
fi
cmake --build "$fuzz_dir" -j"${JOBS:-2}" --target ws_fuzz_decode

# Seeds: every binary module wast2json writes for the suite (flags from MANIFEST.tsv).
if [[ ! -d "$work/seeds" ]] || [[ -z "$(ls -A "$work/seeds")" ]]; then
  mkdir -p "$work/seeds"
  json="$(mktemp -d)"
  trap 'rm -rf "$json"' EXIT
  tail -n +2 "$spec_dir/MANIFEST.tsv" | while IFS=$'\t' read -r path _ _ _ flags _; do
    [[ "$flags" == NONE ]] && continue
    [[ "$flags" == "(default)" ]] && flags=""
    out="$json/${path//\//_}"
    mkdir -p "$out"
    # shellcheck disable=SC2086 # flags is a word list
    wast2json "$spec_dir/$path" -o "$out/m.json" $flags >/dev/null 2>&1 || true
  done
  find "$json" -name '*.wasm' -exec sh -c 'cp "$1" "$2/$(sha1sum < "$1" | cut -c1-40)"' _ {} \
    "$work/seeds" \;
  echo "seeds: $(ls "$work/seeds" | wc -l) modules" >&2
fi

mkdir -p "$work/corpus" "$work/artifacts"
status=0
"$fuzz_dir/engine/decode/ws_fuzz_decode" "$work/corpus" "$work/seeds" \
  -max_total_time="$fuzz_time" -artifact_prefix="$work/artifacts/" -print_final_stats=1 \
  "$@" || status=$?
if compgen -G "$work/artifacts/*" >/dev/null; then
  echo "fuzz: findings in $work/artifacts:" >&2
  ls -l "$work/artifacts" >&2
  exit 1
fi
exit "$status"
