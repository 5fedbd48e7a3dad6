#!/usr/bin/python3
"""CRI integration client: drives one pod through containerd's CRI plugin with our runtime
handler and prints TAP lines (the exit status is the number of failed checks, capped at 100).

usage: cri_client.py STUBS_DIR CRI_SOCKET CONTAINERD_SOCKET HANDLER IMAGE WORK_DIR CGROUP_PARENT
  STUBS_DIR   api_pb2.py / api_pb2_grpc.py generated from the cri-api v1 api.proto
  IMAGE       holds /serve.wasm, /spin.wasm, /hog.wasm, /hello.wasm and /sidecar (an ELF)

The pod gets a network namespace from CNI (bridge + host-local; loopback added by CRI); the
Wasm servers listen through io.wasmshim.tcplisten in it and the test connects to them at the
pod IP from the host and on 127.0.0.1 from inside the pod's network namespace (nsenter).
"""
import ipaddress
import json
import os
import re
import socket
import subprocess
import sys
import time

sys.path.insert(0, sys.argv[1])
import grpc  # noqa: E402
import api_pb2 as pb  # noqa: E402
import api_pb2_grpc as pbg  # noqa: E402

_, _, CRI_SOCK, CTRD_SOCK, HANDLER, IMAGE, WORK, CGROUP_PARENT = sys.argv
failures = 0
T0 = time.time()


def check(name, cond, *details):
    global failures
    if cond:
        print(f"ok - {name}", flush=True)
    else:
        failures += 1
        print(f"not ok - {name}", flush=True)
        for d in details:
            for line in str(d).splitlines()[-15:]:
                print(f"    {line}", flush=True)
    return cond


def note(msg):
    print(f"# [{time.time() - T0:6.2f}s] {msg}", flush=True)


channel = grpc.insecure_channel("unix://" + CRI_SOCK)
rt = pbg.RuntimeServiceStub(channel)


def ns_inode(pid, kind):
    return os.stat(f"/proc/{pid}/ns/{kind}").st_ino


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().split(b"\0")
    except OSError:
        return []


def session_leader(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[3]) == int(pid)
    except (OSError, IndexError, ValueError):
        return False


def shim_servers():
    """pids of shim server processes of our containerd: the session leaders among the shim
    processes naming it (a passing `start` or `delete` invocation is none; the server `start`
    forks keeps start's command line; instance processes carry no -address)."""
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            argv = cmdline(d)
            if (argv and argv[0].endswith(b"containerd-shim-wasm-v1")
                    and CTRD_SOCK.encode() in argv and session_leader(d)):
                out.append(int(d))
    return out


# What a kubelet would compute from the QoS class; above any floor restrict_oom_score_adj sets.
OOM_SCORE_ADJ = 777


def container_config(name, command, log_path, annotations=None, memory=0):
    return pb.ContainerConfig(
        metadata=pb.ContainerMetadata(name=name),
        image=pb.ImageSpec(image=IMAGE),
        command=command,
        log_path=log_path,
        annotations=annotations or {},
        linux=pb.LinuxContainerConfig(resources=pb.LinuxContainerResources(
            memory_limit_in_bytes=memory, cpu_period=100000, cpu_quota=100000,
            oom_score_adj=OOM_SCORE_ADJ)))


def create_start(sb, sbcfg, cfg):
    cid = rt.CreateContainer(pb.CreateContainerRequest(
        pod_sandbox_id=sb, config=cfg, sandbox_config=sbcfg)).container_id
    rt.StartContainer(pb.StartContainerRequest(container_id=cid))
    return cid


def status(cid, verbose=False):
    return rt.ContainerStatus(pb.ContainerStatusRequest(container_id=cid, verbose=verbose))


def wait_exited(cid, seconds):
    deadline = time.time() + seconds
    while True:
        s = status(cid).status
        if s.state == pb.CONTAINER_EXITED or time.time() > deadline:
            return s
        time.sleep(0.1)


def container_pid(cid):
    return json.loads(status(cid, verbose=True).info["info"])["pid"]


def read_log(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError as e:
        return f"(cannot read {path}: {e})"


# CRI log format: RFC3339Nano time, stream, P(artial)/F(ull) tag, the line.
CRI_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d) (stdout|stderr) [PF] ")


def has_cri_line(text, stream, line):
    return any(CRI_LINE.match(l) and l.split(" ", 3)[1] == stream and l.split(" ", 3)[3] == line
               for l in text.splitlines())


