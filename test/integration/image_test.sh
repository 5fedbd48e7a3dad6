#!/usr/bin/env bash
# End-to-end: images built by wasm-oci (OCI layout and docker archive), umoci and buildah import
# into a private containerd and run through our shim; the examples of `make demo` print what they
# should; config.json mappings (cwd, read-only root, mounts, annotations) and configs the shim
# cannot honour (non-Wasm entry, hostile mount destination, unknown handler) through real ctr.
#
# usage: image_test.sh BUILD_DIR [CONTAINERD_BIN]
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build=$(cd "$1" && pwd)
containerd_bin=${2:-containerd}
shim_dir="$build/shim"
packer="$build/tools/wasm-oci/wasm-oci"
source "$here/containerd.sh"


[[ $EUID -eq 0 ]] || { echo "1..0 # SKIP needs root"; exit 77; }
command -v "$containerd_bin" >/dev/null || { echo "1..0 # SKIP no $containerd_bin"; exit 77; }
for f in "$shim_dir/containerd-shim-wasm-v1" "$packer" "$build/examples/hello.wasm" \
  "$build/examples/docroot.wasm" "$build/test/integration/ws_it_spin.wasm"; do
  [[ -e "$f" ]] || { echo "missing $f" >&2; exit 1; }
done

# 1. The examples of `make demo`, with their output.
out=$("$root/examples/demo.sh" "$build" "$containerd_bin" 2>&1); rc=$?
[[ $rc -eq 0 ]]; check "make demo: every example exits 0" $? "rc=$rc" "$(tail -30 <<<"$out")"
contains "$out" "Hello from a WebAssembly container!" && contains "$out" "argument 3: demo"
check "demo hello: greeting and arguments" $? "$out"
contains "$out" "Hello from the exported function greet!"
check "demo hello#greet: the exported function runs instead of _start" $? "$out"
caps=$(sed -n '/ctr run .* capabilities /,/capabilities exited/p' <<<"$out")
contains "$caps" "Environment variables: 3" && contains "$caps" "  HOSTNAME" &&
  contains "$caps" "  GREETING" && contains "$caps" "  docroot" && contains "$caps" "  app.wasm"
check "demo capabilities: exactly the spec's variables and the rootfs as /" $? "$caps"
contains "$out" "GET /index.html -> 200" && contains "$out" "Served from a directory" &&
  contains "$out" "writing into /docroot: Read-only file system"
check "demo docroot: the bind mount is read, and read-only" $? "$out"
if [[ -f "$build/test/real/ws_real_sqlite3.wasm" && -z "${WS_DEMO_NO_SQLITE:-}" ]]; then
  contains "$out" "wasmshim  C++       2026" && grep -Eq "^3 +3\.40\.1" <<<"$out"
  check "demo sqlite3: the script from the mount ran" $? "$(grep -A12 'ctr run .*sqlite3' <<<"$out")"
else
  echo "ok - demo sqlite3 # SKIP sqlite3.wasm not built"
fi

ws_ctrd_start "$shim_dir" "$containerd_bin" || exit 1
# dockerd (when the docker load part runs) goes with containerd, whatever stops the test.
dockerd_pid=""
image_test_cleanup() {
  local rc=$?
  if [[ -n "$dockerd_pid" ]]; then kill -9 "$dockerd_pid" 2>/dev/null; fi
  (exit $rc)
  ws_ctrd_cleanup
}
trap image_test_cleanup EXIT
echo "# containerd: $("$containerd_bin" --version)"
work="$WS_CTRD_DIR/work"
mkdir -p "$work"
run() { ctrx run --rm "${RT[@]}" "$@" 2>&1; }

# 2. wasm-oci's docker archive and a wasip1/wasm OCI layout.
"$packer" --format docker -t wstest/docker:1 --module-path /hello.wasm -o "$work/docker.tar" \
  "$build/examples/hello.wasm" >/dev/null
tar -xOf "$work/docker.tar" manifest.json | grep -q '"RepoTags":\["docker.io/wstest/docker:1"\]'
check "docker archive carries manifest.json with the tag" $?
ctrx images import "$work/docker.tar" >/dev/null 2>&1
out=$(run docker.io/wstest/docker:1 d1 /hello.wasm docker); rc=$?
contains "$out" "argument 1: docker" && [[ $rc -eq 0 ]]
check "a docker-archive image from wasm-oci imports and runs" $? "rc=$rc out: $out"
"$packer" --platform wasip1/wasm -t wstest/wasip1:1 --module-path /hello.wasm \
  -o "$work/wasip1.tar" "$build/examples/hello.wasm" >/dev/null
