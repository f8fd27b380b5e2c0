"""``python -m bench.empty_pass``: what a cron pass with nothing new costs, end to end, with a Prefect server.

Starts ``prefect server start`` on a free port of 127.0.0.1 (its own PREFECT_HOME), a local world of ``--feeds``
feeds (one page each), and runs the real ``borderwatch run`` command: one pass that stores the pages, then
``--passes`` passes with nothing new: every feed is asked (``polling`` 0/0) and answers 304. The figure is each
pass's wall time, from
starting the process to its exit, as cron sees it. Then the same pass once without a server (Prefect's temporary
server), and a breakdown of one pass into the steps ``borderwatch run`` takes (timed in a driver process that
takes the same steps).

    python -m bench.empty_pass [--feeds 20] [--passes 10] [--compare ../main] [--from-source]

``--compare DIR`` runs another checkout's ``borderwatch`` (its own ``.venv``) in turn with this one's: a
same-run baseline on a shared machine. Prints a table and one JSON line: {"passes", "feeds", "seconds_min",
"seconds_median", "seconds_max", "cpu_median", "without_server_seconds", "phases", "compare"?}.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from bench.world import BenchWorld

BORDERWATCH = str(Path(sys.executable).with_name("borderwatch"))


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrefectServer:
    """``prefect server start`` in a child process, on 127.0.0.1, with its own PREFECT_HOME."""

    def __init__(self, home: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/api"
        self.env = {**clean_env(), "PREFECT_HOME": str(home)}
        self.log = open(home.parent / "prefect-server.log", "wb")  # noqa: SIM115

    def __enter__(self) -> PrefectServer:
        import httpx

        self.proc = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                                      "--port", str(self.port)], env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"prefect server exited with {self.proc.returncode}; see {self.log.name}")
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.__exit__()
        raise RuntimeError("prefect server did not answer within 180 s")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BORDERWATCH_", "PREFECT_"))}
    env.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_LOGGING_LEVEL="WARNING")
    return env


def as_installed(env: dict[str, str], bytecode_dir: Path) -> dict[str, str]:
    """``env`` for a ``borderwatch run`` as a deployment runs it: modules load from bytecode (pip compiles an
    installed package; an interpreter writes it at the first import). A development shell with
    PYTHONDONTWRITEBYTECODE=1 would have every pass compile borderwatch's modules from source (an editable
    install has no bytecode): ~0.1-0.2 s of every pass. The bytecode goes to ``bytecode_dir``
    (PYTHONPYCACHEPREFIX), not into the checkout; the bench's first, untimed pass writes it."""
    out = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    out["PYTHONPYCACHEPREFIX"] = str(bytecode_dir)
    return out


def timed_run(config: Path, env: dict[str, str], command: str = BORDERWATCH) -> tuple[float, dict, float]:
    """One ``borderwatch run``: its wall time, its summary, and the CPU time (user + system) of the process
    (a figure that a busy machine inflates less than the wall time)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run([command, "run", "--config", str(config)], env=env, capture_output=True, text=True,
                          timeout=300)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"borderwatch run exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return seconds, json.loads(proc.stdout.strip().splitlines()[-1]), cpu


# The steps of `borderwatch run` (borderwatch/cli.py), each timed: run in a fresh interpreter by ``phases``.
_PHASES = r"""
import time
t0 = time.perf_counter()
import os, sys, json
marks = []
def mark(name):
    marks.append((name, time.perf_counter()))
from borderwatch import cli
from borderwatch.config import load_config
mark("import borderwatch.cli")
cfg = load_config(sys.argv[1])
mark("read the config")
cli._database(cfg).dispose()
mark("database check (SQLAlchemy's import included)")
from borderwatch.flows.monitor import monitor
from borderwatch.flows.prefect_api import api_problem, configured_api_url, cron_pass
mark("import borderwatch.flows.monitor (Prefect)")
url = configured_api_url()
assert url and api_problem(url) is None
mark("Prefect API check")
with cron_pass():
    summary = monitor(config_path=sys.argv[1])
mark("the flow run")
out, last = {}, t0
for name, t in marks:
    out[name] = round(t - last, 3)
    last = t
