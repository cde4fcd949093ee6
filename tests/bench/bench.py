#!/usr/bin/python3
"""menjin-fp throughput, scaling, hitless-update and memory benchmarks.

  bench.py BIN WORK OUT [--quick]

BIN holds menjin-fp and menjin-fpctl (run.sh copies them out of the build
directory, which others may relink meanwhile); WORK holds what
tests/bench/gen.py wrote (pcaps, tables); OUT gets
report.txt, results.json and mpps.png. Every throughput figure is paired
with dpdk-testpmd io forwarding on the same vdevs and pcap, measured just
before it: the result is the ratio, never an absolute threshold. Exit 1 when
a correctness check fails (fates of the mix, hitless update check) or a
process does not start; slow numbers never fail the run.
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

TESTPMD = "dpdk-testpmd"
EAL_MEM = "2048"          # MiB, --no-huge: only touched pages count in VmRSS
BUSY_WORKER = 0.9         # a worker thread with less of a CPU than this was preempted
SNAP_SKEW = 64            # frames a STATS snapshot may be off by (in-flight bursts)
COPY_ONLY = ("drop.capture_full", "drop.punt_full", "drop.punt_rate")  # frame unaffected
CHILDREN = []             # every process we started, stopped on exit


def log(msg):
    print("bench: " + msg, flush=True)


def stop_children():
    for p in CHILDREN:
        if p.poll() is None:
            p.terminate()
    for p in CHILDREN:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    CHILDREN.clear()


def on_signal(sig, _frame):
    stop_children()
    sys.exit(128 + sig)


class BenchError(Exception):
    pass


def tsc_mhz():
    """The TSC rate the fast path's cycle counters tick at (constant_tsc:
    the nominal rate the kernel reports)."""
    with open("/proc/cpuinfo") as f:
        m = re.search(r"^cpu MHz\s*:\s*([\d.]+)", f.read(), re.M)
    return float(m.group(1)) if m else 0.0


HZ = os.sysconf("SC_CLK_TCK")


def cpu_busy():
    """Busy jiffies of all CPUs together (user, nice, system, irq, softirq, steal)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v[0] + v[1] + v[2] + v[5] + v[6] + v[7]


def proc_jiffies(pid):
    with open("/proc/%d/stat" % pid) as f:
        v = f.read().rsplit(")", 1)[1].split()
    return int(v[11]) + int(v[12])


def worker_tid(pid):
    """The forwarding thread: DPDK names it rte-worker-N (menjin-fp and
    testpmd alike); lcore 1 is the only worker in these runs."""
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
            if f.read().startswith("rte-worker"):
                return int(tid)
    return pid


def thread_jiffies(pid, tid):
    with open("/proc/%d/task/%d/stat" % (pid, tid)) as f:
        v = f.read().rsplit(")", 1)[1].split()
    return int(v[11]) + int(v[12])


class CpuWindow:
    """How much CPU the forwarding thread had during a window, and how much
    every other process took (the 2 cores are shared with other work)."""

    def __init__(self, pid):
        self.pid, self.tid = pid, worker_tid(pid)
        self.t, self.busy = time.monotonic(), cpu_busy()
        self.own, self.worker = proc_jiffies(pid), thread_jiffies(pid, self.tid)

    def end(self):
        dt = time.monotonic() - self.t
        busy, own = cpu_busy() - self.busy, proc_jiffies(self.pid) - self.own
        worker = thread_jiffies(self.pid, self.tid) - self.worker
        return {"worker_cpu": worker / HZ / dt, "own_cpus": own / HZ / dt,
                "other_threads_cpu": max(0.0, (own - worker) / HZ / dt),
                "others_cpus": max(0.0, (busy - own) / HZ / dt)}


def pcap_frames(work, name):
    with open(os.path.join(work, name + ".json")) as f:
        return json.load(f)

# ------------------------------------------------------------------ menjin-fp