def talk(host, port, line, timeout=10):
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(line.encode() + b"\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                return data.decode(errors="replace")
            data += chunk


st = rt.Status(pb.StatusRequest())
conds = {c.type: c.status for c in st.status.conditions}
check("CRI reports RuntimeReady and NetworkReady (CNI config loaded)",
      conds.get("RuntimeReady") and conds.get("NetworkReady"), st)

# --- the pod: a sandbox through our runtime handler, with a network namespace from CNI -----
uid = f"wscri-{os.getpid()}"
sbcfg = pb.PodSandboxConfig(
    metadata=pb.PodSandboxMetadata(name="wasmpod", uid=uid, namespace="default", attempt=0),
    hostname="wasmpod",
    log_directory=os.path.join(WORK, "logs"),
    linux=pb.LinuxPodSandboxConfig(
        cgroup_parent=CGROUP_PARENT,
        security_context=pb.LinuxSandboxSecurityContext(namespace_options=pb.NamespaceOption(
            network=pb.POD, pid=pb.CONTAINER, ipc=pb.POD))))
try:
    sb = rt.RunPodSandbox(pb.RunPodSandboxRequest(config=sbcfg, runtime_handler=HANDLER)).pod_sandbox_id
except grpc.RpcError as e:
    check("RunPodSandbox with handler " + HANDLER, False, e.details())
    sys.exit(min(failures, 100))
note(f"RunPodSandbox: {sb[:12]}")
check("RunPodSandbox with handler " + HANDLER, True)
sbs = rt.PodSandboxStatus(pb.PodSandboxStatusRequest(pod_sandbox_id=sb, verbose=True))
info = json.loads(sbs.info["info"])
holder = info["pid"]
pod_ip = sbs.status.network.ip
# containerd 1.x names the handler in the verbose info; 2.x only in the status.
check("the sandbox is READY and runs our handler",
      sbs.status.state == pb.SANDBOX_READY and HANDLER in (info.get("runtimeHandler"),
                                                           sbs.status.runtime_handler), sbs.status)
check(f"the pod has an IP from host-local ({pod_ip})",
      pod_ip != "" and ipaddress.ip_address(pod_ip).is_private, sbs.status.network)
argv = cmdline(holder)
check("the sandbox is a real process of our shim (an instance process)",
      argv[:1] and argv[0].endswith(b"containerd-shim-wasm-v1") and b"instance" in argv, argv)
netns = [n.get("path", "") for n in info["runtimeSpec"]["linux"]["namespaces"]
         if n["type"] == "network"]
check("the sandbox process holds the network namespace CRI set up with CNI",
      netns and netns[0] and ns_inode(holder, "net") == os.stat(netns[0]).st_ino
      and ns_inode(holder, "net") != ns_inode("self", "net"), netns)
check("... and its own IPC and UTS namespaces",
      ns_inode(holder, "ipc") != ns_inode("self", "ipc")
      and ns_inode(holder, "uts") != ns_inode("self", "uts"))
hn = subprocess.run(["nsenter", f"--uts=/proc/{holder}/ns/uts", "hostname"],
                    capture_output=True, text=True)
check("... with the pod's hostname", hn.stdout.strip() == "wasmpod", hn.stdout, hn.stderr)
addr = subprocess.run(["nsenter", f"--net=/proc/{holder}/ns/net", "ip", "-4", "-o", "addr"],
                      capture_output=True, text=True).stdout
check("... where eth0 carries the pod IP and lo is up", f"inet {pod_ip}/" in addr
      and "127.0.0.1/8" in addr, addr)


def oom_score_adj(pid):
    with open(f"/proc/{pid}/oom_score_adj") as f:
        return int(f.read())


want_oom = info["runtimeSpec"].get("process", {}).get("oomScoreAdj")
check(f"... with the spec's process.oomScoreAdj ({want_oom})",
      want_oom is not None and oom_score_adj(holder) == want_oom, oom_score_adj(holder))

# --- a Linux program in the pod is refused with a clear error -------------------------------
# (CreateContainer only records the container; the task, and so the shim, comes at Start.)
sidecar = rt.CreateContainer(pb.CreateContainerRequest(
    pod_sandbox_id=sb, sandbox_config=sbcfg,
    config=container_config("sidecar", ["/sidecar"], "sidecar.log"))).container_id
try:
    rt.StartContainer(pb.StartContainerRequest(container_id=sidecar))
    check("a Linux ELF sidecar is refused at StartContainer", False, "it started")
except grpc.RpcError as e:
    check("a Linux ELF sidecar is refused at StartContainer, naming why",
          "a Linux ELF executable" in e.details() and "only runs Wasm" in e.details(), e.details())
rt.RemoveContainer(pb.RemoveContainerRequest(container_id=sidecar))

# --- a Wasm server reached at the pod IP ----------------------------------------------------
srv = create_start(sb, sbcfg, container_config(
    "server", ["/serve.wasm"], "server.log", {"io.wasmshim.tcplisten": "0.0.0.0:8080"}))
note(f"server started: {srv[:12]}")
spid = container_pid(srv)
check("the Wasm container runs inside the pod's network, IPC and UTS namespaces",
      all(ns_inode(spid, k) == ns_inode(holder, k) for k in ("net", "ipc", "uts")),
      f"server pid {spid}, sandbox pid {holder}")
want_oom = json.loads(status(srv, verbose=True).info["info"])["runtimeSpec"]["process"].get(
    "oomScoreAdj")
check(f"... with the oom_score_adj CRI was given ({OOM_SCORE_ADJ})",
      want_oom == OOM_SCORE_ADJ and oom_score_adj(spid) == OOM_SCORE_ADJ, want_oom,
      oom_score_adj(spid))
try:
    reply = talk(pod_ip, 8080, "cri")
except OSError as e:
    reply = f"connect {pod_ip}:8080: {e}"
check("the Wasm server answers at the pod IP (listener preopened in the pod's netns)",
      reply == "hello cri from a wasm listener\n", reply)
s = wait_exited(srv, 20)
check("the server exits 0 after one connection: EXITED, reason Completed",
      s.state == pb.CONTAINER_EXITED and s.exit_code == 0 and s.reason == "Completed", s)
log = read_log(s.log_path)
check("its stdout is in the CRI log format at the path CRI gave",
      s.log_path == os.path.join(WORK, "logs", "server.log")
      and has_cri_line(log, "stdout", "served one connection"), s.log_path, log)

# --- another one on 127.0.0.1, reached from inside the pod's network namespace --------------
local = create_start(sb, sbcfg, container_config(
    "local", ["/serve.wasm"], "local.log", {"io.wasmshim.tcplisten": "127.0.0.1:8081"}))
probe = ("import socket,sys; s=socket.create_connection(('127.0.0.1',8081),timeout=10); "
         "s.sendall(b'pod\\n'); sys.stdout.write(s.recv(4096).decode())")
r = subprocess.run(["nsenter", f"--net=/proc/{holder}/ns/net", "/usr/bin/python3", "-c", probe],
                   capture_output=True, text=True, timeout=30)
check("a native client inside the pod's network namespace reaches it on 127.0.0.1",
      r.stdout == "hello pod from a wasm listener\n", r.stdout, r.stderr)
servers = shim_servers()
check("one shim process serves the whole pod (sandbox and containers)", len(servers) == 1,
      f"shim servers: {servers}")
wait_exited(local, 20)

# --- stats of a running container, then StopContainer --------------------------------------
spin = create_start(sb, sbcfg, container_config("spin", ["/spin.wasm"], "spin.log",
                                                memory=256 << 20))
time.sleep(1.5)
st1 = rt.ContainerStats(pb.ContainerStatsRequest(container_id=spin)).stats
time.sleep(1.0)
st2 = rt.ContainerStats(pb.ContainerStatsRequest(container_id=spin)).stats
cpu1, cpu2 = st1.cpu.usage_core_nano_seconds.value, st2.cpu.usage_core_nano_seconds.value
check("ContainerStats: CPU time of the spinning guest (> 0.1 s, and growing)",
      cpu1 > 100_000_000 and cpu2 > cpu1, st1, st2)
mem = st2.memory
check("ContainerStats: memory usage and working set (> 64 KiB), available = 256 MiB limit - it",
      mem.working_set_bytes.value > (64 << 10)
      and mem.usage_bytes.value >= mem.working_set_bytes.value
      and mem.available_bytes.value + mem.working_set_bytes.value == 256 << 20, mem)
lst = rt.ListContainerStats(pb.ListContainerStatsRequest(
    filter=pb.ContainerStatsFilter(pod_sandbox_id=sb))).stats
mine = [x for x in lst if x.attributes.id == spin]
check("ListContainerStats lists it with real CPU and memory",
      mine and mine[0].cpu.usage_core_nano_seconds.value > 0
      and mine[0].memory.working_set_bytes.value > 0, lst)
rt.StopContainer(pb.StopContainerRequest(container_id=spin, timeout=10))
s = status(spin).status
check("StopContainer: SIGTERM interrupts the guest: exit 143, reason Error",
      s.state == pb.CONTAINER_EXITED and s.exit_code == 143 and s.reason == "Error", s)
check("... and its log has what it printed", has_cri_line(read_log(s.log_path), "stdout", "spinning"),
      read_log(s.log_path))

# --- exit codes, stderr ----------------------------------------------------------------------
hello = create_start(sb, sbcfg, container_config("hello", ["/hello.wasm", "3"], "hello.log"))
s = wait_exited(hello, 30)
check("a guest exiting 3: EXITED, exit code 3, reason Error",
      s.state == pb.CONTAINER_EXITED and s.exit_code == 3 and s.reason == "Error", s)
log = read_log(s.log_path)
check("stdout and stderr both reach the CRI log, each line tagged",
      has_cri_line(log, "stdout", "hello from wasm") and has_cri_line(log, "stderr", "to stderr"),
      log)

# --- OOM --------------------------------------------------------------------------------------
# 96 MiB: the instance itself, compiler included, needs some 30 MiB before the guest runs.
hog = create_start(sb, sbcfg, container_config("hog", ["/hog.wasm"], "hog.log", memory=96 << 20))
s = wait_exited(hog, 60)
check("a guest allocating beyond its memory limit: exit 137, reason OOMKilled",
      s.state == pb.CONTAINER_EXITED and s.exit_code == 137 and s.reason == "OOMKilled", s)

# --- teardown -----------------------------------------------------------------------------------
for cid in (srv, local, spin, hello, hog):
    rt.RemoveContainer(pb.RemoveContainerRequest(container_id=cid))
rt.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=sb))
rt.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=sb))
note("RemovePodSandbox done")

