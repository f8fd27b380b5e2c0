"""Whether Prefect's API answers, and a temporary one when it does not. A pass must not be lost because there is
no server (``borderwatch run`` then runs on a temporary Prefect server of its own), and ``serve`` cannot schedule
anything without one."""

from __future__ import annotations

import atexit
import base64
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

from borderwatch.errors import PrefectServerError

START_HINT = ("start one with `prefect server start` (as a service: see the README's cron section) and set "
              "PREFECT_API_URL=http://127.0.0.1:4200/api")
HEALTH_TIMEOUT = 3.0  # seconds: a server that is up answers /health in milliseconds


def configured_api_url() -> str | None:
    """PREFECT_API_URL as Prefect resolves it (environment, then the active profile); None: no server set."""
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    return str(url) if url else None


def api_problem(url: str, timeout: float = HEALTH_TIMEOUT) -> str | None:
    """Why the Prefect API at ``url`` cannot be used (connection refused, timed out, 5xx), or None when it
    answers. One GET of ``/health``, no retries: Prefect's own client retries for minutes."""
    import httpx
    from prefect.settings import get_current_settings

    api = get_current_settings().api
    headers = {}
    if api.auth_string:  # a self-hosted server with PREFECT_SERVER_API_AUTH_STRING, as Prefect's client does
        token = base64.b64encode(api.auth_string.get_secret_value().encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    elif api.key:  # Prefect Cloud
        headers["Authorization"] = f"Bearer {api.key.get_secret_value()}"
    try:
        # certificates are loaded for an https API only (~30 ms of every pass otherwise)
        resp = httpx.get(url.rstrip("/") + "/health", headers=headers, timeout=timeout,
                         verify=url.lower().startswith("https:"))
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if resp.status_code >= 500:
        return f"HTTP {resp.status_code}"
    return None


@contextmanager
def cron_pass(api_url: str | None = None) -> Iterator[None]:
    """Prefect settings for one pass run in this process (``borderwatch run``, ``run_monitor``): no flow-run
    heartbeat thread. Prefect's synchronous engine joins that thread at the end of every run, and it sleeps in
    1 s steps: 0-1 s of every pass, for one heartbeat at the start (the next is due after 180 s; cron watches
    a pass by its exit status). With ``api_url`` (a ``TemporaryServer``'s), flow runs use that server, whatever
    PREFECT_API_URL says."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    updates = {"flows.heartbeat_frequency": None}
    if api_url:
        updates[PREFECT_API_URL] = api_url
    with temporary_settings(updates=updates):
        yield


# A new Prefect database is created (all of Prefect's migrations run) before the server starts, in the same child
# process, which then becomes the server (exec): run by the server itself, the migrations' modules stay in its
# memory for the whole pass (~30 MB of the first pass on a machine).
_MIGRATE_THEN_SERVE = """
import asyncio, os, sys
from prefect.server.database import provide_database_interface
asyncio.run(provide_database_interface().create_db())
os.execv(sys.executable, [sys.executable, "-m", "uvicorn", *sys.argv[1:]])
"""


def _new_prefect_database() -> bool:
    """Whether Prefect's database (``PREFECT_HOME/prefect.db`` unless set otherwise) is a SQLite file that does
    not exist yet."""
    from prefect.settings import get_current_settings

    url = get_current_settings().server.database.connection_url
    scheme, _, rest = (url.get_secret_value() if url else "").partition(":///")
    path = rest.split("?", 1)[0]
    return scheme.startswith("sqlite") and bool(path) and ":memory:" not in path and not os.path.exists(path)


class TemporaryServer:
    """Prefect's temporary API server for one pass, started the way Prefect's client starts it (uvicorn with
    ``prefect.server.api.server:create_app``, no UI, a free port of 127.0.0.1), but by borderwatch: the pass's
    process never imports Prefect's server code (~60 MB, and seconds of CPU), and the server starts up while
    the pass imports the flow. ``wait`` until it answers; it stops when the process exits."""

    def __init__(self) -> None:
        import prefect

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/api"
        env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
        env.update(PREFECT_UI_ENABLED="0", PREFECT__SERVER_EPHEMERAL="1", PREFECT__SERVER_FINAL="1")
        self._log = tempfile.TemporaryFile()  # noqa: SIM115  (its last lines explain a server that did not start)
        uvicorn = ["--app-dir", str(prefect.__module_path__.parent), "--factory",
                   "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(self.port),
                   "--log-level", "error", "--lifespan", "on"]
        start = ["-c", _MIGRATE_THEN_SERVE] if _new_prefect_database() else ["-m", "uvicorn"]
        self.proc = subprocess.Popen([sys.executable, *start, *uvicorn], env=env, stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=subprocess.STDOUT)
        # stopped at exit, as Prefect stops its own: after Prefect's log and event queues are drained into it
        atexit.register(self.stop)

    def wait(self) -> None:
        """Until /health answers 200; PrefectServerError when the server exits or the start-up timeout passes
        (PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, as for Prefect's own)."""
        import httpx
        from prefect.settings import get_current_settings

        deadline = time.monotonic() + get_current_settings().server.ephemeral.startup_timeout_seconds
        with httpx.Client() as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise PrefectServerError(f"Prefect's temporary server exited with status {self.proc.returncode}: "
                                             f"{self._tail()}")
                try:
                    if client.get(self.url + "/health", timeout=2).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
        raise PrefectServerError(f"Prefect's temporary server did not answer within the start-up timeout: {self._tail()}")

    def _tail(self) -> str:
        self._log.seek(0)
        lines = self._log.read().decode(errors="replace").strip().splitlines()
        return " | ".join(lines[-5:]) or "no output"

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()
