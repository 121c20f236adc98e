"""Every command explains itself (help with an example) and is documented in the README."""

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from screening.cli import cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in group.commands.items():
        full = f"{prefix}{name}"
        found.append((full, command))
        if isinstance(command, click.Group):
            found.extend(commands(command, full + " "))
    return found


@pytest.mark.parametrize(("name", "command"), commands(cli))
def test_command_has_help_with_example(name: str, command: click.Command) -> None:
    result = CliRunner().invoke(cli, [*name.split(), "--help"])
    assert result.exit_code == 0
    assert "示例" in result.output, f"{name} --help has no example"
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"option {param.opts} of {name} has no help"


@pytest.mark.parametrize(("name", "command"), commands(cli))
def test_command_is_in_readme(name: str, command: click.Command) -> None:
    assert f"screening {name}" in README
