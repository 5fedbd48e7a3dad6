#!/usr/bin/python3
"""Container-level measurements against a running private containerd (bench/containers/run.sh
starts it and imports the images): our shim (io.containerd.wasm.v1) against runc
(io.containerd.runc.v2, busybox-static), interleaved in one run. Every figure it prints is
measured here; it writes results.md and the .dat files plots.gp draws.
"""
import argparse
import calendar
import concurrent.futures as cf
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

from procfs import busy_cpu_s, cgroup_cpu_s, proc_cpu_s, pss_kb, shim_tree

WASM_IMG = "docker.io/wsbench/wasm:1"
BB_IMG = "docker.io/wsbench/busybox:1"
WASM_RT = "io.containerd.wasm.v1"
RUNC_RT = "io.containerd.runc.v2"

p = argparse.ArgumentParser()
p.add_argument("--ctr", required=True)
p.add_argument("--address", required=True)
p.add_argument("--namespace", required=True)
p.add_argument("--log", required=True)
p.add_argument("--out", required=True)
p.add_argument("--runs", type=int, default=30)
p.add_argument("--containers", type=int, default=1000)
p.add_argument("--concurrency", default="1 4 16")
p.add_argument("--k", default="10 100 1000")
p.add_argument("--large", type=int, default=1)
p.add_argument("--cache", default="")
p.add_argument("--cri", default="", help="stubs dir: also the pod-grouped case through CRI")
p.add_argument("--cgroup-parent", default="/wsbench")
p.add_argument("--cri-k", default="", help="K list for the CRI case (default: --k)")
p.add_argument("--tp-client", choices=("grpc", "ctr"), default="grpc",
               help="throughput through tp_client.py (gRPC) or concurrent `ctr run --rm`")
p.add_argument("--tp-grouped", type=int, default=1,
               help="1: also measure throughput with all containers in one shim (pod-like)")
p.add_argument("--stubs", default="", help="containerd API stubs for tp_client.py")
p.add_argument("--fifo-dir", default="/tmp", help="where tp_client.py makes its stdout FIFOs")
p.add_argument("--ctrd-pid", type=int, default=0, help="containerd's pid (CPU accounting)")
p.add_argument("--ctrd-fs", default="?", help="the filesystem type under containerd's root")
p.add_argument("--daemon-cgroup", default="",
               help="the cgroup containerd (and so every shim) runs in (CPU accounting)")
A = p.parse_args()
HERE = os.path.dirname(os.path.abspath(__file__))
CTR = [A.ctr, "--address", A.address, "-n", A.namespace]

# What each runtime runs: hello (prints and exits), idle (blocks in a sleep), large (sqlite3).
WORK = {
    "wasm": {"rt": WASM_RT, "img": WASM_IMG, "hello": ["/hello.wasm"],
             "hello_out": "hello from wasm\narg[0]=/hello.wasm\nGREETING=(unset)\n",
             "idle": ["/hold.wasm", "0"]},
    "runc": {"rt": RUNC_RT, "img": BB_IMG, "hello": ["/bin/busybox", "echo", "hello"],
             "hello_out": "hello\n", "idle": ["/bin/busybox", "sleep", "100000"]},
    # Idle sqlite3: the interactive shell on a terminal nobody types into (blocked reading).
    "wasm-large": {"rt": WASM_RT, "img": WASM_IMG,
                   "hello": ["/large.wasm", ":memory:", "select 6*7;"], "hello_out": "42\n",
                   "keeper": ["/hold.wasm", "0"],
                   "idle": ["/large.wasm", ":memory:"], "idle_flags": ["-t"]},
}
report = []


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def ctr(*args, check=True, **kw):
    r = subprocess.run(CTR + list(args), capture_output=True, text=True, **kw)
    if check and r.returncode != 0:
        raise RuntimeError(f"ctr {' '.join(args)}: rc={r.returncode} {r.stderr.strip()}")
    return r


def own_cgroup(cid):
    """Every container of the run lives below --cgroup-parent (not ctr's default /NAMESPACE/ID,
    which other runs share): run.sh's cleanup kills whatever is left there."""
    return f"{A.cgroup_parent}/ctr/{cid}"


def pct(xs, q):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    i = min(len(xs) - 1, max(0, int(round(q / 100.0 * (len(xs) - 1)))))
    return xs[i]