ctrx images import --platform wasip1/wasm "$work/wasip1.tar" >/dev/null 2>&1
out=$(run --platform wasip1/wasm docker.io/wstest/wasip1:1 d2); rc=$?
contains "$out" "Hello from a WebAssembly container!" && [[ $rc -eq 0 ]]
check "a wasip1/wasm image runs with ctr --platform wasip1/wasm" $? "rc=$rc out: $out"
a=$("$packer" -t wstest/same:1 -o "$work/same1.tar" "$build/examples/hello.wasm")
b=$("$packer" -t wstest/same:1 -o "$work/same2.tar" "$build/examples/hello.wasm")
cmp -s "$work/same1.tar" "$work/same2.tar" && [[ "$a" == "$b" ]]
check "wasm-oci is reproducible (same bytes, same digest)" $? "$a / $b"

# docker load (dockerd 26 from Debian trixie, unpacked by fetch-trixie.sh; graphdriver mode,
# beside our containerd) takes wasm-oci's docker archive.
trixie="${WS_TRIXIE_ROOT:-$HOME/.cache/wasmshim/trixie/root}"
if [[ -x "$trixie/usr/sbin/dockerd" && -x "$trixie/usr/bin/docker" ]]; then
  D="$WS_CTRD_DIR/docker"
  mkdir -p "$D"
  "$trixie/usr/sbin/dockerd" --data-root "$D/data" --exec-root "$D/exec" --pidfile "$D/docker.pid" \
    -H "unix://$D/docker.sock" --iptables=false --ip-masq=false --bridge=none --userland-proxy=false \
    --storage-driver=vfs --containerd="$WS_CTRD_SOCK" >"$D/dockerd.log" 2>&1 &
  dockerd_pid=$!
  dk() { "$trixie/usr/bin/docker" -H "unix://$D/docker.sock" "$@"; }
  for _ in $(seq 1 200); do dk version >/dev/null 2>&1 && break; sleep 0.1; done
  out=$(dk load -i "$work/docker.tar" 2>&1); rc=$?
  insp=$(dk image inspect docker.io/wstest/docker:1 --format '{{.Os}} {{json .Config.Entrypoint}}' 2>&1)
  contains "$out" "Loaded image: wstest/docker:1" && [[ "$insp" == 'linux ["/hello.wasm"]' ]]
  check "docker load takes wasm-oci's docker archive" $? "rc=$rc out: $out" "inspect: $insp" \
    "$(tail -5 "$D/dockerd.log")"
  kill "$dockerd_pid"
  for _ in $(seq 1 100); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$dockerd_pid" 2>/dev/null
  dockerd_pid=""
  grep " $D" /proc/mounts | awk '{print $2}' | sort -r | xargs -r umount -l
else
  echo "ok - docker load # SKIP no dockerd (support/scripts/fetch-trixie.sh docker.io docker-cli)"
fi

# The artifact form: containerd >= 1.6.25/1.7.7 imports non-tar layers; the shim reads the
# module from containerd's content store and runs it.
"$packer" --format artifact -t wstest/artifact:1 --module-path /hello.wasm -o "$work/artifact.tar" \
  "$build/examples/hello.wasm" >/dev/null
ctrd_v=$("$containerd_bin" --version | awk '{v=$3; sub(/^v/, "", v); print v}')
if [[ ${ctrd_v%%.*} -ge 2 || $ctrd_v == 1.[7-9].* ]]; then
  out=$(ctrx images import --platform wasi/wasm "$work/artifact.tar" 2>&1); rc=$?
  digest=$(sha256sum "$build/examples/hello.wasm" | awk '{print $1}')
  ctrx content get "sha256:$digest" | cmp -s - "$build/examples/hello.wasm" && [[ $rc -eq 0 ]]
  check "an application/wasm artifact imports; the module is in the content store" $? \
    "rc=$rc out: $out"
  out=$(run --platform wasi/wasm docker.io/wstest/artifact:1 a1 /hello.wasm artifact); rc=$?
  contains "$out" "argument 1: artifact" && [[ $rc -eq 0 ]]
  check "an application/wasm artifact runs from the content store" $? "rc=$rc out: $out"
else
  echo "ok - artifact import # SKIP containerd before 1.7 refuses non-tar layers"
