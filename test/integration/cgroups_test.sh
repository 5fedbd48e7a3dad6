#!/usr/bin/env bash
# End-to-end cgroups through a private containerd: memory limit -> OOM event and 137, CPU quota
# -> throttling in metrics, pause/resume, metrics under load, shim crash and create/delete cycles
# leave no cgroup behind.
#
# usage: cgroups_test.sh SHIM_DIR GUEST_DIR [CONTAINERD_BIN]
# Environment: WS_CGROUP_CYCLES (default 200) run/delete cycles for the leak check.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
shim_dir=$1 guest_dir=$2 containerd_bin=${3:-containerd}
source "$here/containerd.sh"

IMG=docker.io/wstest/cgroups:1
CG=/sys/fs/cgroup

[[ $EUID -eq 0 ]] || { echo "1..0 # SKIP needs root"; exit 77; }
command -v "$containerd_bin" >/dev/null || { echo "1..0 # SKIP no $containerd_bin"; exit 77; }
[[ -x "$shim_dir/containerd-shim-wasm-v1" ]] || { echo "no shim in $shim_dir" >&2; exit 1; }
probe="$CG/memory/wasmshim-probe-$$"
if [[ -d "$CG/memory" ]]; then
  mkdir "$probe" 2>/dev/null && rmdir "$probe" || { echo "1..0 # SKIP cgroups not writable"; exit 77; }
  v=1
else
  mkdir "$CG/wasmshim-probe-$$" 2>/dev/null && rmdir "$CG/wasmshim-probe-$$" || { echo "1..0 # SKIP cgroups not writable"; exit 77; }
  v=2
fi
ws_ctrd_start "$shim_dir" "$containerd_bin" || exit 1
echo "# containerd: $("$containerd_bin" --version), cgroup v$v"

# Containers of this test live in /$WS_NS/<id> (containerd's default path for the namespace).
cgdir() {  # cgdir CONTROLLER ID
  if [[ $v == 1 ]]; then echo "$CG/$1/$WS_NS/$2"; else echo "$CG/$WS_NS/$2"; fi
}
own_cgroups() {
  if [[ $v == 1 ]]; then find "$CG"/*/"$WS_NS" -mindepth 1 -maxdepth 1 -type d 2>/dev/null
  else find "$CG/$WS_NS" -mindepth 1 -maxdepth 1 -type d 2>/dev/null; fi
}
cleanup_cgroups() {  # after ws_ctrd_cleanup: nothing of ours may stay, even after a failure
  for d in $(own_cgroups); do
    for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
  done
  sleep 0.2
  for d in $(own_cgroups); do rmdir "$d" 2>/dev/null; done
  if [[ $v == 1 ]]; then rmdir "$CG"/*/"$WS_NS" 2>/dev/null; else rmdir "$CG/$WS_NS" 2>/dev/null; fi
  return 0
}
trap 'rc=$?; ws_ctrd_cleanup; cleanup_cgroups; exit $rc' EXIT
wait_status() {  # wait_status ID STATUS
  for _ in $(seq 1 100); do ctrx tasks ls | grep -q "^$1 .*$2" && return 0; sleep 0.05; done
  return 1
}
metric() {  # metric ID JSON-KEY: the first number after "KEY": in `ctr task metrics --format json`
  ctrx tasks metrics --format json "$1" 2>/dev/null | tr -d ' \n' |
    grep -o "\"$2\":[0-9]*" | head -1 | cut -d: -f2
}

work="$WS_CTRD_DIR/work"
mkdir -p "$work/rootfs"
for g in hello spin hog; do cp "$guest_dir/ws_it_$g.wasm" "$work/rootfs/$g.wasm"; done
/usr/bin/python3 "$here/mkimage.py" "$work/img.tar" "$IMG" "$work/rootfs" '["/hello.wasm"]' || exit 1
ctrx images import "$work/img.tar" >/dev/null || exit 1
ctrx events >"$work/events.txt" 2>&1 &
events_pid=$!

