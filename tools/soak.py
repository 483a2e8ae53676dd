#!/usr/bin/env python3
"""Soak test for irwell (issue #9), driven by tools/soak: feed-sim sends a realistic feed at a
fixed rate for a bounded time into `irwell run` with the shipped routes.yaml, while the engine is
SIGKILLed and restarted on a schedule and the MLLP subscriber (an in-process receiver here) goes
down and comes back. At the end the subscriber stays up, the queues drain, the engine stops on
SIGTERM, and the store (sqlite3 CLI) is checked against what feed-sim got AA for and what the
subscriber received: nothing lost, first deliveries in store order, repeats only of messages
whose first delivery came before a kill. Prints counts, rates, the engine's peak RSS and the
engine's ACK latency (its /metrics histogram, summed over every engine run).

Usage: soak.py --build DIR --minutes M --rate R --kill-every S --flap-every S --seed N
               [--keep] (standard library only; tools/soak checks the build and calls this)
Exit status: 0 all checks passed, 1 loss/order/duplicate/exit-code failure, 2 setup failure.
"""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "scripts"))
from crash_test import Engine  # noqa: E402  (irwell run with engine_started detection)

SB, EB = b"\x0b", b"\x1c\r"
TOKEN = "soak-operator-token"


def free_port():
    with socket.socket() as s:  # a port that was free a moment ago
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def msh_key(payload):
    """(MSH-4, MSH-10) of a message, whatever its delimiters and segment endings."""
    end = min([i for i in (payload.find(b"\r"), payload.find(b"\n")) if i >= 0] or [len(payload)])
    msh = payload[:end]
    fields = msh.split(msh[3:4]) if len(msh) > 3 else []
    if len(fields) < 10:
        return None
    return (fields[3].split(msh[4:5])[0].decode("latin-1"), fields[9].decode("latin-1"))


