#!/usr/bin/python3
"""Throughput client: N containers run to completion by C concurrent client threads over one
long-lived gRPC channel to containerd's API (no `ctr` process per container). Per container it
does what `ctr run --rm` does:

  leases.Create (24 h expiry, like the Go client's WithLease)
  snapshots.Prepare(key=ID, parent=the image's chain ID)          (under the lease)
  containers.Create(spec, runtime name + options, snapshotter, snapshot key, image)
  leases.Delete
  tasks.Create(rootfs = the snapshot's mounts, stdout and stderr = FIFOs this client reads,
               no stdin)
  tasks.Start, tasks.Wait, (stdout and stderr read to their end), tasks.Delete
  snapshots.Remove, containers.Delete        (ctr's order: see run_one)

The container record (OCI spec, runtime name and options, snapshotter, labels) is the one `ctr
containers create` writes for the same image, runtime and arguments: ctr generates it once per
measurement (a template container, removed again), this client copies it per container with the
template's id replaced, so both runtimes get the spec ctr would give them. The chain ID is the
template snapshot's parent (what ctr resolved from the image's rootfs diff_ids). Optionally the
spec's cgroupsPath is moved under --cgroup-parent (all of the run's containers in one cgroup).

With --groups G the containers share G shim daemons, as a pod's containers share the pod's
shim: the spec carries runc's group annotation (io.containerd.runc.v2.group; our shim honours it
too) and an idle keeper container per group (--keeper ARGV, not measured) holds the shim up.

Each container must exit 0 and print exactly --expect on stdout (stderr is read, not checked),
or it counts as failed. Prints one JSON object: rate, wall, failures (the first few), the CPU
seconds used during the measured part (this client; containerd's process with --ctrd-pid;
containerd's cgroup, shims included, with --daemon-cgroup; the containers' cgroups below
--cgroup-parent; the whole machine), per-container latency percentiles.

usage: tp_client.py --stubs DIR --address SOCK --namespace NS --ctr CTR --runtime RT --image IMG
                    --n N --clients C --prefix ID --fifo-dir DIR --expect TEXT
                    [--cgroup-parent /CG] [--groups G --keeper JSON] [--ctrd-pid PID]
                    [--daemon-cgroup /CG] -- ARGS...
STUBS_DIR holds the Python stubs of containerd's API protos under ctrd/ (bench/containers/run.sh
generates them).
"""
import argparse
import datetime
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time

p = argparse.ArgumentParser()
p.add_argument("--stubs", required=True)
p.add_argument("--address", required=True)
p.add_argument("--namespace", required=True)
p.add_argument("--ctr", required=True)
p.add_argument("--runtime", required=True)
p.add_argument("--image", required=True)
p.add_argument("--n", type=int, required=True)
p.add_argument("--clients", type=int, required=True)
p.add_argument("--prefix", required=True)
p.add_argument("--fifo-dir", required=True)
p.add_argument("--expect", required=True)
p.add_argument("--cgroup-parent", default="")
p.add_argument("--timeout", type=float, default=60.0, help="seconds one container may take")
p.add_argument("--groups", type=int, default=0,
               help="G > 0: the containers share G shims (runc's group annotation, which our "
               "shim honours too), each held up by an idle keeper container (--keeper), as "
               "the containers of a pod share the pod's shim; client thread i uses group i %% G")
p.add_argument("--keeper", default="", help="JSON argv of the keepers' idle command")
p.add_argument("--ctrd-pid", type=int, default=0, help="CPU accounting: containerd's pid")
p.add_argument("--daemon-cgroup", default="", help="CPU accounting: containerd's cgroup")
p.add_argument("args", nargs="+")
A = p.parse_args()

sys.path.insert(0, A.stubs)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from procfs import busy_cpu_s, cgroup_cpu_s, proc_cpu_s  # noqa: E402
import grpc  # noqa: E402
from ctrd.services.containers.v1 import containers_pb2 as cpb, containers_pb2_grpc as cgrpc  # noqa: E402
from ctrd.services.leases.v1 import leases_pb2 as lpb, leases_pb2_grpc as lgrpc  # noqa: E402
from ctrd.services.snapshots.v1 import snapshots_pb2 as spb, snapshots_pb2_grpc as sgrpc  # noqa: E402
from ctrd.services.tasks.v1 import tasks_pb2 as tpb, tasks_pb2_grpc as tgrpc  # noqa: E402

NS = (("containerd-namespace", A.namespace),)
chan = grpc.insecure_channel("unix://" + A.address)
containers = cgrpc.ContainersStub(chan)
leases = lgrpc.LeasesStub(chan)
snapshots = sgrpc.SnapshotsStub(chan)
tasks = tgrpc.TasksStub(chan)
EXPECT = A.expect.encode()


GROUP_KEY = "io.containerd.runc.v2.group"


