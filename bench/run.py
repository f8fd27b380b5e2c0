"""The benchmark run behind ``python -m bench``: bare trafilatura vs the full ``monitor`` flow over a local feed world, then a pass with
nothing new. Prints a table and, per database, one JSON line:
{"pages", "default_extract_pages_per_s", "baseline_pages_per_s", "pipeline_pages_per_s", "ratio_default_extract",
"ratio", "rerun_seconds", "peak_rss_mb", "peak_rss_all_mb", "db", "cores", "parallel_ceiling"}.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
for _var in ("BORDERWATCH_CONFIG", "BORDERWATCH_DATABASE_URL", "BORDERWATCH_ALERT_URLS"):
    os.environ.pop(_var, None)

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from bench.memory import CpuWatch, TreeMemory  # noqa: E402
from bench.world import BenchWorld, load_pages  # noqa: E402

# What borderwatch.extract.extract_article passes to trafilatura for a page whose feed entry has a title and a
# date (every bench feed's does): the "pipeline settings" baseline does the same work.
EXTRACT_KWARGS = dict(fast=True, include_comments=False, with_metadata=False, include_tables=True,
                      include_images=False)
RESET_EVERY = 100  # as the pool workers do (borderwatch.extract.RESET_EVERY)


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _extractor(kind: str):
    """``default``: bare ``trafilatura.extract(html, include_comments=False)``, what a user of trafilatura
    writes (the baseline the ratio is measured against); ``pipeline``: ``bare_extraction`` with the pipeline's
    settings and its cache resets."""
    import trafilatura
    from trafilatura.meta import reset_caches

    if kind == "default":
        return lambda html, url, n: trafilatura.extract(html, include_comments=False)

    def pipeline(html, url, n):
        trafilatura.bare_extraction(html, url=url, **EXTRACT_KWARGS)
        if n % RESET_EVERY == 0:
            reset_caches()
    return pipeline


def _ceiling_worker(barrier, results, pages_dir, extra_dir, items: list[tuple[str, int]], kind: str) -> None:
    from trafilatura.meta import reset_caches

    extract = _extractor(kind)
    pages = load_pages(pages_dir, extra_dir)
    html = {i: pages[i].html for i in {index for _, index in items}}
    del pages
    extract(html[items[0][1]], items[0][0], 1)  # warm
    reset_caches()
    barrier.wait()
    started = time.perf_counter()  # CLOCK_MONOTONIC: comparable across processes
    for n, (url, index) in enumerate(items, 1):
        extract(html[index], url, n)
    results.put((started, time.perf_counter()))


def bare_trafilatura(world: BenchWorld, pages_dir: Path | None, extra_dir: Path | None, workers: int = 1,
                     kind: str = "pipeline") -> float:
    """Pages per second of bare trafilatura over the slots the pipeline fetches, in ``workers`` fresh processes
    at once (each warmed up, then started together). One worker is a baseline; ``cores`` workers show what
    this machine's cores give together (vCPUs sharing a physical core, or a busy host, give far less than
    ``cores`` times one process). ``kind``: see ``_extractor``."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(workers), ctx.SimpleQueue()
    items = list(zip(world.pages, world.page_index, strict=True))
    procs = [ctx.Process(target=_ceiling_worker, args=(barrier, results, pages_dir, extra_dir, items[w::workers], kind),
                         daemon=True) for w in range(workers)]
    for proc in procs:
        proc.start()
    spans = []
    while len(spans) < len(procs):
        if results.empty():
            if any(p.exitcode for p in procs):  # a worker that finished well exits 0 (its result is queued)
                raise RuntimeError("a trafilatura worker died (see its traceback above)")
            time.sleep(0.05)
            continue
        spans.append(results.get())
    for proc in procs:
        proc.join()
    return len(items) / (max(end for _, end in spans) - min(start for start, _ in spans))


def bench_config(database_url: str, feeds: list[str], sink: str, per_feed: int):
    from borderwatch.config import load_config

    return load_config(None, env={}, overrides={
        "database_url": database_url,
        "feeds": [{"name": f"bench feed {i}", "url": url} for i, url in enumerate(feeds)],
        "alerts": [{"url": sink, "name": "bench-sink",
                    "kinds": ["territorial", "troop_movement", "statement", "cooperation", "attack",
                              "threat_assessment"]}],
        "pipeline": {"max_entries_per_feed": max(200, per_feed)},
        "delivery": {"min_interval": 0},
        "polling": {"min_interval": 0, "max_interval": 0},  # the rerun passes poll every feed again
    })