# 1. --memory-limit: a module allocating beyond it is OOM-killed: /tasks/oom and 137.
# (96 MiB: the instance itself, compiler included, needs some 30 MiB before the guest runs.)
out=$(ctrx run --rm "${RT[@]}" --memory-limit 100663296 "$IMG" oom1 /hog.wasm 2>&1); rc=$?
check "a module allocating beyond --memory-limit exits 137" $([[ $rc -eq 137 ]]; echo $?) "rc=$rc out: $(echo "$out" | tail -3)"
contains "$out" "allocated 16 MiB" && ! contains "$out" "allocated 112 MiB"
check "... after allocating up to (not beyond) the limit" $? "$(echo "$out" | tail -3)"
sleep 0.3
grep -q "/tasks/oom.*oom1\|oom1.*/tasks/oom" "$work/events.txt" || grep -A1 "/tasks/oom" "$work/events.txt" | grep -q oom1
check "... and containerd got the /tasks/oom event" $? "$(grep -i oom "$work/events.txt" | head -3)"

# 1b. the same with the linear-memory cap (annotation): memory.grow fails, the guest exits itself.
out=$(ctrx run --rm "${RT[@]}" --memory-limit 100663296 \
  --annotation io.wasmshim.memory-limit-headroom=48M "$IMG" oom2 /hog.wasm 2>&1); rc=$?
contains "$out" "malloc failed after" && [[ $rc -eq 3 ]]
check "with io.wasmshim.memory-limit-headroom, malloc fails and the guest exits 3 by itself" $? \
  "rc=$rc out: $(echo "$out" | tail -3)"
sleep 0.3
! grep -A1 "/tasks/oom" "$work/events.txt" | grep -q oom2
check "... with no /tasks/oom event" $? "$(grep -A1 /tasks/oom "$work/events.txt")"

# 2. --cpu-quota on a busy loop: the quota is written, metrics show throttled periods.
ctrx run -d "${RT[@]}" --cpu-quota 20000 --cpu-period 100000 "$IMG" cpu1 /spin.wasm >/dev/null 2>&1
wait_status cpu1 RUNNING
if [[ $v == 1 ]]; then quota=$(cat "$(cgdir cpu cpu1)/cpu.cfs_quota_us" 2>&1); want=20000
else quota=$(cat "$(cgdir cpu cpu1)/cpu.max" 2>&1); want="20000 100000"; fi
check "--cpu-quota is written to the container's cgroup" $([[ "$quota" == "$want" ]]; echo $?) "quota=$quota"
pid=$(ctrx tasks ls | awk '$1=="cpu1"{print $2}')
grep -q "/$WS_NS/cpu1" "/proc/$pid/cgroup"
check "the instance process is in /$WS_NS/cpu1" $? "$(cat "/proc/$pid/cgroup" 2>&1)"
sleep 1.5
json=$(ctrx tasks metrics --format json cpu1 2>&1)
if [[ $v == 1 ]]; then thr=$(metric cpu1 throttled_periods); else thr=$(metric cpu1 nr_throttled); fi
check "ctr task metrics shows throttled periods > 0" $([[ -n "$thr" && "$thr" -gt 0 ]]; echo $?) "throttled=$thr json: ${json:0:400}"

# 3. metrics change with load (the same busy task: CPU usage grows).
if [[ $v == 1 ]]; then key=total; else key=usage_usec; fi
u1=$(metric cpu1 $key); sleep 1; u2=$(metric cpu1 $key)
check "CPU usage in metrics grows while the task computes" $([[ -n "$u1" && -n "$u2" && $u2 -gt $u1 ]]; echo $?) "u1=$u1 u2=$u2"
table=$(ctrx tasks metrics cpu1 2>&1)
contains "$table" "memory.usage_in_bytes" || contains "$table" "memory.usage"
check "ctr task metrics (table) shows memory usage" $? "$table"

