#!/usr/bin/env bash
# Container-level benchmarks: our shim against runc (busybox-static) through one private
# containerd, in the same run: `ctr run --rm` latency and the shim's phases, throughput with N
# concurrent clients of containerd's gRPC API (tp_client.py; one shim per container, and all in
# one shim), memory (PSS) of K idle containers, and the same for a large module
# (sqlite3) with a warm code cache. Writes results.md, the .dat files and PNG plots.
#
# usage: bench/containers/run.sh [BUILD_DIR]          (as root; `make bench-containers`)
# Environment (defaults are the issue's sizes):
#   WS_BENCH_RUNS (30)              `ctr run --rm` runs per runtime for the latency figures
#   WS_BENCH_CONTAINERS (1000)      containers per throughput measurement
#   WS_BENCH_CONCURRENCY ("1 4 16") concurrent clients
#   WS_BENCH_K ("10 100 1000")      idle containers held at once
#   WS_BENCH_LARGE (1)              0: skip the large module
#   WS_BENCH_OUT (bench/containers/results)  where the report and plots go
#   WS_BENCH_SHIM_DIR, WS_BENCH_GUEST_DIR, WS_BENCH_LARGE_WASM   override the built inputs
#   WS_BENCH_CACHE (~/.cache/wasmshim/bench-containers)  the shim's code cache (kept: warm)
#   WS_BENCH_CRI (1)                0: skip the pod-grouped (CRI) density case
#   WS_BENCH_CRI_K (WS_BENCH_K)     pod sizes for the CRI case
#   WS_BENCH_TP_CLIENT (grpc)       throughput client: grpc (tp_client.py, containerd's API) or
#                                   ctr (concurrent `ctr run --rm` processes)
#   WS_BENCH_TP_GROUPED (1)         0: no grouped throughput (all containers in one shim)
#   CONTAINERD (containerd)         the containerd binary
#   WS_CTRD_TMPFS (unset)           1: containerd's directory (its bolt databases, snapshots and
#                                   state) and runc's state directory on a tmpfs, to measure
#                                   without the disk under them
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build_dir="$(cd "${1:-$root/build}" && pwd)"
shim_dir=${WS_BENCH_SHIM_DIR:-$build_dir/shim}
guest_dir=${WS_BENCH_GUEST_DIR:-$build_dir/test/integration}
large=${WS_BENCH_LARGE_WASM:-$build_dir/test/real/ws_real_sqlite3.wasm}
out=${WS_BENCH_OUT:-$here/results}
export WASMSHIM_CACHE_DIR=${WS_BENCH_CACHE:-$HOME/.cache/wasmshim/bench-containers}
source "$root/test/integration/containerd.sh"

[[ $EUID -eq 0 ]] || { echo "bench-containers: needs root" >&2; exit 1; }
for f in "$shim_dir/containerd-shim-wasm-v1" "$guest_dir/ws_it_hello.wasm" \
  "$guest_dir/ws_it_hold.wasm"; do
  [[ -f "$f" ]] || { echo "bench-containers: no $f (build it first)" >&2; exit 1; }
done
busybox=$(command -v busybox) || { echo "bench-containers: no busybox (busybox-static)" >&2; exit 1; }
file -L "$busybox" 2>/dev/null | grep -q "static" || [[ ! -x /usr/bin/file ]] ||
  { echo "bench-containers: $busybox is not static (install busybox-static)" >&2; exit 1; }
[[ "${WS_BENCH_LARGE:-1}" == 1 && -f "$large" ]] || large=""

# The pod-grouped case goes through containerd's CRI plugin: stubs from the cri-api proto in
# Debian's containerd source package (support/scripts/fetch-sources.sh), host-network pods.
api_proto="$("$root/support/scripts/fetch-sources.sh" --print-dir)/containerd/vendor/k8s.io/cri-api/pkg/apis/runtime/v1/api.proto"
cri=${WS_BENCH_CRI:-1}
if [[ $cri == 1 ]] && { [[ ! -f "$api_proto" ]] || ! /usr/bin/python3 -c 'import grpc' 2>/dev/null; }; then
  echo "bench-containers: no $api_proto or python3-grpcio: no CRI figures" >&2
  cri=0
fi
# The throughput client speaks containerd's API: stubs from the API protos of the same source.
tp_client=${WS_BENCH_TP_CLIENT:-grpc}
ctrd_api="$("$root/support/scripts/fetch-sources.sh" --print-dir)/containerd/api"
if [[ $tp_client == grpc ]] && { [[ ! -d "$ctrd_api" ]] || ! /usr/bin/python3 -c 'import grpc' 2>/dev/null; }; then
  echo "bench-containers: no $ctrd_api or python3-grpcio: throughput through ctr" >&2
  tp_client=ctr
