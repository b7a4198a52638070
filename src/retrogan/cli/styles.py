from __future__ import annotations

import typer


def styles(plain: bool = typer.Option(False, "--plain", help="Tab-separated lines instead of a table (the "
                                                                  "default when the output is not a terminal).")
           ) -> None:
    """List the bundled looks: name, era, process, description and where the look comes from."""
    import sys

    from rich.console import Console
    from rich.table import Table

    from ..looks.registry import STYLES, default_style_name

    if plain or not sys.stdout.isatty():  # a pipe or a script gets lines it can split on tabs
        for e in STYLES.values():
            typer.echo("\t".join((e.name, e.era, e.process, e.description, e.source)))
        return
    table = Table(title=f"Bundled looks (--style NAME; default {default_style_name()})", show_lines=False)
    for col, ratio in (("name", 3), ("era", 2), ("process", 3), ("description", 6), ("source", 3)):
        table.add_column(col, overflow="fold", ratio=ratio)
    for e in STYLES.values():
        table.add_row(e.name, e.era, e.process, e.description, e.source)
    Console(width=max(Console().width, 140)).print(table)