fi

# 3. Images built by umoci and buildah.
if command -v umoci >/dev/null; then
  (
    set -e
    cd "$work"
    umoci init --layout umoci-layout && umoci new --image umoci-layout:wasm
    umoci unpack --rootless --image umoci-layout:wasm umoci-bundle >/dev/null
    cp "$build/examples/hello.wasm" umoci-bundle/rootfs/hello.wasm
    umoci repack --image umoci-layout:wasm umoci-bundle
    umoci config --image umoci-layout:wasm --config.entrypoint /hello.wasm --os wasi --architecture wasm
    tar -C umoci-layout -cf umoci.tar .
  ) >"$work/umoci.log" 2>&1
  ctrx images import --platform wasi/wasm --base-name docker.io/wstest/umoci "$work/umoci.tar" \
    >>"$work/umoci.log" 2>&1
  out=$(run --platform wasi/wasm docker.io/wstest/umoci:wasm u1 /hello.wasm umoci); rc=$?
  contains "$out" "argument 1: umoci" && [[ $rc -eq 0 ]]
  check "an image built by umoci imports and runs" $? "rc=$rc out: $out" "$(tail -5 "$work/umoci.log")"
else
  echo "ok - umoci image # SKIP umoci not installed"
fi
if command -v buildah >/dev/null; then
  B=(buildah --root "$work/buildah-root" --runroot "$work/buildah-run" --storage-driver vfs)
  (
    set -e
    c=$("${B[@]}" from scratch)
    "${B[@]}" copy "$c" "$build/examples/hello.wasm" /hello.wasm
    "${B[@]}" config --entrypoint '["/hello.wasm"]' --os wasip1 --arch wasm "$c"
    "${B[@]}" commit --format oci "$c" "oci-archive:$work/buildah.tar:docker.io/wstest/buildah:1"
    "${B[@]}" rm "$c"
  ) >"$work/buildah.log" 2>&1
  ctrx images import --platform wasip1/wasm "$work/buildah.tar" >>"$work/buildah.log" 2>&1
  out=$(run docker.io/wstest/buildah:1 b1 /hello.wasm buildah); rc=$?
  contains "$out" "argument 1: buildah" && [[ $rc -eq 0 ]]
  check "an image built by buildah imports and runs" $? "rc=$rc out: $out" "$(tail -5 "$work/buildah.log")"
  "${B[@]}" rm -a >/dev/null 2>&1
  # buildah's vfs layers and overlay mounts stay under $work: unmount before the cleanup.
  grep " $work/buildah" /proc/mounts | awk '{print $2}' | sort -r | xargs -r umount -l
else
  echo "ok - buildah image # SKIP buildah not installed"
fi

# 4. config.json mappings through ctr.
"$packer" -t wstest/map:1 --module-path /bin/docroot.wasm --env PATH=/bin \
  --add "$build/test/integration/ws_it_spin.wasm:/spin.wasm" \
  --add "$build/test/integration/ws_it_serve.wasm:/serve.wasm" \
  --add "$root/test/integration/mkimage.py:/not-wasm.wasm" \
  -o "$work/map.tar" "$build/examples/docroot.wasm" >/dev/null
ctrx images import --platform wasi/wasm "$work/map.tar" >/dev/null 2>&1
IMG=docker.io/wstest/map:1
out=$(run --cwd /bin "$IMG" m1 ./docroot.wasm /bin); rc=$?
contains "$out" "/bin holds 1 entries" && contains "$out" "writing into /bin: allowed"
check "args[0] relative to process.cwd; a writable root" $? "rc=$rc out: $out"
out=$(run --read-only "$IMG" m2 docroot.wasm /); rc=$?
contains "$out" "writing into /: Read-only file system"
check "root.readonly: the guest's / refuses writes" $? "rc=$rc out: $out"
out=$(run --mount "type=tmpfs,src=tmpfs,dst=/scratch,options=size=1m" --read-only "$IMG" m3 \
  docroot.wasm /scratch); rc=$?
