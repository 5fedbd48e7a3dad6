#!/usr/bin/env bash
# End-to-end with Docker: dockerd 26 (Debian trixie's docker.io) on top of a private containerd
# runs Wasm containers through our shim: docker run (output, -e, exit codes, stdin), the runtime
# by name and as a daemon.json alias with shim options, -v (read-only and writable), docker logs,
# docker stop (SIGTERM 143; a stop signal the guest ignores, then SIGKILL 137), docker stats,
# docker wait, docker exec, -p to the httpd example on the listener of io.wasmshim.tcplisten,
# and nothing left behind.
#
# usage: docker_test.sh BUILD_DIR [CONTAINERD_BIN] [graphdriver|containerd-store]
#   graphdriver       Docker's classic image store (overlay2): dockerd mounts the rootfs itself
#                     (no rootfs mounts in Create, config.json root.path absolute); the images
#                     are linux/amd64 docker archives holding the .wasm
#   containerd-store  daemon.json features.containerd-snapshotter: wasi/wasm OCI images, the
#                     rootfs mounted by the shim from Create's mounts
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build=$(cd "$1" && pwd)
containerd_bin=${2:-containerd}
mode=${3:-graphdriver}
shim_dir="$build/shim"
packer="$build/tools/wasm-oci/wasm-oci"
source "$here/containerd.sh"
source "$here/dockerd.sh"

[[ $EUID -eq 0 ]] || { echo "1..0 # SKIP needs root"; exit 77; }
command -v "$containerd_bin" >/dev/null || { echo "1..0 # SKIP no $containerd_bin"; exit 77; }
ws_dockerd_available || {
  echo "1..0 # SKIP no dockerd 26 in $WS_TRIXIE_ROOT (support/scripts/fetch-trixie.sh docker.io docker-cli)"
  exit 77
}
case $mode in graphdriver | containerd-store) ;; *) echo "unknown mode $mode" >&2; exit 2 ;; esac
for f in "$shim_dir/containerd-shim-wasm-v1" "$packer" "$build/examples/hello.wasm" \
  "$build/examples/httpd.wasm" "$build/examples/docroot.wasm" \
  "$build/test/integration/ws_it_hold.wasm"; do
  [[ -e "$f" ]] || { echo "missing $f" >&2; exit 1; }
done

# The demo of examples/docker (its own containerd and dockerd), with its output.
demo_port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
out=$(WS_DEMO_PORT=$demo_port "$root/examples/docker/demo.sh" "$build" "$containerd_bin" \
  $([[ $mode == containerd-store ]] && echo --containerd-store) 2>&1); rc=$?
contains "$out" "argument 2: docker" && contains "$out" "writing into /docroot: Read-only file system" &&
  contains "$out" "200 text/html" && contains "$out" "Only what the host grants is visible." &&
  contains "$out" "GET /hello.txt -> 200" && grep -qx 143 <<<"$out" && [[ $rc -eq 0 ]]
check "examples/docker/demo.sh: hello, -v docroot:ro, -p to httpd, logs, stop (143)" $? \
  "rc=$rc" "$(tail -40 <<<"$out")"

ws_ctrd_start "$shim_dir" "$containerd_bin" || exit 1
echo "# containerd: $("$containerd_bin" --version)"
work="$WS_CTRD_DIR/work"
mkdir -p "$work/guests" "$work/cache"

# The daemon.json alias: the shim by absolute path (not looked up on containerd's PATH) with its
# options in a TOML file (moby passes options.ConfigPath as runtimeoptions.v1.Options).
printf 'cache_dir = "%s"\n' "$work/cache" >"$work/wasmshim.toml"
runtimes='"runtimes": {"wasm": {"runtimeType": "'"$shim_dir/containerd-shim-wasm-v1"'",
    "options": {"ConfigPath": "'"$work/wasmshim.toml"'"}}}'
if [[ $mode == containerd-store ]]; then
  ws_dockerd_start --containerd-store "$runtimes" || exit 1
  PLATFORM=(--platform wasi/wasm)
  FORMAT=(--format oci)
else
  ws_dockerd_start "$runtimes" || exit 1
  PLATFORM=()
  FORMAT=(--format docker)  # linux/<host>: the graphdriver store refuses other platforms
fi
echo "# $(dk version --format 'docker {{.Server.Version}}, API {{.Server.APIVersion}}'), mode $mode"
RUN=(run "${PLATFORM[@]}" --runtime=io.containerd.wasm.v1)