class Databases:
    """A fresh SQLite file, or a fresh database on a Postgres server (dropped afterwards)."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self._drops: list[tuple[str, str]] = []

    def sqlite(self) -> str:
        return f"sqlite:///{self.tmp / f'bench-{uuid.uuid4().hex[:8]}.db'}"

    def postgres(self, admin_url: str) -> str:
        import sqlalchemy as sa

        admin_url = admin_url.replace("postgresql://", "postgresql+psycopg://", 1)
        name = f"bw_bench_{uuid.uuid4().hex[:10]}"
        engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        self._drops.append((admin_url, name))
        return sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        import sqlalchemy as sa

        for admin_url, name in self._drops:
            engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            engine.dispose()


def run_db(label: str, url: str, world: BenchWorld, sink: str, memory: TreeMemory) -> dict:
    from borderwatch.flows.monitor import run_monitor

    n = len(world.pages)
    first = bench_config(url, world.feeds, sink, math.ceil(n / max(1, len(world.feeds))))
    watch = CpuWatch()
    summary = run_monitor(first)
    cpu = watch.stop()
    flow_seconds = cpu["wall"]
    if summary["articles_stored"] != n:
        print(f"bench: warning: {summary['articles_stored']} articles stored for {n} pages "
              f"({summary['feeds_failed']} feeds failed)", file=sys.stderr)
    rerun_cfg = bench_config(url, world.rerun_feeds, sink, math.ceil(n / max(1, len(world.rerun_feeds))))
    started = time.perf_counter()
    known = run_monitor(rerun_cfg)  # new feeds listing known items only: index lookups, no page fetched
    known_seconds = time.perf_counter() - started
    started = time.perf_counter()
    rerun = run_monitor(rerun_cfg)  # the same feeds again: every one answers 304
    rerun_seconds = time.perf_counter() - started
    if rerun["feeds_not_modified"] != len(world.rerun_feeds) or rerun["entries_new"]:
        print(f"bench: warning: rerun was not all-304: {rerun}", file=sys.stderr)
    return {"label": label, "flow_seconds": flow_seconds, "cpu": cpu, "summary": summary, "known_seconds": known_seconds,
            "known": known, "rerun_seconds": rerun_seconds, "rerun": rerun}


def cron_pass(world: BenchWorld, tmp: Path, sink: str, *, home: Path | None = None,
              borderwatch: str | None = None) -> dict:
    """The same 1,000-page pass as cron runs it: the real ``borderwatch run`` command on a fresh SQLite file,
    with no Prefect server, so that it starts Prefect's temporary server itself. Its whole process tree (the
    run, its pool workers, the temporary server) is sampled: the memory a pass really takes on the machine.
    ``home``: the PREFECT_HOME (default: a new one, as on a machine's first pass); ``borderwatch``: the command
    (default: this checkout's)."""
    import subprocess

    import yaml

    from bench.empty_pass import BORDERWATCH, clean_env

    n = len(world.pages)
    config = tmp / "cron-pass.yaml"
    config.write_text(yaml.safe_dump({
        "database_url": f"sqlite:///{tmp / 'cron-pass.db'}",
        "feeds": [{"name": f"bench feed {i}", "url": url} for i, url in enumerate(world.feeds)],
        "alerts": [{"url": sink, "name": "bench-sink"}],
        "pipeline": {"max_entries_per_feed": max(200, math.ceil(n / max(1, len(world.feeds))))},
    }), encoding="utf-8")
    env = {**clean_env(), "PREFECT_HOME": str(home or tmp / "prefect-home"),
           "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"}
    started = time.perf_counter()
    proc = subprocess.Popen([borderwatch or BORDERWATCH, "run", "--config", str(config)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    memory = TreeMemory(root=proc.pid).start()
    out, err = proc.communicate(timeout=1800)
    memory.stop()
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"borderwatch run exited {proc.returncode}:\n{err[-3000:]}")
    summary = json.loads(out.strip().splitlines()[-1])
    return {"seconds": seconds, "peak_rss_mb": memory.peak_mb, "memory": memory.breakdown(), "summary": summary}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=1000,
                    help="page URLs in the world; the 181 pages are reused under several URLs (default 1000)")
    ap.add_argument("--feeds", type=int, default=20, help="feeds listing those pages (default 20)")
    ap.add_argument("--rerun-feeds", type=int, default=50,
                    help="feeds in the passes with nothing new (default 50)")
    ap.add_argument("--postgres", metavar="ADMIN_URL",
                    help="also run on Postgres: a throwaway database is created on this server and dropped")
    ap.add_argument("--no-sqlite", action="store_true", help="skip SQLite (with --postgres)")
    ap.add_argument("--extra-dir", type=Path, help="more pages: a directory of *.html or *.html.gz files")
    ap.add_argument("--pages-dir", type=Path, help="replace the AEB pages with this directory")
    args = ap.parse_args(argv)
    if args.pages < 1 or args.feeds < 1 or args.rerun_feeds < 1:
        ap.error("--pages, --feeds and --rerun-feeds must be at least 1")

    console = Console(width=120)
    memory = TreeMemory().start()
    results = []
    with tempfile.TemporaryDirectory(prefix="borderwatch-bench-") as tmp, \
            BenchWorld(args.pages, args.feeds, args.rerun_feeds, pages_dir=args.pages_dir,
                       extra_dir=args.extra_dir) as world:
        memory.roles[world.pid] = "world-server"
        console.print(f"world: {len(world.pages)} page URLs, {len(world.feeds)} feeds, "
                      f"{len(world.rerun_feeds)} rerun feeds on {world.hosts} loopback hosts")
        watch = CpuWatch()
        default_pps = bare_trafilatura(world, args.pages_dir, args.extra_dir, kind="default")
        default_cpu = watch.stop()
        console.print(f"baseline (bare trafilatura.extract(html, include_comments=False), 1 process): "
                      f"{default_pps:.1f} pages/s")
        watch = CpuWatch()
        base_pps = bare_trafilatura(world, args.pages_dir, args.extra_dir)
        base_cpu = watch.stop()
        console.print(f"baseline (bare trafilatura with the pipeline's settings, 1 process): {base_pps:.1f} pages/s")
        ncores = cores()
        watch = CpuWatch()
        ceiling_pps = bare_trafilatura(world, args.pages_dir, args.extra_dir, ncores)
        ceiling_cpu = watch.stop()
        console.print(f"bare trafilatura in {ncores} processes at once: {ceiling_pps:.1f} pages/s "
                      f"({ceiling_pps / base_pps:.2f} x one process)")
        baseline_peak = memory.peak_mb

        started = time.perf_counter()
        from prefect.testing.utilities import prefect_test_harness

        import borderwatch.flows.monitor  # noqa: F401  (Prefect's import is not the pipeline's cost either)

        import_seconds = time.perf_counter() - started
        started = time.perf_counter()
        dbs = Databases(Path(tmp))
        sink = f"json://{world.feeds[0].split('://', 1)[1].split('/', 1)[0]}/alerts"
        with prefect_test_harness(server_startup_timeout=120):
            prefect_seconds = time.perf_counter() - started
            console.print(f"Prefect ephemeral API up in {prefect_seconds:.1f}s (imports {import_seconds:.1f}s)")
            try:
                targets = [] if args.no_sqlite else [("sqlite", dbs.sqlite())]
                if args.postgres:
                    targets.append(("postgres", dbs.postgres(args.postgres)))
                for label, url in targets:
                    memory.reset()
                    res = run_db(label, url, world, sink, memory)
                    res["peak_rss_all_mb"] = max(baseline_peak, memory.peak_mb)
                    res["peak_rss_mb"] = memory.pipeline_peak_mb
                    res["memory"] = memory.breakdown()
                    results.append(res)
                    console.print(f"{label}: flow {res['flow_seconds']:.1f}s, rerun {res['rerun_seconds']:.2f}s")
            finally:
                dbs.drop_all()
        cron = cron_pass(world, Path(tmp), sink)
        console.print(f"borderwatch run (temporary Prefect server): {cron['seconds']:.1f}s, "
                      f"peak RSS of its tree {cron['peak_rss_mb']:.0f} MB")

    lines = []
    table = Table(title=f"borderwatch benchmark: {args.pages} pages, {args.feeds} feeds, {ncores} cores")
    table.add_column("measure")
    for res in results:
        table.add_column(res["label"], justify="right")
    pipeline_pps = [args.pages / r["flow_seconds"] for r in results]

    def row(name: str, values: list) -> None:
        table.add_row(name, *[str(v) for v in values])

    row("baseline pages/s (bare default trafilatura.extract, 1 process)", [f"{default_pps:.1f}"] * len(results))
    row("baseline pages/s (bare trafilatura, pipeline's settings, 1 process)", [f"{base_pps:.1f}"] * len(results))
    row("pipeline pages/s (monitor flow, wall)", [f"{p:.1f}" for p in pipeline_pps])
    row("ratio (pipeline / bare default extract)", [f"{p / default_pps:.2f}" for p in pipeline_pps])
    row("ratio (pipeline / bare, pipeline's settings)", [f"{p / base_pps:.2f}" for p in pipeline_pps])
    row(f"ceiling: bare trafilatura in {ncores} processes / 1 process", [f"{ceiling_pps / base_pps:.2f}"] * len(results))
    row("flow seconds", [f"{r['flow_seconds']:.2f}" for r in results])
    row("articles stored / flagged relevant", [f"{r['summary']['articles_stored']} / {r['summary']['articles_flagged']}"
                                               for r in results])
    row("extraction fell back to feed summary", [r["summary"]["extraction_failed"] for r in results])
    row("mentions / events / alerts queued, sent",
        [f"{r['summary']['mentions']} / {r['summary']['events_new']} / {r['summary']['alerts_queued']}, "
         f"{r['summary']['alerts_sent']}" for r in results])
    row(f"pass over {args.rerun_feeds} new feeds of known items, s", [f"{r['known_seconds']:.2f}" for r in results])
    row(f"rerun: {args.rerun_feeds} feeds all 304, s", [f"{r['rerun_seconds']:.2f}" for r in results])
    row("CPU of this process tree during the flow, cores", [f"{r['cpu']['tree_cores']:.2f}" for r in results])
    row("other load on the machine (baseline / ceiling / flow), cores",
        [f"{max(default_cpu['other_cores'], base_cpu['other_cores']):.2f} / {ceiling_cpu['other_cores']:.2f} / "
         f"{r['cpu']['other_cores']:.2f}"
         for r in results])
    row("Prefect ephemeral API start-up, s (not in the above)", [f"{prefect_seconds:.1f}"] * len(results))
    row("peak RSS of the pipeline (main + pool workers), MB", [f"{r['peak_rss_mb']:.0f}" for r in results])
    row("peak RSS of the whole tree (+ Prefect API server, world server), MB",
        [f"{r['peak_rss_all_mb']:.0f}" for r in results])
    row("  at the peak, by process", [", ".join(f"{k} {v:.0f}" for k, v in sorted(r["memory"].items()))
                                      for r in results])
    table.add_row(f"`borderwatch run` over the {args.pages} pages, no Prefect server: wall s / articles",
                  *[f"{cron['seconds']:.1f} / {cron['summary']['articles_stored']}"] * len(results))
    row("  peak RSS of its whole tree (run + pool workers + Prefect's temporary server), MB",
        [f"{cron['peak_rss_mb']:.0f}"] * len(results))
    row("  at the peak, by process", [", ".join(f"{k} {v:.0f}" for k, v in sorted(cron["memory"].items()))]
        * len(results))
    console.print(table)
    for res, pps in zip(results, pipeline_pps, strict=True):
        lines.append(json.dumps({
            "pages": args.pages, "default_extract_pages_per_s": round(default_pps, 1),
            "baseline_pages_per_s": round(base_pps, 1), "pipeline_pages_per_s": round(pps, 1),
            "ratio_default_extract": round(pps / default_pps, 2), "ratio": round(pps / base_pps, 2), "rerun_seconds": round(res["rerun_seconds"], 2),
            "peak_rss_mb": res["peak_rss_mb"], "peak_rss_all_mb": res["peak_rss_all_mb"],
            "db": res["label"], "cores": ncores, "cron_pass_peak_rss_mb": cron["peak_rss_mb"],
            "cron_pass_seconds": round(cron["seconds"], 1),
            "parallel_ceiling": round(ceiling_pps / base_pps, 2),
        }))
    busy = max([default_cpu["other_cores"], base_cpu["other_cores"], ceiling_cpu["other_cores"]] + [r["cpu"]["other_cores"] for r in results])
    if busy > 0.2:
        console.print(f"[yellow]warning: other processes used up to {busy:.2f} cores during the measurements; "
                      "the figures are low. Run again on a quiet machine.[/yellow]")
    memory.stop()
    sys.stdout.flush()
    for line in lines:
        print(line, flush=True)
    return 0
