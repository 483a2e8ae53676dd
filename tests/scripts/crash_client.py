#!/usr/bin/env python3
"""Crash-test client for irwell: several connections send ADT^A01 messages, each waiting for
its ACK, and record every control ID that got AA. Like a real sender, a message whose ACK did
not arrive (the engine was killed) is sent again, with the same control ID, after reconnecting.

Usage: crash_client.py --port P --connections N --acked FILE --stop FILE
Runs until FILE given by --stop exists, finishes the message in flight, and prints one line:
  sent=<frames sent> acked=<distinct control IDs acknowledged> resent=<resends>
Standard library only."""
import argparse
import os
import socket
import threading
import time

SB, EB = b"\x0b", b"\x1c\r"


def message(control_id):
    # An invented patient (NHS test range); CR segment terminators.
    return ("MSH|^~\\&|PAS|RXA|IRWELL|HUB|20261125103000||ADT^A01^ADT_A01|%s|P|2.5.1\r"
            "EVN|A01|20261125103000\r"
            "PID|1||9990000018^^^NHS^NH||TESTER^ALEX||19800101|F\r"
            "PV1|1|I|WARD1\r" % control_id).encode()


def msa(reply):
    for seg in reply.split(b"\r"):
        if seg.startswith(b"MSA|"):
            f = seg.split(b"|")
            return f[1].decode(), (f[2].decode() if len(f) > 2 else "")
    return "", ""


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.sent = self.resent = 0
        self.acked = []


def worker(idx, args, stats, out):
    seq = 0
    pending = None  # control ID sent but not yet acknowledged
    sock, buf = None, b""
    while True:
        if pending is None:
            if os.path.exists(args.stop):
                break
            seq += 1
            pending = "C%d-%06d" % (idx, seq)
        if sock is None:
            try:
                sock = socket.create_connection(("127.0.0.1", args.port), timeout=5)
                buf = b""
            except OSError:
                if os.path.exists(args.give_up):
                    break
                time.sleep(0.02)  # the engine is restarting: retry
                continue
        try:
            sock.sendall(SB + message(pending) + EB)
            with stats.lock:
                stats.sent += 1
            while EB not in buf:
                chunk = sock.recv(65536)
                if not chunk:
                    raise OSError("closed")
                buf += chunk
            frame, buf = buf.split(EB, 1)
            code, ref = msa(frame[frame.find(SB) + 1:])
            if code == "AA" and ref == pending:
                with stats.lock:
                    stats.acked.append(pending)
                    out.write(pending + "\n")
                    out.flush()
                pending = None
            else:
                raise OSError("unexpected reply %s %s" % (code, ref))
        except OSError:
            with stats.lock:
                stats.resent += 1
            try:
                sock.close()
            except OSError:
                pass
            sock = None
    if sock is not None:
        sock.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--connections", type=int, default=4)
    p.add_argument("--acked", required=True)
    p.add_argument("--stop", required=True)
    p.add_argument("--give-up", default="/nonexistent")
    args = p.parse_args()
    stats = Stats()
    with open(args.acked, "w") as out:
        threads = [threading.Thread(target=worker, args=(i, args, stats, out))
                   for i in range(args.connections)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    print("sent=%d acked=%d resent=%d" % (stats.sent, len(set(stats.acked)), stats.resent))


if __name__ == "__main__":
    main()
