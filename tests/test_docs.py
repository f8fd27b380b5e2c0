"""The README is the spec: its commands exist, its config keys are real, its two set-up commands are in the Makefile;
and the other way round, every command, option and argument the CLI has is in the README."""

import itertools
import re
from pathlib import Path

import typer.main
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


# --- code -> README (the sqlite-utils way): every command and every option the CLI has is documented -------------

def cli_commands() -> list[tuple[str, typer.core.TyperCommand]]:
    """("db upgrade", command) for every command and sub-command the CLI has, groups left out (typer's own
    click: checked by what the objects have, not by click's classes)."""
    def walk(command, words: tuple[str, ...]):
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            if hasattr(sub, "commands"):
                yield from walk(sub, (*words, name))
            elif not sub.hidden:
                yield " ".join((*words, name)), sub
    return list(walk(typer.main.get_command(app), ()))


def options(command) -> set[str]:
    return {name for param in command.params if param.param_type_name == "option" for name in param.opts}


def in_code(option: str, text: str) -> bool:
    """``option`` stands as a word inside a `code span` of a line of ``text`` (`--since 7d`, `db upgrade --revision
    REV`)."""
    return any(re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", span)
               for line in text.splitlines() for span in re.findall(r"`([^`]+)`", line))


GLOBAL_OPTIONS = options(typer.main.get_command(app))  # --config/-c, --database-url: given to every command


def command_table() -> list[str]:
    """The rows of the README's command table (the table headed `| command | what it does |`)."""
    lines = README.splitlines()
    start = lines.index("| command | what it does |") + 2
    return list(itertools.takewhile(lambda line: line.startswith("|"), lines[start:]))


def command_row(words: str) -> str | None:
    """The README's command-table row whose first cell names the command: `borderwatch WORDS ...` or, after a
    slash in the same cell, `WORDS ...` (`borderwatch db upgrade` / `db downgrade REVISION`)."""
    for line in command_table():
        first_cell = line.split("|")[1]
        for span in re.findall(r"`([^`]+)`", first_cell):
            if re.fullmatch(rf"(borderwatch )?{re.escape(words)}( .*)?", span):
                return line
    return None


def test_the_cli_has_the_commands_the_walk_finds():
    names = [name for name, _ in cli_commands()]
    assert {"run", "serve", "demo", "detect", "extract", "events", "feeds", "alerts", "map", "db upgrade",
            "db downgrade"} <= set(names)
    assert {"--config", "-c", "--database-url"} <= GLOBAL_OPTIONS


def test_every_cli_command_has_a_row_in_the_readme_command_table():
    missing = [name for name, _ in cli_commands() if command_row(name) is None]
    assert not missing, f"commands missing from the README's command table: {missing}"


def test_every_command_option_is_in_its_readme_row():
    missing = {}
    for name, command in cli_commands():
        row = command_row(name) or ""
        absent = sorted(opt for opt in options(command) - GLOBAL_OPTIONS if not in_code(opt, row))
        if absent:
            missing[name] = absent
    assert not missing, f"options missing from their command's row in the README: {missing}"


def test_every_argument_is_shown_in_its_readme_row():
    for name, command in cli_commands():
        if any(p.param_type_name == "argument" for p in command.params):
            first_cell = (command_row(name) or "|  |").split("|")[1]
            assert re.search(rf"`(borderwatch )?{re.escape(name)} [A-Z]", first_cell), \
                f"`{name}` takes an argument its README row does not show: {first_cell!r}"


def test_every_global_option_is_documented():
    absent = sorted(opt for opt in GLOBAL_OPTIONS if not in_code(opt, README))
    assert not absent, f"global options missing from the README: {absent}"