# 0. The store is the one asked for.
info=$(dk info --format '{{.Driver}} {{json .DriverStatus}} {{json .Runtimes}}' 2>&1)
if [[ $mode == containerd-store ]]; then
  contains "$info" "io.containerd.snapshotter.v1"
else
  contains "$info" "overlay2 " && ! contains "$info" "io.containerd.snapshotter.v1"
fi
check "dockerd runs with the $mode store and knows the runtime alias" \
  $([[ $? -eq 0 ]] && contains "$info" '"wasm"'; echo $?) "$info"

# 1. Images from wasm-oci, loaded with docker load.
for g in hello cat trap spin ticker hold tty; do
  cp "$build/test/integration/ws_it_$g.wasm" "$work/guests/$g.wasm"
done
cp "$build/examples/docroot.wasm" "$work/guests/docroot.wasm"
"$packer" "${FORMAT[@]}" "${PLATFORM[@]}" -t wstest/guests:1 --module-path /hello.wasm \
  --add "$work/guests:/g" -o "$work/guests.tar" "$build/test/integration/ws_it_hello.wasm" >/dev/null
"$packer" "${FORMAT[@]}" "${PLATFORM[@]}" -t wstest/httpd:1 --module-path /httpd.wasm \
  -o "$work/httpd.tar" "$build/examples/httpd.wasm" >/dev/null
out=$(dk load -i "$work/guests.tar" 2>&1 && dk load -i "$work/httpd.tar" 2>&1); rc=$?
plat=$(dk image inspect wstest/guests:1 --format '{{.Os}}/{{.Architecture}}' 2>&1)
want_plat=$([[ $mode == containerd-store ]] && echo wasi/wasm || echo "linux/$(dk version --format '{{.Server.Arch}}')")
contains "$out" "Loaded image: wstest/guests:1" && contains "$out" "Loaded image: wstest/httpd:1" &&
  [[ $rc -eq 0 && "$plat" == "$want_plat" ]]
check "docker load takes wasm-oci's $([[ $mode == containerd-store ]] && echo OCI layout || echo docker archive) ($want_plat)" \
  $? "rc=$rc plat=$plat out: $out"
IMG=wstest/guests:1

# 2. docker run: output, arguments, -e, the exit code, stderr.
out=$(dk "${RUN[@]}" --rm -e GREETING=hi "$IMG" 3 2>"$work/run.err"); rc=$?
err=$(cat "$work/run.err")
contains "$out" "hello from wasm" && contains "$out" "arg[0]=/hello.wasm" &&
  contains "$out" "arg[1]=3" && contains "$out" "GREETING=hi"
check "docker run --rm prints the guest's output, its arguments and -e" $? "out: $out" "err: $err"
check "docker run returns the guest's exit code (3)" $([[ $rc -eq 3 ]]; echo $?) "rc=$rc"
contains "$err" "to stderr"; check "the guest's stderr reaches docker's stderr" $? "err: $err"
out=$(dk "${RUN[@]}" --rm --entrypoint /g/trap.wasm "$IMG" 2>&1); rc=$?
contains "$out" "unreachable" && [[ $rc -eq 134 ]]
check "a trapping guest: docker run exits 134 with the trap on stderr" $? "rc=$rc out: $out"
out=$(printf 'abc' | dk "${RUN[@]}" --rm -i --entrypoint /g/cat.wasm "$IMG" 2>&1); rc=$?
contains "$out" "abc[eof after 3 bytes]" && [[ $rc -eq 0 ]]
check "docker run -i: stdin reaches the guest, then EOF" $? "rc=$rc out: $out"
out=$(script -qec "DOCKER_CONFIG=$WS_DOCKERD_DIR/cli $WS_DOCKER -H unix://$WS_DOCKER_SOCK ${RUN[*]} --rm -t --entrypoint /g/tty.wasm $IMG" /dev/null 2>&1)
contains "$out" "stdout is a tty"; check "docker run -t gives the guest a terminal" $? "out: $out"
out=$(dk "${RUN[@]}" --rm --entrypoint /g/nope.wasm "$IMG" 2>&1); rc=$?
contains "$out" "/g/nope.wasm" && contains "$out" "not found in the rootfs" && [[ $rc -eq 125 ]]
check "a missing module: docker run fails (125) naming it" $? "rc=$rc out: $out"

# 3. The daemon.json alias (absolute shim path, options.ConfigPath with cache_dir).
out=$(dk run "${PLATFORM[@]}" --rm --runtime=wasm "$IMG" 2>&1); rc=$?
# hello.wasm has over 16 KiB of code: a miss runs lazily and the shim's background fill stores
# the artifact a moment later (idle priority: up to 2 minutes on a busy machine).
for _ in $(seq 1 1200); do
  arts=$(find "$work/cache" -maxdepth 1 -type f -regex '.*/[0-9a-f]+' | wc -l)
  [[ $arts -ge 1 ]] && break
  sleep 0.1
