# Sourced after containerd.sh: a private dockerd 26 (Debian trixie's docker.io, unpacked by
# support/scripts/fetch-trixie.sh) on top of the private containerd of ws_ctrd_start, with its own
# data root, exec root, pidfile, socket, cgroup parent and bridge, all torn down on exit (even
# after a failure) together with containerd.
#
#   ws_dockerd_available                      true when dockerd, docker and docker-proxy exist
#   ws_dockerd_start [--containerd-store] [JSON-MEMBERS]
#                                             writes daemon.json (JSON-MEMBERS: extra members,
#                                             e.g. '"runtimes": {...}'), starts dockerd and
#                                             waits for it; sets WS_DOCKERD_DIR, WS_DOCKER_SOCK,
#                                             WS_DOCKER_BRIDGE, WS_DOCKER_SUBNET; `dk` runs the
#                                             docker CLI against it
#   ws_dockerd_stop                           removes every container, stops dockerd
#
# Networking: dockerd cannot create a bridge with a non-default name, so ws_dockerd_start makes
# one (wsdk<pid>, a free 10.213.N.0/24) and deletes it at the end (and those of killed runs). iptables stays off (the host's
# tables are shared with everybody); published ports (-p) go through docker-proxy, the userland
# proxy, which connects to the container's address on that bridge.

WS_TRIXIE_ROOT=${WS_TRIXIE_ROOT:-$HOME/.cache/wasmshim/trixie/root}
WS_DOCKERD="$WS_TRIXIE_ROOT/usr/sbin/dockerd"
WS_DOCKER="$WS_TRIXIE_ROOT/usr/bin/docker"
WS_DOCKER_PROXY="$WS_TRIXIE_ROOT/usr/sbin/docker-proxy"
WS_DOCKERD_DIR=""
WS_DOCKERD_PID=""
WS_DOCKER_SOCK=""
WS_DOCKER_BRIDGE=""
WS_DOCKER_SUBNET=""
WS_DOCKER_CGROUP=""

dk() { DOCKER_CONFIG="$WS_DOCKERD_DIR/cli" "$WS_DOCKER" -H "unix://$WS_DOCKER_SOCK" "$@"; }

ws_dockerd_available() {
  [[ -x "$WS_DOCKERD" && -x "$WS_DOCKER" && -x "$WS_DOCKER_PROXY" ]]
}

ws_docker_make_bridge() {
  WS_DOCKER_BRIDGE="wsdk$$"
  ws_sweep_stale_bridges wsdk
  ip link del "$WS_DOCKER_BRIDGE" 2>/dev/null  # an earlier run's under the same pid
  local net
  net=$(ws_free_subnet 213) || { echo "no free 10.213.N.0/24 for the bridge" >&2; return 1; }
  ip link add "$WS_DOCKER_BRIDGE" type bridge || { WS_DOCKER_BRIDGE=""; return 1; }
  ip addr add "$net.1/24" dev "$WS_DOCKER_BRIDGE" && ip link set "$WS_DOCKER_BRIDGE" up || return 1
  WS_DOCKER_SUBNET="$net.0/24"
}

ws_dockerd_write_config() {  # ws_dockerd_write_config STORE EXTRA-MEMBERS
  local store=$1 extra=$2
  local storage='"storage-driver": "overlay2"'
  if [[ $store == containerd ]]; then
    storage='"features": {"containerd-snapshotter": true}'
  fi
  cat >"$WS_DOCKERD_DIR/daemon.json" <<JSON
{
  "data-root": "$WS_DOCKERD_DIR/data",
  "exec-root": "$WS_DOCKERD_DIR/exec",
  "pidfile": "$WS_DOCKERD_DIR/docker.pid",
  "hosts": ["unix://$WS_DOCKER_SOCK"],
  "containerd": "$WS_CTRD_SOCK",
  "bridge": "$WS_DOCKER_BRIDGE",
  "iptables": false,
  "ip-masq": false,
  "userland-proxy": true,
  "userland-proxy-path": "$WS_DOCKER_PROXY",
  "cgroup-parent": "$WS_DOCKER_CGROUP",
  "exec-opts": ["native.cgroupdriver=cgroupfs"],
  ${extra:+$extra,}
  $storage
}
JSON
}