fi
# Everything the run starts lives below this cgroup (containerd and so every shim in .../daemon,
# bench.py and its clients in .../client, every container below it too): the CPU figures are
# read there and the cleanup kills what is left there, also after containerd died.
CGROUP_PARENT="/wsbench-$$"
# cg_join NAME PID: PID into $CGROUP_PARENT/NAME of cpuacct's hierarchy (v1) or the unified tree
cg_join() {
  local d=/sys/fs/cgroup
  [[ -f $d/cgroup.controllers ]] || d=/sys/fs/cgroup/cpuacct
  mkdir -p "$d$CGROUP_PARENT/$1" && echo "$2" >"$d$CGROUP_PARENT/$1/cgroup.procs"
}
cleanup_cgroups() {
  ws_remove_cgroups "$CGROUP_PARENT"  # kills what is left, retries rmdir while it exits
  # runc leaves the namespace's parent cgroup (/$WS_NS) behind; rmdir only takes it when empty.
  for r in /sys/fs/cgroup/*/"$WS_NS" /sys/fs/cgroup/"$WS_NS"; do [[ -d $r ]] && rmdir "$r" 2>/dev/null; done
  # runc's state of containers nobody deleted (containerd died first): runc's shim keeps it in
  # /run/containerd/runc/NAMESPACE/ID, which every containerd of the host shares. The namespace
  # is this run's alone (also what a `runc create` cut short left); in k8s.io, the containers
  # in this run's cgroup.
  if [[ -n "$WS_NS" ]]; then
    mountpoint -q "/run/containerd/runc/$WS_NS" && umount -l "/run/containerd/runc/$WS_NS"
    rm -rf "/run/containerd/runc/$WS_NS"
  fi
  grep -l "$CGROUP_PARENT/" /run/containerd/runc/k8s.io/*/state.json 2>/dev/null |
    while read -r f; do rm -rf "$(dirname "$f")"; done
  return 0
}
# containerd.sh's config plus the CRI plugin with handlers wasm (our shim) and runc.
ws_ctrd_write_config() {
  mkdir -p "$WS_CTRD_DIR/cni/conf" "$WS_CTRD_DIR/cni/bin"
  {
    ws_ctrd_config_common
    cat <<CFG
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "docker.io/wsbench/pause:1"
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$WS_CTRD_DIR/cni/bin"
    conf_dir = "$WS_CTRD_DIR/cni/conf"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.wasm]
      runtime_type = "io.containerd.wasm.v1"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
CFG
  } >"$WS_CTRD_DIR/config.toml"
}

# 1,000 shims and containers: descriptors for containerd (two per shim connection, FIFOs) and
# for ctr clients.
ulimit -n 1048576 2>/dev/null || ulimit -n 65536
mkdir -p "$WASMSHIM_CACHE_DIR" && chmod 700 "$WASMSHIM_CACHE_DIR"
ws_ctrd_start "$shim_dir" "${CONTAINERD:-containerd}" || { cleanup_cgroups; exit 1; }
cg_join daemon "$WS_CTRD_PID" || { echo "bench-containers: cannot move containerd to a cgroup" >&2; exit 1; }
# containerd.sh's cleanup covers namespace $WS_NS; the CRI pods live in k8s.io.
cleanup_k8s() {
  [[ -n "$WS_CTRD_PID" ]] || return 0
  local k=("$WS_CTR" --address "$WS_CTRD_SOCK" -n k8s.io)
  "${k[@]}" tasks ls -q 2>/dev/null | xargs -r -P 8 -I{} "${k[@]}" tasks kill -s 9 {} >/dev/null 2>&1
  sleep 0.5
  "${k[@]}" tasks ls -q 2>/dev/null | xargs -r -P 8 -I{} "${k[@]}" tasks rm -f {} >/dev/null 2>&1
  "${k[@]}" containers ls -q 2>/dev/null | xargs -r -P 8 -I{} "${k[@]}" containers rm {} >/dev/null 2>&1
  return 0
}
trap 'rc=$?; trap "" INT TERM; cleanup_k8s; ws_ctrd_cleanup; cleanup_cgroups; exit $rc' EXIT
# WS_CTRD_TMPFS: runc's state too (runc's shim keeps it in /run/containerd/runc/NAMESPACE, on a
# tmpfs wherever /run is one, as on a standard host).
if [[ -n "${WS_CTRD_TMPFS:-}" ]]; then
  mkdir -p "/run/containerd/runc/$WS_NS" || exit 1
  if [[ $(findmnt -n -o FSTYPE --target "/run/containerd/runc/$WS_NS") != tmpfs ]]; then
    mount -t tmpfs -o mode=0711,size=1g tmpfs "/run/containerd/runc/$WS_NS" ||
      { echo "bench-containers: cannot mount a tmpfs for runc's state" >&2; exit 1; }
  fi