out["work inside the flow (its summary's seconds)"] = summary["seconds"]
print(json.dumps(out), flush=True)
cli._exit(0)
"""


def phases(config: Path, env: dict[str, str]) -> dict[str, float]:
    """One empty pass split into ``borderwatch run``'s steps; the rest of the wall time is the interpreter's
    start and the exit."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _PHASES, str(config)], env=env, capture_output=True, text=True,
                          timeout=300)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    counted = sum(v for k, v in out.items() if not k.startswith("work inside"))
    out["interpreter start and exit"] = round(wall - counted, 3)
    out["wall"] = round(wall, 3)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.empty_pass", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--feeds", type=int, default=20, help="feeds, one page each (default 20)")
    ap.add_argument("--passes", type=int, default=10, help="passes with nothing new (default 10)")
    ap.add_argument("--compare", type=Path, metavar="DIR",
                    help="another checkout (with its .venv): its `borderwatch run` takes turns with this one's, "
                         "on its own copy of the database, against the same server and world")
    ap.add_argument("--from-source", action="store_true",
                    help="keep the shell's PYTHONDONTWRITEBYTECODE: with it set, every pass compiles borderwatch's "
                         "modules from source (an editable install has no bytecode)")
    args = ap.parse_args(argv)
    from rich.console import Console
    from rich.table import Table

    installed = (lambda env, _dir: env) if args.from_source else as_installed
    commands = {"this": BORDERWATCH}
    if args.compare:
        commands["compare"] = str(args.compare.resolve() / ".venv" / "bin" / "borderwatch")
    console = Console(width=120)
    with tempfile.TemporaryDirectory(prefix="borderwatch-empty-pass-") as tmp, \
            BenchWorld(args.feeds, args.feeds, 1) as world:
        tmp = Path(tmp)
        sink = f"json://{world.feeds[0].split('://', 1)[1].split('/', 1)[0]}/alerts"
        configs = {}
        for name in commands:
            configs[name] = tmp / f"borderwatch-{name}.yaml"
            configs[name].write_text(yaml.safe_dump({
                "database_url": f"sqlite:///{tmp / f'bw-{name}.db'}",
                "feeds": [{"name": f"feed {i}", "url": url} for i, url in enumerate(world.feeds)],
                "alerts": [{"url": sink, "name": "bench-sink"}],
                "polling": {"min_interval": 0, "max_interval": 0},  # every feed asked on every pass: all answer 304
            }), encoding="utf-8")
        config = configs["this"]
        (tmp / "home").mkdir()
        with PrefectServer(tmp / "home") as server:
            env = installed({**clean_env(), "PREFECT_HOME": str(tmp / "home"), "PREFECT_API_URL": server.url},
                            tmp / "bytecode")
            console.print(f"prefect server on {server.url}; world of {len(world.feeds)} feeds")
            for name, command in commands.items():
                _, first, _ = timed_run(configs[name], env, command)
                if first["articles_stored"] != args.feeds:
                    console.print(f"[yellow]warning: the first pass stored {first['articles_stored']} "
                                  "articles[/yellow]")
            walls: dict[str, list[float]] = {name: [] for name in commands}
            cpus: dict[str, list[float]] = {name: [] for name in commands}
            for k in range(args.passes):  # in turn, each first every other time
                for name in (list(commands) if k % 2 == 0 else list(commands)[::-1]):
                    seconds, summary, cpu = timed_run(configs[name], env, commands[name])
                    if summary["entries_new"] or summary["articles_stored"]:
                        raise RuntimeError(f"not a pass with nothing new: {summary}")
                    walls[name].append(seconds)
                    cpus[name].append(cpu)
            split = phases(config, env)
        no_server_env = installed({**clean_env(), "PREFECT_HOME": str(tmp / "home"),
                                   "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"}, tmp / "bytecode")
        without, _, _ = timed_run(config, no_server_env)

    how = (f"{summary['feeds_not_modified']} feeds answered 304, {summary['feeds_skipped']} not due "
           f"(adaptive polling)")
    table = Table(title=f"a pass with nothing new ({how}), `borderwatch run`")
    table.add_column("measure")
    table.add_column("seconds", justify="right")

    def spread(values: list[float]) -> str:
        return f"{min(values):.2f} / {statistics.median(values):.2f} / {max(values):.2f}"

    for name in commands:
        who = "" if len(commands) == 1 else f" ({name}: {commands[name]})"
        table.add_row(f"wall, with a Prefect server ({args.passes} passes): min / median / max{who}",
                      spread(walls[name]))
        table.add_row(f"  CPU of the process (user + system): min / median / max{who}", spread(cpus[name]))
    table.add_row("wall, without a server (Prefect's temporary server)", f"{without:.2f}")
    for name, value in split.items():
        table.add_row(f"  one pass with the server: {name}", f"{value:.2f}")
    console.print(table)
    out = {"passes": args.passes, "feeds": args.feeds, "feeds_not_modified": summary["feeds_not_modified"],
           "feeds_skipped": summary["feeds_skipped"], "seconds_min": round(min(walls["this"]), 2),
           "seconds_median": round(statistics.median(walls["this"]), 2),
           "seconds_max": round(max(walls["this"]), 2), "cpu_median": round(statistics.median(cpus["this"]), 2),
           "without_server_seconds": round(without, 2), "phases": split}
    if args.compare:
        out["compare"] = {"checkout": str(args.compare), "seconds_min": round(min(walls["compare"]), 2),
                          "seconds_median": round(statistics.median(walls["compare"]), 2),
                          "seconds_max": round(max(walls["compare"]), 2),
                          "cpu_median": round(statistics.median(cpus["compare"]), 2)}
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
