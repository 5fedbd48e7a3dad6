# Sourced by integration tests: a private containerd with its own root, state and sockets under
# a temp dir, our shim first on its PATH, torn down (tasks, mounts, files) on exit even after a
# failure.
#
#   ws_ctrd_start SHIM_DIR [CONTAINERD_BIN]   sets WS_CTRD_DIR, WS_CTRD_SOCK, WS_CTR; `ctrx` runs
#                                             ctr against it in namespace wstest
#   ws_ctrd_stop                              stops containerd (keeps its state: for restarts)
#   ws_ctrd_cleanup                           everything (registered as an EXIT trap)

WS_CTRD_DIR=""
WS_CTRD_PID=""
WS_CTRD_BIN=""
WS_CTRD_SHIM_DIR=""
WS_CTR=ctr

ctrx() { "$WS_CTR" --address "$WS_CTRD_SOCK" -n wstest "$@"; }

ws_ctrd_write_config() {
  cat >"$WS_CTRD_DIR/config.toml" <<CFG
version = 2
root = "$WS_CTRD_DIR/root"
state = "$WS_CTRD_DIR/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
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
  ws_ctrd_write_config
  ws_ctrd_launch
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
  if [[ -n "$WS_CTRD_PID" ]]; then
    for t in $(ctrx tasks ls -q 2>/dev/null); do ctrx tasks kill -s 9 "$t" >/dev/null 2>&1 || true; done
    sleep 0.2
    for t in $(ctrx tasks ls -q 2>/dev/null); do ctrx tasks rm -f "$t" >/dev/null 2>&1 || true; done
    for c in $(ctrx containers ls -q 2>/dev/null); do ctrx containers rm "$c" >/dev/null 2>&1 || true; done
  fi
  ws_ctrd_stop
  # Shims of this containerd (their bundles live under our state dir).
  pkill -9 -f "containerd-shim-wasm-v1 .*-address $WS_CTRD_SOCK" 2>/dev/null || true
  grep " $WS_CTRD_DIR" /proc/mounts | awk '{print $2}' | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
  if [[ -n "${WS_KEEP_LOG:-}" ]]; then cp "$WS_CTRD_DIR/containerd.log" "$WS_KEEP_LOG"; fi
  if [[ $rc -ne 0 && -z "${WS_CTRD_QUIET:-}" && -f "$WS_CTRD_DIR/containerd.log" ]]; then
    echo "--- containerd log (last 40 lines) ---" >&2
    tail -40 "$WS_CTRD_DIR/containerd.log" >&2
  fi
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
