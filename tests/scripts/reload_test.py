#!/usr/bin/env python3
"""Reload-under-load test for irwell: SIGHUP `irwell run` many times while senders keep
sending and two subscribers receive, each reload changing one destination's retry settings
(the other must keep running) and adding or removing a second MLLP source. Checks that no sender connection was dropped
(the feed's source never changes), that no reload restarted the engine, and that every
acknowledged message was delivered to both destinations in order (per patient in lane mode),
and none twice: the subscribers answer at once, so a replaced delivery side's sends in flight
are answered and recorded within its drain (a drain that ran out would allow one duplicate per
lane, and is reported).

Usage: reload_test.py BUILD_DIR [RELOADS] [CONNECTIONS]   (standard library only)
"""
import os
import random
import shutil
import signal
import socket
import sys
import tempfile
import threading

import crash_test
import delivery_crash_test as dct

NAME = "reload_test"


def config_text(work, port, fifo_port, lanes_port, variant):
    # Variants 0, 1, 2, 3 in turn: each step changes one destination's retry settings (fifo on
    # the way to 1 and to 3, lanes on the way to 2 and to 0), so the other is kept running, and
    # adds or removes the `lab_in` source.
    fifo_retry = "60ms" if variant in (1, 2) else "50ms"
    lanes_retry = "60ms" if variant in (2, 3) else "50ms"
    lab = "" if variant % 2 == 0 else "  lab_in:\n    type: mllp\n    port: 0\n"
    return ("storage:\n  data_dir: %s/data\nadmin:\n  enabled: false\n"
            "sources:\n  pas_in:\n    type: mllp\n    port: %d\n%s"
            "destinations:\n"
            "  fifo:\n    type: mllp\n    host: 127.0.0.1\n    port: %d\n"
            "    retry_initial: %s\n    retry_max: 500ms\n"
            "  lanes:\n    type: mllp\n    host: 127.0.0.1\n    port: %d\n"
            "    lane_key: PID-3.1\n    lanes: 4\n    retry_initial: %s\n"
            "    retry_max: 500ms\n"
            "routes:\n  all:\n    sources: [pas_in]\n    destinations: [fifo, lanes]\n"
            % (work, port, lab, fifo_port, fifo_retry, lanes_port, lanes_retry))


class EngineLog:
    """Counts the engine's events as its stderr is read (crash_test.Engine's reader writes the
    lines to the log file; this wraps that file)."""

    def __init__(self, path):
        self.file = open(path, "w")
        self.cond = threading.Condition()
        self.counts = {}
        self.restarts = []  # the deliveries_restarted lines

    def write(self, line):
        self.file.write(line)
        for word in line.split():
            if word.startswith("event="):
                with self.cond:
                    self.counts[word[6:]] = self.counts.get(word[6:], 0) + 1
                    if word == "event=deliveries_restarted":
                        self.restarts.append(line)
                    self.cond.notify_all()

    def count(self, event):
        with self.cond:
            return self.counts.get(event, 0)

    def count_restarts(self, also):
        with self.cond:
            return sum(1 for line in self.restarts if also in line.split())

    def wait_count(self, event, n, timeout=60):
        with self.cond:
            return self.cond.wait_for(lambda: self.counts.get(event, 0) >= n, timeout=timeout)

    def close(self):
        self.file.close()


def main():
    irwell, reloads, connections = crash_test.arguments(NAME, 20)
    crash_test.message = dct.message
    work = tempfile.mkdtemp(prefix="irwell-reload-")
    fifo, lanes = dct.Subscriber(), dct.Subscriber()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = os.path.join(work, "routes.yaml")

    def write_config(variant):
        with open(config + ".tmp", "w") as f:
            f.write(config_text(work, port, fifo.port, lanes.port, variant))
        os.replace(config + ".tmp", config)  # the engine never reads half a file

    write_config(0)
    log = EngineLog(os.path.join(work, "engine.log"))
    traffic, engine, _, threads = crash_test.start_traffic(
        irwell, config, log, port, connections, work, NAME)
    rng = random.Random(int(os.environ.get("CRASH_SEED", "0")) or None)
    for i in range(reloads):
        if not traffic.wait_acked(len(traffic.acked) + rng.randint(20, 300)):
            sys.exit("%s: traffic stalled (see %s)" % (NAME, work))
        write_config((i + 1) % 4)
        engine.proc.send_signal(signal.SIGHUP)
        if not log.wait_count("config_reloaded", i + 1):
            sys.exit("%s: reload %d did not finish (see %s)" % (NAME, i + 1, work))
    if not traffic.wait_acked(len(traffic.acked) + 100):
        sys.exit("%s: traffic stalled after the reloads (see %s)" % (NAME, work))
    with traffic.cond:
        traffic.stop = True
    for t in threads:
        t.join()

    expected = dct.drain_and_stop(engine, log, work, (fifo, lanes), NAME)
    acked = set(traffic.acked)
    unstored = [c for c in acked if c not in set(expected)]
    ok_fifo, dup_fifo = dct.check("fifo", fifo.received, expected, per_key=False)
    ok_lanes, dup_lanes = dct.check("lanes", lanes.received, expected, per_key=True)
    restarts = log.count("config_reloading")
    print("%s: reloads=%d connections=%d acked=%d stored=%d reconnects=%d engine_restarts=%d "
          "deliveries_restarted=%d sources_restarted=%d delivered fifo=%d (duplicates %d) "
          "lanes=%d (duplicates %d)"
          % (NAME, reloads, connections, len(acked), len(expected), traffic.resent, restarts,
             log.count("deliveries_restarted"), log.count("sources_restarted"),
             len(fifo.received), dup_fifo, len(lanes.received), dup_lanes))
    problems = []
    if unstored:
        problems.append("acknowledged but not stored: %s" % unstored[:5])
    if not ok_fifo or not ok_lanes:
        problems.append("lost or out-of-order deliveries")
    if traffic.resent:
        problems.append("%d sender connections dropped" % traffic.resent)
    if restarts or log.count("engine_stopping") != 1:
        problems.append("a reload restarted the engine")
    if log.count("deliveries_restarted") != reloads or log.count("sources_restarted") != reloads:
        problems.append("not every reload restarted the delivery side and the lab_in source")
    if log.count_restarts("kept=1") != reloads:
        problems.append("a reload restarted the destination whose settings did not change")
    # A send is cut short (and sent again) only when a drain runs out: at most one per lane
    # per expired drain (the fifo destination has 1 lane, the lanes one 4).
    expired = log.count("dispatcher_drain_expired")
    if expired:
        print("%s: %d drains ran out" % (NAME, expired))
    if dup_fifo > expired or dup_lanes > expired * 4:
        problems.append("duplicates beyond the sends cut short by an expired drain")
    if problems:
        print("%s: FAILED: %s (data kept in %s)" % (NAME, "; ".join(problems), work))
        sys.exit(1)
    shutil.rmtree(work, ignore_errors=True)
    print("%s: OK: senders kept their connections; every acknowledged message delivered to "
          "both destinations, in order" % NAME)


if __name__ == "__main__":
    main()
