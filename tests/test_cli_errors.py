"""A bad configuration stops every command the same way: one line on stderr naming the file, the key and the
reason, exit status 2, no traceback, nothing on stdout."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.bwproc import BORDERWATCH

COMMANDS = [["run"], ["events"], ["feeds"], ["alerts"], ["db", "upgrade"]]
BAD_CONFIGS = [  # (file content, what the one line must say)
    ("network: {timeout: -3}\n", "network.timeout: Input should be greater than 0"),
    ("feeds:\n  - {name: desk, url: 'ftp://127.0.0.1/feed'}\n", "feeds.0.url: must be an http"),
    ("feeds:\n  - {url: 'http://127.0.0.1/feed'}\n", "feeds.0.name: Field required"),
    ("colour: blue\n", "colour: unknown key"),
    ("alerts:\n  - {url: 'json://127.0.0.1/x', mode: sometimes}\n", "alerts.0.mode: Input should be"),
    ("database_url: 'mysql://u:hunter2pass@127.0.0.1/x'\n", "database_url: must be sqlite"),
    ("feeds: [a, b\nnetwork: {}\n", "not valid YAML at line 2"),
    ("- just\n- a list\n", "the top level must be a mapping"),
]


def borderwatch(args: list[str], env_extra: dict[str, str] | None = None, cwd=None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BORDERWATCH_")}
    env.update(env_extra or {})
    return subprocess.run([BORDERWATCH, *args], capture_output=True, text=True, env=env, timeout=60, cwd=cwd)


def assert_one_line_error(result: subprocess.CompletedProcess, *needles: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("borderwatch: error: ")
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
def test_every_command_reports_a_bad_key_in_one_line(command, tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(BAD_CONFIGS[0][0])
    assert_one_line_error(borderwatch([*command, "--config", str(path)]), str(path), BAD_CONFIGS[0][1])


@pytest.mark.parametrize("text, needle", BAD_CONFIGS[1:], ids=[n.split(":")[0] for _, n in BAD_CONFIGS[1:]])
def test_each_kind_of_mistake_is_named(text, needle, tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    result = borderwatch(["feeds", "--config", str(path)])
    assert_one_line_error(result, needle)
    assert "hunter2pass" not in result.stderr


def test_missing_file_and_config_from_the_environment(tmp_path):
    missing = tmp_path / "nope.yaml"
    assert_one_line_error(borderwatch(["run", "--config", str(missing)]), "cannot read config file")
    bad = tmp_path / "env.yaml"
    bad.write_text("pipeline: {batch_size: 0}\n")
    assert_one_line_error(borderwatch(["alerts"], {"BORDERWATCH_CONFIG": str(bad)}), str(bad),
                          "pipeline.batch_size")


def test_bad_environment_override_is_named(tmp_path):
    result = borderwatch(["db", "upgrade"], {"BORDERWATCH_DATABASE_URL": "mysql://bw:hunter2pass@127.0.0.1/bw"})
    assert_one_line_error(result, "BORDERWATCH_DATABASE_URL: must be sqlite")
    assert "hunter2pass" not in result.stderr and "built-in default" not in result.stderr