class FastPath:
    def __init__(self, b, name, mix, two_sided=False, max_devices=65536):
        self.b, self.name = b, name
        self.conf = os.path.join(b.work, name + ".conf")
        self.log = os.path.join(b.work, name + ".log")
        self.sock = os.path.join(b.work, name + ".sock")
        info = pcap_frames(b.work, mix)
        nframes = info["frames"] * (2 if two_sided else 1)
        self.mbufs = nframes + 32767
        lan = "net_pcap0,rx_pcap=%s,infinite_rx=1" % os.path.join(b.work, mix + "_lan.pcap")
        up = "net_pcap1,rx_pcap=%s,infinite_rx=1" % os.path.join(b.work, mix + "_up.pcap") \
            if two_sided else "net_null0,no-rx=1"
        self.vdevs = [lan, up]
        with open(self.conf, "w") as f:
            f.write("""fastpath:
{
  socket = "%s";
  eal_args = [ "--no-huge", "-m", "%s", "--no-shconf", "--no-pci", "--log-level", "notice" ];
  lcores = "0-1";
  ports = (
    { name = "lan0";   role = "lan";    devargs = "%s"; },
    { name = "uplink"; role = "uplink"; devargs = "%s"; }
  );
  max_devices = %d;
  mbufs = %d;
  hold_until_commit = true;
  capture_dir = "%s/capture";
};
quarantine:
{
  resolvers = [ "10.10.0.53" ];
  remediation = ( { address = "10.10.0.80"; ports = [ 80, 443 ]; } );
};
""" % (self.sock, EAL_MEM, lan, up, max_devices, self.mbufs, b.work))
        self.proc = None

    def start(self):
        logf = open(self.log, "w")
        self.proc = subprocess.Popen([self.b.fp, "-c", self.conf], stdout=logf, stderr=subprocess.STDOUT)
        CHILDREN.append(self.proc)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            if subprocess.run([self.b.fpctl, "-s", self.sock, "hello"], capture_output=True).returncode == 0:
                return self
            time.sleep(0.1)
        self.stop()
        raise BenchError("%s: menjin-fp did not come up; see %s" % (self.name, self.log))

    def ctl(self, *args, timeout=600):
        r = subprocess.run([self.b.fpctl, "-s", self.sock] + list(args), capture_output=True,
                           text=True, timeout=timeout)
        return r

    def must(self, *args):
        t = time.monotonic()
        r = self.ctl(*args)
        if r.returncode != 0:
            raise BenchError("%s: fpctl %s: exit %d: %s" % (self.name, " ".join(args)[:80],
                                                               r.returncode, r.stderr.strip()[-300:]))
        return time.monotonic() - t

    def stats(self):
        r = self.ctl("stats")
        if r.returncode != 0:
            raise BenchError("%s: stats: %s" % (self.name, r.stderr.strip()))
        out = {}
        for line in r.stdout.splitlines():
            k, _, v = line.partition(" ")
            if v.strip().isdigit():
                out[k] = int(v)
        return out

    def snap(self):
        t0 = time.monotonic()
        s = self.stats()
        return s, (t0 + time.monotonic()) / 2

    def commit(self, gen):
        """COMMIT and the time until the generation is published. fpctl gives
        up after 5 s (fpctl.c ANSWER_TIMEOUT_MS) while a big blocklist is
        still being built: then wait for the generation counter instead."""
        t = time.monotonic()
        r = self.ctl("commit", str(gen))
        if r.returncode == 2 and "no answer" in r.stderr:
            self.b.notes.add("fpctl gave up waiting for COMMIT after 5 s (dataplane/fpctl.c "
                             "ANSWER_TIMEOUT_MS) while the fast path was still building the "
                             "tables; the benchmark waits on the `generation` counter instead")
            while time.monotonic() - t < 600:
                time.sleep(0.2)
                r2 = self.ctl("stats", "generation", timeout=60)
                if r2.returncode == 0 and re.search(r"^generation %d$" % gen, r2.stdout, re.M):
                    return time.monotonic() - t
            raise BenchError("%s: commit %d never published" % (self.name, gen))
        if r.returncode != 0:
            raise BenchError("%s: commit %d: %s" % (self.name, gen, r.stderr.strip()))
        return time.monotonic() - t

    def load(self, devices, prefixes, acl=True):
        """The standard tables, then COMMIT 1 (which releases the held traffic)."""
        w = self.b.work
        times = {}
        if acl:
            times["acl_set_s"] = self.must("-f", os.path.join(w, "acl.fpctl"))
        times["blocklist_load_s"] = self.must("blocklist-load", "replace", os.path.join(w, prefixes))
        times["device_load_s"] = self.must("device-load", os.path.join(w, devices))
        times["commit_s"] = self.commit(1)
        return times

    def rss_kb(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            return int(re.search(r"^VmRSS:\s+(\d+)", f.read(), re.M).group(1))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc in CHILDREN:
            CHILDREN.remove(self.proc)

# ------------------------------------------------------------------ testpmd


class TestPmd:
    """dpdk-testpmd -i, driven through its stdin; statistics read with
    `show port stats all` at the start and the end of the interval."""

    def __init__(self, b, name, vdevs, mbufs):
        self.b, self.name, self.vdevs, self.mbufs = b, name, vdevs, mbufs
        self.buf = ""
        self.cond = threading.Condition()
        self.proc = None

    def _reader(self):
        while True:
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            with self.cond:
                if not chunk:
                    self.buf += "\n<EOF>"
                    self.cond.notify_all()
                    return
                self.buf += chunk.decode(errors="replace")
                self.cond.notify_all()

    def _wait(self, start, pattern, timeout):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                m = re.search(pattern, self.buf[start:], re.S)
                if m:
                    return self.buf[start:start + m.end()]
                if "<EOF>" in self.buf[start:]:
                    raise BenchError("%s: testpmd exited; output:\n%s" % (self.name, self.buf[-2000:]))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise BenchError("%s: testpmd: no %r; output:\n%s" % (self.name, pattern, self.buf[-2000:]))
                self.cond.wait(left)

    def cmd(self, line, timeout=30):
        with self.cond:
            start = len(self.buf)
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()
        return self._wait(start, r"testpmd> ", timeout)

    def start(self):
        # stdbuf: testpmd prints statistics with stdio, its prompt with write(2)
        args = ["stdbuf", "-o0", TESTPMD, "-l", "0-1", "--no-huge", "-m", EAL_MEM, "--no-shconf", "--no-pci",
                "--log-level", "notice"]
        for v in self.vdevs:
            args += ["--vdev", v]
        args += ["--", "-i", "--forward-mode=io", "--total-num-mbufs=%d" % self.mbufs]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        CHILDREN.append(self.proc)
        threading.Thread(target=self._reader, daemon=True).start()
        self._wait(0, r"testpmd> ", 60)
        self.cmd("start")
        return self

    def snap(self):
        t0 = time.monotonic()
        out = self.cmd("show port stats all")
        t = (t0 + time.monotonic()) / 2
        ports = {}
        for m in re.finditer(r"NIC statistics for port (\d+).*?RX-packets:\s*(\d+).*?RX-nombuf:\s*(\d+)"
                             r".*?TX-packets:\s*(\d+).*?Rx-pps:\s*(\d+)", out, re.S):
            ports[int(m.group(1))] = {"rx": int(m.group(2)), "nombuf": int(m.group(3)),
                                      "tx": int(m.group(4)), "rx_pps": int(m.group(5))}
        if not ports:
            raise BenchError("%s: cannot read port stats:\n%s" % (self.name, out))
        return ports, t

    def stop(self):
        if self.proc and self.proc.poll() is None:
            try:
                self.cmd("stop", timeout=10)
                self.proc.stdin.write(b"quit\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=30)
            except (BenchError, BrokenPipeError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        if self.proc in CHILDREN:
            CHILDREN.remove(self.proc)

# ------------------------------------------------------------------ checks


def fate_check(info, d_lan, d_up, deltas, two_sided):
    """Every frame-drop counter and the forwarded count against what the mix
    says one block of 200 must do, scaled by the frames received. Tolerance
    per counter: its count in one block (a window starts mid-block) plus the
    in-flight bursts of two snapshots. Returns (ok, worst, rows)."""
    per = info["fates_per_block"]
    block = info["block"]
    names = set(per["lan"]) | (set(per["up"]) if two_sided else set())
    names |= {k for k in deltas if k.startswith("drop.") and k not in COPY_ONLY}
    rows, ok, worst = [], True, 0.0
    for name in sorted(names):
        c_lan = per["lan"].get(name, 0)
        c_up = per["up"].get(name, 0) if two_sided else 0
        want = d_lan * c_lan / block + d_up * c_up / block
        if name == "fwd":
            got = deltas.get("port.uplink.tx_pkts", 0) + deltas.get("port.lan0.tx_pkts", 0)
        else:
            got = deltas.get(name, 0)
        # a reason the mix never provokes must stay exactly 0
        tol = c_lan + c_up + 2 * SNAP_SKEW if c_lan + c_up else 0
        dev = got - want
        worst = max(worst, abs(dev) / tol if tol else 0)
        good = abs(dev) <= tol
        ok &= good
        rows.append((name, got, want, dev, tol, good))
    return ok, worst, rows


def deltas_of(a, b):
    return {k: b[k] - a.get(k, 0) for k in b}

# ------------------------------------------------------------------ runs


class Bench:
    def __init__(self, a):
        self.fp = os.path.join(os.path.abspath(a.bin), "menjin-fp")
        self.fpctl = os.path.join(os.path.abspath(a.bin), "menjin-fpctl")
        self.work, self.out = os.path.abspath(a.work), os.path.abspath(a.out)
        self.quick = a.quick
        self.warm = 1.0 if a.quick else 2.0
        self.dur = 3.0 if a.quick else 10.0
        self.tsc = tsc_mhz()
        self.results = {"quick": a.quick, "interval_s": self.dur, "tsc_mhz": self.tsc,
                        "cpus": os.cpu_count(), "runs": [], "hitless": None, "memory": []}
        self.notes = set()
        self.failures = []

    def ref(self, name, mix, two_sided):
        info = pcap_frames(self.work, mix)
        lan = "net_pcap0,rx_pcap=%s,infinite_rx=1" % os.path.join(self.work, mix + "_lan.pcap")
        up = "net_pcap1,rx_pcap=%s,infinite_rx=1" % os.path.join(self.work, mix + "_up.pcap") \
            if two_sided else "net_null0,no-rx=1"
        mbufs = info["frames"] * (2 if two_sided else 1) + 32767
        tp = TestPmd(self, name, [lan, up], mbufs)
        try:
            tp.start()
            time.sleep(self.warm)
            a, ta = tp.snap()
            cpu = CpuWindow(tp.proc.pid)
            time.sleep(self.dur)
            b, tb = tp.snap()
            cpu = cpu.end()
        finally:
            tp.stop()
        rx = sum(b[p]["rx"] - a[p]["rx"] for p in b)
        return {"mpps": rx / (tb - ta) / 1e6, "cpu": cpu,
                "testpmd_rx_pps_mpps": sum(b[p]["rx_pps"] for p in b) / 1e6,
                "nombuf": sum(b[p]["nombuf"] - a[p]["nombuf"] for p in b)}

    def fp_run(self, name, mix, devices, prefixes, two_sided=False, max_devices=65536,
               live_recommit=False):
        info = pcap_frames(self.work, mix)
        fp = FastPath(self, name, mix, two_sided, max_devices)
        live = None
        try:
            fp.start()
            rss0 = fp.rss_kb()
            times = fp.load(devices, prefixes)
            time.sleep(self.warm)
            a, ta = fp.snap()
            cpu = CpuWindow(fp.proc.pid)
            time.sleep(self.dur)
            b, tb = fp.snap()
            cpu = cpu.end()
            rss = fp.rss_kb()
            if live_recommit:
                # the same list again, staged and committed under traffic
                t = fp.must("blocklist-load", "replace", os.path.join(self.work, prefixes))
                c0, tc0 = fp.snap()
                cpu2 = CpuWindow(fp.proc.pid)
                tcommit = fp.commit(2)
                c1, tc1 = fp.snap()
                cpu2 = cpu2.end()
                dc = deltas_of(c0, c1)
                live = {"blocklist_load_s": t, "commit_s": tcommit, "cpu": cpu2,
                        "mpps_during": dc["port.lan0.rx_pkts"] / (tc1 - tc0) / 1e6,
                        "punt_full": dc.get("drop.punt_full", 0),
                        "punts": sum(v for k, v in dc.items() if k.startswith("punt.") and k != "punt.send_failed"),
                        "rss_kb_after": fp.rss_kb()}
        finally:
            fp.stop()
        d = deltas_of(a, b)
        d_lan, d_up = d["port.lan0.rx_pkts"], d["port.uplink.rx_pkts"]
        ok, worst, rows = fate_check(info, d_lan, d_up, d, two_sided)
        if not ok:
            self.failures.append("%s: frame fates differ from the mix (%s)" % (
                name, ", ".join("%s %+.0f" % (r[0], r[3]) for r in rows if not r[5])))
        pk = d["pipeline.pkts"]
        return {"mpps": (d_lan + d_up) / (tb - ta) / 1e6, "lan_mpps": d_lan / (tb - ta) / 1e6,
                "cycles_per_pkt": d["pipeline.cycles"] / pk if pk else 0.0,
                "devices": b.get("devices"), "prefixes": b.get("blocklist.prefixes"),
                "acl_rules": b.get("acl.rules"), "rss_kb_start": rss0, "rss_kb": rss,
                "load": times, "fates_ok": ok, "fates_worst": worst,
                "punt_full": d.get("drop.punt_full", 0), "tx_full": d.get("drop.tx_full", 0),
                "punts_per_s": sum(v for k, v in d.items() if k.startswith("punt.") and
                                   k not in ("punt.send_failed", "punt_ring.used")) / (tb - ta),
                "rx_nombuf": d.get("port.lan0.rx_nombuf", 0) + d.get("port.uplink.rx_nombuf", 0),
                "distinct_macs": info["distinct_macs"], "frames": info["frames"], "live_recommit": live,
                "cpu": cpu}

    def pair(self, label, kind, size, mix, devices, prefixes, two_sided=False, max_devices=65536,
             live_recommit=False):
        """testpmd, menjin-fp, testpmd again: the ratio is taken against the
        mean of the two references around it, which follow the load the
        other users of the machine put on it."""
        log("%s: testpmd reference" % label)
        r1 = self.ref("ref_" + label, mix, two_sided)
        log("%s: testpmd %.2f Mpps; menjin-fp" % (label, r1["mpps"]))
        f = self.fp_run("fp_" + label, mix, devices, prefixes, two_sided, max_devices, live_recommit)
        log("%s: menjin-fp %.2f Mpps; testpmd again" % (label, f["mpps"]))
        r2 = self.ref("ref2_" + label, mix, two_sided)
        ref = {"mpps": (r1["mpps"] + r2["mpps"]) / 2, "before": r1, "after": r2,
               "spread": abs(r1["mpps"] - r2["mpps"]) / max(r1["mpps"], r2["mpps"]),
               "mpps_per_cpu": (r1["mpps"] / r1["cpu"]["worker_cpu"] +
                                r2["mpps"] / r2["cpu"]["worker_cpu"]) / 2}
        f.update({"label": label, "kind": kind, "size": size, "mix": mix, "two_sided": two_sided,
                  "ref": ref, "ratio": f["mpps"] / ref["mpps"] if ref["mpps"] else 0.0,
                  "mpps_per_cpu": f["mpps"] / f["cpu"]["worker_cpu"]})
        f["ratio_per_cpu"] = f["mpps_per_cpu"] / ref["mpps_per_cpu"]
        # CPU time per frame, immune to preemption (unlike rdtsc around the pipeline)
        f["cpu_cycles"] = self.tsc / f["mpps_per_cpu"]
        ref["cpu_cycles"] = self.tsc / ref["mpps_per_cpu"]
        f["extra_cycles"] = f["cpu_cycles"] - ref["cpu_cycles"]
        log("%s: menjin-fp %.2f Mpps = %.3f of testpmd (%.2f/%.2f; per worker CPU second %.3f), "
            "%.0f cycles/frame in parse..decide" % (label, f["mpps"], f["ratio"], r1["mpps"], r2["mpps"],
                                                    f["ratio_per_cpu"], f["cycles_per_pkt"]))
        self.results["runs"].append(f)
        return f

    def hitless(self, nswaps):
        """Run A: 1,000 (quick: 100) table swaps then 100,000 device
        re-sets during replay. Run B: the same tables, no updates, until it
        has received as many frames. Both windows are checked frame by
        frame class against the mix and against each other."""
        info = pcap_frames(self.work, "main")
        res = {"swaps": nswaps}
        fp = FastPath(self, "hitless_updates", "main")
        try:
            fp.start()
            fp.load("devices_pool_10000.txt", "blocklist_1000.txt")
            time.sleep(self.warm)
            # where a swap's time goes: 20 commits of each table alone
            acl_only = os.path.join(self.work, "acl_only.fpctl")
            bl_only = os.path.join(self.work, "bl_only.fpctl")
            with open(os.path.join(self.work, "acl.fpctl")) as f:
                first_acl = f.readline()
            with open(acl_only, "w") as f:
                f.writelines(first_acl + "commit %d\n" % (100 + i) for i in range(20))
            with open(bl_only, "w") as f:
                f.writelines("blocklist-load replace %s\ncommit %d\n"
                             % (os.path.join(self.work, "blocklist_1000.txt"), 200 + i) for i in range(20))
            res["acl_commit_ms"] = fp.must("-f", acl_only) / 20 * 1000
            res["blocklist_commit_ms"] = fp.must("-f", bl_only) / 20 * 1000
            a, ta = fp.snap()
            cpu = CpuWindow(fp.proc.pid)
            log("hitless: %d table swaps during replay" % nswaps)
            res["swap_s"] = fp.must("-f", os.path.join(self.work, "swaps.fpctl"))
            log("hitless: 100,000 device updates during replay")
            res["dev_update_s"] = fp.must("device-load", os.path.join(self.work, "dev_updates.txt"))
            b, tb = fp.snap()
            cpuA = cpu.end()
        finally:
            fp.stop()
        res["swaps_per_s"] = nswaps / res["swap_s"]
        res["dev_updates_per_s"] = 100000 / res["dev_update_s"]
        res["generation_after"] = b.get("generation")
        res["devices_after"] = b.get("devices")
        dA = deltas_of(a, b)
        res["A"] = {"rx": dA["port.lan0.rx_pkts"], "s": tb - ta, "cpu": cpuA,
                    "mpps": dA["port.lan0.rx_pkts"] / (tb - ta) / 1e6}
        log("hitless: baseline without updates, same frame count")
        fp = FastPath(self, "hitless_baseline", "main")
        try:
            fp.start()
            fp.load("devices_pool_10000.txt", "blocklist_1000.txt")
            time.sleep(self.warm)
            a2, ta2 = fp.snap()
            cpu = CpuWindow(fp.proc.pid)
            deadline = time.monotonic() + 2 * (tb - ta) + 5
            while time.monotonic() < deadline:
                time.sleep(0.25)
                r = fp.ctl("stats", "port.lan0.rx_pkts")
                got = int(r.stdout.split()[1]) - a2["port.lan0.rx_pkts"]
                if got >= res["A"]["rx"]:
                    break
            b2, tb2 = fp.snap()
            cpuB = cpu.end()
        finally:
            fp.stop()
        dB = deltas_of(a2, b2)
        res["B"] = {"rx": dB["port.lan0.rx_pkts"], "s": tb2 - ta2, "cpu": cpuB,
                    "mpps": dB["port.lan0.rx_pkts"] / (tb2 - ta2) / 1e6}
        # 1. each window against the mix
        okA, worstA, rowsA = fate_check(info, dA["port.lan0.rx_pkts"], 0, dA, False)
        okB, worstB, rowsB = fate_check(info, dB["port.lan0.rx_pkts"], 0, dB, False)
        # 2. the two windows against each other: ratio to rx equal within both tolerances
        rows, okAB = [], True
        for (n, gA, _, _, tol, _), (_, gB, _, _, _, _) in zip(rowsA, rowsB):
            rA, rB = gA / dA["port.lan0.rx_pkts"], gB / dB["port.lan0.rx_pkts"]
            bound = tol / dA["port.lan0.rx_pkts"] + tol / dB["port.lan0.rx_pkts"]
            excess = (rA - rB) * dA["port.lan0.rx_pkts"]
            good = abs(rA - rB) <= bound
            okAB &= good
            rows.append({"counter": n, "A": gA, "B": gB, "ratio_A": rA, "ratio_B": rB,
                         "excess_frames_in_A": excess, "bound_frames": bound * dA["port.lan0.rx_pkts"],
                         "ok": good})
        # 3. conservation (nothing lost between rx and tx/drop) and error counters
        frame_drops = [k for k in dA if k.startswith("drop.") and k not in COPY_ONLY]
        cons = {}
        for tag, d in (("A", dA), ("B", dB)):
            cons[tag] = d["port.lan0.rx_pkts"] - d["port.uplink.tx_pkts"] - sum(d[k] for k in frame_drops)
        must_zero = {}
        for tag, d in (("A", dA), ("B", dB)):
            for k in ("drop.tx_full", "drop.malformed", "port.lan0.rx_nombuf", "port.lan0.imissed",
                      "port.lan0.ierrors", "port.uplink.oerrors"):
                must_zero["%s:%s" % (tag, k)] = d.get(k, 0)
            for k in d:
                if k.startswith("parse."):
                    must_zero["%s:%s" % (tag, k)] = d[k]
        okCons = all(abs(v) <= 2 * SNAP_SKEW for v in cons.values())
        okZero = all(v == 0 for v in must_zero.values())
        okApplied = res["generation_after"] == 1000 + nswaps - 1 and res["devices_after"] == 8500
        res.update({"fates_A_ok": okA, "fates_B_ok": okB, "worst_A": worstA, "worst_B": worstB,
                    "compare": rows, "compare_ok": okAB, "conservation": cons,
                    "conservation_ok": okCons, "must_be_zero": must_zero, "zero_ok": okZero,
                    "updates_applied_ok": okApplied,
                    "copies_lost": {t: {k: d.get(k, 0) for k in COPY_ONLY} for t, d in (("A", dA), ("B", dB))}})
        res["ok"] = okA and okB and okAB and okCons and okZero and okApplied
        if not res["ok"]:
            self.failures.append("hitless: A fates %s, B fates %s, A vs B %s, conservation %s, "
                                 "error counters %s, updates applied %s"
                                 % (okA, okB, okAB, okCons, okZero, okApplied))
        self.results["hitless"] = res
        log("hitless: %.1f swaps/s, %.0f device updates/s, check %s"
            % (res["swaps_per_s"], res["dev_updates_per_s"], "ok" if res["ok"] else "FAILED"))

    def memory(self, n, max_devices, devfile):
        fp = FastPath(self, "mem_%d" % n, "main", max_devices=max_devices)
        try:
            fp.start()
            empty = fp.rss_kb()
            t = fp.must("device-load", os.path.join(self.work, devfile))
            loaded = fp.rss_kb()
            count = fp.stats().get("devices")
            fp.must("-f", os.path.join(self.work, "acl.fpctl"))
            fp.must("blocklist-load", "replace", os.path.join(self.work, "blocklist_1000.txt"))
            fp.commit(1)
            time.sleep(self.warm)
            running = fp.rss_kb()
        finally:
            fp.stop()
        r = {"devices": count, "max_devices": max_devices, "load_s": t, "rss_kb_empty": empty,
             "rss_kb_loaded": loaded, "rss_kb_running": running, "mbufs": fp.mbufs}
        self.results["memory"].append(r)
        log("memory: %d devices: VmRSS %d MiB empty, %d MiB loaded, %d MiB forwarding"
            % (count, empty // 1024, loaded // 1024, running // 1024))

    def run(self):
        q = self.quick
        self.pair("main", "main", 8500, "main", "devices_pool_10000.txt", "blocklist_1000.txt")
        if not q:
            self.pair("both_sides", "both", 8500, "main", "devices_pool_10000.txt",
                      "blocklist_1000.txt", two_sided=True)
            self.pair("dev_1k", "devices", 1000, "d1k", "devices_1000.txt", "blocklist_1000.txt")
            self.pair("dev_100k", "devices", 100000, "d100k", "devices_100000.txt",
                      "blocklist_1000.txt", max_devices=131072)
        self.pair("dev_1m", "devices", 1000000, "d1m", "devices_1000000.txt", "blocklist_1000.txt",
                  max_devices=1 << 20)
        if not q:
            self.pair("pfx_100k", "prefixes", 100000, "main", "devices_pool_10000.txt",
                      "blocklist_100000.txt")
        self.pair("pfx_1m", "prefixes", 1000000, "main", "devices_pool_10000.txt",
                  "blocklist_1000000.txt", live_recommit=True)
        self.hitless(100 if q else 1000)
        self.memory(65536, 65536, "devices_65536.txt")
        self.memory(1000000, 1 << 20, "devices_1000000.txt")
        if not q:
            self.pair("main_again", "main", 8500, "main", "devices_pool_10000.txt", "blocklist_1000.txt")

# ------------------------------------------------------------------ report


def report(b):
    R = b.results
    L = []
    L.append("menjin-fp benchmark (%s): %d CPUs, TSC %.0f MHz, %.0f s per measurement"
             % ("BENCH_QUICK" if R["quick"] else "full", R["cpus"], R["tsc_mhz"], R["interval_s"]))
    L.append("Mpps = frames received per second by menjin-fp (sum of both ports when both replay);")
    L.append("ratio = menjin-fp / dpdk-testpmd io forwarding, same vdevs and pcap, run before and after;")
    L.append("cyc = TSC cycles per frame in parse..decide (rdtsc, pipeline.cycles); cpu = worker CPU time per")
    L.append("frame in TSC cycles (rx, parse..decide, tx); extra = cpu minus testpmd's: menjin's own work.")
    L.append("")
    L.append("ref = mean of the testpmd runs before and after (spread = their difference); wCPU = share")
    L.append("of a CPU the menjin-fp worker thread got, others = CPUs other processes used meanwhile (of %d:"
             % R["cpus"])
    L.append("the machine is shared); ratio/cpu = the ratio of Mpps per worker-thread CPU second.")
    L.append("")
    L.append("%-10s %5s %6s %6s %6s %6s %7s %5s %5s %5s %6s %5s %6s %7s %s" % (
        "run", "table", "ref", "spread", "menjin", "ratio", "rat/cpu", "cyc", "cpu", "extra", "MACs",
        "wCPU", "others", "commit", "fates"))
    for r in R["runs"]:
        L.append("%-10s %5s %6.2f %5.0f%% %6.2f %6.3f %7.3f %5.0f %5.0f %5.0f %6d %5.2f %6.2f %6.2fs %s"
                 % (r["label"], human(r["size"]), r["ref"]["mpps"], 100 * r["ref"]["spread"], r["mpps"],
                    r["ratio"], r["ratio_per_cpu"], r["cycles_per_pkt"], r["cpu_cycles"], r["extra_cycles"],
                    r["distinct_macs"], r["cpu"]["worker_cpu"], r["cpu"]["others_cpus"],
                    r["load"]["commit_s"], "ok" if r["fates_ok"] else "WRONG")
                 + (" !" if busy(r) else ""))
    if any(busy(r) for r in R["runs"]):
        L.append("! = a worker thread (menjin-fp's or testpmd's) had less than %.0f%% of a CPU: other processes"
                 % (100 * BUSY_WORKER))
        L.append("    preempted it; Mpps and ratio are unreliable and cyc includes preempted time. Re-run on an")
        L.append("    idle machine (or compare ratio/cpu, which corrects for the time slices only).")
    L.append("")
    L.append("table loads (fpctl wall time): " + "; ".join(
        "%s: devices %.2fs, blocklist %.2fs, commit %.2fs" % (r["label"], r["load"]["device_load_s"],
                                                             r["load"]["blocklist_load_s"], r["load"]["commit_s"])
        for r in R["runs"] if r["label"] in ("dev_1m", "pfx_1m", "pfx_100k", "dev_100k")))
    base = next((r for r in R["runs"] if r["label"] == "main"), None)
    if base:
        L.append("main: %.0f punt copies/s (DHCP, ARP, EAPOL, rate-limited new MACs; no client subscribed), "
                 "%d lost to a full punt ring; the other threads of menjin-fp (control) used %.2f CPU"
                 % (base["punts_per_s"], base["punt_full"], base["cpu"]["other_threads_cpu"]))
    if base:
        L.append("scaling vs main (8.5k devices, 1k prefixes): " + "; ".join(
            "%s ratio/cpu x%.2f, extra cycles x%.2f" % (r["label"], r["ratio_per_cpu"] / base["ratio_per_cpu"],
                                                    r["extra_cycles"] / base["extra_cycles"])
            for r in R["runs"] if r["kind"] in ("devices", "prefixes")))
    for r in R["runs"]:
        lv = r.get("live_recommit")
        if lv:
            L.append("%s re-committed under traffic: blocklist-load %.2fs, commit %.2fs; %.2f Mpps meanwhile "
                     "(%.2f before; per worker CPU second %.2f vs %.2f); punt copies lost %d of %d"
                     % (r["label"], lv["blocklist_load_s"], lv["commit_s"], lv["mpps_during"], r["mpps"],
                        lv["mpps_during"] / lv["cpu"]["worker_cpu"], r["mpps_per_cpu"],
                        lv["punt_full"], lv["punts"] + lv["punt_full"]))
    h = R["hitless"]
    if h:
        L.append("")
        L.append("hitless: %d swaps (acl-set + blocklist-load replace 1k + commit) in %.1fs = %.1f swaps/s; "
                 "100,000 device re-sets in %.2fs = %.0f/s"
                 % (h["swaps"], h["swap_s"], h["swaps_per_s"], h["dev_update_s"], h["dev_updates_per_s"]))
        L.append("  one table alone (20 commits each, before window A): acl-set 1k rules + commit %.1f ms, "
                 "blocklist-load 1k + commit %.1f ms" % (h["acl_commit_ms"], h["blocklist_commit_ms"]))
        L.append("  window A (updates) %d frames at %.2f Mpps (worker %.2f CPU), B (none) %d frames at %.2f Mpps "
                 "(%.2f CPU): A/B %.3f, per worker CPU second %.3f"
                 % (h["A"]["rx"], h["A"]["mpps"], h["A"]["cpu"]["worker_cpu"], h["B"]["rx"], h["B"]["mpps"],
                    h["B"]["cpu"]["worker_cpu"], h["A"]["mpps"] / h["B"]["mpps"],
                    (h["A"]["mpps"] / h["A"]["cpu"]["worker_cpu"]) / (h["B"]["mpps"] / h["B"]["cpu"]["worker_cpu"])))
        worst = max((c for c in h["compare"] if c["bound_frames"] > 0),
                    key=lambda c: abs(c["excess_frames_in_A"]) / c["bound_frames"])
        L.append("  per-reason drop/rx A vs B: %s (largest: %s %+.0f frames, bound %.0f); vs mix: A %s, B %s"
                 % ("equal" if h["compare_ok"] else "DIFFERENT", worst["counter"],
                    worst["excess_frames_in_A"], worst["bound_frames"],
                    "ok" if h["fates_A_ok"] else "WRONG", "ok" if h["fates_B_ok"] else "WRONG"))
        L.append("  rx - tx - frame drops: A %+d, B %+d (bound %d); tx_full/malformed/parse/nombuf/imissed: %s; "
                 "generation %s, devices %s: %s"
                 % (h["conservation"]["A"], h["conservation"]["B"], 2 * SNAP_SKEW,
                    "all 0" if h["zero_ok"] else "NOT 0", h["generation_after"], h["devices_after"],
                    "applied" if h["updates_applied_ok"] else "NOT APPLIED"))
        L.append("  punt copies lost (frames unaffected): A %s, B %s"
                 % (fmt_copies(h["copies_lost"]["A"]), fmt_copies(h["copies_lost"]["B"])))
        L.append("  verdict: %s" % ("PASS" if h["ok"] else "FAIL"))
    if R["memory"]:
        L.append("")
        for m in R["memory"]:
            L.append("memory: %7d devices (max_devices %d, %d mbufs): VmRSS %d MiB empty, %d MiB loaded "
                     "(load %.2fs), %d MiB forwarding"
                     % (m["devices"], m["max_devices"], m["mbufs"], m["rss_kb_empty"] // 1024,
                        m["rss_kb_loaded"] // 1024, m["load_s"], m["rss_kb_running"] // 1024))
    for n in sorted(b.notes):
        L.append("note: " + n)
    for f in b.failures:
        L.append("FAILED: " + f)
    return "\n".join(L) + "\n"


def busy(r):
    cpus = [r["cpu"]["worker_cpu"], r["ref"]["before"]["cpu"]["worker_cpu"],
            r["ref"]["after"]["cpu"]["worker_cpu"]]
    return min(cpus) < BUSY_WORKER


def fmt_copies(d):
    return ", ".join("%s %d" % (k.split(".")[1], v) for k, v in d.items())


def human(n):
    for div, suf in ((1000000, "M"), (1000, "k")):
        if n >= div:
            v = n / div
            return ("%d%s" if v == int(v) else "%.1f%s") % (v, suf)
    return str(n)


def plot(b, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    runs = b.results["runs"]
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 8), sharex=True)
    main = [r for r in runs if r["label"] == "main"]
    series = (("devices", "tab:blue", "devices in table", lambda r: r["size"]),
              ("prefixes", "tab:orange", "blocklist prefixes",
               lambda r: 1000 if r["label"] == "main" else r["size"]))
    for kind, color, lab, xof in series:
        pts = sorted(main + [r for r in runs if r["kind"] == kind], key=xof)
        if len(pts) < 2:
            continue
        xs = [xof(r) for r in pts]
        ax1.plot(xs, [r["mpps_per_cpu"] for r in pts], "o-", color=color, label="menjin-fp, " + lab)
        ax1.plot(xs, [r["ref"]["mpps_per_cpu"] for r in pts], "s--", color=color, alpha=0.5,
                 label="testpmd io on the same pcap (%s runs)" % kind)
        ax2.plot(xs, [r["extra_cycles"] for r in pts], "o-", color=color,
                 label=lab + ": worker CPU per frame minus testpmd's")
        ax2.plot(xs, [r["cycles_per_pkt"] for r in pts], "x:", color=color, alpha=0.6,
                 label=lab + ": rdtsc parse..decide (inflated when preempted)")
        for x, r in zip(xs, pts):
            ax1.annotate("%.2f" % r["ratio_per_cpu"], (x, r["mpps_per_cpu"]), textcoords="offset points",
                         xytext=(4, -12), fontsize=8, color=color)
    ax1.set_xscale("log")
    ax1.set_ylabel("Mpps per worker CPU second")
    ax1.set_ylim(bottom=0)
    ax1.set_title("menjin-fp on net_pcap infinite_rx -> net_null, 1 worker\n"
                  "(labels: ratio to testpmd, per worker CPU second)")
    ax1.legend(fontsize=8)
    ax1.grid(True, which="both", alpha=0.3)
    ax2.set_xscale("log")
    ax2.set_xlabel("table size (devices, or blocklist prefixes)")
    ax2.set_ylabel("TSC cycles per frame")
    ax2.set_ylim(bottom=0)
    ax2.legend(fontsize=8)
    ax2.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin")
    ap.add_argument("work")
    ap.add_argument("out")
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    b = Bench(a)
    t0 = time.monotonic()
    try:
        b.run()
    except BenchError as e:
        b.failures.append(str(e))
    except Exception as e:  # a crash still leaves a report and no processes behind
        b.failures.append("%s: %s" % (type(e).__name__, e))
    finally:
        stop_children()
    b.results["wall_s"] = time.monotonic() - t0
    b.results["notes"] = sorted(b.notes)
    b.results["failures"] = b.failures
    text = report(b) + "(benchmark wall time %.0f s)\n" % b.results["wall_s"]
    with open(os.path.join(b.out, "report.txt"), "w") as f:
        f.write(text)
    with open(os.path.join(b.out, "results.json"), "w") as f:
        json.dump(b.results, f, indent=1)
    if b.results["runs"]:
        plot(b, os.path.join(b.out, "mpps.png"))
    print(text, end="")
    return 1 if b.failures else 0


if __name__ == "__main__":
    sys.exit(main())
