#!/usr/bin/env bash
# The main job: runs a Wasm module as a container through a private containerd and our shim.
#
# usage: examples/run-in-containerd.sh BUILD_DIR MODULE.wasm [ARGS...]
#
# Starts a private containerd (Debian's 1.6, own root, state and sockets under a temp dir, our
# containerd-shim-wasm-v1 first on its PATH), packs MODULE into an OCI image (rootfs: the module
# as /app.wasm plus examples/docroot as /docroot), imports it, runs
#   ctr run --rm --runtime io.containerd.wasm.v1 --env GREETING=... IMAGE demo /app.wasm ARGS
# prints what the container printed, and tears everything down. Exits with the container's code.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
build=$(cd "$1" && pwd)
module=$2
shift 2

[[ $EUID -eq 0 ]] || { echo "run-in-containerd: needs root (mounts, namespaces)" >&2; exit 1; }
shim="$build/shim/containerd-shim-wasm-v1"
[[ -x "$shim" ]] || { echo "run-in-containerd: $shim was not built" >&2; exit 1; }
[[ -f "$module" ]] || { echo "run-in-containerd: no module $module" >&2; exit 1; }

source "$root/test/integration/containerd.sh"
WS_CTRD_QUIET=1  # the container's own exit code is no failure of containerd
ws_ctrd_start "$(dirname "$shim")" containerd
echo "== private containerd: $(containerd --version | awk '{print $3}') at $WS_CTRD_SOCK"

img=docker.io/wasmshim/demo:1
rootfs="$WS_CTRD_DIR/image-rootfs"
mkdir -p "$rootfs"
cp "$module" "$rootfs/app.wasm"
[[ -d "$here/docroot" ]] && cp -r "$here/docroot" "$rootfs/docroot"
/usr/bin/python3 "$root/test/integration/mkimage.py" "$WS_CTRD_DIR/image.tar" "$img" "$rootfs" \
  '["/app.wasm"]'
ctrx images import "$WS_CTRD_DIR/image.tar" >/dev/null
echo "== image $img: $(ls "$rootfs" | tr '\n' ' ')"
echo "== ctr run --rm --runtime io.containerd.wasm.v1 $img demo /app.wasm $*"
set +e
ctrx run --rm --runtime io.containerd.wasm.v1 --env GREETING=hello-from-the-spec \
  "$img" demo /app.wasm "$@"
rc=$?
set -e
echo "== container exited with $rc"
exit $rc