class Subscriber:
    """An MLLP receiver on a fixed port that answers AA and records (key, time) in order; it can
    go down (listener and connections closed) and come back. Recording and ACKing a frame happen
    under one lock that going down also takes, so a flap never separates the two."""

    def __init__(self, port):
        self.port = port
        self.lock = threading.Lock()
        self.received = []  # (key, monotonic time)
        self.sock = None
        self.conns = set()
        self.downs = 0

    def up(self):
        with self.lock:
            if self.sock is not None:
                return
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", self.port))
            s.listen(16)
            self.sock = s
        threading.Thread(target=self._accept, args=(s,), daemon=True).start()

    def down(self):
        with self.lock:
            if self.sock is None:
                return
            self.downs += 1
            self.sock.close()
            self.sock = None
            for c in self.conns:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                c.close()
            self.conns.clear()

    def _accept(self, listener):
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with self.lock:
                if self.sock is not listener:
                    conn.close()
                    return
                self.conns.add(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        buf = b""
        while True:
            try:
                chunk = conn.recv(65536)
            except OSError:
                return
            if not chunk:
                conn.close()
                return
            buf += chunk
            while EB in buf:
                frame, buf = buf.split(EB, 1)
                payload = frame[frame.find(SB) + 1:]
                key = msh_key(payload)
                cid = key[1] if key else ""
                ack = ("MSH|^~\\&|SUB|REGION|IRWELL|HUB|20261126000000||ACK|A%s|P|2.4\r"
                       "MSA|AA|%s\r" % (cid, cid)).encode("latin-1")
                with self.lock:
                    if conn not in self.conns:
                        return  # went down: neither recorded nor ACKed
                    self.received.append((key, time.monotonic()))
                    try:
                        conn.sendall(SB + ack + EB)
                    except OSError:
                        return


class Sampler:
    """Every second: the engine's VmRSS/VmHWM and its /metrics ACK latency histogram."""

    def __init__(self, admin_port):
        self.admin_port = admin_port
        self.pid = None
        self.run_id = 0
        self.peak_kb = 0
        self.samples = 0
        self.histograms = {}  # run id -> {le: count, "sum": s, "count": n}
        self.stop = threading.Event()
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while not self.stop.wait(1.0):
            self.sample()

    def sample(self):
        pid, run = self.pid, self.run_id
        if pid is None:
            return
        try:
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith(("VmRSS:", "VmHWM:")):
                        self.peak_kb = max(self.peak_kb, int(line.split()[1]))
            self.samples += 1
        except (OSError, ValueError):
            return
        try:
            req = urllib.request.Request("http://127.0.0.1:%d/metrics" % self.admin_port,
                                         headers={"Authorization": "Bearer " + TOKEN})
            text = urllib.request.urlopen(req, timeout=2).read().decode()
        except Exception:  # the engine is starting or was just killed
            return
        h = {}
        for line in text.splitlines():
            if not line.startswith("irwell_ack_latency_seconds"):
                continue
            name, value = line.rsplit(" ", 1)
            if name.startswith("irwell_ack_latency_seconds_bucket"):
                le = name.split('le="')[1].split('"')[0]
                h[le] = h.get(le, 0) + float(value)
            elif name.startswith("irwell_ack_latency_seconds_sum"):
                h["sum"] = h.get("sum", 0) + float(value)
            elif name.startswith("irwell_ack_latency_seconds_count"):
                h["count"] = h.get("count", 0) + float(value)
        if h:
            self.histograms[run] = h

    def latency(self):
        total = {}
        for h in self.histograms.values():
            for k, v in h.items():
                total[k] = total.get(k, 0) + v
        n = total.get("count", 0)
        if not n:
            return "no ACK latency samples"
        bounds = sorted((float(k), v) for k, v in total.items()
                        if k not in ("sum", "count", "+Inf"))

        def quantile(q):
            for le, c in bounds:
                if c >= q * n:
                    return "<=%gms" % (le * 1000)
            return ">%gms" % (bounds[-1][0] * 1000 if bounds else 0)

        return ("mean %.2fms, p50 %s, p99 %s, p99.9 %s (engine histogram, %d ACKs)"
                % (total["sum"] / n * 1000, quantile(0.5), quantile(0.99), quantile(0.999), n))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--rate", type=float, default=200)
    ap.add_argument("--kill-every", type=float, default=60)
    ap.add_argument("--flap-every", type=float, default=45)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    irwell, feed_sim = os.path.join(build, "irwell"), os.path.join(build, "feed-sim")

    work = tempfile.mkdtemp(prefix="irwell-soak-")
    config = os.path.join(work, "routes.yaml")
    shutil.copy(os.path.join(ROOT, "routes.yaml"), config)  # a snapshot of the shipped routes
    shutil.copy(os.path.join(ROOT, "rivermead_wards.csv"), work)
    mllp_port, admin_port, sub_port = free_port(), free_port(), free_port()
    os.environ.update({"IRWELL_MLLP_PORT": str(mllp_port), "IRWELL_ADMIN_PORT": str(admin_port),
                       "IRWELL_DATA_DIR": os.path.join(work, "data"),
                       "IRWELL_SUBSCRIBER_HOST": "127.0.0.1",
                       "IRWELL_SUBSCRIBER_PORT": str(sub_port), "IRWELL_ADMIN_TOKEN": TOKEN})
    log = open(os.path.join(work, "engine.log"), "w")
    seconds = a.minutes * 60
    count = max(1, int(a.rate * seconds))
    print("soak: %s; %g min at %g/s (%d messages), kill every %gs, flap every %gs, seed %d"
          % (work, a.minutes, a.rate, count, a.kill_every, a.flap_every, a.seed), flush=True)

    sub = Subscriber(sub_port)
    sub.up()
    sampler = Sampler(admin_port)
    kills = []  # monotonic times of SIGKILLs

    def start():
        e = Engine(irwell, config, log)
        e.up.wait(timeout=120)
        if e.proc.poll() is not None or not e.up.is_set():
            print("soak: the engine did not start (see %s/engine.log)" % work)
            sys.exit(2)
        sampler.pid = e.proc.pid
        return e

    engine = start()
    acked_file = os.path.join(work, "acked.txt")
    t0 = time.monotonic()
    feed = subprocess.Popen([feed_sim, "--to", "127.0.0.1:%d" % mllp_port, "--rate", str(a.rate),
                             "--count", str(count), "--acked", acked_file, "--seed", str(a.seed)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    feed_out = []
    reader = threading.Thread(target=lambda: feed_out.extend(feed.stdout), daemon=True)
    reader.start()

    next_kill, next_flap = t0 + a.kill_every, t0 + a.flap_every
    last_report = t0
    while time.monotonic() - t0 < seconds and feed.poll() is None:
        now = time.monotonic()
        if a.kill_every > 0 and now >= next_kill:
            sampler.sample()  # the ACK latency histogram of this run, as late as possible
            sampler.pid = None
            engine.proc.kill()
            engine.proc.wait()
            engine.reader.join()
            kills.append(time.monotonic())
            sampler.run_id += 1
            engine = start()
            next_kill += a.kill_every
        if a.flap_every > 0 and now >= next_flap:
            if sub.sock is None:
                sub.up()
            else:
                sub.down()
            next_flap += a.flap_every
        if now - last_report >= 30:
            last_report = now
            print("soak: %3.0fs: acked %d, delivered %d, kills %d, subscriber %s, rss peak %d MB"
                  % (now - t0, sum(1 for _ in open(acked_file)) if os.path.exists(acked_file)
                     else 0, len(sub.received), len(kills), "up" if sub.sock else "down",
                     sampler.peak_kb // 1024), flush=True)
        time.sleep(0.1)
    sub.up()
    feed_rc = feed.wait()  # feed-sim catches up after the last kill and exits
    t_feed = time.monotonic() - t0
    reader.join()

    db = os.path.join(work, "data", "irwell.db")

    def sql(q):
        return subprocess.run(["sqlite3", "-cmd", ".timeout 10000", "-separator", "\t", db, q],
                              check=True, capture_output=True, text=True).stdout.splitlines()

    t_drain0 = time.monotonic()
    deadline = t_drain0 + 900
    while sql("SELECT count(*) FROM deliveries WHERE state NOT IN ('sent', 'dead');") != ["0"]:
        if time.monotonic() > deadline:
            print("soak: FAILED: the queues did not drain in 15 minutes (see %s)" % work)
            sys.exit(1)
        time.sleep(0.5)
    t_drain = time.monotonic() - t_drain0
    sampler.sample()
    sampler.stop.set()
    sampler.pid = None
    engine.proc.send_signal(signal.SIGTERM)
    rc = engine.proc.wait()
    engine.reader.join()
    log.close()
    t_total = time.monotonic() - t0

    acked = [l.strip() for l in open(acked_file) if l.strip()]
    stored_rows = sql("SELECT sending_facility, control_id, status FROM messages ORDER BY id;")
    stored = {}
    for row in stored_rows:
        fac, cid, status = row.split("\t")
        stored.setdefault(cid, set()).add(status)
    kept = {c for c, st in stored.items() if st & {"accepted", "unrouted", "filtered"}}
    unstored = [c for c in acked if c not in kept]
    expected = [tuple(r.split("\t")) for r in sql(
        "SELECT m.sending_facility, m.control_id FROM deliveries d JOIN messages m "
        "ON m.id = d.message_id WHERE d.destination = 'subscriber' ORDER BY d.id;")]
    dead_by = sql("SELECT destination, count(*) FROM deliveries WHERE state = 'dead' "
                  "GROUP BY destination;")
    dead = sum(int(r.split("\t")[1]) for r in dead_by)
    deliveries = int(sql("SELECT count(*) FROM deliveries;")[0])
    statuses = sql("SELECT status, count(*) FROM messages GROUP BY status ORDER BY status;")

    first, first_time, dups, unexplained = [], {}, 0, []
    for key, t in sub.received:
        if key not in first_time:
            first_time[key] = t
            first.append(key)
        else:
            dups += 1
            if not any(first_time[key] <= k <= t for k in kills):
                unexplained.append(key)
    got = set(first_time)
    missing = [k for k in expected if k not in got]
    position = {k: i for i, k in enumerate(expected)}
    strangers = [k for k in first if k not in position]
    order = [position[k] for k in first if k in position]
    out_of_order = sum(1 for i in range(1, len(order)) if order[i] < order[i - 1])

    feed_summary = " ".join(l.strip() for l in feed_out)
    print("soak: feed-sim (exit %d): %s" % (feed_rc, feed_summary))
    print("soak: %d kills, %d subscriber outages; feed %.1fs, drain %.1fs, total %.1fs"
          % (len(kills), sub.downs, t_feed, t_drain, t_total))
    print("soak: sent %d, acked %d (%.1f/s over the feed), stored %d rows (%s), "
          "deliveries %d" % (count, len(acked), len(acked) / t_feed, len(stored_rows),
                              " ".join(s.replace("\t", "=") for s in statuses), deliveries))
    print("soak: subscriber: routed %d, delivered %d distinct (%d received, %d duplicates, "
          "%d not explained by a kill), %.1f/s over the run; dead-lettered %d (%s)"
          % (len(expected), len(got), len(sub.received), dups, len(unexplained),
             len(sub.received) / t_total, dead,
             " ".join(r.replace("\t", "=") for r in dead_by) or "none"))
    levels = {}
    with open(os.path.join(work, "engine.log"), errors="replace") as f:
        for line in f:
            for lv in ("warn", "error"):
                if " level=%s " % lv in line:
                    ev = line.split(" event=")[1].split(" ")[0] if " event=" in line else "?"
                    levels["%s:%s" % (lv, ev)] = levels.get("%s:%s" % (lv, ev), 0) + 1
    print("soak: engine log: %s" % (" ".join("%s=%d" % kv for kv in sorted(levels.items()))
                                     or "no warnings or errors"))
    print("soak: engine peak RSS %.1f MB (%d samples); ACK latency %s"
          % (sampler.peak_kb / 1024, sampler.samples, sampler.latency()))
    problems = []
    if rc != 0:
        problems.append("irwell run exited %d after SIGTERM" % rc)
    if feed_rc != 0:
        problems.append("feed-sim exited %d" % feed_rc)
    if len(acked) != len(set(acked)):
        problems.append("feed-sim recorded a control ID twice")
    for items, what in ((unstored, "acknowledged messages not in the store"),
                        (missing, "routed messages never reached the subscriber"),
                        (strangers, "received messages not routed to the subscriber"),
                        (unexplained, "duplicates with no kill between")):
        if items:
            problems.append("%d %s, e.g. %s" % (len(items), what, items[:5]))
    if out_of_order:
        problems.append("%d first deliveries out of store order" % out_of_order)
    if problems:
        for p in problems:
            print("soak: FAILED: " + p)
        print("soak: data kept in %s" % work)
        sys.exit(1)
    print("soak: OK: lost 0; every acknowledged message stored; every routed message delivered "
          "to the subscriber in order")
    if a.keep:
        print("soak: data kept in %s" % work)
    else:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
