from __future__ import annotations

import typer


def styles(plain: bool = typer.Option(False, "--plain", help="Tab-separated lines instead of a table (the "
                                                                  "default when the output is not a terminal)."),
           knobs: str = typer.Option(None, "--knobs", metavar="LOOK", help="Show a bundled look's own film and age "
                                                                            "amounts (the stylize options)."),
           ) -> None:
    """List the bundled looks: name, era, process, description and where the look comes from."""
    import sys

    from rich.console import Console
    from rich.table import Table

    from ..looks.registry import STYLES, default_style_name

    if knobs is not None:
        from ..looks.knobs import KNOBS, knob_values

        if knobs not in STYLES:
            typer.echo(f"error: unknown look {knobs!r}; `retrogan styles` lists them", err=True)
            raise typer.Exit(2)
        own = knob_values(knobs)
        if own is None:
            typer.echo(f"{knobs}: a learned look; its grain and vignette are its own (only --no-damage and "
                       f"--no-border apply, and change nothing)")
            return
        for k, v in own.items():
            typer.echo(f"--{k.replace('_', '-')}\t{v:g}\t{KNOBS[k].label} (0..{KNOBS[k].maximum:g})")
        return

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
