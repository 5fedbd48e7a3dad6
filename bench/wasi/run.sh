#!/usr/bin/env bash
# Whole WASI programs: wall time of entire processes natively, under wasmrun and under node.
#
# usage: bench/wasi/run.sh [KERNEL[:N] ...]      (default: every kernel of kernels.def)
#
# (a) The CPU kernels of bench/kernels as WASI commands (bench/wasi/kernel_main.c): the native
#     build (clang-14 -O2), `wasmrun K.wasm N` and node's WASI run one kernel each per process;
#     best of RUNS wall times (start-up, compilation and exit included); the checksums printed
#     must agree; ratios to native and their geometric mean.
# (b) Start-up: `wasmrun hello.wasm` (test/fixtures/hello.c) vs node, best of STARTUP_RUNS.
# (c) CRuby: @ruby/3.3-wasm-wasi's ruby+stdlib.wasm (fetched with npm into CACHE_DIR once; a
#     reactor importing 24 non-WASI functions) run as
#     `wasmrun --trap-unknown-imports --invoke _initialize ruby+stdlib.wasm`, and the same under
#     node; each run is cut off after RUBY_TIMEOUT seconds.
# A runner that is missing gets "-" with a message on stderr (wasmrun: WASMRUN, else
# BUILD_DIR/tools/wasmrun/wasmrun, built first when CMake defines the target). Exits 1 when
# checksums disagree or a runner fails.
#
# Environment: BUILD_DIR (default ./build), RUNS (3), STARTUP_RUNS (10), RUBY_RUNS (1),
# RUBY_TIMEOUT (300), CACHE_DIR (bench/.cache), RUBY_WASM_PKG, WASMRUN, NODE (node), JOBS (1),
# SKIP_RUBY=1 to leave out (c).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build_dir="${BUILD_DIR:-$root/build}"
runs="${RUNS:-3}"
startup_runs="${STARTUP_RUNS:-10}"
ruby_runs="${RUBY_RUNS:-1}"
ruby_timeout="${RUBY_TIMEOUT:-300}"
cache_dir="${CACHE_DIR:-$root/bench/.cache}"
pkg="${RUBY_WASM_PKG:-@ruby/3.3-wasm-wasi@2.10.1}"
jobs="${JOBS:-1}"
node="${NODE:-node}"
node_runner="$root/support/scripts/node_wasi_run.mjs"
wdir="$build_dir/bench/wasi"

die() { echo "run.sh: $*" >&2; exit 1; }
note() { echo "run.sh: $*" >&2; }

[[ -f "$build_dir/build.ninja" ]] || die "$build_dir is not configured (run make configure first)"
targets=(ws_wasi_bench)
if [[ -z "${WASMRUN:-}" ]] && ninja -C "$build_dir" -t query wasmrun >/dev/null 2>&1; then
  targets+=(wasmrun)
fi
nice cmake --build "$build_dir" -j"$jobs" --target "${targets[@]}" >&2

wasmrun="${WASMRUN:-$build_dir/tools/wasmrun/wasmrun}"
have_wasmrun=0
if [[ -x "$wasmrun" ]]; then
  have_wasmrun=1
else
  note "no wasmrun at $wasmrun (tools/ not built yet?); skipping the wasmrun column"
fi
have_node=0
if command -v "$node" >/dev/null; then
  have_node=1
else
  note "$node not found; skipping the node column"
fi
node_cmd=("$node" --no-warnings "$node_runner")

# time_cmd OUT_FILE CMD...: runs CMD with stdout to OUT_FILE, prints the wall seconds; returns
# CMD's exit status.
time_cmd() {
  local out="$1" t0 t1 rc=0
  shift
  t0=$EPOCHREALTIME
  "$@" >"$out" 2>"$out.err" </dev/null || rc=$?
  t1=$EPOCHREALTIME
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
  return $rc
}

# best_of K OUT_FILE CMD...: best wall time of K runs (all outputs must be equal), or "fail"
# (the failing run's exit code in OUT_FILE.rc).
best_of() {
  local k="$1" out="$2" best="" t i rc
  shift 2
  for ((i = 0; i < k; ++i)); do
    rc=0
    t=$(time_cmd "$out.$i" "$@") || rc=$?
    if [[ $rc -ne 0 ]]; then
      echo "$rc" >"$out.rc"
      note "failed (exit $rc): $* (stderr: $(head -c 400 "$out.$i.err"))"
      echo fail
      return 0
    fi
    if [[ $i -gt 0 ]] && ! cmp -s "$out.0" "$out.$i"; then
      note "output changed between runs: $*"
      echo fail
      return 0
    fi
    best=$(awk -v t="$t" -v b="$best" 'BEGIN { if (b == "" || t < b) b = t; print b }')
  done
  cp "$out.0" "$out"
  echo "$best"
}

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failed=0

