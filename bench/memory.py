"""Peak resident memory of this process and all its descendants (pool workers, the Prefect API server, the
world server), sampled from /proc. ``resource.getrusage(RUSAGE_CHILDREN)`` would give only the largest single
child that has been waited for, not the sum at one moment.

``python -m bench.memory``: the memory of a 1,000-page pass as cron runs it (``python -m bench``'s step 6 alone):
the real ``borderwatch run`` on a fresh SQLite file with no Prefect server, its whole tree sampled (the run, its
pool workers, Prefect's temporary server, multiprocessing's resource tracker). Each repeat runs two passes: the
first with a new PREFECT_HOME (a machine's first pass: Prefect's database is created), then one with that same
home (every later pass). ``--compare DIR`` runs another checkout's ``borderwatch`` (its own ``.venv``) in turn
with this one, on the same world: a same-run baseline.

    python -m bench.memory [--pages 1000] [--feeds 20] [--repeat 2] [--compare ../main]

Prints a table and one JSON line: {"pages", "passes": [{"checkout", "prefect_home", "peak_rss_mb",
"by_process", "seconds"}], "peak_rss_mb": {checkout: {"new": [min, max], "used": [min, max]}}}.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text()
            out += [int(c) for c in text.split()]
    except OSError:
        pass
    return out


def process_tree(root: int | None = None) -> list[int]:
    root = root or os.getpid()
    seen, todo = [], [root]
    while todo:
        pid = todo.pop()
        seen.append(pid)
        todo += _children(pid)
    return seen


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def role(pid: int, root: int | None = None) -> str:
    """A short name for what a process of the tree is."""
    if pid == (root or os.getpid()):
        return "main"
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "gone"
    if "uvicorn" in cmd or "prefect" in cmd:
        return "prefect-server"
    if "resource_tracker" in cmd:
        return "mp-tracker"
    if "spawn_main" in cmd:
        return "pool-worker"
    return "other"


# Services beside the pipeline: Prefect's API server (a separate service in production: `prefect server start`)
# and the benchmark's own world server. Reported, but not counted in the pipeline's peak.
PIPELINE_EXCLUDED = frozenset({"prefect-server", "world-server"})


class TreeMemory:
    """Sample the tree every ``interval`` seconds in a daemon thread; ``peak_mb`` is the largest sum seen."""

    def __init__(self, interval: float = 0.2, root: int | None = None):
        self.interval = interval
        self.root = root  # default: this process
        self.peak_kb = 0
        self.pipeline_peak_kb = 0  # the pipeline's own processes: not Prefect's API server, not the world server
        self.peak_parts: dict[int, int] = {}
        self.roles: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tree-memory", daemon=True)

    def sample(self) -> int:
        parts = {pid: rss_kb(pid) for pid in process_tree(self.root)}
        for pid in parts:
            if self.roles.get(pid, "other") == "other":  # seen between fork and exec: the parent's command line
                self.roles[pid] = role(pid, self.root)
        total = sum(parts.values())
        own = sum(kb for pid, kb in parts.items() if self.roles[pid] not in PIPELINE_EXCLUDED)
        self.pipeline_peak_kb = max(self.pipeline_peak_kb, own)
        if total > self.peak_kb:
            self.peak_kb, self.peak_parts = total, parts
        return total

    def reset(self) -> None:
        """Start a new peak (the kernel's single-process maxima cannot be reset; see ``peak_mb``)."""
        self.peak_kb, self.peak_parts, self.pipeline_peak_kb = 0, {}, 0
        self.sample()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def start(self) -> TreeMemory:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    @property
    def pipeline_peak_mb(self) -> float:
        return round(self.pipeline_peak_kb / 1024, 1)

    @property
    def peak_mb(self) -> float:
        if self.root is not None:
            return round(self.peak_kb / 1024, 1)
        # never below what the kernel recorded for a single process of the tree
        single = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                     resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        return round(max(self.peak_kb, single) / 1024, 1)

    def breakdown(self) -> dict[str, float]:
        """MB per role at the peak."""
        out: dict[str, float] = {}
        for pid, kb in self.peak_parts.items():
            name = self.roles.get(pid, "other")
            out[name] = round(out.get(name, 0) + kb / 1024, 1)
        return out


_HZ = os.sysconf("SC_CLK_TCK")


def _cpu_ticks(pid: int, children_too: bool = True) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if children_too:
        ticks += int(fields[13]) + int(fields[14])  # of children already waited for (a closed pool)
    return ticks


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) ticks of all CPUs since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    total = sum(values[:8])
    return total - values[3] - values[4], total


