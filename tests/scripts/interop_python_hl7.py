#!/usr/bin/env python3
"""Interoperability with Debian's python3-hl7 (hl7 0.4.x): third-party software as irwell's peer.

Usage: interop_python_hl7.py BUILD_DIR          the whole test (run by interop_python_hl7.sh)
       interop_python_hl7.py subscriber PORT FILE  only the subscriber: an asyncio MLLP server
                                                   (hl7.mllp.start_hl7_server) that ACKs AA and
                                                   appends each message's MSH-10 to FILE

The test starts the real engine (BUILD_DIR/irwell run -c <temp routes.yaml>, free ports, temp data
dir) with one MLLP source routed to an MLLP destination, and:
  1. sends with python-hl7's `mllp_send` command line (an MLLP-framed file, then a plain text
     file with LF endings through --loose): every reply is AA with MSA-2 = the MSH-10 sent;
  2. sends with python-hl7's asyncio client (hl7.mllp.open_hl7_connection) on one connection:
     AA for each, MSA-2 = MSH-10, and an AR with an ERR segment for a malformed message
     (MSH-9 empty, HL7-EDGE-CASES G2), still correlated by MSA-2;
  3. python-hl7's asyncio server is the subscriber irwell delivers to: every accepted message
     arrives there, in the order it was accepted, each once.
Exits 0 when all holds; prints what failed otherwise.
"""
import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading

import crash_test  # the engine runner shared with the crash tests
import hl7
import hl7.mllp

GUARD = 30  # seconds: a failure guard for waiting on the engine, never synchronisation


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def message(control_id, event="A01", extra=""):
    # Invented patient; NHS number from the 999 test range.
    return "\r".join([
        "MSH|^~\\&|INTEROP|PYHL7|IRWELL|HUB|20261126090000||ADT^%s^ADT_A01|%s|P|2.5.1" % (event, control_id),
        "EVN|%s|20261126090000" % event,
        "PID|1||PY%s^^^PYHL7^MR~9990000018^^^NHS^NH||INTEROP^TESTER%s||19800101|F" % (control_id, extra),
        "PV1|1|I|WARD1",
    ]) + "\r"


def msa(ack):
    """(MSA-1, MSA-2) of an ACK given as text."""
    parsed = hl7.parse(ack.replace("\n", "\r").strip("\r"))
    seg = parsed.segment("MSA")
    return str(seg[1]), str(seg[2])


class Failures:
    def __init__(self):
        self.items = []

    def check(self, ok, what):
        print(("ok    " if ok else "FAIL  ") + what)
        if not ok:
            self.items.append(what)


# --- the subscriber (python-hl7's asyncio MLLP server) ----------------------------------------


async def run_subscriber(port, record_file, ready=None, stop=None, on_record=None):
    async def on_connection(reader, writer):
        try:
            while not writer.is_closing():
                msg = await reader.readmessage()
                control_id = str(msg.segment("MSH")[10])
                with open(record_file, "a") as f:
                    f.write(control_id + "\n")
                if on_record:
                    on_record(control_id)
                # hl7.Message.create_ack: MSA-1 AA, MSA-2 = the message's MSH-10.
                writer.writemessage(msg.create_ack())
                await writer.drain()
        except asyncio.IncompleteReadError:
            pass  # the engine closed the connection
        finally:
            writer.close()

    server = await hl7.mllp.start_hl7_server(on_connection, "127.0.0.1", port, encoding="utf-8")
    if ready:
        ready.set()
    async with server:
        if stop is None:
            await server.serve_forever()
        else:
            await stop.wait()


# --- the engine ---------------------------------------------------------------------------------


class Engine:
    def __init__(self, build, work, mllp_port, subscriber_port):
        self.log_path = os.path.join(work, "irwell.log")
        config = os.path.join(work, "routes.yaml")
        with open(config, "w") as f:
            f.write("""storage:
  data_dir: %s
admin:
  enabled: false
sources:
  interop_in:
    type: mllp
    bind: 127.0.0.1
    port: %d
destinations:
  python_subscriber:
    type: mllp
    host: 127.0.0.1
    port: %d
    retry_initial: 100ms
    retry_max: 1s
routes:
  adt_to_python:
    sources: [interop_in]
    match:
      type: ADT^*
    destinations: [python_subscriber]
""" % (os.path.join(work, "data"), mllp_port, subscriber_port))
        self.log = open(self.log_path, "w")
        # crash_test.Engine reads the engine's stderr and sets `up` on engine_started: an
        # event, not a poll.
        self.engine = crash_test.Engine(os.path.join(build, "irwell"), config, self.log)
        self.proc = self.engine.proc
        self.engine.up.wait(timeout=GUARD)
        if self.proc.poll() is not None or not self.engine.up.is_set():
            raise RuntimeError("irwell run did not start: " + self.tail())

    def tail(self):
        with open(self.log_path) as f:
            return "".join(f.readlines()[-10:])

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=GUARD)
        self.engine.reader.join(GUARD)
        self.log.close()
        return rc


# --- the checks ---------------------------------------------------------------------------------


