# Sourced by integration tests: a private containerd with its own root, state and sockets under
# a temp dir, our shim first on its PATH, torn down (tasks, mounts, files) on exit even after a
# failure.
#
#   ws_ctrd_start SHIM_DIR [CONTAINERD_BIN]   sets WS_CTRD_DIR, WS_CTRD_SOCK, WS_CTR; `ctrx` runs
#                                             ctr against it in namespace $WS_NS
#   WS_CTRD_TMPFS=1                           that directory (root with the bolt databases and
#                                             snapshots, state, sockets) on a tmpfs of its own
#   WS_NS                                     this run's containerd namespace, wstest-<pid>: its
#                                             containers' cgroups are /$WS_NS/<id> (containerd's
#                                             default path), so runs side by side (a benchmark
#                                             next to a test) never see each other's cgroups
#   ws_ctrd_major                             the major version of $WS_CTRD_BIN (1, 2, ...)
#   ws_ctrd_stop                              stops containerd (keeps its state: for restarts)
#   ws_ctrd_cleanup                           everything (registered as an EXIT trap)
#   ws_free_subnet B                          a 10.B.N (a /24) no route or address of this host
#                                             uses; fails when there is none
#   ws_sweep_stale_bridges PREFIX             deletes bridges PREFIX<pid> whose test is gone
#   ws_cgroup_dirs /PARENT                    the cgroups below /PARENT (v1: every hierarchy,
#                                             v2: the one tree), deepest first
#   ws_remove_cgroups /PARENT                 kills what runs in them, removes them (retrying
#                                             for about 2 s while the killed processes exit)
#
# Exit status 77 means "skipped" (the tests' SKIP_RETURN_CODE).

WS_CTRD_DIR=""
WS_CTRD_PID=""
WS_CTRD_BIN=""
WS_CTRD_SHIM_DIR=""
WS_CTR=ctr
WS_NS=${WS_NS:-wstest-$$}
# Cleanup kills everything in the namespace's cgroups: never a namespace that is not a test's.
if [[ $WS_NS != wstest-* ]]; then
  echo "WS_NS must start with wstest- (got '$WS_NS'): its cgroups are removed at exit" >&2
  exit 2
fi

ctrx() { "$WS_CTR" --address "$WS_CTRD_SOCK" -n "$WS_NS" "$@"; }

# A /24 in 10.B.0.0/16 that no interface or route of this host uses yet.
ws_free_subnet() {
  local b=$1 used n
  used=$(ip -4 route show; ip -4 addr show)
  for n in $(shuf -i 1-254); do
    if ! grep -q "10\.$b\.$n\." <<<"$used"; then echo "10.$b.$n"; return 0; fi
  done
  return 1
}

