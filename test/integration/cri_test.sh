#!/usr/bin/env bash
# Kubernetes CRI end to end: a private containerd with its CRI plugin, runtime handler `wasm` =
# our shim, a pod network from Debian's CNI plugins (bridge + host-local; CRI adds loopback),
# driven by a CRI client (cri_client.py: Debian's python3-grpcio and stubs generated from the
# cri-api v1 api.proto in Debian's containerd source package).
#
# usage: cri_test.sh SHIM_DIR GUEST_DIR [CONTAINERD_BIN]
# Everything it makes (containerd root/state/sockets, CNI config and IPAM state, a bridge
# wscri<pid> on a free subnet, a cgroup parent) is private and removed on exit, even on failure
# or on the TERM of the timeout ctest runs it under (a later run removes the bridges of runs
# that were killed outright).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
shim_dir=$1 guest_dir=$2 containerd_bin=${3:-containerd}
source "$here/containerd.sh"

IMG=docker.io/wstest/cri-guests:1
PAUSE=localhost/wasmshim/pause:1
CNI_BIN=/usr/lib/cni
api_proto="$("$here/../../support/scripts/fetch-sources.sh" --print-dir)/containerd/vendor/k8s.io/cri-api/pkg/apis/runtime/v1/api.proto"

[[ $EUID -eq 0 ]] || { echo "1..0 # SKIP needs root"; exit 77; }
command -v "$containerd_bin" >/dev/null || { echo "1..0 # SKIP no $containerd_bin"; exit 77; }
for p in bridge host-local loopback; do
  [[ -x "$CNI_BIN/$p" ]] || { echo "1..0 # SKIP no CNI plugin $CNI_BIN/$p (containernetworking-plugins)"; exit 77; }
done
/usr/bin/python3 -c 'import grpc' 2>/dev/null || { echo "1..0 # SKIP no python3-grpcio"; exit 77; }
[[ -f "$api_proto" ]] || { echo "1..0 # SKIP no $api_proto (support/scripts/fetch-sources.sh containerd)"; exit 77; }
[[ -x "$shim_dir/containerd-shim-wasm-v1" ]] || { echo "no shim in $shim_dir" >&2; exit 1; }

# A bridge named after this script (those of killed runs go first) and a /24 nobody here uses;
# the cgroup parent of the pod.
BRIDGE="wscri$$"
NET="wscri-$$"
ws_sweep_stale_bridges wscri
ip link del "$BRIDGE" 2>/dev/null  # an earlier run's under the same pid
SUBNET=$(ws_free_subnet 214) || { echo "no free 10.214.N.0/24 for the pod network" >&2; exit 1; }
CGROUP_PARENT="/wscri-$$"

cleanup_cri() {
  ip link del "$BRIDGE" 2>/dev/null
  rm -f /var/lib/cni/results/"$NET"-* 2>/dev/null
  # Whatever is left in the pod's cgroups (v1: each hierarchy; v2: the one tree).
  ws_remove_cgroups "$CGROUP_PARENT"
  return 0
}

# containerd.sh's config with the CRI plugin enabled and our handler.
ws_ctrd_write_config() {
  mkdir -p "$WS_CTRD_DIR/cni/conf" "$WS_CTRD_DIR/cni/ipam"
  cat >"$WS_CTRD_DIR/cni/conf/10-wasmpod.conflist" <<CNI
{
  "cniVersion": "1.0.0",
  "name": "$NET",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "ipam": {
        "type": "host-local",
        "dataDir": "$WS_CTRD_DIR/cni/ipam",
        "ranges": [[{"subnet": "$SUBNET.0/24"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    }
  ]
}
CNI
  {
    ws_ctrd_config_common
    cat <<CFG
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE"
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN"
    conf_dir = "$WS_CTRD_DIR/cni/conf"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "wasm"   # no runc runtime is configured here
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.wasm]
      runtime_type = "io.containerd.wasm.v1"
      pod_annotations = ["io.wasmshim.*"]
      container_annotations = ["io.wasmshim.*"]
CFG
  } >"$WS_CTRD_DIR/config.toml"
}

ws_ctrd_start "$shim_dir" "$containerd_bin" || { cleanup_cri; exit 1; }
# The pod's processes die first (containerd then reaps their tasks), then containerd with every
# namespace's tasks, then the network and cgroups.
trap 'rc=$?; ws_remove_cgroups "$CGROUP_PARENT"; (exit $rc); ws_ctrd_cleanup; cleanup_cri; exit $rc' EXIT
echo "# containerd: $("$containerd_bin" --version)"
echo "# pod network $NET: bridge $BRIDGE, $SUBNET.0/24; cgroup parent $CGROUP_PARENT"
ctrk() { "$WS_CTR" --address "$WS_CTRD_SOCK" -n k8s.io "$@"; }

work="$WS_CTRD_DIR/work"
mkdir -p "$work/pb" "$work/rootfs" "$work/pause/etc" "$work/logs"
# CRI stubs: the gogoproto options are Go-only (and gogo.proto is not shipped).
sed '/gogoproto/d' "$api_proto" >"$work/pb/api.proto"
(cd "$work/pb" && protoc -I. --python_out=. --grpc_out=. \
  --plugin=protoc-gen-grpc=/usr/bin/grpc_python_plugin api.proto) || exit 1

# The sandbox image: the shim runs nothing from it (its process only holds the pod's
# namespaces), but CRI wants it present.
echo "wasmshim pod sandbox" >"$work/pause/etc/sandbox"
/usr/bin/python3 "$here/mkimage.py" "$work/pause.tar" "$PAUSE" "$work/pause" '["/pause"]' || exit 1
for g in serve spin hog hello; do cp "$guest_dir/ws_it_$g.wasm" "$work/rootfs/$g.wasm"; done
cp /bin/true "$work/rootfs/sidecar"  # a Linux ELF program: refused
/usr/bin/python3 "$here/mkimage.py" "$work/img.tar" "$IMG" "$work/rootfs" '["/hello.wasm"]' || exit 1
ctrk images import "$work/pause.tar" >/dev/null || exit 1
ctrk images import "$work/img.tar" >/dev/null || exit 1

# In the background: a TERM then runs the cleanup at once, not after the client. ctest itself
# kills a test that outlives its TIMEOUT with SIGKILL (no trap runs); test/integration/CMakeLists.txt
# therefore runs this script under coreutils' `timeout -s TERM`, 60 s before ctest's limit.
/usr/bin/python3 "$here/cri_client.py" "$work/pb" "$WS_CTRD_SOCK" "$WS_CTRD_SOCK" wasm "$IMG" \
  "$work" "$CGROUP_PARENT" &
client=$!
trap 'kill $client 2>/dev/null; exit 143' INT TERM
wait $client
failures=$?
echo "# $failures failure(s)"
[[ $failures -eq 0 ]]