if [[ $# -gt 0 ]]; then
  requests=("$@")
else
  mapfile -t requests < <(sed -n 's/^WS_KERNEL(\([a-z0-9_]*\),.*/\1/p' "$root/bench/kernels/kernels.def")
fi

# (a) kernels, one process per run; kernel by kernel, every runner in turn.
rows="$tmp/rows"
: >"$rows"
for req in "${requests[@]}"; do
  k="${req%%:*}"
  n_arg=()
  [[ "$req" == *:* ]] && n_arg=("${req#*:}")
  exe="$wdir/native/ws_wasi_kernel_$k"
  mod="$wdir/ws_wasi_kernel_$k.wasm"
  [[ -x "$exe" && -f "$mod" ]] || die "unknown kernel $k (no $exe or $mod)"
  note "$k (best of $runs processes)"
  nat=$(best_of "$runs" "$tmp/$k.native" "$exe" "${n_arg[@]}")
  ours="-"
  nd="-"
  if [[ $have_wasmrun == 1 ]]; then ours=$(best_of "$runs" "$tmp/$k.ours" "$wasmrun" "$mod" "${n_arg[@]}"); fi
  if [[ $have_node == 1 ]]; then nd=$(best_of "$runs" "$tmp/$k.node" "${node_cmd[@]}" "$mod" "${n_arg[@]}"); fi
  sum="$(cat "$tmp/$k.native" 2>/dev/null || true)"
  for r in ours node; do
    v=$([[ $r == ours ]] && echo "$ours" || echo "$nd")
    [[ "$v" == "-" || "$v" == fail ]] && continue
    if [[ "$(cat "$tmp/$k.$r")" != "$sum" ]]; then
      note "checksum mismatch for $k: native '$sum', $r '$(cat "$tmp/$k.$r")'"
      failed=1
    fi
  done
  for v in "$nat" "$ours" "$nd"; do [[ "$v" == fail ]] && failed=1; done
  printf '%s\t%s\t%s\t%s\t%s\n' "$k" "$(awk '{ print $2 }' <<<"$sum")" "$nat" "$ours" "$nd" >>"$rows"
done

cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
node_version="$([[ $have_node == 1 ]] && "$node" --version || echo none)"
echo
echo "WASI kernels as whole processes (start-up, compile and exit included): best of $runs;" \
     "$(nproc) cores, $cpu; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "native: clang-14 -O2; wasm: clang-14 -O2 wasm32-wasi, bulk-memory, no SIMD, wasi-libc;" \
     "node $node_version (node:wasi)"
echo
awk -F'\t' '
  function cell(s) { return (s == "-" || s == "fail") ? s : sprintf("%.3f", s) }
  function ratio(a, b) { return (a == "-" || a == "fail" || b == "fail" || b <= 0) ? "-" : sprintf("%.2f", a / b) }
  BEGIN {
    print "| kernel | n | native s | wasmrun s | wasmrun/native | node s | node/native |"
    print "|---|---:|---:|---:|---:|---:|---:|"
  }
  {
    printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, cell($3), cell($4), ratio($4, $3),
           cell($5), ratio($5, $3)
    if ($4 != "-" && $4 != "fail" && $3 > 0) { lo += log($4 / $3); co++ }
    if ($5 != "-" && $5 != "fail" && $3 > 0) { ln += log($5 / $3); cn++ }
  }
  END {
    printf "| **geomean** | | | | %s | | %s |\n", co ? sprintf("%.2f", exp(lo / co)) : "-",
           cn ? sprintf("%.2f", exp(ln / cn)) : "-"
  }' "$rows"

# (b) start-up: the smallest command.
hello="$build_dir/test/fixtures/ws_fixture_hello.wasm"
[[ -f "$hello" ]] || die "no $hello"
note "start-up (best of $startup_runs processes)"
st_true=$(best_of "$startup_runs" "$tmp/true" /bin/true)
st_ours="-"
st_node="-"
if [[ $have_wasmrun == 1 ]]; then st_ours=$(best_of "$startup_runs" "$tmp/hello.ours" "$wasmrun" "$hello"); fi
if [[ $have_node == 1 ]]; then st_node=$(best_of "$startup_runs" "$tmp/hello.node" "${node_cmd[@]}" "$hello"); fi
for r in ours node; do
  [[ -f "$tmp/hello.$r" ]] || continue
  if [[ "$(cat "$tmp/hello.$r")" != "hello from wasm32-wasi" ]]; then
    note "hello under $r printed '$(cat "$tmp/hello.$r")'"
    failed=1
  fi
done
[[ "$st_ours" == fail || "$st_node" == fail ]] && failed=1
echo
echo "Start-up: whole process of test/fixtures/hello.c's module, best of $startup_runs"
echo
echo "| command | seconds |"
echo "|---|---:|"
ms() { [[ "$1" == "-" || "$1" == fail ]] && echo "$1" || awk -v s="$1" 'BEGIN { printf "%.4f", s }'; }
echo "| /bin/true (process baseline) | $(ms "$st_true") |"
echo "| wasmrun hello.wasm | $(ms "$st_ours") |"
echo "| node node_wasi_run.mjs hello.wasm | $(ms "$st_node") |"

# (c) CRuby's reactor: instantiate and run _initialize.
fetch_ruby() {
  local dir="$cache_dir/ruby-wasm" tgz
  if [[ ! -f "$dir/package/dist/ruby+stdlib.wasm" ]]; then
    command -v npm >/dev/null || { note "npm is needed to fetch $pkg"; return 1; }
    mkdir -p "$dir"
    note "fetching $pkg into $dir"
    tgz="$(cd "$dir" && npm pack --silent "$pkg" | tail -n1)" || return 1
    tar -xzf "$dir/$tgz" -C "$dir" package/dist/ruby+stdlib.wasm || return 1
    rm -f "$dir/$tgz"
  fi
  echo "$dir/package/dist/ruby+stdlib.wasm"
}

if [[ "${SKIP_RUBY:-0}" == 1 ]]; then
  note "SKIP_RUBY=1: leaving out CRuby"
elif ! ruby_wasm="$(fetch_ruby)"; then
  note "could not fetch $pkg; leaving out CRuby"
  failed=1
else
  ruby_cell() {  # ruby_cell NAME CMD...: best of RUBY_RUNS under a timeout
    local name="$1" t
    shift
    t=$(best_of "$ruby_runs" "$tmp/ruby.$name" timeout "$ruby_timeout" "$@")
    if [[ "$t" == fail && "$(cat "$tmp/ruby.$name.rc" 2>/dev/null)" == 124 ]]; then
      echo "timed out after ${ruby_timeout} s"
    elif [[ "$t" == fail ]]; then
      echo "failed (exit $(cat "$tmp/ruby.$name.rc" 2>/dev/null || echo '?'))"
    else
      awk -v s="$t" 'BEGIN { printf "%.3f", s }'
    fi
  }
  ruby_ours="-"
  ruby_node="-"
  if [[ $have_wasmrun == 1 ]]; then
    note "CRuby under wasmrun (timeout $ruby_timeout s)"
    ruby_ours=$(ruby_cell ours "$wasmrun" --trap-unknown-imports --invoke _initialize "$ruby_wasm")
  fi
  if [[ $have_node == 1 ]]; then
    note "CRuby under node (timeout $ruby_timeout s)"
    ruby_node=$(ruby_cell node "${node_cmd[@]}" --trap-unknown-imports --invoke _initialize \
                  "$ruby_wasm")
  fi
  echo
  echo "CRuby ($pkg, $(awk -v b="$(stat -c %s "$ruby_wasm")" 'BEGIN { printf "%.1f", b / 1e6 }') MB):" \
       "load, instantiate and run _initialize as one process, best of $ruby_runs"
  echo
  echo "| command | seconds |"
  echo "|---|---:|"
  echo "| wasmrun --trap-unknown-imports --invoke _initialize | $ruby_ours |"
  echo "| node node_wasi_run.mjs --trap-unknown-imports --invoke _initialize | $ruby_node |"
fi

echo
if [[ $failed == 1 ]]; then
  echo "a runner failed or disagreed (see messages above)"
  exit 1
fi
echo "outputs agree across runners"