def run_once(kind, cid):
    """`ctr run --rm` of the kind's hello: (wall s, first output s, exit code, output)."""
    w = WORK[kind]
    t0 = time.monotonic()
    proc = subprocess.Popen(CTR + ["run", "--rm", "--cgroup", own_cgroup(cid), "--runtime", w["rt"],
                                   w["img"], cid] + w["hello"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    first = os.read(proc.stdout.fileno(), 65536)
    t_first = time.monotonic() - t0
    rest = proc.stdout.read()
    rc = proc.wait()
    return time.monotonic() - t0, t_first, rc, (first + rest).decode(errors="replace"), t0


def floor_once(cid):
    """ctr's and containerd's own cost: `ctr version` (a client start and one round trip), and
    `ctr containers create` + `ctr containers rm` (metadata and the rootfs snapshot, no task)."""
    t0 = time.monotonic()
    ctr("version")
    t1 = time.monotonic()
    ctr("containers", "create", "--runtime", RUNC_RT, BB_IMG, cid)
    ctr("containers", "rm", cid)
    return t1 - t0, time.monotonic() - t1


# --- 1. latency -----------------------------------------------------------------------------
LOG_LINE = re.compile(r'time="([^"]+)" level=\w+ msg="(Create|Start|Delete|State|Wait|Kill)'
                      r' ok(?: took=([^"]+))?".*? id=(\S+)')


def parse_time(s):
    # 2026-11-24T18:00:00.123456789Z -> epoch seconds
    base, frac = s.rstrip("Z").split(".")
    t = calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S"))  # the log is in UTC
    return t + float("0." + frac)


def parse_duration(s):
    m = re.fullmatch(r"([\d.]+)(ns|us|µs|ms|s)", s or "")
    if not m:
        return None
    return float(m.group(1)) * {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0}[m.group(2)]


EXIT_LINE = re.compile(r'time="([^"]+)" level=\w+ msg="exited: (\S+) status=')


def shim_phases(ids):
    """Per container: the shim log's RPC completion times (and durations where logged)."""
    ev = {}
    with open(A.log, errors="replace") as f:
        for line in f:
            e = EXIT_LINE.search(line)
            if e and e.group(2) in ids:
                ev.setdefault(e.group(2), {}).setdefault("exit", (parse_time(e.group(1)), None))
                continue
            m = LOG_LINE.search(line)
            if not m or m.group(4) not in ids:
                continue
            d = ev.setdefault(m.group(4), {})
            d.setdefault(m.group(2), (parse_time(m.group(1)), parse_duration(m.group(3))))
    return ev


def latency(kinds, runs, tag):
    res = {k: {"wall": [], "first": []} for k in kinds}
    res["floor"] = {"version": [], "create_rm": []}
    starts, ends = {}, {}
    bad = 0
    for i in range(runs):
        order = kinds if i % 2 == 0 else list(reversed(kinds))
        for k in order:
            cid = f"lat-{tag}-{k}-{i}"
            wall, first, rc, out, t0 = run_once(k, cid)
            if rc != 0:
                bad += 1
                log(f"{cid}: rc={rc} {out.strip()[:200]}")
                continue
            res[k]["wall"].append(wall)
            res[k]["first"].append(first)
            now = time.time() - time.monotonic()
            starts[cid] = (now + t0, k)
            ends[cid] = now + t0 + wall
        v, cr = floor_once(f"floor-{tag}-{i}")
        res["floor"]["version"].append(v)
        res["floor"]["create_rm"].append(cr)
    return res, starts, ends, bad


def phase_table(starts, ends, kind):
    ev = shim_phases({c for c, (_, k) in starts.items() if k == kind})
    rows = {"ctr start → Create done": [], "ctr start → Create received": [],
            "Create (shim RPC: instance process, rootfs, module load)": [],
            "Create done → Start done": [], "Start done → guest exited": [],
            "guest exited → Delete done": [], "Start done → Delete done": [],
            "Delete (shim RPC)": [], "Delete done → ctr exited": []}
    for cid, d in ev.items():
        t0 = starts[cid][0]
        if not all(x in d for x in ("Create", "Start", "Delete")):
            continue
        rows["ctr start → Create done"].append(d["Create"][0] - t0)
        if d["Create"][1] is not None:
            rows["ctr start → Create received"].append(d["Create"][0] - d["Create"][1] - t0)
            rows["Create (shim RPC: instance process, rootfs, module load)"].append(d["Create"][1])
        if "exit" in d:
            rows["Start done → guest exited"].append(d["exit"][0] - d["Start"][0])
            rows["guest exited → Delete done"].append(d["Delete"][0] - d["exit"][0])
        if cid in ends:
            rows["Delete done → ctr exited"].append(ends[cid] - d["Delete"][0])
        rows["Create done → Start done"].append(d["Start"][0] - d["Create"][0])
        rows["Start done → Delete done"].append(d["Delete"][0] - d["Start"][0])
        if d["Delete"][1] is not None:
            rows["Delete (shim RPC)"].append(d["Delete"][1])
    return rows, len(ev)


# --- 2. throughput --------------------------------------------------------------------------
TP_CGROUP = A.cgroup_parent + "/tp"  # every throughput container's cgroup is below this one


def throughput(kind, n, conc, tag, groups=0):
    """n hello containers run to completion by conc concurrent clients (groups > 0: in that many
    shims, see tp_client.py): (rate, wall, failures, CPU seconds by consumer, first errors).
    The CPU figures are deltas around the measured part: the client (tp_client.py's own, or
    the ctr processes'), containerd's process, containerd's cgroup minus containerd (the shims,
    runc's CLI runs, our instance processes until they join their cgroup), the containers'
    cgroups, and the whole machine (other users included)."""
    w = WORK[kind]
    prefix = f"tp-{tag}-{kind}-{conc}"
    if A.tp_client == "grpc":
        r = subprocess.run(
            ["/usr/bin/python3", os.path.join(HERE, "tp_client.py"), "--stubs", A.stubs,
             "--address", A.address, "--namespace", A.namespace, "--ctr", A.ctr,
             "--runtime", w["rt"], "--image", w["img"], "--n", str(n), "--clients", str(conc),
             "--prefix", prefix, "--fifo-dir", A.fifo_dir, "--expect", w["hello_out"],
             "--cgroup-parent", TP_CGROUP, "--groups", str(groups),
             "--keeper", json.dumps(w.get("keeper", w["idle"])), "--ctrd-pid", str(A.ctrd_pid),
             "--daemon-cgroup", A.daemon_cgroup, "--"] + w["hello"],
            capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"tp_client.py {kind} x{conc}: rc={r.returncode} {r.stderr[-2000:]}")
        d = json.loads(r.stdout)
        wall, failed, errors = d["wall_s"], d["failed"], d["errors"]
        u = d["cpu_s"]  # read by the client around the measured part (no template, no keepers)
    else:
        errors = []

        def one(i):
            cid = f"{prefix}-{i}"
            r = subprocess.run(CTR + ["run", "--rm", "--cgroup", f"{TP_CGROUP}/{cid}",
                                      "--runtime", w["rt"], w["img"], cid] + w["hello"],
                               capture_output=True)
            out = r.stdout.decode(errors="replace")
            if r.returncode != 0 or out != w["hello_out"]:
                errors.append(f"{cid}: rc={r.returncode} stdout {out[:200]!r} "
                              f"{r.stderr.decode(errors='replace').strip()[:200]}")
        cpu0 = cpu_now()
        t0 = time.monotonic()
        with cf.ThreadPoolExecutor(conc) as ex:
            list(ex.map(one, range(n)))
        wall = time.monotonic() - t0
        cpu1 = cpu_now()
        failed = len(errors)
        u = {x: cpu1[x] - cpu0[x] for x in cpu0}
        u["client"] = u["children"]  # the ctr processes, all waited for
    cpu = {"client": u["client"], "containerd": u["containerd"],
           "shims": u["daemon"] - u["containerd"], "containers": u["containers"],
           "machine": u["machine"]}
    if not A.daemon_cgroup:
        cpu["shims"] = float("nan")
    return n / wall, wall, failed, cpu, errors[:3]


def cpu_now():
    t = os.times()
    return {"children": t.children_user + t.children_system,
            "containerd": proc_cpu_s(A.ctrd_pid) if A.ctrd_pid else float("nan"),
            "daemon": cgroup_cpu_s(A.daemon_cgroup) if A.daemon_cgroup else 0.0,
            "containers": cgroup_cpu_s(TP_CGROUP), "machine": busy_cpu_s()}


# --- 3. density -----------------------------------------------------------------------------
def wait_running(ids, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        out = ctr("tasks", "ls").stdout
        running = {l.split()[0] for l in out.splitlines()[1:] if "RUNNING" in l}
        if ids <= running:
            return True
        time.sleep(0.5)
    return False


def remove_all(ids, conc=8):
    def rm(cid):
        ctr("tasks", "kill", "-s", "SIGKILL", cid, check=False)
        for _ in range(100):
            r = ctr("tasks", "rm", "-f", cid, check=False)
            if r.returncode == 0 or "not found" in r.stderr:  # gone, or its task never started
                break
            time.sleep(0.1)
        ctr("containers", "rm", cid, check=False)
    with cf.ThreadPoolExecutor(conc) as ex:
        list(ex.map(rm, ids))


def density(kind, k, tag):
    w = WORK[kind]
    ids = [f"idle-{tag}-{kind}-{k}-{i}" for i in range(k)]
    shim = "containerd-shim-wasm-v1" if w["rt"] == WASM_RT else "containerd-shim-runc-v2"
    fails = []

    def start(cid):
        argv = CTR + ["run", "-d", *w.get("idle_flags", []), "--cgroup", own_cgroup(cid),
                      "--runtime", w["rt"], w["img"], cid, *w["idle"]]
        if "-t" in argv:  # ctr wants a terminal of its own for -t: script(1) gives it one
            argv = ["script", "-qec", " ".join(argv), "/dev/null"]
        r = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            fails.append(f"{cid}: {r.stderr.strip()[:300]}")
    try:
        t0 = time.monotonic()
        with cf.ThreadPoolExecutor(8) as ex:
            list(ex.map(start, ids))
        started = time.monotonic() - t0
        ok = not fails and wait_running(set(ids), 60 + k * 0.2)
        time.sleep(2)  # let the last starts settle (lazy pages, page cache)
        roots, tree = shim_tree(shim, A.address)
        pss = rss = 0
        for pid in tree:
            a, b = pss_kb(pid)
            pss += a
            rss += b
        with open("/proc/meminfo") as f:
            avail = int(next(l for l in f if l.startswith("MemAvailable")).split()[1])
        res = {"k": k, "ok": ok, "fails": fails[:3], "nfail": len(fails), "shims": len(roots),
               "procs": len(tree), "pss_kb": pss, "rss_kb": rss, "start_s": started,
               "avail_kb": avail}
        return res
    finally:
        remove_all(ids)  # also when measuring failed: no container is left to the EXIT trap


# --- the run --------------------------------------------------------------------------------
def fmt_ms(x):
    return f"{x * 1000:.0f}"


def main():
    os.makedirs(A.out, exist_ok=True)
    runs, n = A.runs, A.containers
    concs = [int(x) for x in A.concurrency.split()]
    ks = [int(x) for x in A.k.split()]
    uname = platform.uname()
    with open("/proc/cpuinfo") as f:
        cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "?")
    with open("/proc/meminfo") as f:
        mem_gb = int(next(l for l in f if l.startswith("MemTotal")).split()[1]) / 1024 / 1024
    with open("/proc/loadavg") as f:
        load0 = f.read().split()[0]
    ctrd = ctr("version").stdout
    server = re.search(r"Server:\s*\n\s*Version:\s*(\S+)", ctrd)
    report.append("# Container benchmarks: wasmshim vs runc\n")
    report.append(f"Machine: {cpu}, {os.cpu_count()} cores, {mem_gb:.1f} GB RAM, kernel "
                  f"{uname.release}; containerd {server.group(1) if server else '?'} with its "
                  f"root and state on {A.ctrd_fs}; "
                  f"load average {load0} at the start (the cores are shared). "
                  f"Date {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.\n")
    report.append(f"Sizes: {runs} runs, {n} containers per throughput point, concurrency "
                  f"{concs}, K {ks}.\n")

    # Warm the code cache (and the page cache) first: one run of each module.
    kinds = ["wasm", "runc"] + (["wasm-large"] if A.large else [])
    for k in kinds:
        wall, first, rc, out, _ = run_once(k, f"warm-{k}-0")
        log(f"warm-up {k}: {wall:.3f} s rc={rc} out={out.strip()[:80]!r}")
        if rc != 0:
            raise SystemExit(f"warm-up {k} failed: rc={rc} {out}")
    if A.large:
        wait_cache_fill()
    for k in kinds:  # the idle modules' code too
        d = density(k, 1, "warm")
        log(f"warm-up idle {k}: ok={d['ok']} {d['fails']}")

    # 1. latency
    log(f"latency: {runs} runs each of {kinds}")
    lat, starts, ends, bad = latency(kinds, runs, "a")
    with open(os.path.join(A.out, "latency.dat"), "w") as f:
        f.write("fraction " + " ".join(kinds) + " floor(create+rm)\n")
        cols = [sorted(lat[k]["wall"]) for k in kinds] + [sorted(lat["floor"]["create_rm"])]
        m = min(len(c) for c in cols)
        for i in range(m):
            f.write(f"{(i + 1) / m:.4f} " + " ".join(f"{c[i]:.4f}" for c in cols) + "\n")
    report.append("## 1. `ctr run --rm` latency (hello)\n")
    report.append(f"Wall time of the whole `ctr run --rm` process, {runs} runs each, the runtimes "
                  "alternating run by run; \"first output\" is when ctr's stdout got the first "
                  f"bytes. Failed runs: {bad}.\n")
    report.append("| workload | median ms | p95 ms | min ms | first output, median ms | vs runc (median) |")
    report.append("|---|---:|---:|---:|---:|---:|")
    rm = statistics.median(lat["runc"]["wall"])
    names = {"wasm": "wasmshim: hello.wasm", "runc": "runc: busybox echo hello",
             "wasm-large": "wasmshim: sqlite3.wasm `select 6*7;` (warm cache)"}
    for k in kinds:
        w = lat[k]["wall"]
        report.append(f"| {names[k]} | {fmt_ms(statistics.median(w))} | {fmt_ms(pct(w, 95))} | "
                      f"{fmt_ms(min(w))} | {fmt_ms(statistics.median(lat[k]['first']))} | "
                      f"{statistics.median(w) / rm:.2f}× |")
    fv, fc = lat["floor"]["version"], lat["floor"]["create_rm"]
    report.append(f"| floor: `ctr version` | {fmt_ms(statistics.median(fv))} | "
                  f"{fmt_ms(pct(fv, 95))} | {fmt_ms(min(fv))} | | |")
    report.append(f"| floor: `ctr containers create` + `ctr containers rm` (no task) | "
                  f"{fmt_ms(statistics.median(fc))} | {fmt_ms(pct(fc, 95))} | {fmt_ms(min(fc))} | | |")
    report.append("")
    report.append("The floor is what ctr and containerd cost with no runtime involved: a ctr "
                  "process and a round trip (`ctr version`), and the container record with its "
                  "rootfs snapshot created and removed by two ctr processes. "
                  "`ctr run --rm` does that work in one process plus the task's "
                  "create/start/wait/delete.\n")
    for k in [x for x in kinds if x.startswith("wasm")]:
        rows, cnt = phase_table(starts, ends, k)
        report.append(f"Shim phases for {names[k]} from the shim log (containerd's log, "
                      f"{cnt} containers; times are when each RPC answered; median / p95 ms):\n")
        report.append("| phase | median ms | p95 ms |")
        report.append("|---|---:|---:|")
        for name, xs in rows.items():
            if xs:
                report.append(f"| {name} | {statistics.median(xs) * 1000:.1f} | "
                              f"{pct(xs, 95) * 1000:.1f} |")
        report.append("")

    # 2. throughput
    throughput_section(kinds, names, concs, n)

    # 3. density
    idle_names = {"wasm": "wasmshim: hold.wasm", "runc": "runc: busybox sleep",
                  "wasm-large": "wasmshim: sqlite3 shell on a tty (warm cache)"}
    report.append("## 3. Density: idle containers\n")
    report.append("K containers started with `ctr run -d` (one shim each) and held idle: ours "
                  "runs hold.wasm (blocked in poll_oneoff), runc runs `busybox sleep`. Memory is "
                  "the PSS sum (/proc/PID/smaps_rollup) of every shim daemon of this containerd "
                  "and all of its descendants (our instance processes; runc's container process), "
                  "divided by K.\n")
    report.append("| K | runtime | all running | shims | processes | PSS total MB | PSS / container MB | "
                  "RSS / container MB | start of K s |")
    report.append("|---:|---|---|---:|---:|---:|---:|---:|---:|")
    with open(os.path.join(A.out, "density.dat"), "w") as f:
        f.write("K " + " ".join(kinds) + "\n")
        for j, k in enumerate(ks):
            r = {}
            for kind in (kinds if j % 2 == 0 else list(reversed(kinds))):
                log(f"density {kind} K={k}")
                r[kind] = density(kind, k, "c")
                d = r[kind]
                log(f"  ok={d['ok']} shims={d['shims']} procs={d['procs']} "
                    f"pss={d['pss_kb'] / 1024:.1f} MB fails={d['nfail']} {d['fails']}")
            for kind in kinds:
                d = r[kind]
                report.append(
                    f"| {k} | {idle_names[kind]} | {'yes' if d['ok'] else 'NO (' + str(d['nfail']) + ' failed)'} "
                    f"| {d['shims']} | {d['procs']} | {d['pss_kb'] / 1024:.1f} | "
                    f"{d['pss_kb'] / 1024 / k:.2f} | {d['rss_kb'] / 1024 / k:.2f} | "
                    f"{d['start_s']:.1f} |")
            f.write(f"{k} " + " ".join(f"{r[x]['pss_kb'] / 1024 / k:.3f}" for x in kinds) + "\n")
    report.append("")
    if A.cri:
        cri_density(A.cri_k or A.k)
    with open(os.path.join(A.out, "results.md"), "w") as f:
        f.write("\n".join(report) + "\n")
    print("\n".join(report))


def throughput_section(kinds, names, concs, n):
    report.append("## 2. Throughput\n")
    if A.tp_client == "grpc":
        how = ("by C concurrent client threads of one process (tp_client.py) over one gRPC "
               "channel to containerd's API, each doing what `ctr run --rm` does: lease, "
               "snapshots.Prepare, containers.Create, tasks.Create (stdout and stderr to FIFOs "
               "the client reads), Start, Wait, tasks.Delete, snapshots.Remove, "
               "containers.Delete; the container record (spec, runtime options) is the one "
               "`ctr containers create` writes. No `ctr` process per container")
    else:
        how = "by C concurrent `ctr run --rm` processes"
    report.append(f"Client: **{A.tp_client}**. {n} containers (hello) started, waited for and "
                  f"deleted {how}; containers per second. Every container must exit 0 and print "
                  "its expected stdout (`hello` for busybox, hello.wasm's three lines), or it "
                  "counts as failed. Runtimes (and the grouped measurements) alternate per "
                  "concurrency level.\n")
    # 0: one shim per container (as ctr run); 1: all in one shim held by an idle keeper
    # container, like a pod's containers (gRPC client only: it sets the group annotation).
    modes = [0, 1] if A.tp_client == "grpc" and A.tp_grouped else [0]
    res, loads = {}, []
    for j, c in enumerate(concs):
        for g in modes:
            for k in (kinds if (j + g) % 2 == 0 else list(reversed(kinds))):
                log(f"throughput {k} x{c} groups={g}: {n} containers ({A.tp_client})")
                x = res[(g, c, k)] = throughput(k, n, c, f"b{g}", g)
                log(f"  {x[0]:.2f}/s in {x[1]:.1f} s, {x[2]} failed {x[4]}")
                log("  CPU s: " + " ".join(f"{y}={v:.2f}" for y, v in x[3].items()))
        with open("/proc/loadavg") as lf:
            loads.append(f"{c}: {lf.read().split()[0]}")
    with open(os.path.join(A.out, "throughput.dat"), "w") as f:
        f.write("clients " + " ".join(f"{k}{'-grouped' if g else ''}"
                                      for g in modes for k in kinds) + "\n")
        for c in concs:
            f.write(f"{c} " + " ".join(f"{res[(g, c, k)][0]:.3f}" for g in modes for k in kinds)
                    + "\n")
    for g in modes:
        if g:
            report.append("Grouped: the same containers, but all of them served by one shim "
                          "daemon per runtime, as the containers of a pod are: the spec carries "
                          "runc's group annotation (`io.containerd.runc.v2.group`, which our "
                          "shim honours too) and an idle keeper container of the same group "
                          "(hold.wasm / `busybox sleep`) holds the shim up meanwhile.\n")
        report.append("| clients | " + " | ".join(f"{names[k]} /s" for k in kinds) +
                      " | wasmshim / runc |")
        report.append("|---:|" + "---:|" * (len(kinds) + 1))
        for c in concs:
            r = {k: res[(g, c, k)] for k in kinds}
            report.append(f"| {c} | " + " | ".join(
                f"{r[k][0]:.2f}" + (f" ({r[k][2]} failed)" if r[k][2] else "") for k in kinds) +
                f" | {r['wasm'][0] / r['runc'][0]:.2f}× |")
        report.append("")
    errs = [e for x in res.values() for e in x[4]]
    if errs:
        report.append("First failures: " + "; ".join(f"`{e}`" for e in errs[:3]) + "\n")
    report.append(f"Load average (1 min) after each level: {', '.join(loads)}.\n")
    report.append("Where the CPU goes, per container (ms; deltas around each measurement): the "
                  "client; containerd's process; the rest of containerd's cgroup (the shims with "
                  "their `start` runs, runc's CLI runs, our instance processes until they join "
                  "their own cgroup); the containers' cgroups (runc's container process, our "
                  "instance processes from then on); the sum; and the whole machine's busy CPU "
                  "(every user's: it includes other work on the shared cores, and kernel "
                  "threads).\n")
    report.append("| clients | runtime | client | containerd | shims + runtime | containers | "
                  "sum | machine | wall / container |")
    report.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    per = (lambda v: f"{v * 1000 / n:.1f}")
    for g in modes:
        for c in concs:
            for k in kinds:
                x = res[(g, c, k)]
                u = x[3]
                tot = u["client"] + u["containerd"] + u["shims"] + u["containers"]
                report.append(f"| {c} | {names[k]}{', grouped' if g else ''} | "
                              f"{per(u['client'])} | {per(u['containerd'])} | "
                              f"{per(u['shims'])} | {per(u['containers'])} | {per(tot)} | "
                              f"{per(u['machine'])} | {per(x[1])} |")
    report.append("")


def cri_density(k_list):
    """Pod-grouped: one pod per handler with K idle containers (cri_density.py)."""
    import json
    here = os.path.dirname(os.path.abspath(__file__))
    report.append("## 4. Density: idle containers in one pod (CRI)\n")
    report.append("One host-network pod per runtime handler through containerd's CRI plugin "
                  "(RunPodSandbox, then CreateContainer + StartContainer K times): our shim "
                  "serves the whole pod from one shim daemon (the sandbox is an instance process "
                  "holding the namespaces, each container one more instance process); runc's "
                  "shim likewise, with a busybox `sleep` as the pause process. PSS of the shim "
                  "and all its descendants, divided by K.\n")
    report.append("| K | handler | started | shims | processes | PSS total MB | "
                  "PSS / container MB | start of K s | error |")
    report.append("|---:|---|---:|---:|---:|---:|---:|---:|---|")
    ks = k_list.split()
    log(f"CRI density: K {ks}")
    r = subprocess.run(["/usr/bin/python3", os.path.join(here, "cri_density.py"), A.cri,
                        A.address, A.cgroup_parent] + ks, capture_output=True, text=True)
    if r.returncode != 0:
        log(r.stderr)
    rows = {}
    for line in r.stdout.splitlines():
        d = json.loads(line)
        log(f"  {d}")
        rows.setdefault(d["k"], {})[d["handler"]] = d
        k = d["k"]
        pss = d.get("pss_kb", 0)
        report.append(f"| {k} | {d['handler']} | {d['started']} | {d.get('shims', '')} | "
                      f"{d.get('procs', '')} | {pss / 1024:.1f} | {pss / 1024 / k:.2f} | "
                      f"{d.get('start_s', 0):.1f} | {d['error']} |")
    with open(os.path.join(A.out, "density_cri.dat"), "w") as f:
        f.write("K wasm-pod runc-pod\n")
        for k in sorted(rows):
            f.write(f"{k} " + " ".join(f"{rows[k].get(h, {}).get('pss_kb', 0) / 1024 / k:.3f}"
                                       for h in ("wasm", "runc")) + "\n")
    report.append("")


def wait_cache_fill():
    """A large module's first run fills the cache in the background; wait for the artifact so
    that the measured runs are warm."""
    if not A.cache:
        return
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        locks = [f for f in os.listdir(A.cache) if f.startswith(".fill-")]
        held = False
        for lk in locks:
            try:
                import fcntl
                with open(os.path.join(A.cache, lk)) as fh:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                held = True
        if not held:
            wall, _, rc, _, _ = run_once("wasm-large", "warm-wasm-large-1")
            log(f"large module, second run: {wall:.3f} s rc={rc}")
            return
        time.sleep(2)
    log("the large module's cache fill did not finish in 900 s; its figures are not warm")


if __name__ == "__main__":
    main()
