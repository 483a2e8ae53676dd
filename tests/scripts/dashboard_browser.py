#!/usr/bin/env python3
"""Browser test of the irwell dashboard (run by dashboard_browser.sh).

Starts BUILD_DIR/irwell run on free ports with a temporary data dir and an operator token, then
drives headless Chromium through chromedriver's WebDriver HTTP API (standard library only):
  1. load http://127.0.0.1:ADMIN/ and sign in with the token;
  2. read the source's "received" counter, send two messages with BUILD_DIR/mllp-send, and wait
     until the page shows the counter grown by two;
  3. search by one message's control ID, open it, check its content is shown;
  4. press "Replay", wait for the confirmation, and check the audit log holds the replay;
  5. save screenshots to BUILD_DIR/dashboard.png (top) and dashboard-message.png (the replay).
Nothing is polled: the engine and chromedriver are ready when they print so (their output is read
on a thread), and a wait for the page runs in the browser as a MutationObserver that answers when
its condition holds (the page itself refreshes every 2 s), under WebDriver's script timeout.
Every process is stopped at the end, the engine with SIGTERM, and its exit code checked.
"""
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

TIMEOUT = 30.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fail(msg):
    print("dashboard_browser: FAIL: " + msg, file=sys.stderr)
    raise SystemExit(1)


class OutputWatch:
    """Reads a child's output lines on a thread; wait() blocks until one contains a marker."""

    def __init__(self, stream):
        self.lines = []
        self.closed = False
        self.cond = threading.Condition()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream):
        for line in stream:
            with self.cond:
                self.lines.append(line)
                self.cond.notify_all()
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def wait(self, what, marker):
        with self.cond:
            seen = lambda: any(marker in line for line in self.lines)
            self.cond.wait_for(lambda: self.closed or seen(), TIMEOUT)
            if not seen():
                fail("%s (output ended or %d s passed):\n%s"
                     % (what, TIMEOUT, "".join(self.lines[-20:])))

    def tail(self):
        with self.cond:
            return "".join(self.lines[-20:])


# Runs in the page as an async WebDriver script: answers with the first truthy value of the
# condition (a JavaScript expression), checked now and after every change to the document.
WAIT_SCRIPT = """
const done = arguments[arguments.length - 1];
const check = () => { try { return (%s); } catch (e) { return null; } };
const first = check();
if (first) { done(first); return; }
const observer = new MutationObserver(() => {
  const value = check();
  if (value) { observer.disconnect(); done(value); }
});
observer.observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
"""


def js_string(text):
    return json.dumps(text)


