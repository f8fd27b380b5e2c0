"""`python -m bench` runs end to end on a tiny world (10 pages, SQLite) and ends with its JSON line."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.world import AEB_PAGES

ROOT = Path(__file__).resolve().parents[1]
KEYS = {"pages", "default_extract_pages_per_s", "ratio_default_extract", "baseline_pages_per_s", "pipeline_pages_per_s", "ratio", "rerun_seconds", "peak_rss_mb", "db",
        "cores"}


@pytest.mark.slow
def test_bench_runs_and_prints_the_json_line():
    if not AEB_PAGES.is_dir():
        pytest.skip(f"benchmark pages not found at {AEB_PAGES}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BORDERWATCH_", "PREFECT_"))}
    proc = subprocess.run([sys.executable, "-m", "bench", "--pages", "10", "--feeds", "2", "--rerun-feeds", "3"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=400)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert KEYS <= result.keys()
    assert result["pages"] == 10 and result["db"] == "sqlite"
    assert result["default_extract_pages_per_s"] > 0 and result["baseline_pages_per_s"] > 0 and result["pipeline_pages_per_s"] > 0
    assert result["rerun_seconds"] > 0 and result["peak_rss_mb"] > 0 and result["cron_pass_peak_rss_mb"] > 0
    assert "10 / " in proc.stdout  # every page stored ("articles stored / flagged" row)


@pytest.mark.slow
def test_bench_memory_measures_a_first_and_a_later_cron_pass():
    """`python -m bench.memory`: the cron pass's whole tree, on a new PREFECT_HOME (its Prefect database made
    before the temporary server starts) and then on the same one."""
    if not AEB_PAGES.is_dir():
        pytest.skip(f"benchmark pages not found at {AEB_PAGES}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BORDERWATCH_", "PREFECT_"))}
    env["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "120"
    proc = subprocess.run([sys.executable, "-m", "bench.memory", "--pages", "10", "--feeds", "2", "--repeat", "1"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert [(p["checkout"], p["prefect_home"]) for p in result["passes"]] == [("this", "new"), ("this", "used")]
    for p in result["passes"]:
        assert p["peak_rss_mb"] > 0 and {"main", "prefect-server"} <= p["by_process"].keys()
    assert "warning" not in proc.stdout  # every page stored on both passes
