#!/usr/bin/env bash
# Test driver: zlib's minigzip built for wasm32-wasi compresses and decompresses files in a
# preopened directory and through stdin/stdout; every result is compared byte for byte with the
# original, and the host's gzip must read what the guest wrote (and the guest what gzip wrote).
#
# usage: minigzip_roundtrip.sh WORK_DIR MINIGZIP_WASM RUNNER [RUNNER_ARGS...]
#
# RUNNER takes wasmrun's command line: RUNNER [--dir GUEST:HOST] [--env K=V] MODULE [ARGS...].
# WORK_DIR is emptied first; the files live in WORK_DIR/data, preopened as /data.
set -euo pipefail

die() { echo "minigzip_roundtrip: FAIL: $*" >&2; exit 1; }
[[ $# -ge 3 ]] || { echo "usage: $0 WORK_DIR MINIGZIP_WASM RUNNER [RUNNER_ARGS...]" >&2; exit 2; }
work="$1"
module="$2"
shift 2
runner=("$@")
[[ -f "$module" ]] || die "no module $module"
command -v gzip >/dev/null || die "the host's gzip is needed"

rm -rf "$work"
mkdir -p "$work/data"
data="$work/data"

# Input: ~1 MiB of text with repeats plus the module's own bytes (binary, less compressible).
orig="$work/orig.bin"
{
  awk 'BEGIN { for (i = 0; i < 20000; ++i) printf "line %d: value %d %s\n", i, (i * 7919) % 10007, (i % 3 ? "foo" : "barbaz") }'
  cat "$module"
} >"$orig"
size=$(stat -c %s "$orig")

status=0
run() {  # run STDIN STDOUT ARGS...: exit code in $status, stderr in $work/err
  local in="$1" out="$2"
  shift 2
  status=0
  "${runner[@]}" --dir "/data:$data" "$module" "$@" <"$in" >"$out" 2>"$work/err" || status=$?
  if [[ $status -ne 0 ]]; then
    cat "$work/err" >&2
    die "minigzip $*: exit code $status"
  fi
}

# 1. File mode: minigzip /data/in.bin writes /data/in.bin.gz and removes in.bin.
cp "$orig" "$data/in.bin"
run /dev/null "$work/out" /data/in.bin
[[ -f "$data/in.bin.gz" ]] || die "no /data/in.bin.gz after compressing"
[[ ! -e "$data/in.bin" ]] || die "/data/in.bin was not removed after compressing"
gz_size=$(stat -c %s "$data/in.bin.gz")
((gz_size < size)) || die "compressed size $gz_size is not below the original $size"
gzip -t "$data/in.bin.gz" || die "host gzip -t rejects the guest's in.bin.gz"
gzip -dc "$data/in.bin.gz" | cmp - "$orig" || die "host gzip -d of the guest's .gz differs"
echo "minigzip_roundtrip: compress file ($size -> $gz_size bytes), host gzip -d: ok"

# 2. minigzip -d /data/in.bin.gz restores in.bin byte for byte.
run /dev/null "$work/out" -d /data/in.bin.gz
[[ ! -e "$data/in.bin.gz" ]] || die "/data/in.bin.gz was not removed after decompressing"
cmp "$data/in.bin" "$orig" || die "decompressed in.bin differs from the original"
echo "minigzip_roundtrip: decompress file: ok"

# 3. Filter mode through stdin and stdout, best compression.
run "$orig" "$work/stdout.gz" -9
gzip -dc "$work/stdout.gz" | cmp - "$orig" || die "host gzip -d of the guest's -9 stream differs"
run "$work/stdout.gz" "$work/stdout.bin" -d
cmp "$work/stdout.bin" "$orig" || die "guest round trip through stdin/stdout differs"
echo "minigzip_roundtrip: stdin/stdout -9 round trip, host gzip -d: ok"

# 4. The guest reads the host's gzip output.
gzip -c "$orig" >"$work/host.gz"
run "$work/host.gz" "$work/host.bin" -d
cmp "$work/host.bin" "$orig" || die "guest decompression of the host's gzip output differs"
echo "minigzip_roundtrip: guest decompresses host gzip output: ok"

# 5. A missing file: an error message and a non-zero exit code.
status=0
"${runner[@]}" --dir "/data:$data" "$module" -d /data/missing.gz </dev/null >/dev/null \
  2>"$work/err" || status=$?
[[ $status -ne 0 ]] || die "decompressing a missing file: exit code 0"
grep -q "missing.gz" "$work/err" ||
  { cat "$work/err" >&2; die "decompressing a missing file: no message naming it"; }
echo "minigzip_roundtrip: missing file: ok (exit code $status)"
echo "minigzip_roundtrip: PASS"
