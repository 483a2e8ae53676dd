#!/usr/bin/env python3
"""Crash test for irwell: "an AA is a promise: the message is on disk".

Runs `irwell run` while several connections keep sending ADT^A01 messages (each waiting for its
ACK, recording every control ID that got AA), SIGKILLs the engine at random points of the
traffic and restarts it, many times. Like a real sender, a client whose ACK did not arrive sends
the same message (same control ID) again after reconnecting. At the end every control ID that
got an AA must be in the store exactly once (a resend of a committed message is a duplicate, not
a second row), checked with the sqlite3 CLI, and the last engine must stop on SIGTERM with exit
code 0.

No sleeps: the engine is known to be up when it logs engine_started (read from its stderr), a
kill happens after a random number of further ACKs, and clients that lose the engine wait for
the next engine_started.

Usage: crash_test.py BUILD_DIR [KILLS] [CONNECTIONS]    (standard library only)
"""
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading

SB, EB = b"\x0b", b"\x1c\r"


def message(control_id):
    # An invented patient (NHS test range); CR segment terminators.
    return ("MSH|^~\\&|PAS|RXA|IRWELL|HUB|20261125103000||ADT^A01^ADT_A01|%s|P|2.5.1\r"
            "EVN|A01|20261125103000\r"
            "PID|1||9990000018^^^NHS^NH||TESTER^ALEX||19800101|F\r"
            "PV1|1|I|WARD1\r" % control_id).encode()


def msa(frame):
    for seg in frame.split(b"\r"):
        if seg.startswith(b"MSA|"):
            f = seg.split(b"|")
            return f[1].decode(), (f[2].decode() if len(f) > 2 else "")
    return "", ""


