"""A real headless Chromium for testing pages, driven over the DevTools protocol (CDP).

Why CDP over a websocket and not Selenium/chromedriver: Debian's ``chromium`` package is all it needs (the
driver is a second package that must match the browser's version), the client is the ``websockets`` package
Prefect already installs, and CDP reports exactly what a test asks about: console messages, uncaught
exceptions, failed requests, dialogs, and screenshots.

Nothing leaves the machine: every host name resolves to nothing (``--host-resolver-rules``), so a page's
requests for remote map tiles fail at once without any DNS traffic, and the background services are off.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REQUIRE_BROWSER = bool(os.environ.get("BORDERWATCH_REQUIRE_BROWSER") or os.environ.get("CI"))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-breakpad", "--disable-domain-reliability", "--no-default-browser-check", "--mute-audio",
         "--hide-scrollbars", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageLog:
    """What a page did while loading: console errors, exceptions, failed requests, dialogs."""

    console_errors: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    failed_requests: list[tuple[str, str]] = field(default_factory=list)  # (url, error)
    dialogs: list[str] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)


class Chromium:
    """One headless Chromium with a fresh profile and one page. ``with Chromium() as browser: ...``"""

    def __init__(self, width: int = 1280, height: int = 800):
        binary = chromium_path()
        if binary is None:
            if REQUIRE_BROWSER:
                pytest.fail("Chromium is required here but not installed (apt-get install -y chromium)")
            pytest.skip("Chromium not installed (apt-get install -y chromium)")
        self.profile = tempfile.mkdtemp(prefix="bw-chromium-")
        self.proc = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={self.profile}", "--remote-debugging-port=0",
             f"--window-size={width},{height}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.width, self.height = width, height
        self._ids = itertools.count(1)
        self._events: list[dict] = []
        self.ws = None
        self.session = None

    def __enter__(self) -> Chromium:
        from websockets.sync.client import connect

        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.is_file() and len(port_file.read_text().splitlines()) >= 2):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.close()
                pytest.fail("Chromium did not start (no DevToolsActivePort)")
            time.sleep(0.05)
        port, path = port_file.read_text().splitlines()[:2]
        self.ws = connect(f"ws://127.0.0.1:{port}{path}", max_size=None, open_timeout=10)
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=self.width, height=self.height, deviceScaleFactor=1,
                  mobile=False)
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()
            self.ws = None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)

    # --- protocol -----------------------------------------------------------------------------------------

    def send(self, method: str, timeout: float = 30, **params) -> dict:
        """Send one command (to the page's session once attached) and wait for its answer."""
        msg_id = next(self._ids)
        message = {"id": msg_id, "method": method, "params": params}
        if self.session and not method.startswith("Target."):
            message["sessionId"] = self.session
        self.ws.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while True:
            reply = json.loads(self.ws.recv(timeout=max(deadline - time.monotonic(), 0.01)))
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._events.append(reply)

    def _pump(self, seconds: float) -> None:
        """Collect events for ``seconds``."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                self._events.append(json.loads(self.ws.recv(timeout=left)))
            except TimeoutError:
                break

    def open(self, url: str, settle: float = 1.5, timeout: float = 30) -> PageLog:
        """Load ``url``, wait for its load event and then ``settle`` seconds; return what happened."""
        self._events.clear()
        self.send("Page.navigate", url=url)
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == "Page.loadEventFired" for e in self._events):
            if time.monotonic() > deadline:
                pytest.fail(f"{url} did not finish loading within {timeout:g}s")
            self._pump(0.1)
        self._pump(settle)
        return self.log()

    def log(self) -> PageLog:
        out = PageLog()
        urls = {}
        for e in self._events:
            method, p = e.get("method"), e.get("params", {})
            if method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.console_errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in p["args"]))
            elif method == "Log.entryAdded" and p["entry"].get("level") == "error":
                entry = p["entry"]
                out.console_errors.append(f"{entry.get('source')}: {entry.get('text')} {entry.get('url', '')}".strip())
            elif method == "Runtime.exceptionThrown":
                details = p["exceptionDetails"]
                out.exceptions.append(details.get("exception", {}).get("description") or details.get("text", ""))
            elif method == "Network.requestWillBeSent":
                urls[p["requestId"]] = p["request"]["url"]
                out.requested.append(p["request"]["url"])
            elif method == "Network.loadingFailed":
                out.failed_requests.append((urls.get(p["requestId"], "?"), p.get("errorText", "")))
            elif method == "Page.javascriptDialogOpening":
                out.dialogs.append(p.get("message", ""))
                self.send("Page.handleJavaScriptDialog", accept=False)
        return out

    def evaluate(self, expression: str):
        """The value of a JavaScript expression in the page (JSON-serialisable values only)."""
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path) -> Path:
        data = self.send("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        return path