class CpuWatch:
    """CPU used by this process tree and by everything else on the machine over a phase, in cores."""

    def __init__(self) -> None:
        self._start = self._read()

    @staticmethod
    def _read() -> tuple[float, int, int]:
        busy, total = _machine_ticks()
        tree = sum(_cpu_ticks(pid) for pid in process_tree())
        return time.perf_counter(), busy, tree

    def stop(self) -> dict[str, float]:
        t0, busy0, tree0 = self._start
        t1, busy1, tree1 = self._read()
        wall = max(t1 - t0, 1e-9)
        tree = max(0, tree1 - tree0) / _HZ
        busy = max(0, busy1 - busy0) / _HZ
        return {"wall": wall, "tree_cores": tree / wall, "other_cores": max(0.0, busy - tree) / wall}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=1000, help="page URLs (default 1000)")
    ap.add_argument("--feeds", type=int, default=20, help="feeds listing them (default 20)")
    ap.add_argument("--repeat", type=int, default=2, help="repeats of the two passes (default 2)")
    ap.add_argument("--compare", type=Path, metavar="DIR",
                    help="another checkout (with its .venv) whose `borderwatch run` runs in turn with this one's")
    args = ap.parse_args(argv)
    from rich.console import Console
    from rich.table import Table

    from bench.run import cron_pass
    from bench.world import BenchWorld

    here = Path(sys.executable).with_name("borderwatch")
    commands = {"this": str(here)}
    if args.compare:
        commands["compare"] = str(args.compare.resolve() / ".venv" / "bin" / "borderwatch")
    console = Console(width=120)
    passes = []
    with tempfile.TemporaryDirectory(prefix="borderwatch-memory-") as tmp, \
            BenchWorld(args.pages, args.feeds, 1) as world:
        sink = f"json://{world.feeds[0].split('://', 1)[1].split('/', 1)[0]}/alerts"
        for k in range(args.repeat):
            for name in (list(commands) if k % 2 == 0 else list(commands)[::-1]):
                home = Path(tmp) / f"home-{k}-{name}"
                for state in ("new", "used"):
                    where = Path(tmp) / f"pass-{k}-{name}-{state}"
                    where.mkdir()
                    res = cron_pass(world, where, sink, home=home, borderwatch=commands[name])
                    stored = res["summary"]["articles_stored"]
                    if stored != args.pages:
                        console.print(f"[yellow]warning: {stored} articles stored for {args.pages} pages[/yellow]")
                    passes.append({"checkout": name, "prefect_home": state, "peak_rss_mb": res["peak_rss_mb"],
                                   "by_process": res["memory"], "seconds": round(res["seconds"], 1)})
                    console.print(f"{name}, PREFECT_HOME {state}: peak {res['peak_rss_mb']:.1f} MB "
                                  f"({res['seconds']:.0f} s)")
    table = Table(title=f"`borderwatch run` over {args.pages} pages, peak summed RSS of its tree (MB)")
    for col in ("checkout", "PREFECT_HOME", "peak MB", "at the peak, by process", "seconds"):
        table.add_column(col)
    summary: dict[str, dict[str, list[float]]] = {}
    for p in passes:
        table.add_row(p["checkout"], p["prefect_home"], f"{p['peak_rss_mb']:.1f}",
                      ", ".join(f"{k} {v:.0f}" for k, v in sorted(p["by_process"].items())), f"{p['seconds']:.0f}")
        summary.setdefault(p["checkout"], {}).setdefault(p["prefect_home"], []).append(p["peak_rss_mb"])
    console.print(table)
    print(json.dumps({"pages": args.pages, "passes": passes,
                      "peak_rss_mb": {c: {h: [min(v), max(v)] for h, v in hs.items()} for c, hs in summary.items()}}),
          flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