def http(method, url, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        # Longer than WebDriver's script timeout, so a page wait ends with its own error.
        with urllib.request.urlopen(req, timeout=TIMEOUT + 15) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (urllib.error.URLError, ConnectionError):
        return 0, b""


class WebDriver:
    """The few WebDriver commands this test needs (W3C protocol over HTTP)."""

    def __init__(self, driver_url, chromium):
        self.base = driver_url
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1100", "--no-first-run", "--no-default-browser-check"]}}}}
        value = self.call("POST", "/session", caps)
        self.session = value["sessionId"]
        self.call("POST", self.s("/timeouts"), {"script": int(TIMEOUT * 1000)})

    def call(self, method, path, body=None, what=None):
        if body is None and method == "POST":
            body = {}
        status, raw = http(method, self.base + path, body)
        try:
            value = json.loads(raw or b"{}").get("value")
        except ValueError:
            value = None
        if status != 200:
            if what:
                fail("timed out waiting for %s: HTTP %d %s" % (what, status, raw[:300]))
            fail("webdriver %s %s: HTTP %d %s" % (method, path, status, raw[:300]))
        return value

    def wait(self, what, condition):
        """Blocks until the JavaScript expression `condition` is truthy in the page; its value."""
        return self.call("POST", self.s("/execute/async"),
                         {"script": WAIT_SCRIPT % condition, "args": []}, what=what)

    def wait_text(self, what, css, condition="t"):
        """The text of the element at `css` once `condition` (over its text t) holds."""
        return self.wait(what, "(t => t !== null && (%s) ? t || ' ' : null)"
                               "(document.querySelector(%s)?.innerText ?? null)"
                         % (condition, js_string(css)))

    def s(self, path):
        return "/session/" + self.session + path

    def go(self, url):
        self.call("POST", self.s("/url"), {"url": url})

    def find(self, css):
        status, raw = http("POST", self.base + self.s("/element"),
                           {"using": "css selector", "value": css})
        if status != 200:
            return None
        value = json.loads(raw)["value"]
        return next(iter(value.values()))

    def text(self, css):
        e = self.find(css)
        return None if e is None else self.call("GET", self.s("/element/%s/text" % e))

    def displayed(self, css):
        e = self.find(css)
        return e is not None and self.call("GET", self.s("/element/%s/displayed" % e))

    def type(self, css, text):
        self.wait(css, "document.querySelector(%s)" % js_string(css))
        e = self.find(css)
        self.call("POST", self.s("/element/%s/clear" % e))
        self.call("POST", self.s("/element/%s/value" % e), {"text": text})

    def click(self, css):
        self.wait(css, "document.querySelector(%s)" % js_string(css))
        e = self.find(css)
        self.call("POST", self.s("/element/%s/click" % e))

    def script(self, js):
        return self.call("POST", self.s("/execute/sync"), {"script": js, "args": []})

    def screenshot(self, path):
        png = base64.b64decode(self.call("GET", self.s("/screenshot")))
        with open(path, "wb") as f:
            f.write(png)

    def quit(self):
        http("DELETE", self.base + self.s(""))


def hl7(control_id, nhs):
    # An invented patient; NHS number from the 999 test range.
    return ("MSH|^~\\&|PAS|RIVERMEAD|IRWELL|REGION|20261125093000||ADT^A01|%s|P|2.4\r"
            "EVN|A01|20261125092900\r"
            "PID|1||%s^^^NHS^NH~RM%s^^^RIVERMEAD^MR||TESTPATIENT^BROWSER||19700101|F\r"
            "PV1|1|I|WARD7^BED3\r" % (control_id, nhs, control_id))


def main():
    build = os.path.abspath(sys.argv[1])
    chromium, driver_bin = sys.argv[2], sys.argv[3]
    for prog in ("irwell", "mllp-send"):
        if not os.access(os.path.join(build, prog), os.X_OK):
            fail("%s/%s is not built" % (build, prog))
    tmp = tempfile.mkdtemp(prefix="irwell-dashboard-")
    mllp_port, admin_port, driver_port = free_port(), free_port(), free_port()
    token = base64.b16encode(os.urandom(16)).decode().lower()
    outbox = os.path.join(tmp, "outbox")
    os.makedirs(outbox)
    config = os.path.join(tmp, "routes.yaml")
    with open(config, "w") as f:
        f.write("""storage:
  data_dir: %(tmp)s/data
admin:
  bind: 127.0.0.1
  port: %(admin)d
  tokens:
    browser: { role: operator, token: "%(token)s" }
sources:
  wards_in:
    type: mllp
    bind: 127.0.0.1
    port: %(mllp)d
destinations:
  outbox:
    type: file
    dir: %(outbox)s
routes:
  everything:
    sources: [wards_in]
    destinations: [outbox]
""" % {"tmp": tmp, "admin": admin_port, "token": token, "mllp": mllp_port,
       "outbox": outbox})

    procs = []
    engine = subprocess.Popen([os.path.join(build, "irwell"), "run", "-c", config],
                              stderr=subprocess.PIPE, text=True)
    procs.append(engine)
    engine_log = OutputWatch(engine.stderr)
    admin = "http://127.0.0.1:%d" % admin_port
    driver = None
    try:
        # Logged once the listeners and the admin server are bound.
        engine_log.wait("the engine to start", "engine_started")
        if http("GET", admin + "/healthz")[0] != 200:
            fail("the engine started but its admin API does not answer /healthz")

        chromedriver = subprocess.Popen([driver_bin, "--port=%d" % driver_port],
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                        text=True)
        procs.append(chromedriver)
        driver_url = "http://127.0.0.1:%d" % driver_port
        OutputWatch(chromedriver.stdout).wait("chromedriver to start", "started successfully")
        driver = WebDriver(driver_url, chromium)

        # 1. Sign in.
        driver.go(admin + "/")
        driver.type("#token", token)
        driver.click("#signin")
        driver.wait_text("the signed-in name", "#whoami", "t.includes('operator')")
        cell = 'tr[data-source="wards_in"] td.received'
        before = int(driver.wait_text("the source row", cell, "/^[0-9]+$/.test(t.trim())"))

        # 2. Send two messages; the page's counter follows.
        stamp = str(int(time.time() * 1000))
        ids = ["BRW" + stamp + "A", "BRW" + stamp + "B"]
        msgs = os.path.join(tmp, "two.hl7")
        with open(msgs, "w", newline="") as f:
            f.write(hl7(ids[0], "9990000018") + "\n" + hl7(ids[1], "9990000026"))
        sent = subprocess.run([os.path.join(build, "mllp-send"), "127.0.0.1:%d" % mllp_port, msgs],
                              capture_output=True, text=True, timeout=TIMEOUT)
        if sent.returncode != 0:
            fail("mllp-send exited %d: %s %s" % (sent.returncode, sent.stdout, sent.stderr))
        driver.wait_text("the received counter to grow by 2", cell,
                         "Number(t.trim()) >= %d" % (before + 2))

        # 3. Search by control ID and open the message.
        driver.type("#search-control-id", ids[1])
        driver.click("#search-btn")
        row = "#results tbody tr[data-id]"
        driver.wait_text("a search result", row, "t.includes(%s)" % js_string(ids[1]))
        driver.click(row)
        driver.wait_text("the message detail", "#detail-raw",
                         "t.includes(%s)" % js_string(ids[1]))
        if "TESTPATIENT^BROWSER" not in driver.text("#detail-raw"):
            fail("the detail does not show the raw message")

        # 4. Replay it.
        driver.click("#replay-btn")
        driver.wait_text("the replay confirmation", "#replay-result", "t.startsWith('Replayed')")
        status, body = http("GET", admin + "/api/v1/audit?action=replay", token=token)
        entries = json.loads(body or b"{}").get("entries", [])
        if status != 200 or not any(e.get("actor") == "browser" for e in entries):
            fail("the audit log has no replay by the browser token: %d %s" % (status, body[:300]))

        # 5. Screenshots: the message with its replay, and the top of the page.
        driver.screenshot(os.path.join(build, "dashboard-message.png"))
        driver.script("window.scrollTo(0, 0);")
        shot = os.path.join(build, "dashboard.png")
        driver.screenshot(shot)
        print("dashboard_browser: ok (signed in, counter %d -> %s, searched, opened, replayed); "
              "screenshots %s and dashboard-message.png" % (before, driver.text(cell), shot))
    finally:
        if driver is not None:
            driver.quit()
        for p in reversed(procs):
            if p is engine:
                continue
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        if engine.poll() is None:
            engine.terminate()
            try:
                rc = engine.wait(timeout=30)
            except subprocess.TimeoutExpired:
                engine.kill()
                rc = -9
            if rc != 0:
                print("dashboard_browser: irwell run exited %d on SIGTERM:\n%s"
                      % (rc, engine_log.tail()), file=sys.stderr)
                raise SystemExit(1)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