# Bridges are named PREFIX<pid of the test script>; one whose script is gone was left by a run
# that was killed before its EXIT trap could run.
ws_sweep_stale_bridges() {
  local prefix=$1 dev pid
  for dev in $(ip -o link show type bridge 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
    [[ $dev =~ ^$prefix([0-9]+)$ ]] || continue
    pid=${BASH_REMATCH[1]}
    kill -0 "$pid" 2>/dev/null || ip link del "$dev" 2>/dev/null
  done
  return 0
}

ws_cgroup_dirs() {
  local parent=${1#/} root
  for root in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
    [[ -d "$root$parent" ]] && find "$root$parent" -depth -type d
  done
  return 0
}

ws_remove_cgroups() {
  local parent=$1 d p
  [[ -n "${parent#/}" ]] || return 0
  for d in $(ws_cgroup_dirs "$parent"); do
    for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
  done
  for _ in $(seq 1 40); do
    for d in $(ws_cgroup_dirs "$parent"); do rmdir "$d" 2>/dev/null; done
    [[ -z "$(ws_cgroup_dirs "$parent")" ]] && return 0
    sleep 0.05
  done
  return 0
}

# The config every private containerd shares: its own root, state, sockets and opt dir, debug
# logs. $1: more top-level keys (they must come before the first table). Tests that need more
# plugins (CRI) print this and append their tables.
ws_ctrd_config_common() {
  cat <<CFG
version = 2
root = "$WS_CTRD_DIR/root"
state = "$WS_CTRD_DIR/state"
${1:-}
[grpc]
  address = "$WS_CTRD_SOCK"
[ttrpc]
  address = "$WS_CTRD_SOCK.ttrpc"
[debug]
  level = "debug"
[plugins."io.containerd.internal.v1.opt"]
  path = "$WS_CTRD_DIR/opt"
CFG
}

ws_ctrd_write_config() {
  ws_ctrd_config_common 'disabled_plugins = ["io.containerd.grpc.v1.cri"]' >"$WS_CTRD_DIR/config.toml"
}

ws_ctrd_launch() {
  PATH="$WS_CTRD_SHIM_DIR:$PATH" "$WS_CTRD_BIN" --config "$WS_CTRD_DIR/config.toml" \
    >>"$WS_CTRD_DIR/containerd.log" 2>&1 &
  WS_CTRD_PID=$!
  for _ in $(seq 1 200); do
    if "$WS_CTR" --address "$WS_CTRD_SOCK" version >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$WS_CTRD_PID" 2>/dev/null; then
      echo "containerd died:" >&2
      tail -20 "$WS_CTRD_DIR/containerd.log" >&2
      return 1
    fi
    sleep 0.05
  done
  echo "containerd did not answer within 10 s" >&2
  return 1
}

ws_ctrd_start() {
  WS_CTRD_SHIM_DIR=$1
  WS_CTRD_BIN=${2:-containerd}
  # The ctr of the same release when it sits next to the daemon.
  WS_CTR=ctr
  if [[ -x "$(dirname "$(command -v "$WS_CTRD_BIN")")/ctr" ]]; then
    WS_CTR="$(dirname "$(command -v "$WS_CTRD_BIN")")/ctr"
  fi
  WS_CTRD_DIR=$(mktemp -d /tmp/ws-ctrd-XXXXXX)
  WS_CTRD_SOCK="$WS_CTRD_DIR/containerd.sock"
  trap ws_ctrd_cleanup EXIT
  trap "exit 143" INT TERM  # runs the EXIT trap when a timeout or ^C stops the test
  if [[ -n "${WS_CTRD_TMPFS:-}" ]] && ! mount -t tmpfs -o mode=0700,size=4g tmpfs "$WS_CTRD_DIR"; then
    echo "cannot mount a tmpfs on $WS_CTRD_DIR" >&2
    return 1
  fi
  ws_ctrd_write_config
  ws_ctrd_launch
}

# `containerd --version`: "containerd github.com/containerd/containerd[/v2] VERSION ...".
ws_ctrd_major() {
  "$WS_CTRD_BIN" --version | awk '{v=$3; sub(/^v/, "", v); split(v, p, "."); print p[1]; exit}'
}

ws_ctrd_stop() {
  if [[ -n "$WS_CTRD_PID" ]] && kill -0 "$WS_CTRD_PID" 2>/dev/null; then
    kill "$WS_CTRD_PID"
    # A new containerd on the same root blocks on boltdb until the old one is gone.
    for _ in $(seq 1 200); do kill -0 "$WS_CTRD_PID" 2>/dev/null || break; sleep 0.05; done
    kill -9 "$WS_CTRD_PID" 2>/dev/null || true
  fi
  WS_CTRD_PID=""
}

ws_ctrd_cleanup() {
  local rc=$?
  [[ -n "$WS_CTRD_DIR" ]] || return $rc
  set +e  # best effort from here on, also under a caller's `set -e -o pipefail`
  # Only a live containerd is asked (ctr waits for a socket that is gone), and never for long:
  # a timeout's TERM reaches containerd together with the test.
  if [[ -n "$WS_CTRD_PID" ]] && kill -0 "$WS_CTRD_PID" 2>/dev/null; then
    # Every namespace: after a failed CRI run, k8s.io still has pods.
    local ns c=(timeout 5 "$WS_CTR" --address "$WS_CTRD_SOCK")
    for ns in $("${c[@]}" namespaces ls -q 2>/dev/null); do
      for t in $("${c[@]}" -n "$ns" tasks ls -q 2>/dev/null); do
        "${c[@]}" -n "$ns" tasks kill -s 9 "$t" >/dev/null 2>&1 || true
      done
    done
    sleep 0.2
    for ns in $("${c[@]}" namespaces ls -q 2>/dev/null); do
      for t in $("${c[@]}" -n "$ns" tasks ls -q 2>/dev/null); do
        "${c[@]}" -n "$ns" tasks rm -f "$t" >/dev/null 2>&1 || true
      done
      for t in $("${c[@]}" -n "$ns" containers ls -q 2>/dev/null); do
        "${c[@]}" -n "$ns" containers rm "$t" >/dev/null 2>&1 || true
      done
    done
  fi
  ws_ctrd_stop
  # Shims of this containerd (their bundles live under our state dir).
  pkill -9 -f "containerd-shim-wasm-v1 .*-address $WS_CTRD_SOCK" 2>/dev/null || true
  # The namespace's cgroups (containerd leaves the parent /$WS_NS behind, and a failed run its
  # containers' cgroups too); the namespace is this run's alone.
  ws_remove_cgroups "/$WS_NS"
  # The log first: with WS_CTRD_TMPFS it goes with the unmounts.
  if [[ -n "${WS_KEEP_LOG:-}" ]]; then cp "$WS_CTRD_DIR/containerd.log" "$WS_KEEP_LOG"; fi
  if [[ $rc -ne 0 && -z "${WS_CTRD_QUIET:-}" && -f "$WS_CTRD_DIR/containerd.log" ]]; then
    echo "--- containerd log (last 40 lines) ---" >&2
    tail -40 "$WS_CTRD_DIR/containerd.log" >&2
  fi
  grep " $WS_CTRD_DIR[ /]" /proc/mounts | awk '{print $2}' | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
  rm -rf "$WS_CTRD_DIR"
  WS_CTRD_DIR=""
  return $rc
}

# TAP helpers of the test scripts: check NAME STATUS DETAILS... prints "ok"/"not ok" and counts
# failures; RT selects our runtime for ctr.
failures=0
ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1"; shift; for l in "$@"; do echo "    $l"; done; failures=$((failures + 1)); }
check() {  # check NAME CONDITION-EXIT-STATUS DETAILS...
  local name=$1 cond=$2; shift 2
  if [[ $cond -eq 0 ]]; then ok "$name"; else not_ok "$name" "$@"; fi
}
contains() { [[ "$1" == *"$2"* ]]; }
RT=(--runtime io.containerd.wasm.v1)
