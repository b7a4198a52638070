"""Command line: one file per sub-command; each imports the heavy machinery only when it runs."""
from __future__ import annotations

import typer

from . import eval as eval_cmd
from . import export as export_cmd
from . import serve as serve_cmd
from . import styles as styles_cmd
from . import stylize as stylize_cmd
from . import synth as synth_cmd
from . import train as train_cmd
from . import transfer as transfer_cmd
from .console import PlainUsage

app = typer.Typer(
    name="retrogan",
    help="Give modern photos and video an authentic retro look.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: flags without "<bool>"
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"retrogan {version('retrogan')}")
        except PackageNotFoundError:  # a source tree that was never installed
            typer.echo("retrogan (not installed)")
        raise typer.Exit()


@app.callback()
def _main(_version_flag: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                             help="Print the version and exit.")) -> None:
    """Give modern photos and video an authentic retro look."""


app.command("stylize", cls=PlainUsage)(stylize_cmd.stylize)
app.command("styles", cls=PlainUsage)(styles_cmd.styles)
app.command("eval", cls=PlainUsage)(eval_cmd.evaluate)
app.command("synth", cls=PlainUsage)(synth_cmd.synth)
app.command("export", cls=PlainUsage)(export_cmd.export)
app.command("serve", cls=PlainUsage)(serve_cmd.serve)
app.command("transfer", cls=PlainUsage)(transfer_cmd.transfer)
app.add_typer(train_cmd.app, name="train")


def main() -> None:
    app()