# --- a host-network pod: no network namespace is made, the Wasm server binds on the host -------
hcfg = pb.PodSandboxConfig(
    metadata=pb.PodSandboxMetadata(name="hostpod", uid=uid + "-host", namespace="default"),
    log_directory=os.path.join(WORK, "hostlogs"),
    linux=pb.LinuxPodSandboxConfig(
        cgroup_parent=CGROUP_PARENT,
        security_context=pb.LinuxSandboxSecurityContext(namespace_options=pb.NamespaceOption(
            network=pb.NODE, pid=pb.CONTAINER, ipc=pb.POD))))
hsb = rt.RunPodSandbox(pb.RunPodSandboxRequest(config=hcfg, runtime_handler=HANDLER)).pod_sandbox_id
hholder = json.loads(rt.PodSandboxStatus(pb.PodSandboxStatusRequest(
    pod_sandbox_id=hsb, verbose=True)).info["info"])["pid"]
check("a host-network pod's sandbox stays in the host's network namespace",
      ns_inode(hholder, "net") == ns_inode("self", "net")
      and ns_inode(hholder, "ipc") != ns_inode("self", "ipc"))
with socket.socket() as probe_sock:
    probe_sock.bind(("127.0.0.1", 0))
    port = probe_sock.getsockname()[1]
