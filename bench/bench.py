#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""ckpt's benchmark: ckpt (CLI and in-process libckpt) against the criu CLI,
Debian's libcriu and runc, on workloads it builds and starts itself.

Run it through bench/run.sh, which installs what it needs and builds the
programs; see docs/performance.md for what is measured and how.
"""
import argparse
import ctypes
import datetime
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

PREFIX = "ckb"  # every name this benchmark makes on the machine starts with it


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


# --------------------------------------------------------------------------
# Small helpers


def sh(argv, check=True, **kw):
    """Runs a command (not timed) and returns its stdout."""
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if check and p.returncode != 0:
        raise BenchError(f"{' '.join(map(str, argv))} failed ({p.returncode}): {p.stderr.strip()[-2000:]}")
    return p.stdout


def rm_rf(path):
    if os.path.lexists(path):
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)


def dir_bytes(path):
    total = pages = 0
    for name in os.listdir(path):
        p = os.path.join(path, name)
        if os.path.isfile(p):
            n = os.path.getsize(p)
            total += n
            if name.startswith("pages-") and name.endswith(".img"):
                pages += n
    return total, pages


def varints(buf, i):
    """One protobuf varint at buf[i:]: (value, next index)."""
    v = shift = 0
    while True:
        b = buf[i]
        i += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return v, i


def pb_fields(buf):
    """A protobuf message's fields: {number: value} (varints and sub-messages)."""
    out, i = {}, 0
    while i < len(buf):
        key, i = varints(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            out[num], i = varints(buf, i)
        elif wt == 2:
            n, i = varints(buf, i)
            out[num] = buf[i:i + n]
            i += n
        elif wt == 5:
            out[num] = int.from_bytes(buf[i:i + 4], "little")
            i += 4
        elif wt == 1:
            out[num] = int.from_bytes(buf[i:i + 8], "little")
            i += 8
        else:
            raise ValueError("bad protobuf wire type")
    return out


DUMP_STATS = {1: "freezing_us", 2: "frozen_us", 3: "memdump_us", 4: "memwrite_us", 5: "pages_scanned",
              7: "pages_written"}
RESTORE_STATS = {3: "forking_us", 4: "restore_us", 5: "pages_restored"}


def criu_stats(path):
    """criu's stats-dump / stats-restore (images/stats.proto): service magic,
    the stats magic, then one u32-length-prefixed StatsEntry."""
    try:
        with open(path, "rb") as f:
            buf = f.read()
    except OSError:
        return {}
    if len(buf) < 12 or int.from_bytes(buf[4:8], "little") != 0x57093306:
        return {}
    n = int.from_bytes(buf[8:12], "little")
    entry = pb_fields(buf[12:12 + n])
    out = {}
    for num, names in ((1, DUMP_STATS), (2, RESTORE_STATS)):
        if num in entry:
            sub = pb_fields(entry[num])
            out.update({names[k]: v for k, v in sub.items() if k in names})
    return out


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


# --------------------------------------------------------------------------
# criu's lifetime, from the scheduler's tracepoints


class Tracer:
    """A private tracefs instance recording sched_process_exec and
    sched_process_exit of this process's descendants (set_event_pid with
    event-fork), clocked with CLOCK_MONOTONIC. criu's lifetime in an
    operation is from the exec of the criu binary to the exit of that pid."""

    def __init__(self, criu):
        self.criu = os.path.realpath(criu)
        self.mounted = False
        base = "/sys/kernel/tracing"
        if not os.path.exists(os.path.join(base, "instances")):
            os.makedirs(base, exist_ok=True)
            sh(["mount", "-t", "tracefs", "nodev", base])
            self.mounted = True
        self.base = base
        self.dir = os.path.join(base, "instances", f"{PREFIX}-{os.getpid()}")
        os.mkdir(self.dir)
        self._w("trace_clock", "mono")
        self._w("buffer_size_kb", "8192")
        self._w("options/event-fork", "1")
        self._w("set_event_pid", str(os.getpid()))
        for ev in ("sched_process_exec", "sched_process_exit"):
            self._w(f"events/sched/{ev}/enable", "1")
        self._w("tracing_on", "1")
        self.line = re.compile(r"\s(\d+)\.(\d+): (sched_process_exec|sched_process_exit): (.*)$")

    def _w(self, name, value):
        with open(os.path.join(self.dir, name), "w") as f:
            f.write(value)

    def start(self):
        with open(os.path.join(self.dir, "trace"), "w"):
            pass  # O_TRUNC empties the buffer

    def criu_ms(self):
        """The time, in ms, during which a criu process ran since start():
        the union of the intervals from each exec of the criu binary to the
        exit of that pid (runc runs criu twice, a version check and the
        dump), or None when no criu was seen."""
        with open(os.path.join(self.dir, "trace")) as f:
            text = f.read()
        started, spans = {}, []
        for ln in text.splitlines():
            m = self.line.search(ln)
            if not m:
                continue
            t = int(m.group(1)) * 1e6 + int(m.group(2).ljust(6, "0")[:6])  # us
            kv = dict(x.split("=", 1) for x in m.group(4).split() if "=" in x)
            if m.group(3) == "sched_process_exec" and kv.get("filename") == self.criu:
                started[kv.get("pid")] = t
            elif m.group(3) == "sched_process_exit" and kv.get("pid") in started:
                spans.append((started.pop(kv.get("pid")), t))
        if not spans:
            return None
        total, end = 0.0, None
        for a, z in sorted(spans):
            if end is not None and a < end:
                a = end
            if z > a:
                total += z - a
                end = z
        return total / 1000.0

    def close(self):
        try:
            self._w("tracing_on", "0")
            for ev in ("sched_process_exec", "sched_process_exit"):
                self._w(f"events/sched/{ev}/enable", "0")
            self._w("set_event_pid", "")
            os.rmdir(self.dir)
        except OSError as e:
            log(f"cannot remove the trace instance {self.dir}: {e}")
        if self.mounted:
            subprocess.run(["umount", self.base])


# --------------------------------------------------------------------------
# The benchmark's context: programs, scratch space, clean-up


class Bench:
    def __init__(self, args):
        self.args = args
        self.build = os.path.abspath(args.build)
        b = os.path.join(self.build, "bench")
        self.bin = {
            "run": os.path.join(b, "bench-run"),
            "workload": os.path.join(b, "bench-workload"),
            "copybw": os.path.join(b, "bench-copybw"),
            "hwm": os.path.join(b, "bench-hwm.so"),
            "client-ckpt": os.path.join(b, "bench-client-ckpt"),
            "client-libcriu": os.path.join(b, "bench-client-libcriu"),
            "ckpt": os.path.join(self.build, "src", "cli", "ckpt"),
        }
        self.criu = args.criu
        self.has_libcriu = os.access(self.bin["client-libcriu"], os.X_OK)
        self.runc = shutil.which("runc")
        self.crun = shutil.which("crun")
        self.busybox = shutil.which("busybox")
        self.scratch = f"/var/tmp/ckpt-bench/run-{os.getpid()}"
        self.tmpfs = f"/tmp/ckpt-bench/tmpfs-{os.getpid()}"
        self.targets = {"tmpfs": self.tmpfs, "disk": os.path.join(self.scratch, "disk")}
        self.log_path = os.path.join(args.out, "bench.log")
        self.runs = []
        self.extra = {}
        self.live = set()  # pids of workloads this run started or restored
        self.cleanups = []
        self.seq = 0
        self.rng = random.Random(args.seed)
        self.tracer = None

    # -- set-up and clean-up ------------------------------------------------

    def setup(self):
        os.makedirs(self.args.out, exist_ok=True)
        os.makedirs(self.scratch, exist_ok=True)
        os.makedirs(self.targets["disk"], exist_ok=True)
        os.makedirs(self.tmpfs, exist_ok=True)
        sh(["mount", "-t", "tmpfs", "-o", f"size={self.args.tmpfs_size}", f"{PREFIX}-tmpfs", self.tmpfs])
        self.cleanups.append(lambda: subprocess.run(["umount", "-l", self.tmpfs]))
        self.cleanups.append(lambda: rm_rf(self.tmpfs))
        self.cleanups.append(lambda: rm_rf(self.scratch))
        # restored trees are re-parented to this process, which reaps them at once
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(36, 1, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER
            raise BenchError("cannot become a child subreaper")
        self.tracer = Tracer(self.criu)
        self.cleanups.append(self.tracer.close)

    def cleanup(self):
        for pid in list(self.live):
            self.kill_tree(pid)
        for fn in reversed(self.cleanups):
            try:
                fn()
            except Exception as e:  # clean up as much as possible
                log(f"clean-up: {e}")
        self.cleanups = []
        self.reap_all()

    def name(self, what):
        self.seq += 1
        return f"{PREFIX}-{os.getpid()}-{what}-{self.seq}"

    # -- processes ------------------------------------------------------------

    def reap_all(self):
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return

    def wait_gone(self, pids, timeout=60.0):
        """Reaps and waits until none of pids is in /proc any more."""
        end = time.monotonic() + timeout
        pids = set(pids)
        while pids:
            for pid in list(pids):
                try:
                    os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    pass
                if not os.path.exists(f"/proc/{pid}"):
                    pids.discard(pid)
            if not pids:
                break
            if time.monotonic() > end:
                raise BenchError(f"processes {sorted(pids)[:8]} did not go away")
            time.sleep(0.0005)

    def tree_pids(self, root):
        """root and all its descendants, from /proc/PID/task/*/children."""
        out, todo = [], [root]
        while todo:
            pid = todo.pop()
            out.append(pid)
            try:
                for tid in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{tid}/children") as f:
                        todo.extend(int(x) for x in f.read().split())
            except OSError:
                pass
        return out

    def kill_tree(self, root):
        pids = self.tree_pids(root)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.wait_gone(pids)
        self.live.discard(root)

    # -- timed operations -------------------------------------------------------

    def timed(self, argv, netns=None, env=None):
        """Runs argv under bench-run: wall time fork..wait, criu's lifetime."""
        cmd = [self.bin["run"]] + (["-n", netns] if netns else []) + [self.log_path] + [str(a) for a in argv]
        with open(self.log_path, "a") as lf:
            lf.write(f"$ {' '.join(map(str, argv))}\n")
        self.tracer.start()
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        crit = self.tracer.criu_ms()
        kv = dict(x.split("=") for x in p.stdout.split())
        if p.returncode != 0 or int(kv.get("status", 1)) != 0:
            raise BenchError(f"{' '.join(map(str, argv))} failed (status {kv.get('status')}); see {self.log_path}")
        return {"wall_ms": int(kv["wall_ns"]) / 1e6, "criu_ms": crit, "client_pid": int(kv["pid"])}

    def client(self, argv, netns=None):
        """Runs an in-process client; its own timing around the library calls."""
        argv = [str(a) for a in argv]
        if netns:
            argv = ["nsenter", f"--net={netns}"] + argv
        with open(self.log_path, "a") as lf:
            lf.write(f"$ {' '.join(argv)}\n")
            lf.flush()
            self.tracer.start()
            p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=lf, stdin=subprocess.DEVNULL, text=True)
        crit = self.tracer.criu_ms()
        if p.returncode != 0:
            raise BenchError(f"{' '.join(argv)} failed ({p.returncode}); see {self.log_path}")
        kv = dict(x.split("=") for x in p.stdout.split())
        return {"wall_ms": int(kv["wall_ns"]) / 1e6, "criu_ms": crit, "hwm_kb": int(kv["hwm_kb"]),
                "pid": int(kv["pid"])}

    def record(self, **kw):
        r = dict(kw)
        if r.get("criu_ms") is not None:
            r["outside_ms"] = r["wall_ms"] - r["criu_ms"]
        self.runs.append(r)
        return r


# --------------------------------------------------------------------------
# Plain process trees: memory, many processes, many fds

PROC_METHODS = ["ckpt-cli", "libckpt", "criu-cli", "libcriu"]


class Workload:
    """A workload in its own pid namespace (unshare --pid --fork), so that a
    restore never finds one of its pids taken by another process of the
    machine (the tree is restored with its namespace's pids; its pids on the
    host are new after each restore)."""

    def __init__(self, bench, kind, n, netns=None):
        self.b, self.kind, self.n = bench, kind, n
        self.result = os.path.join(bench.scratch, bench.name(f"result-{kind}{n}"))
        r, w = os.pipe()
        argv = [shutil.which("unshare"), "--pid", "--fork", bench.bin["workload"], kind, str(n), self.result, str(w)]
        if netns:
            argv = [shutil.which("nsenter"), f"--net={netns}"] + argv
        os.set_inheritable(w, True)
        # unshare's own complaint when criu kills its child goes to the log, not the terminal
        holder = os.posix_spawn(argv[0], argv, os.environ, file_actions=[
            (os.POSIX_SPAWN_OPEN, 2, bench.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)])
        os.close(w)
        with os.fdopen(r, "rb") as f:
            if f.read(1) != b"r":
                raise BenchError(f"workload {kind} {n} did not start")
        kids = bench.tree_pids(holder)[1:]
        if not kids:
            raise BenchError(f"workload {kind} {n}: no process under unshare")
        self.pid = kids[0]  # the namespace's init: the root criu dumps
        bench.live.add(self.pid)
        self.pids = bench.tree_pids(self.pid) + [holder]  # unshare exits with its child

    def gone(self):
        """After a dump that killed it: wait until every pid is free again."""
        self.b.wait_gone(self.pids)

    def restored(self, pid):
        """The tree runs again, with pid as its root's pid on the host."""
        self.b.live.discard(self.pid)
        self.pid = pid
        self.b.live.add(pid)
        self.pids = self.b.tree_pids(pid)

    def verify(self, timeout=60.0):
        rm_rf(self.result)
        os.kill(self.pid, signal.SIGUSR1)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                with open(self.result) as f:
                    msg = f.read()
                if msg:
                    if not msg.startswith("ok"):
                        raise BenchError(f"restored workload {self.kind} {self.n}: {msg}")
                    return msg
            except FileNotFoundError:
                pass
            time.sleep(0.002)
        try:
            with open(f"/proc/{self.pid}/stat") as f:
                state = f.read().split(")")[1].split()[0]
            with open(f"/proc/{self.pid}/wchan") as f:
                state += " in " + f.read()
            with open(f"/proc/{self.pid}/status") as f:
                state += " " + " ".join(ln.strip() for ln in f if ln.startswith("Sig"))
        except OSError as e:
            state = str(e)
        raise BenchError(f"restored workload {self.kind} {self.n} (pid {self.pid}, {state}) did not answer")

    def kill(self):
        self.b.kill_tree(self.pid)


def proc_dump(b, method, pid, img, ps=None, netns=None):
    c = b.criu
    psargs = [ps[0], ps[1]] if ps else []
    if method == "ckpt-cli":
        extra = ["--page-server", f"{ps[0]}:{ps[1]}"] if ps else []
        return b.timed([b.bin["ckpt"], "--criu", c, "checkpoint", "--pid", pid, "--image-path", img] + extra,
                       netns=netns)
    if method == "libckpt":
        return b.client([b.bin["client-ckpt"], c, "dump", pid, img] + psargs, netns=netns)
    os.makedirs(img)
    if method == "criu-cli":
        extra = ["--page-server", "--address", ps[0], "--port", ps[1]] if ps else []
        return b.timed([c, "dump", "-t", pid, "-D", img, "-o", "dump.log", "-v4"] + extra, netns=netns)
    if method == "libcriu":
        return b.client([b.bin["client-libcriu"], c, "dump", pid, img] + psargs, netns=netns)
    raise ValueError(method)


def read_pid(path):
    with open(path) as f:
        return int(f.read().strip())


def keep_logs(b, img, what):
    """Copies criu's logs of a failed operation into the results dir."""
    for name in ("dump.log", "restore.log", "work/dump.log", "work-restore/restore.log"):
        src = os.path.join(img, name)
        if os.path.exists(src):
            shutil.copy(src, os.path.join(b.args.out, f"failed-{b.name(what)}-{os.path.basename(name)}"))


def proc_restore(b, method, img, netns=None):
    """Restores from img, retrying once after a failure (kept and reported:
    a failed attempt is never timed); the result's "pid" is the restored
    root's host pid."""
    try:
        return proc_restore_once(b, method, img, netns)
    except BenchError as e:
        keep_logs(b, img, f"restore-{method}")
        b.extra.setdefault("retries", []).append(f"restore {method} {os.path.basename(img)}: {e}")
        log(f"restore failed, retrying once: {e}")
        time.sleep(0.5)
        return proc_restore_once(b, method, img, netns)


def proc_restore_once(b, method, img, netns=None):
    c = b.criu
    pidfile = os.path.join(b.scratch, "restored.pid")
    rm_rf(pidfile)
    if method == "ckpt-cli":
        r = b.timed([b.bin["ckpt"], "--criu", c, "restore", "--image-path", img, "-d", "--pid-file", pidfile],
                    netns=netns)
        r["pid"] = read_pid(pidfile)
    elif method == "libckpt":
        r = b.client([b.bin["client-ckpt"], c, "restore", img], netns=netns)
    elif method == "criu-cli":
        r = b.timed([c, "restore", "-D", img, "-d", "-o", "restore.log", "-v4", "--pidfile", pidfile], netns=netns)
        r["pid"] = read_pid(pidfile)
    elif method == "libcriu":
        r = b.client([b.bin["client-libcriu"], c, "restore", img], netns=netns)
    else:
        raise ValueError(method)
    return r


def proc_methods(b):
    return [m for m in PROC_METHODS if m != "libcriu" or b.has_libcriu]


def bench_proc(b, kind, n, target, reps, warmup):
    """Dump and restore one live workload with every method, interleaved."""
    wl = Workload(b, kind, n)
    methods = proc_methods(b)
    root = b.targets[target]
    log(f"{kind} {n} on {target}: {reps} reps x {methods}")
    try:
        for rep in range(-warmup, reps):
            order = methods[:]
            b.rng.shuffle(order)
            for m in order:
                img = os.path.join(root, b.name(f"img-{m}"))
                d = proc_dump(b, m, wl.pid, img)
                wl.gone()
                total, pages = dir_bytes(img)
                st = criu_stats(os.path.join(img, "stats-dump"))
                r = proc_restore(b, m, img)
                wl.restored(r["pid"])
                wl.verify()
                rst = criu_stats(os.path.join(img, "stats-restore"))
                rm_rf(img)
                if rep < 0:
                    continue
                common = dict(workload=kind, size=n, target=target, method=m, rep=rep)
                b.record(op="dump", **common, wall_ms=d["wall_ms"], criu_ms=d["criu_ms"],
                         frozen_ms=st.get("frozen_us", 0) / 1000 if st else None,
                         memwrite_ms=st.get("memwrite_us", 0) / 1000 if st else None,
                         pages_written=st.get("pages_written"), image_bytes=total, pages_bytes=pages,
                         hwm_kb=d.get("hwm_kb"))
                b.record(op="restore", **common, wall_ms=r["wall_ms"], criu_ms=r["criu_ms"],
                         criu_restore_ms=rst.get("restore_us", 0) / 1000 if rst else None,
                         hwm_kb=r.get("hwm_kb"))
    finally:
        wl.kill()


def bench_rss(b, sizes):
    """Peak RSS of the CLIs (the in-process clients report their own in every
    run): one untimed dump and restore per size with the bench-hwm shim."""
    hwm_file = os.path.join(b.scratch, "hwm")
    pidfile = os.path.join(b.scratch, "rss.pid")
    env = dict(os.environ, LD_PRELOAD=b.bin["hwm"], CKPT_BENCH_HWM=hwm_file)
    for n in sizes:
        wl = Workload(b, "mem", n)
        try:
            for m in ("ckpt-cli", "criu-cli"):
                for op in ("dump", "restore"):
                    rm_rf(hwm_file)
                    rm_rf(pidfile)  # criu's --pidfile refuses an existing file
                    img = os.path.join(b.tmpfs, f"rss-{m}")
                    if op == "dump":
                        if m == "ckpt-cli":
                            argv = [b.bin["ckpt"], "--criu", b.criu, "checkpoint", "--pid", wl.pid, "--image-path", img]
                        else:
                            os.makedirs(img)
                            argv = [b.criu, "dump", "-t", wl.pid, "-D", img, "-o", "dump.log", "-v4"]
                    elif m == "ckpt-cli":
                        argv = [b.bin["ckpt"], "--criu", b.criu, "restore", "--image-path", img, "-d", "--pid-file",
                                pidfile]
                    else:
                        argv = [b.criu, "restore", "-D", img, "-d", "-o", "restore.log", "-v4", "--pidfile", pidfile]
                    try:
                        res = b.timed(argv, env=env)
                    except BenchError:
                        keep_logs(b, img, f"rss-{m}-{op}")
                        raise
                    if op == "dump":
                        wl.gone()
                    else:
                        wl.restored(read_pid(pidfile))
                        wl.verify()
                        rm_rf(img)
                    hwm = None
                    with open(hwm_file) as f:
                        for ln in f:
                            pid, kb = ln.split()
                            if int(pid) == res["client_pid"]:
                                hwm = int(kb)
                    b.runs.append(dict(workload="mem", size=n, target="tmpfs", method=m, op=op, rep="rss",
                                       hwm_kb=hwm))
        finally:
            wl.kill()


def bench_roundtrip(b, reps):
    """One swrk round trip: spawn criu, VERSION, criu's exit."""
    methods = ["libckpt", "ckpt-cli", "criu-cli"] + (["libcriu"] if b.has_libcriu else [])
    log(f"swrk round trip: {reps} reps x {methods}")
    for rep in range(-3, reps):
        order = methods[:]
        b.rng.shuffle(order)
        for m in order:
            if m == "libckpt":
                r = b.client([b.bin["client-ckpt"], b.criu, "version"])
            elif m == "libcriu":
                r = b.client([b.bin["client-libcriu"], b.criu, "version"])
            elif m == "ckpt-cli":
                r = b.timed([b.bin["ckpt"], "--criu", b.criu, "version"])
            else:
                r = b.timed([b.criu, "--version"])
            if rep >= 0:
                b.record(workload="version", size=0, target="-", method=m, op="version", rep=rep,
                         wall_ms=r["wall_ms"], criu_ms=r["criu_ms"], hwm_kb=r.get("hwm_kb"))


def bench_copybw(b, mib):
    out = {}
    for t, d in b.targets.items():
        res = sh([b.bin["copybw"], d, str(mib), "3"])
        out[t] = {k: float(v) for k, v in (ln.split() for ln in res.splitlines())}
    b.extra["copy_bandwidth_gib_s"] = out
    log(f"copy bandwidth (GiB/s): {out}")


# --------------------------------------------------------------------------
# Migration: page server in one network namespace, dump in another


class Netns:
    def __init__(self, b):
        tag = os.getpid() % 100000
        self.src, self.dst = f"{PREFIX}-src-{tag}", f"{PREFIX}-dst-{tag}"
        self.vsrc, self.vdst = f"{PREFIX}s{tag}", f"{PREFIX}d{tag}"
        self.a_src, self.a_dst = "10.78.0.1", "10.78.0.2"
        b.cleanups.append(self.close)
        for ns in (self.src, self.dst):
            sh(["ip", "netns", "add", ns])
            sh(["ip", "-n", ns, "link", "set", "lo", "up"])
        sh(["ip", "link", "add", self.vsrc, "type", "veth", "peer", "name", self.vdst])
        sh(["ip", "link", "set", self.vsrc, "netns", self.src])
        sh(["ip", "link", "set", self.vdst, "netns", self.dst])
        sh(["ip", "-n", self.src, "addr", "add", f"{self.a_src}/24", "dev", self.vsrc])
        sh(["ip", "-n", self.dst, "addr", "add", f"{self.a_dst}/24", "dev", self.vdst])
        sh(["ip", "-n", self.src, "link", "set", self.vsrc, "up"])
        sh(["ip", "-n", self.dst, "link", "set", self.vdst, "up"])

    def path(self, ns):
        return f"/run/netns/{ns}"

    def close(self):
        for ns in (self.src, self.dst):
            subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)


