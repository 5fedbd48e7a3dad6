"""What the density benchmarks read from /proc: the process table, a shim's process tree, PSS."""
import os


def procs():
    """pid -> (ppid, argv as bytes) for every process that can be read."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                st = f.read()
            with open(f"/proc/{d}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        ppid = int(st[st.rindex(")") + 2:].split()[1])
        out[int(d)] = (ppid, argv)
    return out


def pss_kb(pid):
    """(Pss, Rss) of a process in kB from smaps_rollup; (0, 0) once it is gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            vals = {}
            for line in f:
                parts = line.split()
                if parts[0] in ("Pss:", "Rss:"):
                    vals[parts[0]] = int(parts[1])
            return vals.get("Pss:", 0), vals.get("Rss:", 0)
    except OSError:
        return 0, 0


def shim_tree(shim_name, address):
    """The shim daemons of one containerd (their argv names its socket `address`) and all their
    descendants: (roots, every pid of the trees)."""
    ps = procs()
    roots = [pid for pid, (_, argv) in ps.items()
             if argv and argv[0].endswith(shim_name.encode()) and address.encode() in argv]
    children = {}
    for pid, (ppid, _) in ps.items():
        children.setdefault(ppid, []).append(pid)
    seen, stack = set(), list(roots)
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        stack.extend(children.get(pid, []))
    return roots, seen


# --- CPU accounting of the throughput benchmark ------------------------------------------------
TICK = os.sysconf("SC_CLK_TCK")


def proc_cpu_s(pid):
    """user + system CPU seconds of a live process (all its threads), 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except (OSError, IndexError, ValueError):
        return 0.0


def cgroup_dir(path):
    """The directory of cgroup PATH (/a/b) where its CPU usage is counted: the unified tree
    (cgroup v2) or cpuacct's hierarchy (v1)."""
    if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
        return "/sys/fs/cgroup" + path
    return "/sys/fs/cgroup/cpuacct" + path


def cgroup_cpu_s(path):
    """CPU seconds used in cgroup PATH and all its descendants, also the removed ones (v1
    cpuacct charges every ancestor; v2 folds a removed child's usage into its parent); 0 while
    it does not exist."""
    d = cgroup_dir(path)
    try:
        with open(os.path.join(d, "cpu.stat")) as f:
            for line in f:
                k, v = line.split()
                if k == "usage_usec":
                    return int(v) / 1e6
    except FileNotFoundError:
        pass
    try:
        with open(os.path.join(d, "cpuacct.usage")) as f:
            return int(f.read()) / 1e9
    except FileNotFoundError:
        return 0.0


def busy_cpu_s():
    """CPU seconds the whole machine spent not idle (all cores, every process of every user)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal: busy = all but idle and iowait
    return (sum(v[:8]) - v[3] - v[4]) / TICK