done
contains "$out" "hello from wasm" && [[ $rc -eq 0 && $arts -ge 1 ]]
check "--runtime=wasm (daemon.json runtimes) runs, with the shim options of its ConfigPath" $? \
  "rc=$rc artifacts in cache_dir: $arts out: $out"

# 4. -v host:guest[:ro] (bind mounts into the instance's mount namespace).
mkdir -p "$work/site"
cp -r "$root/examples/docroot/." "$work/site/"
out=$(dk "${RUN[@]}" --rm -v "$work/site:/docroot:ro" --entrypoint /g/docroot.wasm "$IMG" 2>&1); rc=$?
contains "$out" "/docroot holds 3 entries" && contains "$out" "GET /index.html -> 200" &&
  contains "$out" "writing into /docroot: Read-only file system" && [[ $rc -eq 0 ]] &&
  [[ ! -e "$work/site/written-by-the-guest.txt" ]]
check "-v host:/docroot:ro: the guest reads the host directory and cannot write it" $? \
  "rc=$rc out: $out"
out=$(dk "${RUN[@]}" --rm -v "$work/site:/docroot" --entrypoint /g/docroot.wasm "$IMG" 2>&1); rc=$?
contains "$out" "writing into /docroot: allowed" && [[ $rc -eq 0 && -f "$work/site/written-by-the-guest.txt" ]]
check "-v host:/docroot: the guest's file appears on the host" $? "rc=$rc out: $out"
out=$(dk "${RUN[@]}" --rm --read-only --entrypoint /g/docroot.wasm "$IMG" / 2>&1); rc=$?
contains "$out" "writing into /: Read-only file system" && contains "$out" "/ holds"
check "--read-only: the guest's / refuses writes" $? "rc=$rc out: $out"