def template(name, args):
    """The container record ctr writes for this image/runtime/arguments, its spec as text with
    the template id in place of the container's, and the chain ID."""
    tid = f"{A.prefix}-{name}"
    r = subprocess.run([A.ctr, "--address", A.address, "-n", A.namespace, "containers", "create",
                        "--runtime", A.runtime, A.image, tid] + args,
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"ctr containers create {tid}: {r.stderr.strip()}")
    try:
        c = containers.Get(cpb.GetContainerRequest(id=tid), metadata=NS, timeout=30).container
        info = snapshots.Stat(spb.StatSnapshotRequest(snapshotter=c.snapshotter,
                                                      key=c.snapshot_key),
                              metadata=NS, timeout=30).info
    finally:
        subprocess.run([A.ctr, "--address", A.address, "-n", A.namespace, "containers", "rm",
                        tid], capture_output=True)
    if not info.parent:
        raise SystemExit(f"template {tid}: its snapshot has no parent (image not unpacked?)")
    spec = json.loads(c.spec.value)
    if A.cgroup_parent:
        spec.setdefault("linux", {})["cgroupsPath"] = f"{A.cgroup_parent}/{tid}"
    if A.groups:
        spec.setdefault("annotations", {})[GROUP_KEY] = "@GROUP@"
    c.ClearField("created_at")
    c.ClearField("updated_at")
    return c, (json.dumps(spec, separators=(",", ":")), tid), info.parent


def spec_for(spec, cid, group):
    text, tid = spec
    return text.replace(tid, cid).replace("@GROUP@", f"{A.prefix}-g{group}").encode()


TMPL, SPEC, CHAIN_ID = template("template", A.args)
KEEPER_TMPL, KEEPER_SPEC, _ = (template("keeper-template", json.loads(A.keeper)) if A.groups
                               else (None, None, None))


def expiry():
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=24)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def read_to_end(fds, deadline):
    """(stdout, stderr) until every writer has closed both FIFOs. poll() reports POLLHUP only
    after a writer has come and gone, so a FIFO the shim has not opened yet is no early end."""
    got = {fd: b"" for fd in fds}
    po = select.poll()
    for fd in fds:
        po.register(fd, select.POLLIN | select.POLLHUP)
    open_fds = set(fds)
    while open_fds:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"stdio not closed; got {list(got.values())!r:.200}")
        for fd, _ in po.poll(left * 1000):
            data = os.read(fd, 65536)
            if data:
                got[fd] += data
            else:
                po.unregister(fd)
                open_fds.discard(fd)
    return got[fds[0]], got[fds[1]]


def create(cid, tmpl, spec, group, made):
    """lease, snapshot, container record (the lease released again): the snapshot's mounts."""
    to = A.timeout
    lease = f"{cid}-lease"
    leases.Create(lpb.CreateRequest(id=lease, labels={"containerd.io/gc.expire": expiry()}),
                  metadata=NS, timeout=to)
    made.append("lease")
    md = NS + (("containerd-lease", lease),)
    mounts = snapshots.Prepare(spb.PrepareSnapshotRequest(
        snapshotter=tmpl.snapshotter, key=cid, parent=CHAIN_ID), metadata=md,
        timeout=to).mounts
    made.append("snapshot")
    c = cpb.Container()
    c.CopyFrom(tmpl)
    c.id = cid
    c.snapshot_key = cid
    c.spec.value = spec_for(spec, cid, group)
    containers.Create(cpb.CreateContainerRequest(container=c), metadata=md, timeout=to)
    made.append("container")
    leases.Delete(lpb.DeleteRequest(id=lease), metadata=NS, timeout=to)
    made.remove("lease")
    return mounts


def run_one(cid, fifo_dir, group=0):
    """One container from create to removal; returns None or an error string."""
    deadline = time.monotonic() + A.timeout
    to = A.timeout
    lease = f"{cid}-lease"
    made = []  # what to undo when a step fails
    fds = []
    fifos = [os.path.join(fifo_dir, cid + "-stdout"), os.path.join(fifo_dir, cid + "-stderr")]
    try:
        mounts = create(cid, TMPL, SPEC, group, made)
        # stdout and stderr as ctr gives them (FIFOs the client reads); no stdin.
        for f in fifos:
            os.mkfifo(f, 0o600)
            fds.append(os.open(f, os.O_RDONLY | os.O_NONBLOCK))
        # Undone also when Create times out here after containerd made the task (Delete's
        # NOT_FOUND is ignored).
        made.append("task")
        tasks.Create(tpb.CreateTaskRequest(container_id=cid, rootfs=mounts, stdout=fifos[0],
                                           stderr=fifos[1]), metadata=NS, timeout=to)
        tasks.Start(tpb.StartRequest(container_id=cid), metadata=NS, timeout=to)
        # The shim keeps the exit status until the task is deleted: Wait after Start misses
        # nothing.
        status = tasks.Wait(tpb.WaitRequest(container_id=cid), metadata=NS,
                            timeout=max(1.0, deadline - time.monotonic())).exit_status
        out, err = read_to_end(fds, deadline)
        tasks.Delete(tpb.DeleteTaskRequest(container_id=cid), metadata=NS, timeout=to)
        made.remove("task")
        # ctr's order (WithSnapshotCleanup, then the record): once the record is gone, the
        # unreferenced snapshot is the garbage collector's, which may remove it first.
        snapshots.Remove(spb.RemoveSnapshotRequest(snapshotter=TMPL.snapshotter, key=cid),
                         metadata=NS, timeout=to)
        made.remove("snapshot")
        containers.Delete(cpb.DeleteContainerRequest(id=cid), metadata=NS, timeout=to)
        made.remove("container")
        if status != 0:
            return f"{cid}: exit status {status}, stdout {out[:200]!r}, stderr {err[:200]!r}"
        if out != EXPECT:
            return f"{cid}: stdout {out[:200]!r}, expected {EXPECT!r}, stderr {err[:200]!r}"
        return None
    except Exception as e:  # noqa: BLE001 - every failure is counted and reported
        msg = e.details() if isinstance(e, grpc.RpcError) else str(e)
        undo(cid, made, lease)
        return f"{cid}: {type(e).__name__}: {msg}"
    finally:
        for fd in fds:
            os.close(fd)
        for f in fifos:
            try:
                os.unlink(f)
            except FileNotFoundError:
                pass


