#!/usr/bin/python3
"""Pod-grouped density through containerd's CRI plugin: one pod (host network) per runtime
handler with K idle containers, memory as the PSS sum of the pod's shim and everything under it.
Prints one JSON object per (handler, K) on stdout; bench.py turns them into the report.

usage: cri_density.py STUBS_DIR CONTAINERD_SOCK CGROUP_PARENT K [K...]
  STUBS_DIR holds api_pb2.py / api_pb2_grpc.py from the cri-api v1 api.proto
"""
import json
import os
import sys
import time

sys.path.insert(0, sys.argv[1])
import grpc  # noqa: E402
import api_pb2 as pb  # noqa: E402
import api_pb2_grpc as pbg  # noqa: E402
from procfs import pss_kb, shim_tree  # noqa: E402

SOCK, CGROUP_PARENT = sys.argv[2], sys.argv[3]
KS = [int(k) for k in sys.argv[4:]]
rt = pbg.RuntimeServiceStub(grpc.insecure_channel("unix://" + SOCK))
WORK = {
    "wasm": ("docker.io/wsbench/wasm:1", ["/hold.wasm", "0"], "containerd-shim-wasm-v1"),
    "runc": ("docker.io/wsbench/busybox:1", ["/bin/busybox", "sleep", "100000"],
             "containerd-shim-runc-v2"),
}


def tree_pss(shim_name):
    roots, seen = shim_tree(shim_name, SOCK)
    return len(roots), len(seen), sum(pss_kb(p)[0] for p in seen)


def one(handler, k):
    img, cmd, shim = WORK[handler]
    uid = f"wsbench-{handler}-{k}-{os.getpid()}"
    sbcfg = pb.PodSandboxConfig(
        metadata=pb.PodSandboxMetadata(name=uid, uid=uid, namespace="default", attempt=0),
        log_directory=f"/tmp/{uid}-logs",
        linux=pb.LinuxPodSandboxConfig(
            cgroup_parent=CGROUP_PARENT,
            security_context=pb.LinuxSandboxSecurityContext(
                namespace_options=pb.NamespaceOption(network=pb.NODE, pid=pb.CONTAINER,
                                                     ipc=pb.POD))))
    res = {"handler": handler, "k": k, "started": 0, "error": ""}
    t0 = time.monotonic()
    sb = rt.RunPodSandbox(pb.RunPodSandboxRequest(config=sbcfg, runtime_handler=handler),
                          timeout=120).pod_sandbox_id
    try:
        for i in range(k):
            cfg = pb.ContainerConfig(metadata=pb.ContainerMetadata(name=f"c{i}"),
                                     image=pb.ImageSpec(image=img), command=cmd)
            cid = rt.CreateContainer(pb.CreateContainerRequest(
                pod_sandbox_id=sb, config=cfg, sandbox_config=sbcfg), timeout=120).container_id
            rt.StartContainer(pb.StartContainerRequest(container_id=cid), timeout=120)
            res["started"] += 1
        res["start_s"] = time.monotonic() - t0
        time.sleep(2)
        listed = rt.ListContainers(pb.ListContainersRequest(filter=pb.ContainerFilter(
            pod_sandbox_id=sb))).containers
        res["running"] = sum(1 for c in listed if c.state == pb.CONTAINER_RUNNING)
        res["shims"], res["procs"], res["pss_kb"] = tree_pss(shim)
    except grpc.RpcError as e:
        res["error"] = f"after {res['started']} containers: {e.code()} {e.details()}"
    finally:
        rt.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=sb), timeout=600)
        rt.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=sb), timeout=600)
    return res


for j, k in enumerate(KS):
    for h in (["wasm", "runc"] if j % 2 == 0 else ["runc", "wasm"]):
        try:
            r = one(h, k)
        except grpc.RpcError as e:
            r = {"handler": h, "k": k, "started": 0, "error": f"{e.code()} {e.details()}"}
        print(json.dumps(r), flush=True)
