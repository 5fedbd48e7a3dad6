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