def undo(cid, made, lease):
    def quiet(f):
        try:
            f()
        except Exception:  # noqa: BLE001 - best effort
            pass
    if "task" in made:
        quiet(lambda: tasks.Kill(tpb.KillRequest(container_id=cid, signal=9, all=True),
                                 metadata=NS, timeout=10))
        for _ in range(50):
            try:
                tasks.Delete(tpb.DeleteTaskRequest(container_id=cid), metadata=NS, timeout=10)
                break
            except grpc.RpcError as e:
                if e.code() == grpc.StatusCode.NOT_FOUND:
                    break
                time.sleep(0.1)
    if "snapshot" in made:
        quiet(lambda: snapshots.Remove(spb.RemoveSnapshotRequest(
            snapshotter=TMPL.snapshotter, key=cid), metadata=NS, timeout=10))
    if "container" in made:
        quiet(lambda: containers.Delete(cpb.DeleteContainerRequest(id=cid), metadata=NS,
                                        timeout=10))
    if "lease" in made:
        quiet(lambda: leases.Delete(lpb.DeleteRequest(id=lease), metadata=NS, timeout=10))


def cpu_now():
    """CPU seconds so far: this client, containerd, containerd's cgroup (with the shims), the
    containers' cgroups, the machine."""
    t = os.times()
    return {"client": t.user + t.system,
            "containerd": proc_cpu_s(A.ctrd_pid) if A.ctrd_pid else 0.0,
            "daemon": cgroup_cpu_s(A.daemon_cgroup) if A.daemon_cgroup else 0.0,
            "containers": cgroup_cpu_s(A.cgroup_parent) if A.cgroup_parent else 0.0,
            "machine": busy_cpu_s()}


def main():
    fifo_dir = tempfile.mkdtemp(prefix="tp-", dir=A.fifo_dir)
    lock = threading.Lock()
    nxt = [0]
    errors, lat = [], []

    def worker(group):
        while True:
            with lock:
                i = nxt[0]
                nxt[0] += 1
            if i >= A.n:
                return
            t = time.monotonic()
            err = run_one(f"{A.prefix}-{i}", fifo_dir, group)
            d = time.monotonic() - t
            with lock:
                lat.append(d)
                if err:
                    errors.append(err)

    keepers = []
    try:
        for g in range(A.groups):
            kid = f"{A.prefix}-keeper-{g}"
            made = []
            try:
                mounts = create(kid, KEEPER_TMPL, KEEPER_SPEC, g, made)
                tasks.Create(tpb.CreateTaskRequest(container_id=kid, rootfs=mounts),
                             metadata=NS, timeout=A.timeout)  # no stdio
                made.append("task")
                tasks.Start(tpb.StartRequest(container_id=kid), metadata=NS, timeout=A.timeout)
            except Exception:
                undo(kid, made, f"{kid}-lease")
                raise
            keepers.append(kid)
        cpu0 = cpu_now()
        t0 = time.monotonic()
        threads = [threading.Thread(target=worker, args=(i % max(1, A.groups),))
                   for i in range(A.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - t0
        cpu1 = cpu_now()
    finally:
        for kid in keepers:
            undo(kid, ["task", "snapshot", "container"], "")
    shutil.rmtree(fifo_dir, ignore_errors=True)
    lat.sort()
    q = (lambda f: lat[min(len(lat) - 1, int(round(f * (len(lat) - 1))))] if lat else 0.0)
    print(json.dumps({
        "n": A.n, "clients": A.clients, "groups": A.groups, "wall_s": wall, "rate": A.n / wall,
        "failed": len(errors), "errors": errors[:5],
        "cpu_s": {k: cpu1[k] - cpu0[k] for k in cpu0},
        "lat_p50_s": q(0.5), "lat_p95_s": q(0.95)}))


if __name__ == "__main__":
    main()
