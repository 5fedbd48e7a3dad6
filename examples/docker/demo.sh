#!/usr/bin/env bash
# `make docker-demo`: the usual Docker + Wasm commands against a private dockerd 26 and containerd
# with our shim, then everything is torn down. See examples/docker/README.md.
#
# usage: examples/docker/demo.sh BUILD_DIR [CONTAINERD_BIN] [--containerd-store]
#
# Starts a private containerd (own root, state and sockets under a temp dir; our
# containerd-shim-wasm-v1 first on its PATH) and dockerd 26 from Debian trixie (unpacked by
# support/scripts/fetch-trixie.sh; own data root, exec root, socket, bridge; daemon.json as in
# daemon.json next to this script), packs the examples with wasm-oci, `docker load`s them and runs:
#   1 hello    docker run --rm --runtime=io.containerd.wasm.v1 IMAGE ARGS
#   2 docroot  docker run ... -v examples/docroot:/docroot:ro (a host directory, read-only)
#   3 httpd    docker run -d -p PORT:8080 --annotation io.wasmshim.tcplisten=0.0.0.0:8080 -v ...
#              then two HTTP requests, docker logs, docker stats, docker stop, docker wait
# Default store: the classic graphdriver (overlay2; images are linux/<arch> docker archives);
# --containerd-store: daemon.json features.containerd-snapshotter, wasi/wasm OCI images and
# `docker run --platform wasi/wasm`. WS_DEMO_PORT: the host port for httpd (default 8080).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build=$(cd "$1" && pwd)
containerd_bin=${2:-containerd}
store=graphdriver
[[ ${3:-} == --containerd-store ]] && store=containerd
port=${WS_DEMO_PORT:-8080}

[[ $EUID -eq 0 ]] || { echo "docker demo: needs root (dockerd, mounts, namespaces)" >&2; exit 1; }
shim="$build/shim/containerd-shim-wasm-v1"
packer="$build/tools/wasm-oci/wasm-oci"
for f in "$shim" "$packer" "$build/examples/hello.wasm" "$build/examples/docroot.wasm" \
  "$build/examples/httpd.wasm"; do
  [[ -e "$f" ]] || { echo "docker demo: $f was not built" >&2; exit 1; }
done

source "$root/test/integration/containerd.sh"
source "$root/test/integration/dockerd.sh"
ws_dockerd_available || {
  echo "docker demo: no dockerd 26 in $WS_TRIXIE_ROOT (run support/scripts/fetch-trixie.sh docker.io docker-cli)" >&2
  exit 1
}
WS_CTRD_QUIET=1
ws_ctrd_start "$(dirname "$shim")" "$containerd_bin"
if [[ $store == containerd ]]; then
  ws_dockerd_start --containerd-store
  plat=(--platform wasi/wasm)
  format=(--format oci --platform wasi/wasm)
else
  ws_dockerd_start
  plat=()
  format=(--format docker)  # linux/<this machine>: the graphdriver store takes no other OS
fi
echo "== private containerd $("$containerd_bin" --version | awk '{print $3}'), dockerd" \
  "$(dk version --format '{{.Server.Version}}') ($store store) at $WS_DOCKER_SOCK"
work="$WS_CTRD_DIR/images"
mkdir -p "$work"

# show CMD...: prints the docker command as a user would type it, then runs it.
show() {
  local shown=("$@")
  echo "== docker ${shown[*]}"
  dk "$@"
}
pack() {  # pack NAME WASM-OCI-ARGS...
  local name=$1
  shift
  echo "== wasm-oci ${format[*]} $* -o $name.tar"
  "$packer" "${format[@]}" "$@" -o "$work/$name.tar"
  show load -i "$work/$name.tar"
}
RT=(--runtime=io.containerd.wasm.v1 "${plat[@]}")

pack hello -t wasmshim/hello:1 --module-path /hello.wasm "$build/examples/hello.wasm"
show run --rm "${RT[@]}" wasmshim/hello:1 from docker

pack docroot -t wasmshim/docroot:1 --module-path /docroot.wasm "$build/examples/docroot.wasm"
show run --rm "${RT[@]}" -v "$root/examples/docroot:/docroot:ro" wasmshim/docroot:1

pack httpd -t wasmshim/httpd:1 --module-path /httpd.wasm "$build/examples/httpd.wasm"
show run -d "${RT[@]}" -p "127.0.0.1:$port:8080" \
  --annotation io.wasmshim.tcplisten=0.0.0.0:8080 -v "$root/examples/docroot:/docroot:ro" \
  --name httpd wasmshim/httpd:1
# What `curl http://127.0.0.1:PORT/...` would print (python: curl is not a dependency).
get() {
  echo "== GET http://127.0.0.1:$port$1"
  /usr/bin/python3 - "$port" "$1" <<'PY'
import sys, time, urllib.request, urllib.error
url = "http://127.0.0.1:%s%s" % (sys.argv[1], sys.argv[2])
for _ in range(100):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            print(r.status, r.headers["Content-Type"])
            print(r.read().decode(), end="")
        break
    except urllib.error.HTTPError as e:
        print(e.code, e.reason)
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("no answer from " + url)
PY
}
get /
get /hello.txt
show logs httpd
show stats --no-stream httpd
show stop httpd
echo "== docker wait httpd"
dk wait httpd
show rm httpd
echo "== images: $(dk images --format '{{.Repository}}:{{.Tag}} ({{.Size}})' | sort | tr '\n' ' ')"