def check_mllp_send(port, work, failures, sent):
    # An MLLP-framed file of three messages.
    ids = ["CLI0001", "CLI0002", "CLI0003"]
    framed = os.path.join(work, "framed.mllp")
    with open(framed, "wb") as f:
        for i in ids:
            f.write(b"\x0b" + message(i).encode() + b"\x1c\r")
    out = subprocess.run(["mllp_send", "-p", str(port), "-f", framed, "127.0.0.1"],
                         capture_output=True, timeout=GUARD)
    failures.check(out.returncode == 0, "mllp_send (framed file) exits 0")
    acks = [a.strip(b"\x0b\x1c\r\n").decode() for a in out.stdout.split(b"\x1c\r\n") if a.strip()]
    failures.check(len(acks) == len(ids), "mllp_send printed %d ACKs for %d messages" % (len(acks), len(ids)))
    for i, a in zip(ids, acks):
        code, ref = msa(a)
        failures.check(code == "AA" and ref == i, "mllp_send %s: MSA %s|%s" % (i, code, ref))
    sent.extend(ids)

    # A plain text file with LF endings, sent with --loose (python-hl7 turns LF into CR).
    loose_ids = ["CLI0004", "CLI0005"]
    loose = os.path.join(work, "loose.hl7")
    with open(loose, "w") as f:
        for i in loose_ids:
            f.write(message(i).replace("\r", "\n") + "\n")
    out = subprocess.run(["mllp_send", "--loose", "-p", str(port), "-f", loose, "127.0.0.1"],
                         capture_output=True, timeout=GUARD)
    failures.check(out.returncode == 0, "mllp_send --loose exits 0")
    acks = [a.strip(b"\x0b\x1c\r\n").decode() for a in out.stdout.split(b"\x1c\r\n") if a.strip()]
    failures.check(len(acks) == len(loose_ids), "mllp_send --loose printed %d ACKs" % len(acks))
    for i, a in zip(loose_ids, acks):
        code, ref = msa(a)
        failures.check(code == "AA" and ref == i, "mllp_send --loose %s: MSA %s|%s" % (i, code, ref))
    sent.extend(loose_ids)


async def check_asyncio_client(port, failures, sent):
    reader, writer = await hl7.mllp.open_hl7_connection("127.0.0.1", port, encoding="utf-8")
    try:
        for n in range(1, 6):
            cid = "ASY%04d" % n
            # A non-ASCII name, declared by nothing: irwell reads valid UTF-8 as UTF-8 (F2).
            writer.writemessage(hl7.parse(message(cid, extra=" Zo\u00eb")))
            await writer.drain()
            ack = await asyncio.wait_for(reader.readmessage(), GUARD)
            seg = ack.segment("MSA")
            failures.check(str(seg[1]) == "AA" and str(seg[2]) == cid,
                           "asyncio client %s: MSA %s|%s" % (cid, seg[1], seg[2]))
            sent.append(cid)
        # Malformed: MSH-9 empty (G2). irwell answers AR (reject_code) with ERR, MSA-2 from the
        # salvaged MSH-10, on the same connection.
        bad = "MSH|^~\\&|INTEROP|PYHL7|IRWELL|HUB|20261126090000|||BAD0001|P|2.5.1\rPID|1||X\r"
        writer.writeblock(bad.encode())
        await writer.drain()
        nak = await asyncio.wait_for(reader.readmessage(), GUARD)
        seg = nak.segment("MSA")
        failures.check(str(seg[1]) == "AR" and str(seg[2]) == "BAD0001",
                       "asyncio client malformed: MSA %s|%s" % (seg[1], seg[2]))
        try:
            nak.segment("ERR")
            has_err = True
        except KeyError:
            has_err = False
        failures.check(has_err, "the NAK carries an ERR segment")
        # The connection is still usable after the NAK.
        writer.writemessage(hl7.parse(message("ASY0006")))
        await writer.drain()
        ack = await asyncio.wait_for(reader.readmessage(), GUARD)
        failures.check(str(ack.segment("MSA")[1]) == "AA", "asyncio client after the NAK: AA")
        sent.append("ASY0006")
    finally:
        writer.close()


def main(build):
    failures = Failures()
    with tempfile.TemporaryDirectory(prefix="irwell-interop-") as work:
        mllp_port, subscriber_port = free_port(), free_port()
        received = os.path.join(work, "received.txt")
        open(received, "w").close()

        # The subscriber runs in this process's event loop, on its own thread.
        loop = asyncio.new_event_loop()
        ready, stop = threading.Event(), asyncio.Event()
        got, got_cond = [], threading.Condition()

        def on_record(control_id):
            with got_cond:
                got.append(control_id)
                got_cond.notify_all()

        def serve():
            asyncio.set_event_loop(loop)
            loop.run_until_complete(run_subscriber(subscriber_port, received, ready, stop,
                                                   on_record))

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        ready.wait(GUARD)

        engine = Engine(build, work, mllp_port, subscriber_port)
        sent = []
        try:
            check_mllp_send(mllp_port, work, failures, sent)
            asyncio.run(check_asyncio_client(mllp_port, failures, sent))
            # Delivery: every accepted message reaches the python-hl7 subscriber, in order.
            with got_cond:
                got_cond.wait_for(lambda: len(got) >= len(sent), timeout=GUARD)
            failures.check(got == sent, "subscriber received %d of %d, in order: %s" %
                           (len(got), len(sent), " ".join(got)))
        finally:
            rc = engine.stop()
            loop.call_soon_threadsafe(stop.set)
            thread.join(GUARD)
        failures.check(rc == 0, "irwell run exits 0 on SIGTERM (got %s)" % rc)
        if failures.items:
            print("engine log (last lines):\n" + engine.tail())
    if failures.items:
        print("interop_python_hl7: %d check(s) failed" % len(failures.items))
        return 1
    print("interop_python_hl7: all checks passed")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "subscriber":
        asyncio.run(run_subscriber(int(sys.argv[2]), sys.argv[3]))
    elif len(sys.argv) == 2:
        sys.exit(main(sys.argv[1]))
    else:
        print(__doc__)
        sys.exit(2)
