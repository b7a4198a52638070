from __future__ import annotations


def styles() -> None:
    """List the bundled looks: name, era, process, description and where the look comes from."""
    from rich.console import Console
    from rich.table import Table

    from ..looks.registry import STYLES, default_style_name

    table = Table(title="Bundled looks (use with --style NAME)")
    for col in ("name", "era", "process", "description", "source"):
        table.add_column(col, overflow="fold")
    for e in STYLES.values():
        name = e.name + (" (default)" if e.name == default_style_name() else "")
        table.add_row(name, e.era, e.process, e.description, e.source)
    Console().print(table)
