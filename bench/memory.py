"""Peak resident memory of this process and all its descendants (pool workers, the Prefect API server, the
world server), sampled from /proc. ``resource.getrusage(RUSAGE_CHILDREN)`` would give only the largest single
child that has been waited for, not the sum at one moment."""

from __future__ import annotations

import os
import resource
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
            if pid not in self.roles:
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
