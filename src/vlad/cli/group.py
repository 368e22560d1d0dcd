"""A command group of `vlad`: what every group's Typer app shares."""

from __future__ import annotations

from typing import Any

import click
import typer
from typer.core import TyperGroup

from vlad.cli import output
from vlad.cli.client import CliError


class _Group(TyperGroup):
    """Shows a CliError as one plain message and exit status 1, not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CliError as exc:
            output.error(exc)
            raise typer.Exit(1) from exc


def new_app(help_text: str) -> typer.Typer:
    """A group's Typer app: help when called bare, a CliError as one message and exit status 1."""
    return typer.Typer(cls=_Group, no_args_is_help=True, help=help_text, pretty_exceptions_show_locals=False)
