"""`pip install .` into a fresh venv puts one package, `borderwatch`, into site-packages: the project's top-level
folders models/, flows/ and migrations/ install as its sub-packages and bench/ and tests/ stay out; the installed
copy runs its CLI and its migrations from outside the checkout.

Offline and quick: the build uses this environment's setuptools (--no-build-isolation) and the fresh venv sees this
environment's dependencies through a .pth line (--no-deps), so nothing is downloaded. The source is copied first
so that the build writes nothing into the checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow

# where each top-level folder of the checkout lands inside site-packages
INSTALLED_AS = {"borderwatch": "borderwatch", "models": "borderwatch/models", "flows": "borderwatch/flows",
                "migrations": "borderwatch/migrations"}
DEPS_PTH = "_test_packaging_deps.pth"  # this test's own line to the dependencies; not part of the install


def run(args, **kw):
    proc = subprocess.run(args, capture_output=True, text=True, timeout=300, **kw)
    assert proc.returncode == 0, f"{' '.join(map(str, args))} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


def source_files() -> set[str]:
    """Every file of the four folders as it should stand in site-packages (caches and build leftovers aside)."""
    files = set()
    for folder, target in INSTALLED_AS.items():
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                files.add(f"{target}/{path.relative_to(ROOT / folder).as_posix()}")
    return files


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh venv with `pip install --no-deps --no-build-isolation` of a copy of the checkout."""
    tmp = tmp_path_factory.mktemp("packaging")
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".ruff_cache", "*.db"))
    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).strip())
    (site / DEPS_PTH).write_text(sysconfig.get_path("purelib") + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "BORDERWATCH_CONFIG")}
    run([sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-build-isolation",
         str(src)], env=env, cwd=tmp)
    return {"python": python, "bin": env_dir / "bin", "site": site, "env": env, "cwd": tmp}


def test_site_packages_holds_only_borderwatch(installed):
    entries = {p.name for p in installed["site"].iterdir()} - {DEPS_PTH, "__pycache__"}
    assert entries == {"borderwatch", "borderwatch-0.1.0.dist-info"}, entries


def test_every_source_file_is_installed_under_borderwatch(installed):
    site = installed["site"]
    wheel = {p.relative_to(site).as_posix() for p in (site / "borderwatch").rglob("*")
             if p.is_file() and "__pycache__" not in p.parts}
    assert source_files() - wheel == set(), "files of the checkout missing from the install"
    assert wheel - source_files() == set(), "files installed that the checkout does not have"


def test_the_installed_copy_runs_its_cli_and_migrations(installed, tmp_path):
    bin_, env, cwd = installed["bin"], installed["env"], installed["cwd"]
    where = run([installed["python"], "-c", "import borderwatch.models.store as s, borderwatch.flows.monitor as m; "
                 "print(s.__file__); print(m.__file__)"], env=env, cwd=cwd)
    assert all(line.startswith(str(installed["site"])) for line in where.split()), where
    assert "Usage: borderwatch" in run([bin_ / "borderwatch", "--help"], env=env, cwd=cwd)
    url = f"sqlite:///{tmp_path / 'installed.db'}"
    out = run([bin_ / "borderwatch", "--database-url", url, "db", "upgrade"], env=env, cwd=cwd)
    assert "at revision head" in out
    tables = run([installed["python"], "-c", "import sqlite3, sys; print(*sorted(r[0] for r in sqlite3.connect("
                  "sys.argv[1]).execute(\"select name from sqlite_master where type='table'\")))",
                  str(tmp_path / "installed.db")], env=env, cwd=cwd).split()
    assert {"alembic_version", "feeds", "articles", "events", "alerts"} <= set(tables), tables
