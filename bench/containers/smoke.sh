#!/usr/bin/env bash
# Smoke check of the container benchmark harness (ctest label `integration`): tiny sizes, checks
# that every section ran end to end and the report and plots were written. No performance checks.
#
# usage: smoke.sh BUILD_DIR OUT_DIR
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build_dir=$1 out=$2
[[ $EUID -eq 0 ]] || { echo "1..0 # SKIP needs root"; exit 0; }
command -v containerd >/dev/null || { echo "1..0 # SKIP no containerd"; exit 0; }
command -v busybox >/dev/null || { echo "1..0 # SKIP no busybox (busybox-static)"; exit 0; }
rm -rf "$out"
WS_BENCH_RUNS=2 WS_BENCH_CONTAINERS=2 WS_BENCH_CONCURRENCY="2" WS_BENCH_K="2" WS_BENCH_CRI_K=1 \
  WS_BENCH_LARGE=0 WS_BENCH_OUT="$out" "$here/run.sh" "$build_dir" >"$out.log" 2>&1
rc=$?
failures=0
check() {
  if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; failures=$((failures + 1)); fi
}
check "run.sh exits 0" "[[ $rc -eq 0 ]]"
r="$out/results.md"
check "results.md has the latency table with no failed runs" "grep -q 'Failed runs: 0' '$r'"
check "... our shim's and runc's latency rows" \
  "grep -q '^| wasmshim: hello.wasm | [0-9]' '$r' && grep -q '^| runc: busybox echo hello | [0-9]' '$r'"
check "... the shim's phases from its log" "grep -q '^| Create done → Start done | [0-9]' '$r'"
check "... a throughput row with no failed containers" \
  "grep -m1 '^| 2 | .*× |$' '$r' | grep -q '^| 2 | [0-9.]* | [0-9.]* | [0-9.]*× |$'"
if [[ ${WS_BENCH_TP_CLIENT:-grpc} == grpc ]] && /usr/bin/python3 -c 'import grpc' 2>/dev/null; then
  check "... measured by the gRPC client (tp_client.py), not ctr" "grep -q '^Client: \*\*grpc\*\*' '$r'"
fi
if [[ ${WS_BENCH_TP_CLIENT:-grpc} == grpc && ${WS_BENCH_TP_GROUPED:-1} == 1 ]] &&
  /usr/bin/python3 -c 'import grpc' 2>/dev/null; then
  check "... and grouped (one shim per runtime) with no failed containers" \
    "awk '/^Grouped:/ { g = 1 } g && /^\\| 2 \\| [0-9.]+ \\| [0-9.]+ \\| [0-9.]+× \\|\$/ { f = 1 } END { exit !f }' '$r'"
fi
check "... where the CPU went, for both runtimes" \
  "grep -q '^| 2 | wasmshim: hello.wasm | [0-9.]* | [0-9.]* | [0-9.]* | [0-9.]* | [0-9.]* |' '$r' &&
   grep -q '^| 2 | runc: busybox echo hello | [0-9.]* | [0-9.]* | [0-9.]* | [0-9.]* | [0-9.]* |' '$r'"
check "... both runtimes held K=2 idle containers, one shim each" \
  "grep -q '^| 2 | wasmshim: hold.wasm | yes | 2 | 4 |' '$r' && grep -q '^| 2 | runc: busybox sleep | yes | 2 | 4 |' '$r'"
if grep -q '^## 4\.' "$r"; then
  check "... the CRI pod held its container in one shim per handler (sandbox + container)" \
    "grep -q '^| 1 | wasm | 1 | 1 | 3 |' '$r' && grep -q '^| 1 | runc | 1 | 1 | 3 |' '$r'"
fi
if command -v gnuplot >/dev/null; then
  for p in latency throughput density; do check "$p.png written" "[[ -s '$out/$p.png' ]]"; done
fi
if [[ $failures -ne 0 ]]; then
  echo "--- harness output (last 40 lines) ---"; tail -40 "$out.log"
  echo "--- results.md ---"; cat "$r" 2>/dev/null
fi
exit $failures