hsrv = create_start(hsb, hcfg, container_config(
    "server", ["/serve.wasm"], "server.log", {"io.wasmshim.tcplisten": f"127.0.0.1:{port}"}))
try:
    reply = talk("127.0.0.1", port, "host")
except OSError as e:
    reply = f"connect 127.0.0.1:{port}: {e}"
check("... and its Wasm server answers on the host's 127.0.0.1",
      reply == "hello host from a wasm listener\n", reply)
s = wait_exited(hsrv, 20)
check("... then EXITED 0, Completed", s.exit_code == 0 and s.reason == "Completed", s)
rt.RemoveContainer(pb.RemoveContainerRequest(container_id=hsrv))
rt.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=hsb))
rt.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=hsb))
left = rt.ListContainers(pb.ListContainersRequest()).containers
pods = rt.ListPodSandbox(pb.ListPodSandboxRequest()).items
for _ in range(50):
    if not shim_servers() and not any(os.path.exists(f"/proc/{p}") for p in (holder, hholder)):
        break
    time.sleep(0.1)
check("after RemovePodSandbox: no container, no sandbox, no shim and no sandbox process left",
      not left and not pods and not shim_servers()
      and not any(os.path.exists(f"/proc/{p}") for p in (holder, hholder)),
      f"containers {len(left)} pods {len(pods)} shims {shim_servers()}")
sys.exit(min(failures, 100))