# 4. pause/resume: PAUSED, frozen, events; resumed and computing again.
ctrx tasks pause cpu1
ls_out=$(ctrx tasks ls)
echo "$ls_out" | grep -q "^cpu1 .*PAUSED"; check "task pause: task ls shows PAUSED" $? "$ls_out"
if [[ $v == 1 ]]; then fz=$(cat "$(cgdir freezer cpu1)/freezer.state"); want=FROZEN
else fz=$(grep frozen "$(cgdir cpu cpu1)/cgroup.events"); want="frozen 1"; fi
check "... the cgroup is frozen" $([[ "$fz" == "$want" ]]; echo $?) "state=$fz"
p1=$(metric cpu1 $key); sleep 0.5; p2=$(metric cpu1 $key)
check "... and uses no CPU" $([[ -n "$p1" && "$p1" == "$p2" ]]; echo $?) "usage $p1 -> $p2"
ctrx tasks resume cpu1
ctrx tasks ls | grep -q "^cpu1 .*RUNNING"; check "task resume: RUNNING again" $? "$(ctrx tasks ls)"
r1=$(metric cpu1 $key); sleep 0.5; r2=$(metric cpu1 $key)
check "... and computing" $([[ -n "$r1" && -n "$r2" && $r2 -gt $r1 ]]; echo $?) "usage $r1 -> $r2"
sleep 0.3
grep -q "/tasks/paused" "$work/events.txt" && grep -q "/tasks/resumed" "$work/events.txt"
check "... /tasks/paused and /tasks/resumed events" $? "$(grep -E 'paused|resumed' "$work/events.txt")"
ctrx tasks pause cpu1
ctrx tasks kill -s SIGKILL cpu1
wait_status cpu1 STOPPED; check "a paused task can be killed" $? "$(ctrx tasks ls)"
ctrx tasks rm cpu1 >/dev/null 2>&1; ctrx containers rm cpu1
check "delete removes the container's cgroup" $([[ ! -d "$(cgdir cpu cpu1)" && ! -d "$(cgdir memory cpu1)" ]]; echo $?) "$(own_cgroups)"

# 5. the shim dies with a task running: the next delete removes the cgroup too.
ctrx run -d "${RT[@]}" --memory-limit 67108864 "$IMG" crash1 /spin.wasm >/dev/null 2>&1
wait_status crash1 RUNNING
# The server is the instance's parent (forked by `start`, it keeps start's command line).
ipid=$(ctrx tasks ls | awk '$1=="crash1"{print $2}')
spid=$(awk '{print $4}' "/proc/$ipid/stat" 2>/dev/null)
[[ -n "$spid" && "$(readlink "/proc/$spid/exe")" == */containerd-shim-wasm-v1 ]] && kill -9 "$spid"
check "the shim server of crash1 is killed" $? "pid=$ipid parent=$spid"
for _ in $(seq 1 60); do [[ -d "$(cgdir memory crash1)" ]] || break; sleep 0.1; done
ctrx tasks rm -f crash1 >/dev/null 2>&1; ctrx containers rm crash1 >/dev/null 2>&1
check "after a shim crash, delete removes the cgroup" $([[ ! -d "$(cgdir memory crash1)" ]]; echo $?) "$(own_cgroups)"

# 6. create/delete cycles with limits leave no cgroup behind.
cycles=${WS_CGROUP_CYCLES:-200}
for i in $(seq 1 "$cycles"); do
  ctrx run --rm "${RT[@]}" --memory-limit 67108864 --cpu-quota 50000 "$IMG" "cyc$i" /hello.wasm >/dev/null 2>&1
  rc=$?; [[ $rc -eq 0 ]] || { not_ok "cycle $i failed (rc=$rc)"; break; }
done
left=$(own_cgroups)
check "$cycles create/delete cycles leave no cgroup behind" $([[ -z "$left" ]]; echo $?) "$(echo "$left" | head -5)"

kill "$events_pid" 2>/dev/null
echo "# $failures failure(s)"
[[ $failures -eq 0 ]]
