#!/usr/bin/env python3
"""Delivery crash test for irwell (issue #6): SIGKILL the engine repeatedly while it receives
and delivers; at the end every message that got an AA was delivered to every destination its
route names, in order per destination (per patient in lane mode), with duplicates only for
deliveries that were in flight at a kill.

Two MLLP subscribers run in this process and record what they receive: `fifo` (one lane,
strict order) and `lanes` (4 lanes keyed by PID-3.1: order per patient). Senders keep sending
ADT^A01 messages for a handful of patients, each waiting for its AA; the engine is killed after
a random number of further AAs and restarted. Afterwards the last engine drains its queues,
stops on SIGTERM, and the subscribers' records are checked against the store (sqlite3 CLI).

Usage: delivery_crash_test.py BUILD_DIR [KILLS] [CONNECTIONS]   (standard library only)
"""
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading

import crash_test

SB, EB = b"\x0b", b"\x1c\r"
PATIENTS = ["K%03d" % i for i in range(12)]


def message(control_id):
    # The patient is derived from the control ID, so the check knows each message's key.
    key = PATIENTS[hash(control_id) % len(PATIENTS)]
    return ("MSH|^~\\&|PAS|RXA|IRWELL|HUB|20261125103000||ADT^A01^ADT_A01|%s|P|2.5.1\r"
            "EVN|A01|20261125103000\r"
            "PID|1||%s^^^RXA^MR~9990000018^^^NHS^NH||TESTER^ALEX||19800101|F\r"
            "PV1|1|I|WARD1\r" % (control_id, key)).encode()


class Subscriber:
    """An MLLP receiver that answers AA and records (control id, patient key) in order."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.lock = threading.Condition()
        self.received = []
        self.seen = set()
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def wait_for_all(self, ids, timeout):
        """Waits until every id in `ids` has been received; False after `timeout`."""
        with self.lock:
            return self.lock.wait_for(lambda: ids <= self.seen, timeout=timeout)

    def serve(self, conn):
        buf = b""
        while True:
            try:
                chunk = conn.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            while EB in buf:
                frame, buf = buf.split(EB, 1)
                payload = frame[frame.find(SB) + 1:]
                segs = payload.split(b"\r")
                msh = segs[0].split(b"|")
                cid = msh[9].decode()
                key = ""
                for s in segs:
                    if s.startswith(b"PID|"):
                        key = s.split(b"|")[3].split(b"^")[0].decode()
                with self.lock:
                    self.received.append((cid, key))
                    self.seen.add(cid)
                    self.lock.notify_all()
                ack = ("MSH|^~\\&|SUB|SUB|IRWELL|HUB|20261125103000||ACK|A%s|P|2.5.1\r"
                       "MSA|AA|%s\r" % (cid, cid)).encode()
                try:
                    conn.sendall(SB + ack + EB)
                except OSError:
                    return


def check(name, received, expected, per_key):
    """expected: control ids in store order. Returns (ok, duplicates)."""
    seen, first = set(), []
    for cid, key in received:
        if cid not in seen:
            seen.add(cid)
            first.append((cid, key))
    missing = [c for c in expected if c not in seen]
    duplicates = len(received) - len(first)
    if missing:
        print("delivery_crash_test: %s: %d acknowledged messages never delivered, e.g. %s"
              % (name, len(missing), missing[:5]))
        return False, duplicates
    position = {c: i for i, c in enumerate(expected)}
    if per_key:
        keys = {}
        for cid, key in first:
            keys.setdefault(key, []).append(position.get(cid, -1))
        bad = [k for k, p in keys.items() if p != sorted(p)]
        if bad:
            print("delivery_crash_test: %s: order broken for keys %s" % (name, bad[:5]))
            return False, duplicates
    else:
        order = [position.get(c, -1) for c, _ in first]
        if order != sorted(order):
            print("delivery_crash_test: %s: delivered out of order" % name)
            return False, duplicates
    return True, duplicates


def drain_and_stop(engine, log, work, subscribers, name):
    """Once the traffic has stopped: waits until every subscriber has received every stored
    message, stops the engine with SIGTERM (which commits the last results) and returns the
    stored control ids in store order."""
    db = os.path.join(work, "data", "irwell.db")

    def sql(q):
        return subprocess.run(["sqlite3", db, q], check=True, capture_output=True,
                              text=True).stdout.split()

    # The stored messages are final once the traffic stopped: wait (an event, not a poll).
    stored = set(sql("SELECT control_id FROM messages;"))
    for sub in subscribers:
        if not sub.wait_for_all(stored, timeout=300):
            sys.exit("%s: queues did not drain (see %s)" % (name, work))
    crash_test.stop_engine(engine, log, name)
    return sql("SELECT control_id FROM messages ORDER BY id;")


def main():
    irwell, kills, connections = crash_test.arguments("delivery_crash_test", 20)
    crash_test.message = message  # the traffic sends our messages (with patient keys)
    work = tempfile.mkdtemp(prefix="irwell-dcrash-")
    fifo, lanes = Subscriber(), Subscriber()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = os.path.join(work, "routes.yaml")
    with open(config, "w") as f:
        f.write("storage:\n  data_dir: %s/data\nadmin:\n  enabled: false\n"
                "sources:\n  pas_in:\n    type: mllp\n    port: %d\n"
                "destinations:\n"
                "  fifo:\n    type: mllp\n    host: 127.0.0.1\n    port: %d\n"
                "    retry_initial: 50ms\n    retry_max: 500ms\n"
                "  lanes:\n    type: mllp\n    host: 127.0.0.1\n    port: %d\n"
                "    lane_key: PID-3.1\n    lanes: 4\n    retry_initial: 50ms\n"
                "    retry_max: 500ms\n"
                "routes:\n  all:\n    sources: [pas_in]\n    destinations: [fifo, lanes]\n"
                % (work, port, fifo.port, lanes.port))
    log = open(os.path.join(work, "engine.log"), "w")
    traffic, engine, start, threads = crash_test.start_traffic(
        irwell, config, log, port, connections, work, "delivery_crash_test")
    rng = random.Random(int(os.environ.get("CRASH_SEED", "0")) or None)
    engine = crash_test.kill_and_restart(engine, start, traffic, threads, kills, rng, 800,
                                         "delivery_crash_test")

    expected = drain_and_stop(engine, log, work, (fifo, lanes), "delivery_crash_test")
    acked = set(traffic.acked)
    unstored = [c for c in acked if c not in set(expected)]
    ok_fifo, dup_fifo = check("fifo", fifo.received, expected, per_key=False)
    ok_lanes, dup_lanes = check("lanes", lanes.received, expected, per_key=True)
    print("delivery_crash_test: kills=%d connections=%d acked=%d stored=%d delivered fifo=%d "
          "(duplicates %d) lanes=%d (duplicates %d)"
          % (kills, connections, len(acked), len(expected), len(fifo.received), dup_fifo,
             len(lanes.received), dup_lanes))
    # Duplicates only for deliveries in flight at a kill: at most the unrecorded results of one
    # writer batch per lane per kill; a generous bound that a resend-everything bug would break.
    bound = kills * 5 * 64
    if unstored or not ok_fifo or not ok_lanes or dup_fifo > bound or dup_lanes > bound:
        print("delivery_crash_test: FAILED (unstored %s; data kept in %s)" % (unstored[:5], work))
        sys.exit(1)
    shutil.rmtree(work, ignore_errors=True)
    print("delivery_crash_test: OK: every acknowledged message delivered to both destinations, "
          "in order")


if __name__ == "__main__":
    main()