# 5. docker run -d, docker logs, docker stop with SIGTERM (a guest sleeping in poll_oneoff
# cannot handle it: 143), docker wait.
id=$(dk "${RUN[@]}" -d --entrypoint /g/ticker.wasm "$IMG" 2>&1)
for _ in $(seq 1 50); do contains "$(dk logs "$id" 2>&1)" "tick 2" && break; sleep 0.1; done
logs=$(dk logs "$id" 2>&1)
contains "$logs" "tick 0" && contains "$logs" "tick 2"
check "docker logs shows the detached guest's output" $? "id=$id logs: $(head -5 <<<"$logs")"
state=$(dk inspect -f '{{.State.Status}} {{.State.Pid}}' "$id" 2>&1)
pid=${state#* }
[[ "$state" == running* && $pid -gt 0 ]] && kill -0 "$pid" 2>/dev/null
check "docker inspect: running, with the instance's host pid" $? "$state"
# docker restart: a new task in the same container, its output from the start again.
dk restart -t 2 "$id" >/dev/null 2>&1
for _ in $(seq 1 50); do [[ $(dk logs "$id" 2>&1 | grep -c "^tick 1$") -ge 2 ]] && break; sleep 0.1; done
state=$(dk inspect -f '{{.State.Status}} {{.State.Pid}}' "$id" 2>&1)
[[ $(dk logs "$id" 2>&1 | grep -c "^tick 1$") -ge 2 && "$state" == running* && ${state#* } != "$pid" ]]
check "docker restart runs the guest again in the same container" $? "state: $state (was pid $pid)"
pid=${state#* }
# docker pause/unpause: the cgroup is frozen (no new output), then thawed.
dk pause "$id" >/dev/null 2>&1
paused=$(dk inspect -f '{{.State.Status}}' "$id" 2>&1)
n1=$(dk logs "$id" 2>&1 | wc -l); sleep 0.6; n2=$(dk logs "$id" 2>&1 | wc -l)
dk unpause "$id" >/dev/null 2>&1
sleep 0.6; n3=$(dk logs "$id" 2>&1 | wc -l)
[[ "$paused" == paused && $n2 -eq $n1 && $n3 -gt $n2 ]]
check "docker pause freezes the guest, unpause resumes it" $? \
  "state=$paused lines $n1 -> $n2 (paused) -> $n3 (resumed)"
t0=$(date +%s%N)
dk stop "$id" >/dev/null 2>&1
t1=$(date +%s%N)
code=$(dk wait "$id" 2>&1)
ms=$(((t1 - t0) / 1000000))
[[ "$code" == 143 && $ms -lt 5000 ]] && ! kill -0 "$pid" 2>/dev/null
check "docker stop: SIGTERM ends the guest at once, docker wait says 143" $? \
  "wait=$code stop took ${ms} ms"
dk rm "$id" >/dev/null 2>&1

# A stop signal the guest ignores (SIGWINCH: WASI preview1 cannot handle signals and the
# instance ignores it, like the kernel's default), then SIGKILL after --stop-timeout: 137.
id=$(dk "${RUN[@]}" -d --stop-signal SIGWINCH --stop-timeout 1 --entrypoint /g/hold.wasm "$IMG" 1 2>&1)
for _ in $(seq 1 50); do contains "$(dk logs "$id" 2>&1)" "holding" && break; sleep 0.1; done
t0=$(date +%s%N)
dk stop "$id" >/dev/null 2>&1
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
st=$(dk inspect -f '{{.State.ExitCode}} {{.State.OOMKilled}}' "$id" 2>&1)
[[ "$st" == "137 false" && $ms -ge 900 && $ms -lt 8000 ]]
check "docker stop: a signal the guest survives, SIGKILL after the timeout: 137" $? \
  "exit/oom: $st stop took ${ms} ms"
dk rm "$id" >/dev/null 2>&1

# 6. docker wait with the guest's own exit code.
id=$(dk "${RUN[@]}" -d "$IMG" 7 2>&1)
code=$(timeout 30 "$WS_DOCKER" -H "unix://$WS_DOCKER_SOCK" wait "$id" 2>&1)
check "docker wait returns the guest's exit code (7)" $([[ "$code" == 7 ]]; echo $?) "wait: $code"
dk rm "$id" >/dev/null 2>&1

# 7. docker stats: the container's cgroup numbers (64 MiB held under a 256 MiB limit; a busy
# loop's CPU), docker exec into the running container.
id=$(dk "${RUN[@]}" -d -m 256m --entrypoint /g/hold.wasm "$IMG" 64 2>&1)
for _ in $(seq 1 100); do contains "$(dk logs "$id" 2>&1)" "holding 64 MiB" && break; sleep 0.1; done
stats=$(dk stats --no-stream --format '{{.MemUsage}}|{{.PIDs}}' "$id" 2>&1)
mem=$(/usr/bin/python3 - "$stats" <<'PY'
import re, sys
units = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}
m = re.match(r"([\d.]+)(B|KiB|MiB|GiB) / ([\d.]+)(B|KiB|MiB|GiB)\|(\d+)", sys.argv[1])
if m:
    print(int(float(m[1]) * units[m[2]] / (1 << 20)), int(float(m[3]) * units[m[4]] / (1 << 20)), m[5])
PY
)
read -r used limit pids <<<"$mem"
[[ -n "$mem" && $used -ge 64 && $used -lt 256 && $limit -eq 256 && $pids -ge 1 ]]
check "docker stats: memory in use >= the 64 MiB the guest holds, limit 256 MiB, pids" $? \
  "stats: $stats"
out=$(dk exec "$id" /g/hello.wasm 5 2>&1); rc=$?
contains "$out" "hello from wasm" && [[ $rc -eq 5 ]]
check "docker exec runs another module in the container" $? "rc=$rc out: $out"
dk rm -f "$id" >/dev/null 2>&1
id=$(dk "${RUN[@]}" -d --entrypoint /g/spin.wasm "$IMG" 2>&1)
sleep 0.5
cpu=$(dk stats --no-stream --format '{{.CPUPerc}}' "$id" 2>&1)
/usr/bin/python3 -c 'import sys; sys.exit(0 if float(sys.argv[1].rstrip("%")) >= 10 else 1)' "$cpu" 2>/dev/null
check "docker stats: a busy guest uses CPU (>= 10%)" $? "cpu: $cpu"
dk rm -f "$id" >/dev/null 2>&1

# 8. How the rootfs arrives: pre-mounted by dockerd (graphdriver: no mounts in Create,
# root.path absolute) or mounted by the shim from Create's mounts (containerd store).
id=$(dk "${RUN[@]}" -d --entrypoint /g/hold.wasm "$IMG" 1 2>&1)
for _ in $(seq 1 50); do contains "$(dk logs "$id" 2>&1)" "holding" && break; sleep 0.1; done
bundle=$(ls -d "$WS_CTRD_DIR"/state/io.containerd.runtime.v2.task/moby/"$id" 2>/dev/null)
rootpath=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["root"]["path"])' \
  "$bundle/config.json" 2>&1)
if [[ $mode == containerd-store ]]; then
  [[ "$rootpath" == rootfs ]] && grep -q " $bundle/rootfs overlay " /proc/mounts
else
  [[ "$rootpath" == "$WS_DOCKERD_DIR/data/overlay2/"*/merged ]] && ! grep -q " $bundle/rootfs " /proc/mounts
fi
check "the rootfs: $([[ $mode == containerd-store ]] && echo "the shim mounts Create's overlay at the bundle" || echo "dockerd's overlay2 merged dir, no mount by the shim")" \
  $? "root.path=$rootpath bundle=$bundle" "$(grep " $bundle" /proc/mounts)"
dk rm -f "$id" >/dev/null 2>&1

# 9. -p to a Wasm server: the httpd example on the listener the shim opens in the container's
# network namespace (io.wasmshim.tcplisten), published through docker-proxy.
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
id=$(dk run "${PLATFORM[@]}" -d --runtime=wasm -p "127.0.0.1:$port:8080" \
  --annotation io.wasmshim.tcplisten=0.0.0.0:8080 -v "$root/examples/docroot:/docroot:ro" \
  wstest/httpd:1 2>&1)
reply=$(/usr/bin/python3 - "$port" <<'PY'
import sys, time, urllib.request, urllib.error
base = "http://127.0.0.1:%s" % sys.argv[1]
def get(path):
    try:
        with urllib.request.urlopen(base + path, timeout=10) as r:
            return "%d %s" % (r.status, r.read().decode())
    except urllib.error.HTTPError as e:
        return "%d" % e.code
for _ in range(100):  # docker-proxy answers before the guest accepts; retry until it serves
    try:
        first = get("/")
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("no answer on port " + sys.argv[1])
print(first.replace("\n", " "))
print(get("/hello.txt").strip())
print(get("/nope.html"))
PY
); client_rc=$?
contains "$reply" "200 <!doctype html>" && contains "$reply" "Served from a directory" &&
  grep -qx "404" <<<"$reply" && [[ $client_rc -eq 0 ]]
check "-p $port:8080: the Wasm httpd answers through docker-proxy (200, 404)" $? \
  "client rc=$client_rc reply: $reply" "container: $id" "$(dk logs "$id" 2>&1 | tail -5)"
# The server logs a request after answering it: the last line may reach the log a little later.
for _ in $(seq 1 50); do
  logs=$(dk logs "$id" 2>&1)
  contains "$logs" "GET / -> 200" && contains "$logs" "GET /nope.html -> 404" && break
  sleep 0.1
done
contains "$logs" "GET / -> 200" && contains "$logs" "GET /nope.html -> 404"
check "docker logs shows the server's request log" $? "$logs"
ports=$(dk port "$id" 2>&1)
contains "$ports" "8080/tcp -> 127.0.0.1:$port"; check "docker port shows the mapping" $? "$ports"
t0=$(date +%s%N)
dk stop "$id" >/dev/null 2>&1
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
code=$(dk inspect -f '{{.State.ExitCode}}' "$id" 2>&1)
[[ "$code" == 143 && $ms -lt 5000 ]]
check "docker stop: the server blocked in sock_accept ends on SIGTERM (143)" $? \
  "exit=$code stop took ${ms} ms"
dk rm "$id" >/dev/null 2>&1

# 10. Nothing left behind once the containers are removed.
left=$(dk ps -aq)
c=("$WS_CTR" --address "$WS_CTRD_SOCK" -n moby)
for _ in $(seq 1 50); do
  [[ -z "$("${c[@]}" tasks ls -q)" && -z "$(pgrep -f "containerd-shim-wasm-v1 .*-address $WS_CTRD_SOCK ")" ]] && break
  sleep 0.1
done
tasks=$("${c[@]}" tasks ls -q)
shims=$(pgrep -af "containerd-shim-wasm-v1 .*-address $WS_CTRD_SOCK ")
mounts=$(grep -F " $WS_CTRD_DIR/state/" /proc/mounts)
cgroups=$(ws_cgroup_dirs "$WS_DOCKER_CGROUP" | grep -v "${WS_DOCKER_CGROUP#/}\$")
[[ -z "$left$tasks$shims$mounts$cgroups" ]]
check "no container, task, shim, bundle mount or cgroup is left" $? "containers: $left" \
  "tasks: $tasks" "shims: $shims" "mounts: $mounts" "cgroups: $cgroups"

if [[ $failures -eq 0 ]]; then echo "# all passed"; else echo "# $failures failed"; fi
[[ $failures -eq 0 ]]