contains "$out" "/scratch holds 0 entries" && contains "$out" "writing into /scratch: allowed"
check "a tmpfs mount stays writable under a read-only root" $? "rc=$rc out: $out"
out=$(run --annotation io.wasmshim.timeout=1 "$IMG" m4 /spin.wasm); rc=$?
contains "$out" "timeout after 1s" && [[ $rc -eq 124 ]]
check "annotation io.wasmshim.timeout stops the guest with 124" $? "rc=$rc out: $out"
out=$(run --annotation io.wasmshim.max-memory=64K "$IMG" m5 docroot.wasm); rc=$?
contains "$out" "exceeds the limit of 1 pages" && [[ $rc -eq 134 ]]
check "annotation io.wasmshim.max-memory caps linear memory" $? "rc=$rc out: $out"
# A port free a moment ago (the kernel picks it; released before the container binds it).
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
( run --net-host --annotation io.wasmshim.timeout=60 \
    --annotation "io.wasmshim.tcplisten=127.0.0.1:$port" "$IMG" m6 /serve.wasm \
    >"$work/m6.out" 2>&1; echo $? >"$work/m6.rc" ) &
runner=$!
reply=$(/usr/bin/python3 - "$port" <<'PY'
import socket, sys, time
for _ in range(300):  # the listener exists once Create has run
    try:
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("no listener")
s.sendall(b"tester\n")
print(s.recv(200).decode().strip())
PY
); client_rc=$?
# A client that got nowhere leaves the guest waiting for its connection: stop it so `wait` returns.
if [[ $client_rc -ne 0 ]]; then ctrx tasks kill -s 9 m6 >/dev/null 2>&1; fi
wait "$runner"
[[ "$reply" == "hello tester from a wasm listener" && "$(cat "$work/m6.rc")" == 0 ]] &&
  contains "$(cat "$work/m6.out")" "served one connection"
check "annotation io.wasmshim.tcplisten hands the guest a listening socket" $? "reply: $reply" \
  "client rc=$client_rc" \
  "rc=$(cat "$work/m6.rc") out: $(cat "$work/m6.out")"

# 5. Configs the shim cannot honour: Create fails naming the field, nothing is left behind.
leftovers() {  # leftovers ID: tasks, shims or mounts of container ID
  ctrx containers rm "$1" >/dev/null 2>&1
  local shim_re="^/[^ ]*containerd-shim-wasm-v1 .*-id $1 "
  for _ in $(seq 1 50); do pgrep -f "$shim_re" >/dev/null || break; sleep 0.1; done
  ctrx tasks ls -q | grep -x "$1"; pgrep -af "$shim_re"; grep "/$1/" /proc/mounts
}
bad() {  # bad ID EXPECTED-TEXT... -- CTR-RUN-ARGS...
  local id=$1; shift
  local want=()
  while [[ $1 != -- ]]; do want+=("$1"); shift; done
  shift
  local out rc all=0
  out=$(run "$@" 2>&1); rc=$?
  [[ $rc -ne 0 ]] || all=1
  for w in "${want[@]}"; do contains "$out" "$w" || all=1; done
  check "$id: Create fails naming ${want[0]}" $all "rc=$rc out: $out"
  local left
  left=$(leftovers "$id")
  check "$id: nothing left behind" $([[ -z "$left" ]]; echo $?) "$left"
}
bad x1 "process.args[0]" "not a WebAssembly module" -- "$IMG" x1 /not-wasm.wasm
bad x2 "process.args[0]" "not found in the rootfs" -- "$IMG" x2 ../../../../etc/hostname
bad x3 "mounts[" "destination" "'..' is not allowed" -- \
  --mount "type=bind,src=$work,dst=/data/../../etc,options=rbind" "$IMG" x3
bad x4 "mounts[" "$work/nonexistent" -- \
  --mount "type=bind,src=$work/nonexistent,dst=/data,options=rbind" "$IMG" x4
bad x8 "mounts[" ".type" "unknown mount type \"ext4\" with data \"data=ordered\"" -- \
  --mount "type=ext4,src=/dev/sda1,dst=/data,options=data=ordered" "$IMG" x8
bad x9 "io.wasmshim.tcplisten" "localhost:80" -- --annotation io.wasmshim.tcplisten=localhost:80 \
  "$IMG" x9 /serve.wasm
bad x5 "run.oci.handler" -- --annotation run.oci.handler=krun "$IMG" x5
bad x6 "process.args[0]" "#" -- "$IMG" x6 "/bin/docroot.wasm#"
bad x7 "process.args[0]" "exports no function \"nope\"" -- "$IMG" x7 "/bin/docroot.wasm#nope"

if [[ $failures -eq 0 ]]; then echo "# all passed"; else echo "# $failures failed"; fi
[[ $failures -eq 0 ]]
