#!/usr/bin/env bash
# CPU kernels natively, under our engine and under node's WebAssembly: one Markdown table.
#
# usage: bench/kernels/run.sh [KERNEL[:N] ...]      (default: every kernel of kernels.def)
#
# Builds (if needed) ws_kernels_native and the ws_kernel_*.wasm modules in BUILD_DIR, plus the
# engine harness ws_kernels_bench when CMake defines it; runs the kernels one by one through each
# runner in turn (one warm-up call, then the best of RUNS, all calls on one instance); checks that
# every runner returned the same checksum for each kernel; prints time ratios to native with their
# geometric mean, and the engine's compile time per MB of code section when its harness reports
# it. A runner that is missing (no engine harness yet, no node) gets empty columns. Exits 1 if
# checksums disagree or a runner fails.
#
# Environment: BUILD_DIR (default ./build), RUNS (default 3), JOBS (build parallelism, default 1),
# NODE (default node), NODE_FLAGS (extra flags for node, default none).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build_dir="${BUILD_DIR:-$root/build}"
runs="${RUNS:-3}"
jobs="${JOBS:-1}"
node="${NODE:-node}"
kdir="$build_dir/bench/kernels"

die() { echo "run.sh: $*" >&2; exit 1; }

[[ -f "$build_dir/build.ninja" ]] || die "$build_dir is not configured (run make configure first)"
targets=(ws_kernels_native)  # depends on every ws_kernel_<name> module
if ninja -C "$build_dir" -t query ws_kernels_bench >/dev/null 2>&1; then
  targets+=(ws_kernels_bench)
fi
cmake --build "$build_dir" -j"$jobs" --target "${targets[@]}" >&2

results="$(mktemp)"
trap 'rm -f "$results"' EXIT
failed=0

# Kernel by kernel, every runner in turn, so that load from other users of a shared machine
# spreads over all columns instead of skewing one runner.
if [[ $# -gt 0 ]]; then
  kernels=("$@")
else
  mapfile -t kernels < <(sed -n 's/^WS_KERNEL(\([a-z0-9_]*\),.*/\1/p' "$here/kernels.def")
fi
have_ours=0
[[ -x "$kdir/ws_kernels_bench" ]] && have_ours=1
have_node=0
command -v "$node" >/dev/null && have_node=1
[[ $have_ours == 1 ]] || echo "run.sh: no $kdir/ws_kernels_bench yet; skipping our engine" >&2
[[ $have_node == 1 ]] || echo "run.sh: $node not found; skipping node" >&2

for k in "${kernels[@]}"; do
  echo "run.sh: $k (best of $runs)" >&2
  "$kdir/ws_kernels_native" --runs "$runs" "$k" >>"$results" || failed=1
  # Hook for the engine: any program printing the same JSON lines with "runner":"ours".
  if [[ $have_ours == 1 ]]; then
    "$kdir/ws_kernels_bench" --runs "$runs" --dir "$kdir" "$k" >>"$results" || failed=1
  fi
  if [[ $have_node == 1 ]]; then
    # shellcheck disable=SC2086  # NODE_FLAGS is a list of flags
    "$node" ${NODE_FLAGS:-} "$here/node_runner.mjs" --runs "$runs" --dir "$kdir" "$k" \
      >>"$results" || failed=1
  fi
done

cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
echo
echo "CPU kernels: best of $runs runs after one warm-up; $(nproc) cores, $cpu; load average" \
     "$(cut -d' ' -f1-3 /proc/loadavg)"
node_version="$([[ $have_node == 1 ]] && "$node" --version || echo none)"
echo "native: clang-14 -O2 (x86-64 baseline); wasm: clang-14 -O2 wasm32, bulk-memory, no SIMD;" \
     "node $node_version"
echo

awk -v failed="$failed" '
  function field(line, key,    v) {
    if (!match(line, "\"" key "\":(\"[^\"]*\"|[^,}]*)")) return ""
    v = substr(line, RSTART + length(key) + 3, RLENGTH - length(key) - 3)
    gsub(/"/, "", v)
    return v
  }
  function cell(s) { return s == "" ? "-" : sprintf("%.3f", s) }
  function ratio(a, b) { return (a == "" || b == "" || b <= 0) ? "-" : sprintf("%.2f", a / b) }
  /^\{/ {
    k = field($0, "kernel"); r = field($0, "runner")
    if (!(k in seen)) { seen[k] = 1; order[++nk] = k; n[k] = field($0, "n") }
    secs[k, r] = field($0, "seconds"); sum[k, r] = field($0, "checksum")
    if (r == "ours") {
      cs[k] = field($0, "compile_seconds"); cj[k] = field($0, "jit_seconds")
      cb[k] = field($0, "code_bytes")
    }
  }
  END {
    print "| kernel | n | native s | ours s | ours/native | node s | node/native |"
    print "|---|---:|---:|---:|---:|---:|---:|"
    for (i = 1; i <= nk; ++i) {
      k = order[i]; nat = secs[k, "native"]; ours = secs[k, "ours"]; nd = secs[k, "node"]
      printf "| %s | %s | %s | %s | %s | %s | %s |\n", k, n[k], cell(nat), cell(ours),
             ratio(ours, nat), cell(nd), ratio(nd, nat)
      if (ours != "" && nat > 0) { lo += log(ours / nat); co++ }
      if (nd != "" && nat > 0) { ln += log(nd / nat); cn++ }
      # Every runner must agree with the first one that reported this kernel.
      ref = ""; refr = ""
      split("native ours node", names, " ")
      for (j = 1; j <= 3; ++j) {
        s = sum[k, names[j]]
        if (s == "") continue
        if (ref == "") { ref = s; refr = names[j] }
        else if (s != ref) {
          bad = bad sprintf("checksum mismatch: %s: %s %s, %s %s\n", k, refr, ref, names[j], s)
        }
      }
    }
    printf "| **geomean** | | | | %s | | %s |\n", co ? sprintf("%.2f", exp(lo / co)) : "-",
           cn ? sprintf("%.2f", exp(ln / cn)) : "-"
    hascompile = 0
    for (i = 1; i <= nk; ++i) if (cs[order[i]] != "") hascompile = 1
    if (hascompile) {
      print ""
      print "| kernel | code bytes | load s (decode+validate+JIT) | of which JIT s |" \
            " load s per MB of code |"
      print "|---|---:|---:|---:|---:|"
      for (i = 1; i <= nk; ++i) {
        k = order[i]
        if (cs[k] == "") continue
        printf "| %s | %d | %.4f | %s | %s |\n", k, cb[k], cs[k],
               (cj[k] == "" ? "-" : sprintf("%.4f", cj[k])),
               (cb[k] > 0 ? sprintf("%.2f", cs[k] / (cb[k] / 1e6)) : "-")
        tb += cb[k]; tc += cs[k]; tj += cj[k]
      }
      printf "| **total** | %d | %.4f | %.4f | %s |\n", tb, tc, tj,
             (tb > 0 ? sprintf("%.2f", tc / (tb / 1e6)) : "-")
    }
    print ""
    if (bad != "") { printf "%s", bad; exit 1 }
    print "checksums agree across runners"
    if (failed) { print "a runner failed (see its messages above)"; exit 1 }
  }' "$results"
