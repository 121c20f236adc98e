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


def readme_rows(name: str) -> list[str]:
    """The rows of the README's command table that show ``screening NAME``."""
    return [
        line
        for line in README.splitlines()
        if line.startswith("| `screening ")
        and any(
            cell.startswith(f"screening {name}")
            and cell[len(f"screening {name}") :][:1] in ("", " ")
            for cell in line.split("`")
        )
    ]


@pytest.mark.parametrize(
    ("name", "command"), [(n, c) for n, c in commands(cli) if not isinstance(c, click.Group)]
)
def test_readme_row_lists_every_option(name: str, command: click.Command) -> None:
    rows = readme_rows(name)
    assert rows, f"screening {name} has no row in the README's command table"
    for param in command.params:
        if isinstance(param, click.Option):
            long = [o for o in param.opts if o.startswith("--")]
            assert any(o in row for o in long for row in rows), f"{long} of {name} not in README"


def test_opinion_row_in_readme() -> None:
    (row,) = readme_rows("opinion")
    assert row.startswith(
        "| `screening opinion [FILES_OR_SHA...] --out DIR [--batch ID] [--as-of DATE] [--format docx,md]` |"
    )
    for heading in ("制定主体", "制定权限", "制定程序", "内容", "公平竞争审查", "审查结论"):
        assert heading in row
