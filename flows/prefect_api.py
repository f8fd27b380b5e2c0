"""Whether Prefect's API answers. A pass must not be lost because it does not (``borderwatch run`` then runs on
a temporary Prefect server of its own), and ``serve`` cannot schedule anything without one."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager

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
        resp = httpx.get(url.rstrip("/") + "/health", headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if resp.status_code >= 500:
        return f"HTTP {resp.status_code}"
    return None


@contextmanager
def cron_pass(temporary_server: bool = False) -> Iterator[None]:
    """Prefect settings for one pass run in this process (``borderwatch run``, ``run_monitor``): no flow-run
    heartbeat thread. Prefect's synchronous engine joins that thread at the end of every run, and it sleeps in
    1 s steps: 0-1 s of every pass, for one heartbeat at the start (the next is due after 180 s; cron watches
    a pass by its exit status). With ``temporary_server``, flow runs use a temporary Prefect server of this
    process, whatever PREFECT_API_URL says."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={"flows.heartbeat_frequency": None},
                            restore_defaults={PREFECT_API_URL} if temporary_server else None):
        yield
