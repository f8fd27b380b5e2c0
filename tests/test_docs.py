"""The README is the spec: its commands exist, its config keys are real, its two set-up commands are in the Makefile."""

import re
from pathlib import Path

import yaml
from typer.testing import CliRunner

from borderwatch.cli import app
from borderwatch.config import Config

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_documented_command_has_help():
    commands = set(re.findall(r"`borderwatch ([a-z]+(?: [a-z]+)?)", README))
    assert {"run", "serve", "demo", "detect", "extract", "events", "feeds", "alerts"} <= {c.split()[0] for c in commands}
    runner = CliRunner()
    for command in sorted(commands):
        args = command.split()
        if args[0] == "db":
            args = args[:2]
        result = runner.invoke(app, [*[a for a in args if a.isidentifier() or a in ("db",)], "--help"])
        assert result.exit_code == 0, (command, result.output)


def test_the_two_commands_are_make_targets_and_ci_runs_the_test_one():
    assert "make demo" in README and "make test" in README
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.M)


def test_the_readme_config_example_validates():
    block = README.split("```yaml\n", 1)[1].split("```", 1)[0]
    data = yaml.safe_load(block)
    config = Config.model_validate(data)
    assert config.alerts[0].mode == "immediate" and config.network.per_host == 2
