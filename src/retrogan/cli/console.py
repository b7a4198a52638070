"""The one way the CLI prints: rich consoles whose markup is ours only. File names, file contents quoted in errors
and log lines are text, not markup: ``[bold red]`` in a name prints as itself, ``:x:`` stays a colon and an x."""
from __future__ import annotations

from typer.core import TyperCommand

def esc(value) -> str:
    """Any value as text that rich prints literally (every value printed inside our markup goes through this)."""
    from rich.markup import escape

    return escape(str(value))


def make_console(*, stderr: bool = True, **kw):
    from rich.console import Console

    return Console(stderr=stderr, soft_wrap=True, emoji=False, highlight=False, **kw)


class PlainUsage(TyperCommand):
    """A command whose usage line uses the usual notation, ``INPUTS...`` for a required argument (Typer writes
    ``{inputs}...``, which reads like a set)."""

    def collect_usage_pieces(self, ctx) -> list[str]:
        import re

        return [re.sub(r"^\{(.+?)\}", lambda m: m.group(1).upper(), p) for p in super().collect_usage_pieces(ctx)]
