#!/usr/bin/env bash
# `make demo`: the examples as Wasm containers through a private containerd and our shim.
#
# usage: examples/demo.sh BUILD_DIR [CONTAINERD_BIN]
#
# Starts a private containerd (own root, state and sockets under a temp dir; our
# containerd-shim-wasm-v1 first on its PATH), packs each example into an image with wasm-oci
# (platform wasi/wasm), imports it, runs it with `ctr run --rm --runtime io.containerd.wasm.v1`,
# prints what it printed and tears everything down. Exits non-zero when an example fails.
#   1 hello         /hello.wasm, then the same image with the entrypoint /hello.wasm#greet
#   2 capabilities  the capability demo: the spec's environment and the image's rootfs as /
#   3 docroot       a host directory bind-mounted read-only at /docroot
#   4 sqlite3       SQLite's shell found on the image's PATH, running a script from a mount
#                   (skipped when build/test/real did not build sqlite3.wasm, or when
#                   WS_DEMO_NO_SQLITE is set)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
build=$(cd "$1" && pwd)
containerd_bin=${2:-containerd}

[[ $EUID -eq 0 ]] || { echo "demo: needs root (mounts, namespaces)" >&2; exit 1; }
shim="$build/shim/containerd-shim-wasm-v1"
packer="$build/tools/wasm-oci/wasm-oci"
for f in "$shim" "$packer" "$build/examples/hello.wasm" "$build/examples/capabilities.wasm" \
  "$build/examples/docroot.wasm"; do
  [[ -e "$f" ]] || { echo "demo: $f was not built" >&2; exit 1; }
done
sqlite="$build/test/real/ws_real_sqlite3.wasm"

source "$root/test/integration/containerd.sh"
WS_CTRD_QUIET=1
ws_ctrd_start "$(dirname "$shim")" "$containerd_bin"
echo "== private containerd $("$containerd_bin" --version | awk '{print $3}') at $WS_CTRD_SOCK"
work="$WS_CTRD_DIR/images"
mkdir -p "$work"

failed=0
# pack NAME WASM-OCI-ARGS...: builds $work/NAME.tar and imports it.
pack() {
  local name=$1
  shift
  echo "== wasm-oci $* -o $name.tar"
  "$packer" "$@" -o "$work/$name.tar"
  ctrx images import --platform wasi/wasm "$work/$name.tar" >/dev/null
}
# run ID IMAGE [CTR-RUN-OPTIONS... --] [ARGS...]
run() {
  local id=$1 image=$2
  shift 2
  local opts=()
  while [[ $# -gt 0 && $1 != -- ]]; do opts+=("$1"); shift; done
  [[ $# -gt 0 ]] && shift
  echo "== ctr run --rm --runtime io.containerd.wasm.v1 ${opts[*]} $image $id $*"
  set +e
  ctrx run --rm --runtime io.containerd.wasm.v1 --platform wasi/wasm "${opts[@]}" "$image" "$id" "$@"
  local rc=$?
  set -e
  echo "== $id exited with $rc"
  [[ $rc -eq 0 ]] || failed=1
}

pack hello -t wasmshim/hello:1 --module-path /hello.wasm "$build/examples/hello.wasm"
run hello docker.io/wasmshim/hello:1 -- /hello.wasm from the demo
run hello-greet docker.io/wasmshim/hello:1 -- '/hello.wasm#greet'

pack capabilities -t wasmshim/capabilities:1 --module-path /app.wasm \
  --add "$here/docroot:/docroot" --env PATH=/bin --env HOSTNAME=wasm-demo \
  "$build/examples/capabilities.wasm"
run capabilities docker.io/wasmshim/capabilities:1 --env GREETING=hello-from-the-spec --

pack docroot -t wasmshim/docroot:1 --module-path /bin/docroot.wasm --env PATH=/bin \
  --entrypoint docroot.wasm "$build/examples/docroot.wasm"
run docroot docker.io/wasmshim/docroot:1 \
  --mount "type=bind,src=$here/docroot,dst=/docroot,options=rbind:ro" --

if [[ -f "$sqlite" && -z "${WS_DEMO_NO_SQLITE:-}" ]]; then
  pack sqlite3 -t wasmshim/sqlite3:3.40 --module-path /usr/bin/sqlite3 --env PATH=/usr/bin \
    --entrypoint sqlite3 --cmd :memory: --cmd ".read /scripts/demo.sql" "$sqlite"
  echo "   (sqlite3.wasm is 1.2 MB: compiling it at Create takes about a minute on this machine)"
  run sqlite3 docker.io/wasmshim/sqlite3:3.40 \
    --mount "type=bind,src=$here/sql,dst=/scripts,options=rbind:ro" --
else
  echo "== sqlite3: skipped ($sqlite not built (make deps fetches its sources) or WS_DEMO_NO_SQLITE set)"
fi

echo "== images: $(ctrx images ls -q | tr '\n' ' ')"
exit $failed