ws_dockerd_start() {
  local store=graphdriver
  if [[ ${1:-} == --containerd-store ]]; then store=containerd; shift; fi
  local extra=${1:-}
  [[ -n "$WS_CTRD_DIR" ]] || { echo "ws_dockerd_start: start containerd first" >&2; return 1; }
  WS_DOCKERD_DIR="$WS_CTRD_DIR/docker"
  WS_DOCKER_SOCK="$WS_DOCKERD_DIR/docker.sock"
  WS_DOCKER_CGROUP="/wsdk-$$"
  mkdir -p "$WS_DOCKERD_DIR/cli"
  trap ws_docker_ctrd_cleanup EXIT
  ws_docker_make_bridge || return 1
  ws_dockerd_write_config "$store" "$extra"
  "$WS_DOCKERD" --config-file "$WS_DOCKERD_DIR/daemon.json" >"$WS_DOCKERD_DIR/dockerd.log" 2>&1 &
  WS_DOCKERD_PID=$!
  for _ in $(seq 1 300); do
    if dk version >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$WS_DOCKERD_PID" 2>/dev/null; then
      echo "dockerd died:" >&2
      tail -20 "$WS_DOCKERD_DIR/dockerd.log" >&2
      WS_DOCKERD_PID=""
      return 1
    fi
    sleep 0.1
  done
  echo "dockerd did not answer within 30 s" >&2
  return 1
}

ws_dockerd_stop() {
  [[ -n "$WS_DOCKERD_PID" ]] || return 0
  local ids=""
  # A dockerd that a timeout's TERM already stopped is not asked.
  if kill -0 "$WS_DOCKERD_PID" 2>/dev/null; then
    ids=$(timeout 10 "$WS_DOCKER" -H "unix://$WS_DOCKER_SOCK" ps -aq 2>/dev/null)
  fi
  # shellcheck disable=SC2086
  [[ -z "$ids" ]] || timeout 20 "$WS_DOCKER" -H "unix://$WS_DOCKER_SOCK" rm -f $ids >/dev/null 2>&1
  # docker-proxy processes are dockerd's children; dockerd stops them, unless it is killed.
  local proxies
  proxies=$(pgrep -P "$WS_DOCKERD_PID" -x docker-proxy)
  kill "$WS_DOCKERD_PID" 2>/dev/null
  for _ in $(seq 1 150); do kill -0 "$WS_DOCKERD_PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$WS_DOCKERD_PID" 2>/dev/null
  for p in $proxies; do kill -9 "$p" 2>/dev/null; done
  WS_DOCKERD_PID=""
}

ws_dockerd_cleanup() {
  [[ -n "$WS_DOCKERD_DIR" ]] || return 0
  ws_dockerd_stop
  # Tasks dockerd left in containerd (namespace moby): killed and deleted before containerd goes.
  if [[ -n "$WS_CTRD_PID" ]] && kill -0 "$WS_CTRD_PID" 2>/dev/null; then
    local c=(timeout 5 "$WS_CTR" --address "$WS_CTRD_SOCK" -n moby)
    for t in $("${c[@]}" tasks ls -q 2>/dev/null); do "${c[@]}" tasks kill -s 9 "$t" >/dev/null 2>&1; done
    sleep 0.2
    for t in $("${c[@]}" tasks ls -q 2>/dev/null); do "${c[@]}" tasks rm -f "$t" >/dev/null 2>&1; done
    for t in $("${c[@]}" containers ls -q 2>/dev/null); do "${c[@]}" containers rm "$t" >/dev/null 2>&1; done
  fi
  if [[ -n "$WS_DOCKER_BRIDGE" ]]; then ip link del "$WS_DOCKER_BRIDGE" 2>/dev/null; fi
  WS_DOCKER_BRIDGE=""
  # The cgroup parent of this dockerd's containers (v1 and v2; empty once they are gone).
  if [[ -n "$WS_DOCKER_CGROUP" ]]; then ws_remove_cgroups "$WS_DOCKER_CGROUP"; fi
  if [[ -n "${WS_KEEP_DOCKERD_LOG:-}" ]]; then cp "$WS_DOCKERD_DIR/dockerd.log" "$WS_KEEP_DOCKERD_LOG"; fi
  WS_DOCKERD_DIR=""
}

ws_docker_ctrd_cleanup() {
  local rc=$?
  set +e
  if [[ $rc -ne 0 && -z "${WS_CTRD_QUIET:-}" && -f "$WS_DOCKERD_DIR/dockerd.log" ]]; then
    echo "--- dockerd log (last 30 lines) ---" >&2
    grep -v docker-init "$WS_DOCKERD_DIR/dockerd.log" | tail -30 >&2
  fi
  ws_dockerd_cleanup
  (exit $rc)
  ws_ctrd_cleanup
}