def start_page_server(b, method, net, psdir, port):
    os.makedirs(psdir)
    ns = net.path(net.dst)
    if method == "criu-cli":
        sh(["nsenter", f"--net={ns}", b.criu, "page-server", "-D", psdir, "--address", net.a_dst,
            "--port", str(port), "-d", "-o", "page-server.log", "-v4"])
        return None
    p = subprocess.Popen(["nsenter", f"--net={ns}", b.bin["ckpt"], "--criu", b.criu, "page-server",
                          "--image-path", psdir, "--address", net.a_dst, "--port", str(port)],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    if not p.stdout.readline():
        raise BenchError("ckpt page-server did not start")
    return p


def bench_migration(b, sizes, reps, warmup):
    net = Netns(b)
    methods = ["ckpt-cli", "libckpt", "criu-cli"]
    port = 28000 + os.getpid() % 500
    for n in sizes:
        log(f"migration {n} MiB: {reps} reps x {methods}")
        for rep in range(-warmup, reps):
            order = methods[:]
            b.rng.shuffle(order)
            for m in order:
                port += 1
                wl = Workload(b, "mem", n, netns=net.path(net.src))
                img = os.path.join(b.tmpfs, b.name(f"mig-src-{m}"))
                psdir = os.path.join(b.tmpfs, b.name(f"mig-dst-{m}"))
                try:
                    ps = start_page_server(b, m, net, psdir, port)
                    d = proc_dump(b, m, wl.pid, img, ps=(net.a_dst, str(port)), netns=net.path(net.src))
                    wl.gone()
                    if ps:
                        ps.wait(timeout=30)
                    st = criu_stats(os.path.join(img, "stats-dump"))
                    _, pages = dir_bytes(psdir)
                    for name in os.listdir(img):  # what a migration sends besides the pages
                        if not os.path.exists(os.path.join(psdir, name)):
                            shutil.copy(os.path.join(img, name), psdir)
                    wl.restored(proc_restore(b, "criu-cli", psdir, netns=net.path(net.dst))["pid"])
                    wl.verify()
                finally:
                    wl.kill()
                    rm_rf(img)
                    rm_rf(psdir)
                if rep >= 0:
                    b.record(workload="migration", size=n, target="veth", method=m, op="dump", rep=rep,
                             wall_ms=d["wall_ms"], criu_ms=d["criu_ms"],
                             frozen_ms=st.get("frozen_us", 0) / 1000 if st else None,
                             memwrite_ms=st.get("memwrite_us", 0) / 1000 if st else None,
                             pages_bytes=pages, hwm_kb=d.get("hwm_kb"))


# --------------------------------------------------------------------------
# Containers: runc and crun, busybox rootfs

COUNTER = "i=0; while true; do i=$((i+1)); echo $i > /data/count; sleep 0.05; done"


def make_bundle(b, path):
    rootfs = os.path.join(path, "rootfs")
    for d in ("bin", "proc", "dev", "sys", "tmp", "etc", "data"):
        os.makedirs(os.path.join(rootfs, d), exist_ok=True)
    shutil.copy(b.busybox, os.path.join(rootfs, "bin", "busybox"))
    for a in ("sh", "sleep", "cat", "echo"):
        os.symlink("busybox", os.path.join(rootfs, "bin", a))
    host = os.path.join(path, "host")
    os.makedirs(host)
    cfg = {
        "ociVersion": "1.0.2",
        "process": {"terminal": False, "user": {"uid": 0, "gid": 0}, "args": ["sh", "-c", COUNTER],
                    "env": ["PATH=/bin"], "cwd": "/", "noNewPrivileges": True},
        "root": {"path": "rootfs", "readonly": False},
        "hostname": "ckpt-bench",
        "mounts": [
            {"destination": "/data", "type": "bind", "source": host, "options": ["rbind", "rw"]},
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
            {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
             "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
            {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
             "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]},
        ],
        "linux": {
            "namespaces": [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount")],
            "maskedPaths": ["/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"],
            "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys"],
        },
    }
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(cfg, f)
    return os.path.join(host, "count")


def mount_hugetlb():
    """crun refuses this hybrid cgroup layout while the v2 hierarchy has a
    controller that v1 lacks: give hugetlb its own v1 hierarchy (machine
    set-up, left in place as tests/integration/test-container.c does)."""
    d = "/sys/fs/cgroup/hugetlb"
    if not os.path.exists("/sys/fs/cgroup/unified"):
        return
    if os.path.isdir(d) and os.stat(d).st_dev != os.stat("/sys/fs/cgroup").st_dev:
        return
    os.makedirs(d, exist_ok=True)
    sh(["mount", "-t", "cgroup", "-o", "hugetlb", "cgroup", d])


class Container:
    def __init__(self, b, runtime, bundle, count_file):
        self.b, self.rt, self.bundle, self.count = b, runtime, bundle, count_file
        self.id = b.name(runtime)
        self.bin = b.runc if runtime == "runc" else b.crun
        self.pid = None
        self.registered = False  # does the runtime know it (to kill and delete it)?
        with open(os.devnull, "r+") as null:
            subprocess.run([self.bin, "run", "-d", "--bundle", bundle, self.id], stdin=null, stdout=null,
                           stderr=null, check=True)
        self.registered = True
        self.pid = self.state_pid()
        b.live.add(self.pid)
        self.wait_count(0)

    def state_pid(self):
        return json.loads(sh([self.bin, "state", self.id]))["pid"]

    def read_count(self):
        try:
            with open(self.count) as f:
                return int(f.read().strip() or 0)
        except (OSError, ValueError):
            return 0

    def wait_count(self, above, timeout=10.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.read_count() > above + 1:
                return
            time.sleep(0.01)
        raise BenchError(f"container {self.id} does not count (still {self.read_count()})")

    def destroy(self):
        if self.pid:
            self.b.kill_tree(self.pid)
        if self.registered:
            for a in (["kill", self.id, "KILL"], ["delete", "-f", self.id]):
                subprocess.run([self.bin] + a, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for d in ("/sys/fs/cgroup",):
            for dirpath, dirnames, _ in os.walk(d, topdown=False):
                if os.path.basename(dirpath) == self.id:
                    try:
                        os.rmdir(dirpath)
                    except OSError:
                        pass
        shutil.rmtree(os.path.join(f"/run/{self.rt}", self.id), ignore_errors=True)


# ckpt-cli-emptyns: ckpt with --empty-ns network, the network handling runc's
# CLI always uses (the namespace's configuration is not dumped, a new empty
# one is made on restore): the same work as runc's, for comparison.
CONTAINER_METHODS = {"runc": ["ckpt-cli", "libckpt", "ckpt-cli-emptyns", "runc"], "crun": ["ckpt-cli", "libckpt"]}


def container_dump(b, m, c, img):
    if m in ("ckpt-cli", "ckpt-cli-emptyns"):
        extra = ["--empty-ns", "network"] if m == "ckpt-cli-emptyns" else []
        return b.timed([b.bin["ckpt"], "--criu", b.criu, "checkpoint", "--runtime", c.rt, "--image-path", img] +
                       extra + [c.id])
    if m == "libckpt":
        return b.client([b.bin["client-ckpt"], b.criu, "cdump", c.rt, c.id, img])
    return b.timed([b.runc, "--criu", b.criu, "checkpoint", "--image-path", img, "--work-path",
                    os.path.join(img, "work"), c.id])


def container_restore(b, m, c, img):
    """Restores c; returns the timing and sets c.pid to the restored init."""
    if m in ("ckpt-cli", "ckpt-cli-emptyns"):
        pidfile = os.path.join(b.scratch, "pidfile")
        r = b.timed([b.bin["ckpt"], "--criu", b.criu, "restore", "--runtime", c.rt, "--image-path", img,
                     "--bundle", c.bundle, "-d", "--pid-file", pidfile, c.id])
        with open(pidfile) as f:
            c.pid = int(f.read())
    elif m == "libckpt":
        r = b.client([b.bin["client-ckpt"], b.criu, "crestore", c.rt, c.id, img, c.bundle])
        c.pid = r["pid"]
    else:
        r = b.timed([b.runc, "--criu", b.criu, "restore", "-d", "--image-path", img, "--work-path",
                     os.path.join(img, "work-restore"), "--bundle", c.bundle, c.id])
        c.pid = c.state_pid()
    b.live.add(c.pid)
    # crun and runc (through runc restore) know the restored container
    c.registered = c.rt == "crun" or m == "runc"
    return r


def bench_containers(b, reps, warmup):
    if not b.busybox:
        log("no busybox: skipping containers")
        return
    for rt in ("runc", "crun"):
        if not (b.runc if rt == "runc" else b.crun):
            log(f"no {rt}: skipping its container")
            continue
        if rt == "crun":
            mount_hugetlb()
        methods = CONTAINER_METHODS[rt]
        log(f"{rt} container: {reps} reps x {methods}")
        for rep in range(-warmup, reps):
            order = methods[:]
            b.rng.shuffle(order)
            for m in order:
                bundle = os.path.join(b.scratch, b.name(f"bundle-{rt}"))
                os.makedirs(bundle)
                count = make_bundle(b, bundle)
                img = os.path.join(b.tmpfs, b.name(f"cimg-{m}"))
                c = Container(b, rt, bundle, count)
                try:
                    pids = b.tree_pids(c.pid)
                    d = container_dump(b, m, c, img)
                    b.wait_gone(pids)
                    b.live.discard(c.pid)
                    c.pid, c.registered = None, False
                    st = criu_stats(os.path.join(img, "work" if m == "runc" else "", "stats-dump"))
                    before = c.read_count()
                    r = container_restore(b, m, c, img)
                    c.wait_count(before)
                finally:
                    c.destroy()
                    rm_rf(img)
                    rm_rf(bundle)
                if rep >= 0:
                    common = dict(workload=f"container-{rt}", size=0, target="tmpfs", method=m, rep=rep)
                    b.record(op="dump", **common, wall_ms=d["wall_ms"], criu_ms=d["criu_ms"],
                             frozen_ms=st.get("frozen_us", 0) / 1000 if st else None,
                             freezing_ms=st.get("freezing_us", 0) / 1000 if st else None, hwm_kb=d.get("hwm_kb"))
                    b.record(op="restore", **common, wall_ms=r["wall_ms"], criu_ms=r["criu_ms"],
                             hwm_kb=r.get("hwm_kb"))


# --------------------------------------------------------------------------
# Results: JSON, markdown, plot

def summarize(runs):
    """Median, min, max of each figure per (workload, size, target, method, op)."""
    groups = {}
    for r in runs:
        if r.get("rep") == "rss":
            continue
        key = (r["workload"], r["size"], r["target"], r["method"], r["op"])
        groups.setdefault(key, []).append(r)
    out = []
    for key, rs in sorted(groups.items(), key=lambda kv: tuple(str(x) for x in kv[0])):
        s = dict(zip(("workload", "size", "target", "method", "op"), key), n=len(rs))
        for f in ("wall_ms", "criu_ms", "outside_ms", "frozen_ms", "freezing_ms", "memwrite_ms", "hwm_kb", "image_bytes",
                  "pages_bytes", "criu_restore_ms"):
            xs = [r[f] for r in rs if r.get(f) is not None]
            if xs:
                s[f] = statistics.median(xs)
                s[f + "_min"] = min(xs)
                s[f + "_max"] = max(xs)
        out.append(s)
    return out


def find(summary, **kw):
    for s in summary:
        if all(s.get(k) == v for k, v in kw.items()):
            return s
    return None


def fmt(v, nd=1):
    return "–" if v is None else f"{v:.{nd}f}"


def mmm(s, f, nd=1):
    if not s or s.get(f) is None:
        return "–"
    return f"{s[f]:.{nd}f} ({s[f + '_min']:.{nd}f}–{s[f + '_max']:.{nd}f})"


def ratio(a, b_):
    return None if a is None or b_ in (None, 0) else a / b_


def md_proc_table(summary, workload, target, sizes, methods, unit):
    lines = [f"| {unit} | method | dump ms | restore ms | dump ÷ criu | restore ÷ criu | frozen ms | "
             "outside criu ms (dump / restore) | image MiB | write GiB/s | client peak RSS KiB |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for n in sizes:
        ref_d = find(summary, workload=workload, size=n, target=target, method="criu-cli", op="dump")
        ref_r = find(summary, workload=workload, size=n, target=target, method="criu-cli", op="restore")
        for m in methods:
            d = find(summary, workload=workload, size=n, target=target, method=m, op="dump")
            r = find(summary, workload=workload, size=n, target=target, method=m, op="restore")
            if not d:
                continue
            bw = None
            if d.get("pages_bytes") and d.get("memwrite_ms"):
                bw = d["pages_bytes"] / (1 << 30) / (d["memwrite_ms"] / 1000)
            lines.append(
                f"| {n} | {m} | {mmm(d, 'wall_ms')} | {mmm(r, 'wall_ms')} | "
                f"{fmt(ratio(d.get('wall_ms'), ref_d and ref_d.get('wall_ms')), 3)} | "
                f"{fmt(ratio(r and r.get('wall_ms'), ref_r and ref_r.get('wall_ms')), 3)} | "
                f"{fmt(d.get('frozen_ms'))} | {fmt(d.get('outside_ms'), 2)} / {fmt(r and r.get('outside_ms'), 2)} | "
                f"{fmt(d.get('image_bytes', 0) / (1 << 20))} | {fmt(bw, 2)} | "
                f"{fmt(max(d.get('hwm_kb') or 0, (r or {}).get('hwm_kb') or 0) or None, 0)} |")
    return "\n".join(lines)


def rss_rows(runs):
    out = {}
    for r in runs:
        if r.get("rep") == "rss" and r.get("hwm_kb"):
            k = (r["method"], r["size"])
            out[k] = max(out.get(k, 0), r["hwm_kb"])
    for r in runs:
        if r.get("method") in ("libckpt", "libcriu") and r.get("hwm_kb") and r.get("workload") == "mem":
            k = (r["method"], r["size"])
            out[k] = max(out.get(k, 0), r["hwm_kb"])
    return out


def check_targets(b, summary):
    """Each target of the issue: (text, met?, numbers)."""
    res = []
    big = [n for n in b.args.sizes if n >= 256]

    def outside(method, op):
        """Median time outside criu, pooled over every memory size on tmpfs
        (it does not depend on the size; pooling gives 3x the samples)."""
        return median([r.get("outside_ms") for r in b.runs if r.get("workload") == "mem" and
                       r.get("target") == "tmpfs" and r.get("method") == method and r.get("op") == op])

    for op in ("dump", "restore"):
        cc, ck, lk, lc = (outside(m, op) for m in ("criu-cli", "ckpt-cli", "libckpt", "libcriu"))
        if None not in (cc, ck):
            res.append((f"{op}: ckpt CLI outside criu ≤ criu CLI + 1 ms", ck <= cc + 1.0,
                        f"{ck:.2f} vs {cc:.2f} + 1"))
        if None not in (cc, lk):
            res.append((f"{op}: libckpt outside criu ≤ criu CLI + 0.5 ms", lk <= cc + 0.5,
                        f"{lk:.2f} vs {cc:.2f} + 0.5"))
        if None not in (lc, ck, lk):
            res.append((f"{op}: ckpt CLI and libckpt outside criu < libcriu", ck < lc and lk < lc,
                        f"{ck:.2f}, {lk:.2f} vs {lc:.2f}"))
    for target in b.targets:
        for n in big:
            for op in ("dump", "restore"):
                ref = find(summary, workload="mem", size=n, target=target, method="criu-cli", op=op)
                for m in ("ckpt-cli", "libckpt"):
                    s = find(summary, workload="mem", size=n, target=target, method=m, op=op)
                    if s and ref:
                        q = s["wall_ms"] / ref["wall_ms"]
                        res.append((f"{op} {n} MiB {target}: {m} ≤ 1.02 × criu CLI", q <= 1.02, f"{q:.3f}"))
    rd = find(summary, workload="container-runc", method="runc", op="dump")
    rr = find(summary, workload="container-runc", method="runc", op="restore")
    for m in ("ckpt-cli", "libckpt"):
        d = find(summary, workload="container-runc", method=m, op="dump")
        r = find(summary, workload="container-runc", method=m, op="restore")
        if d and rd and d.get("frozen_ms") and rd.get("frozen_ms"):
            q = d["frozen_ms"] / rd["frozen_ms"]
            res.append((f"runc container: {m} frozen time ≤ 0.7 × runc checkpoint", q <= 0.7,
                        f"{d['frozen_ms']:.1f} / {rd['frozen_ms']:.1f} ms = {q:.2f}"))
        if r and rr:
            q = r["wall_ms"] / rr["wall_ms"]
            res.append((f"runc container: {m} restore ≤ 0.6 × runc restore", q <= 0.6,
                        f"{r['wall_ms']:.1f} / {rr['wall_ms']:.1f} ms = {q:.2f}"))
    rss = rss_rows(b.runs)
    for m in ("ckpt-cli", "libckpt"):
        vals = {n: kb for (mm, n), kb in rss.items() if mm == m}
        if vals:
            worst = max(vals.values())
            grows = max(vals.values()) - min(vals.values())
            res.append((f"{m} peak RSS ≤ 2 MiB at every size, not growing with memory",
                        worst <= 2048 and grows <= 128,
                        ", ".join(f"{n} MiB: {kb} KiB" for n, kb in sorted(vals.items()))))
    return res


def markdown(b, summary, meta):
    methods = proc_methods(b)
    out = [f"# ckpt benchmark — {meta['date']}", "",
           f"Machine: {meta['machine']}. criu {meta['criu_version']}, kernel {meta['kernel']}.",
           f"Command: `{meta['command']}`. Medians of {b.args.reps} repetitions (min–max in parentheses), "
           f"methods interleaved in a shuffled order, {b.args.warmup} warm-up repetition(s) discarded "
           "(migration: 5 repetitions, 1 warm-up). Time outside criu = the client's wall time minus the time "
           "during which a criu process existed (sched_process_exec of the criu binary to sched_process_exit "
           "of that pid, from a private tracefs instance).", ""]
    bw = b.extra.get("copy_bandwidth_gib_s", {})
    if bw:
        out += ["Copy bandwidth of this machine (GiB/s, best of 3, "
                f"{b.args.copybw_mib} MiB): " + "; ".join(
                    f"{t}: " + ", ".join(f"{k} {v:.2f}" for k, v in d.items()) for t, d in bw.items()), ""]
    for e in b.extra.get("errors", []):
        out += [f"**Failed part** (its results are missing): {e}", ""]
    for e in b.extra.get("retries", []):
        out += [f"Retried once (the failed attempt is not timed; criu's log is kept in the results dir): {e}", ""]
    out += ["## Targets", "", "| target | met | numbers |", "|---|---|---|"]
    for text, ok, nums in check_targets(b, summary):
        out.append(f"| {text} | {'yes' if ok else '**no**'} | {nums} |")
    for target in b.targets:
        out += ["", f"## Memory workload, images on {target}", "",
                md_proc_table(summary, "mem", target, b.args.sizes, methods, "MiB")]
    out += ["", "## Process trees (tmpfs)", "", md_proc_table(summary, "tree", "tmpfs", b.args.trees, methods,
                                                                "processes")]
    out += ["", "## Open files (tmpfs)", "", md_proc_table(summary, "fds", "tmpfs", [b.args.fds], methods, "fds")]
    out += ["", "## Containers (busybox, images on tmpfs)", "",
            "| container | method | dump ms | frozen ms | freezing + frozen ms | outside criu ms | restore ms | "
            "restore outside criu ms |",
            "|---|---|---|---|---|---|---|---|"]
    for rt, ms in CONTAINER_METHODS.items():
        for m in ms:
            d = find(summary, workload=f"container-{rt}", method=m, op="dump")
            r = find(summary, workload=f"container-{rt}", method=m, op="restore")
            if d:
                fz = [x["frozen_ms"] + x["freezing_ms"] for x in b.runs if x.get("workload") == f"container-{rt}"
                      and x["method"] == m and x["op"] == "dump" and x.get("frozen_ms") is not None]
                out.append(f"| {rt} | {m} | {mmm(d, 'wall_ms')} | {mmm(d, 'frozen_ms')} | {fmt(median(fz))} | "
                           f"{fmt(d.get('outside_ms'))} | {mmm(r, 'wall_ms')} | {fmt(r and r.get('outside_ms'))} |")
    out += ["", "## Migration (page server in another network namespace, over a veth pair)", "",
            "| MiB | method | dump ms | frozen ms (downtime) | outside criu ms | throughput GiB/s (pages ÷ dump wall) |",
            "|---|---|---|---|---|---|"]
    for n in b.args.mig_sizes:
        for m in ("ckpt-cli", "libckpt", "criu-cli"):
            d = find(summary, workload="migration", size=n, method=m, op="dump")
            if d:
                tp = d["pages_bytes"] / (1 << 30) / (d["wall_ms"] / 1000) if d.get("pages_bytes") else None
                out.append(f"| {n} | {m} | {mmm(d, 'wall_ms')} | {mmm(d, 'frozen_ms')} | {fmt(d.get('outside_ms'), 2)} | "
                           f"{fmt(tp, 2)} |")
    out += ["", "## One swrk round trip (spawn + VERSION + exit)", "",
            "| method | wall ms | criu's lifetime ms | outside criu ms |", "|---|---|---|---|"]
    for m in ("libckpt", "ckpt-cli", "criu-cli", "libcriu"):
        s = find(summary, workload="version", method=m)
        if s:
            label = {"criu-cli": "criu --version", "ckpt-cli": "ckpt version"}.get(m, m)
            out.append(f"| {label} | {mmm(s, 'wall_ms', 2)} | {fmt(s.get('criu_ms'), 2)} | {fmt(s.get('outside_ms'), 2)} |")
    rss = rss_rows(b.runs)
    if rss:
        out += ["", "## Client peak RSS (KiB, VmHWM of the client process, dump and restore)", "",
                "| method | " + " | ".join(f"{n} MiB" for n in b.args.sizes) + " |",
                "|---|" + "---|" * len(b.args.sizes)]
        for m in ("ckpt-cli", "libckpt", "criu-cli", "libcriu"):
            if any(k[0] == m for k in rss):
                out.append(f"| {m} | " + " | ".join(str(rss.get((m, n), "–")) for n in b.args.sizes) + " |")
    return "\n".join(out) + "\n"


def plot(b, summary, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("no matplotlib: no plot")
        return False
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    for ax, op in zip(axes, ("dump", "restore")):
        for target, style in (("tmpfs", "-"), ("disk", ":")):
            for m in proc_methods(b):
                xs, ys, lo, hi = [], [], [], []
                for n in b.args.sizes:
                    s = find(summary, workload="mem", size=n, target=target, method=m, op=op)
                    if s:
                        xs.append(n)
                        ys.append(s["wall_ms"])
                        lo.append(s["wall_ms"] - s["wall_ms_min"])
                        hi.append(s["wall_ms_max"] - s["wall_ms"])
                if xs:
                    ax.errorbar(xs, ys, yerr=[lo, hi], linestyle=style, marker="o", capsize=3,
                                label=f"{m} ({target})")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("memory (MiB)")
        ax.set_ylabel("wall time (ms)")
        ax.set_title(f"{op}: median, min–max")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return True


def machine_meta(b):
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for ln in f:
            if ln.startswith("model name"):
                cpu = ln.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) // 1024
    ver = sh([b.criu, "--version"]).splitlines()[0].replace("Version: ", "")
    return {"machine": f"{os.cpu_count()} × {cpu}, {mem} MiB RAM, {platform.node()}",
            "kernel": platform.release(), "criu_version": ver, "criu": b.criu,
            "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            "load_before": open("/proc/loadavg").read().split()[:3],
            "command": "bench/run.sh" + (" " + " ".join(sys.argv[1:]) if len(sys.argv) > 1 else "")}


# --------------------------------------------------------------------------


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--build", required=True, help="the meson build dir with -Dbench=true")
    p.add_argument("--criu", default="/usr/local/sbin/criu")
    p.add_argument("--out", default=None, help="results dir (default /var/tmp/ckpt-bench/results-DATE)")
    p.add_argument("--quick", action="store_true", help="few reps, small sizes: check that it works")
    p.add_argument("--reps", type=int, default=None)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--only", default="copybw,roundtrip,mem,tree,fds,containers,migration,rss",
                   help="comma-separated parts to run")
    p.add_argument("--tmpfs-size", default="6g")
    a = p.parse_args()
    if a.quick:
        a.sizes, a.trees, a.fds, a.mig_sizes, a.copybw_mib = [16, 64], [1, 16], 1000, [16], 64
        a.reps = a.reps or 2
        a.rt_reps = 5
    else:
        a.sizes, a.trees, a.fds, a.mig_sizes, a.copybw_mib = [16, 256, 1024], [1, 64, 512], 10000, [256], 1024
        a.reps = a.reps or 11
        a.rt_reps = 50
    a.only = set(a.only.split(","))
    if a.out is None:
        a.out = "/var/tmp/ckpt-bench/results-" + datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return a


def main():
    args = parse_args()
    if os.geteuid() != 0:
        raise SystemExit("bench: must run as root")
    b = Bench(args)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda s, f: (_ for _ in ()).throw(KeyboardInterrupt()))
    meta = None
    parts = []
    if "copybw" in args.only:
        parts.append(("copybw", lambda: bench_copybw(b, args.copybw_mib)))
    if "roundtrip" in args.only:
        parts.append(("roundtrip", lambda: bench_roundtrip(b, args.rt_reps)))
    for target in b.targets:
        for n in args.sizes if "mem" in args.only else []:
            parts.append((f"mem {n} {target}", lambda n=n, t=target: bench_proc(b, "mem", n, t, args.reps, args.warmup)))
    for n in args.trees if "tree" in args.only else []:
        parts.append((f"tree {n}", lambda n=n: bench_proc(b, "tree", n, "tmpfs", args.reps, args.warmup)))
    if "fds" in args.only:
        parts.append(("fds", lambda: bench_proc(b, "fds", args.fds, "tmpfs", args.reps, args.warmup)))
    if "containers" in args.only:
        parts.append(("containers", lambda: bench_containers(b, args.reps, args.warmup)))
    if "migration" in args.only:  # slow (criu's page server over TCP): fewer repetitions
        parts.append(("migration", lambda: bench_migration(b, args.mig_sizes, min(args.reps, 5), 1)))
    if "rss" in args.only:
        parts.append(("rss", lambda: bench_rss(b, args.sizes)))
    b.extra["errors"] = []
    try:
        b.setup()
        meta = machine_meta(b)
        for name, run in parts:
            try:
                run()
            except BenchError as e:  # a broken operation is reported, never timed
                log(f"{name}: FAILED: {e}")
                b.extra["errors"].append(f"{name}: {e}")
    finally:
        b.cleanup()
    summary = summarize(b.runs)
    meta["load_after"] = open("/proc/loadavg").read().split()[:3]
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump({"meta": meta, "args": {k: (sorted(v) if isinstance(v, set) else v) for k, v in vars(args).items()},
                   "extra": b.extra, "summary": summary, "runs": b.runs,
                   "targets": [{"target": t, "met": ok, "numbers": n} for t, ok, n in check_targets(b, summary)]},
                  f, indent=1)
    md = markdown(b, summary, meta)
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(md)
    has_plot = plot(b, summary, os.path.join(args.out, "plot.png"))
    print(md)
    log(f"results in {args.out}: results.json, results.md" + (", plot.png" if has_plot else ""))


if __name__ == "__main__":
    try:
        main()
    except BenchError as e:
        raise SystemExit(f"bench: {e}")
