"""A rich progress bar with count, rate and ETA; failures print as one line above it as they happen."""
from __future__ import annotations

from contextlib import contextmanager

from .console import esc


@contextmanager
def batch_progress(quiet: bool, console, label: str = "stylize"):
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)

    if quiet:
        yield (lambda n: None), (lambda job, error: None)
        return
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn()]
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(label, total=None, rate="")

        def on_start(n: int) -> None:
            progress.update(task, total=n)

        def on_done(job, error) -> None:
            if error:
                progress.console.print(f"[red]✗[/] {esc(error)}", highlight=False, soft_wrap=True)
            progress.advance(task)
            t = progress.tasks[0]
            if t.elapsed:
                progress.update(task, rate=f"{t.completed / t.elapsed:.2f} img/s")

        yield on_start, on_done


@contextmanager
def video_progress(quiet: bool, console, name: str):
    """A per-video bar: frames done of the total, frames per second, ETA. Yields on_progress(done, total)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, \
        TimeRemainingColumn

    if quiet:
        yield lambda done, total: None
        return
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[fps]}"),
               TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn()]
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(name, total=None, fps="")

        def on_progress(done: int, total: int) -> None:
            t = progress.tasks[0]
            fps = f"{done / t.elapsed:.1f} fps" if t.elapsed else ""
            progress.update(task, completed=done, total=max(total, done) or None, fps=fps)

        yield on_progress