class Engine:
    """One `irwell run` process; `up` is set once it logged engine_started."""

    def __init__(self, irwell, config, log):
        self.up = threading.Event()
        self.proc = subprocess.Popen([irwell, "run", "-c", config], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        self.reader = threading.Thread(target=self._drain, args=(log,), daemon=True)
        self.reader.start()

    def _drain(self, log):
        for line in self.proc.stderr:
            log.write(line.decode(errors="replace"))
            if b"event=engine_started" in line:
                self.up.set()
        self.up.set()  # exited: nobody waits forever (the caller checks the process)


class Traffic:
    def __init__(self, port):
        self.port = port
        self.cond = threading.Condition()
        self.engine_up = threading.Event()
        self.stop = False
        self.acked = []
        self.sent = 0
        self.resent = 0

    def wait_acked(self, n):
        with self.cond:
            self.cond.wait_for(lambda: len(self.acked) >= n, timeout=60)
            return len(self.acked) >= n

    def worker(self, idx):
        seq, pending, sock, buf = 0, None, None, b""
        while True:
            if pending is None:
                with self.cond:
                    if self.stop:
                        break
                seq += 1
                pending = "C%d-%06d" % (idx, seq)
            if sock is None:
                if not self.engine_up.wait(timeout=60):
                    break
                try:
                    sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
                    buf = b""
                except OSError:
                    self.engine_up.wait(timeout=60)
                    continue
            try:
                sock.sendall(SB + message(pending) + EB)
                with self.cond:
                    self.sent += 1
                while EB not in buf:
                    chunk = sock.recv(65536)
                    if not chunk:
                        raise OSError("closed")
                    buf += chunk
                frame, buf = buf.split(EB, 1)
                code, ref = msa(frame[frame.find(SB) + 1:])
                if code != "AA" or ref != pending:
                    raise OSError("unexpected reply %s %s" % (code, ref))
                with self.cond:
                    self.acked.append(pending)
                    self.cond.notify_all()
                pending = None
            except OSError:
                with self.cond:
                    self.resent += 1
                sock.close()
                sock = None
        if sock is not None:
            sock.close()


def start_traffic(irwell, config, log, port, connections, work, name):
    """Starts the engine and `connections` sending threads. Returns (traffic, engine, start,
    threads); start() starts another engine once one was killed."""
    traffic = Traffic(port)

    def start():
        e = Engine(irwell, config, log)
        e.up.wait(timeout=60)
        if e.proc.poll() is not None:
            sys.exit("%s: the engine exited during start-up (see %s/engine.log)" % (name, work))
        traffic.engine_up.set()
        return e

    engine = start()
    threads = [threading.Thread(target=traffic.worker, args=(i,), daemon=True)
               for i in range(connections)]
    for t in threads:
        t.start()
    return traffic, engine, start, threads


def kill_and_restart(engine, start, traffic, threads, kills, rng, most, name):
    """SIGKILLs the engine `kills` times, each after 20..`most` more AAs, restarting it with
    start(); then stops the traffic. Returns the engine running at the end."""
    for _ in range(kills):
        if not traffic.wait_acked(len(traffic.acked) + rng.randint(20, most)):
            sys.exit("%s: traffic stalled" % name)
        traffic.engine_up.clear()  # before the kill, so clients wait for the next start
        engine.proc.kill()
        engine.proc.wait()
        engine.reader.join()
        engine = start()
    with traffic.cond:
        traffic.stop = True
    for t in threads:
        t.join()
    return engine


def stop_engine(engine, log, name):
    """SIGTERM, then exit unless `irwell run` ended with 0; closes the log."""
    engine.proc.send_signal(signal.SIGTERM)
    rc = engine.proc.wait()
    engine.reader.join()
    log.close()
    if rc != 0:
        sys.exit("%s: irwell run exited %d after SIGTERM" % (name, rc))


def arguments(name, default_count):
    """The command line every one of these scripts takes: BUILD_DIR [COUNT] [CONNECTIONS].
    Returns (irwell binary, count, connections)."""
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
    count = int(sys.argv[2]) if len(sys.argv) > 2 else default_count
    connections = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    irwell = os.path.join(build, "irwell")
    if not os.access(irwell, os.X_OK):
        sys.exit("%s: %s not built" % (name, irwell))
    return irwell, count, connections


def main():
    irwell, kills, connections = arguments("crash_test", 40)
    work = tempfile.mkdtemp(prefix="irwell-crash-")
    with socket.socket() as s:  # a port that was free a moment ago
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = os.path.join(work, "routes.yaml")
    with open(config, "w") as f:
        f.write("storage:\n  data_dir: %s/data\nadmin:\n  enabled: false\nlogging:\n"
                "  level: info\nsources:\n  pas_in:\n    type: mllp\n    port: %d\n"
                % (work, port))
    log = open(os.path.join(work, "engine.log"), "w")
    traffic, engine, start, threads = start_traffic(irwell, config, log, port, connections,
                                                    work, "crash_test")
    rng = random.Random(int(os.environ.get("CRASH_SEED", "0")) or None)
    # A random point of the traffic: after 20-1500 more AAs, with every connection busy.
    engine = kill_and_restart(engine, start, traffic, threads, kills, rng, 1500, "crash_test")
    stop_engine(engine, log, "crash_test (see %s/engine.log)" % work)

    db = os.path.join(work, "data", "irwell.db")
    stored = subprocess.run(["sqlite3", db, "SELECT control_id FROM messages;"], check=True,
                            capture_output=True, text=True).stdout.split()
    counts = {}
    for c in stored:
        counts[c] = counts.get(c, 0) + 1
    acked = set(traffic.acked)
    missing = [c for c in acked if c not in counts]
    twice = [c for c, n in counts.items() if n > 1]
    print("crash_test: kills=%d connections=%d sent=%d acked=%d resent=%d stored_rows=%d "
          "missing=%d stored_twice=%d" % (kills, connections, traffic.sent, len(acked),
                                          traffic.resent, len(stored), len(missing), len(twice)))
    if not acked or missing or twice:
        print("crash_test: FAILED: missing %s twice %s (data kept in %s)"
              % (missing[:5], twice[:5], work))
        sys.exit(1)
    shutil.rmtree(work, ignore_errors=True)
    print("crash_test: OK: every acknowledged message is in the store exactly once")


if __name__ == "__main__":
    main()