fi
echo "# containerd: $("${CONTAINERD:-containerd}" --version)" >&2

# Images: the guests (and the large module) for our shim, busybox for runc.
work="$WS_CTRD_DIR/work"
mkdir -p "$work/wasm" "$work/bb/bin"
cp "$guest_dir/ws_it_hello.wasm" "$work/wasm/hello.wasm"
cp "$guest_dir/ws_it_hold.wasm" "$work/wasm/hold.wasm"
[[ -n "$large" ]] && cp "$large" "$work/wasm/large.wasm"
cp "$busybox" "$work/bb/bin/busybox"
mk="$root/test/integration/mkimage.py"
/usr/bin/python3 "$mk" "$work/wasm.tar" docker.io/wsbench/wasm:1 "$work/wasm" '["/hello.wasm"]' || exit 1
/usr/bin/python3 "$mk" "$work/bb.tar" docker.io/wsbench/busybox:1 "$work/bb" \
  '["/bin/busybox","echo","hello"]' || exit 1
ctrx images import "$work/wasm.tar" >/dev/null || exit 1
ctrx images import "$work/bb.tar" >/dev/null || exit 1
cri_args=()
if [[ $cri == 1 ]]; then
  /usr/bin/python3 "$mk" "$work/pause.tar" docker.io/wsbench/pause:1 "$work/bb" \
    '["/bin/busybox","sleep","2147483647"]' || exit 1
  for t in wasm bb pause; do
    "$WS_CTR" --address "$WS_CTRD_SOCK" -n k8s.io images import "$work/$t.tar" >/dev/null || exit 1
  done
  mkdir -p "$work/pb"
  sed '/gogoproto/d' "$api_proto" >"$work/pb/api.proto"
  (cd "$work/pb" && protoc -I. --python_out=. --grpc_out=. \
    --plugin=protoc-gen-grpc=/usr/bin/grpc_python_plugin api.proto) || exit 1
  cri_args=(--cri "$work/pb" --cri-k "${WS_BENCH_CRI_K:-}")
fi
tp_args=(--tp-client "$tp_client" --tp-grouped "${WS_BENCH_TP_GROUPED:-1}")
if [[ $tp_client == grpc ]]; then
  "$here/api_stubs.sh" "$ctrd_api" "$work/cpb" || exit 1
  mkdir -p "$work/fifo"
  tp_args+=(--stubs "$work/cpb" --fifo-dir "$work/fifo")
fi

mkdir -p "$out"
# bench.py and every client it starts in their own cgroup: INT/TERM kills them all.
( cg_join client "$BASHPID" || exit 1
  exec /usr/bin/python3 "$here/bench.py" --ctr "$WS_CTR" --address "$WS_CTRD_SOCK" --namespace "$WS_NS" \
  --log "$WS_CTRD_DIR/containerd.log" --out "$out" --large "$([[ -n "$large" ]] && echo 1 || echo 0)" \
  --runs "${WS_BENCH_RUNS:-30}" --containers "${WS_BENCH_CONTAINERS:-1000}" \
  --concurrency "${WS_BENCH_CONCURRENCY:-1 4 16}" --k "${WS_BENCH_K:-10 100 1000}" \
  --cache "$WASMSHIM_CACHE_DIR" --cgroup-parent "$CGROUP_PARENT" --ctrd-pid "$WS_CTRD_PID" \
  --daemon-cgroup "$CGROUP_PARENT/daemon" --ctrd-fs "$(findmnt -n -o FSTYPE --target "$WS_CTRD_DIR")" \
  "${tp_args[@]}" "${cri_args[@]}" ) &
client=$!
trap 'ws_remove_cgroups "$CGROUP_PARENT/client"; exit 143' INT TERM
wait $client || exit 1

if command -v gnuplot >/dev/null; then
  (cd "$out" && gnuplot "$here/plots.gp") || { echo "bench-containers: gnuplot failed" >&2; exit 1; }
fi
echo "# report: $out/results.md" >&2
