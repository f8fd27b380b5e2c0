"""An alert URL apprise accepted is not parsed again by later commands (apprise's parser imports every one of its
service modules: ~0.3 s of every cron pass); a refused one is parsed, and reported, every time; the file that
remembers acceptances holds no URL and no secret."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

from borderwatch.config import AcceptedURLs, apprise_url_problem

LOAD = ("import sys; from borderwatch.config import load_config; load_config(sys.argv[1], env={}); "
        "print('apprise' in sys.modules)")


def load_in_fresh_process(config, cache_home) -> str:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    proc = subprocess.run([sys.executable, "-c", LOAD, str(config)], env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0 or "ConfigError" in proc.stderr, proc.stderr
    return proc.stdout.strip() if proc.returncode == 0 else proc.stderr


def test_an_accepted_url_is_not_parsed_by_the_next_process(tmp_path):
    config = tmp_path / "borderwatch.yaml"
    config.write_text("alerts:\n  - {url: 'mailto://ops:hunter2secret@mail.example.org', name: ops}\n",
                      encoding="utf-8")
    assert load_in_fresh_process(config, tmp_path / "cache") == "True"  # first: apprise decides
    assert load_in_fresh_process(config, tmp_path / "cache") == "False"  # then: remembered
    remembered = tmp_path / "cache" / "borderwatch" / "apprise-urls.json"
    assert stat.S_IMODE(remembered.stat().st_mode) == 0o600
    text = remembered.read_text(encoding="utf-8")
    assert "hunter2secret" not in text and "mail.example.org" not in text and "mailto" not in text


def test_a_refused_url_is_reported_every_time(tmp_path):
    config = tmp_path / "borderwatch.yaml"
    config.write_text("alerts:\n  - {url: 'notascheme://host/path'}\n", encoding="utf-8")
    for _ in range(2):
        assert "apprise has no service for the scheme 'notascheme'" in load_in_fresh_process(config,
                                                                                              tmp_path / "cache")
    assert not (tmp_path / "cache" / "borderwatch" / "apprise-urls.json").exists()


def test_another_apprise_version_parses_again(tmp_path, monkeypatch):
    path = tmp_path / "apprise-urls.json"
    accepted = AcceptedURLs(path)
    accepted.add("json://127.0.0.1:9/hook")
    assert "json://127.0.0.1:9/hook" in AcceptedURLs(path)
    assert "json://127.0.0.1:9/other" not in AcceptedURLs(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**data, "apprise": "0.0.1"}), encoding="utf-8")
    assert "json://127.0.0.1:9/hook" not in AcceptedURLs(path)


@pytest.mark.parametrize("content", ["", "not json", "[]", '{"apprise": "x"}'])
def test_an_unreadable_file_only_costs_the_parse(tmp_path, monkeypatch, content):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    (tmp_path / "borderwatch").mkdir()
    (tmp_path / "borderwatch" / "apprise-urls.json").write_text(content, encoding="utf-8")
    assert apprise_url_problem("json://127.0.0.1:9/hook") is None
    assert apprise_url_problem("notascheme://host/path") is not None
    assert "json://127.0.0.1:9/hook" in AcceptedURLs()
