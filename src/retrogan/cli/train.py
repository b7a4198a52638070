"""`retrogan train paired|unpaired`: learn a look; the output folder is a self-describing style."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from .console import PlainUsage, esc, make_console

app = typer.Typer(help="Learn a look from pairs or from an unpaired folder.", no_args_is_help=True)

_OPTS = {
    "arch": typer.Option("fast", "--arch", help="Generator: fast (analyse small, render big) or unet (reference)."),
    "steps": typer.Option(3000, "--steps", help="Stop after this many steps..."),
    "minutes": typer.Option(None, "--minutes", help="...or after this much wall time, whichever comes first."),
    "batch": typer.Option(4, "--batch"),
    "seed": typer.Option(0, "--seed"),
    "device": typer.Option("cpu", "--device", help="cpu or cuda."),
    "resume": typer.Option(False, "--resume", help="Continue the run saved in the output folder (same config): alone "
                                                   "it finishes that run's budget; with --minutes M or --steps N it "
                                                   "trains M more minutes or N more steps."),
    "overwrite": typer.Option(False, "--overwrite", help="Start afresh over an existing style folder."),
    "quiet": typer.Option(False, "--quiet", "-q"),
}


@app.command("paired", cls=PlainUsage)
def paired(
    output: Path = typer.Option(..., "-o", "--output", help="The style folder to write."),
    inputs: Optional[Path] = typer.Option(None, "--inputs", help="Folder of source photos."),
    targets: Optional[Path] = typer.Option(None, "--targets", help="Folder of the same scenes in the look (same stems)."),
    data: List[str] = typer.Option([], "--data", help="DIR[:label] holding inputs/ and targets/ (retrogan synth "
                                                       "output); repeat for a multi-style model."),
    label: str = typer.Option("default", "--label", help="Label of the --inputs/--targets look."),
    arch: str = _OPTS["arch"], steps: int = _OPTS["steps"], minutes: Optional[float] = _OPTS["minutes"],
    batch: int = _OPTS["batch"], seed: int = _OPTS["seed"], device: str = _OPTS["device"],
    resume: bool = _OPTS["resume"], overwrite: bool = _OPTS["overwrite"], quiet: bool = _OPTS["quiet"],
) -> None:
    """Pair-wise training: the same scenes before and after, matched by file stem."""
    sources = []
    if inputs or targets:
        if not (inputs and targets):
            _fail("--inputs and --targets go together")
        sources.append({"inputs": str(inputs), "targets": str(targets), "label": label})
    for spec in data:
        folder, lab = spec, ""
        if not Path(spec).exists() and ":" in spec:
            folder, _, lab = spec.rpartition(":")
        folder = Path(folder)
        sources.append({"inputs": str(folder / "inputs"), "targets": str(folder / "targets"),
                        "label": lab or folder.name})
    if not sources and not resume:
        _fail("give --inputs and --targets, or --data DIR[:label]")
    _run("paired", sources, output, arch, steps, minutes, batch, seed, device, resume, overwrite, quiet)


@app.command("unpaired", cls=PlainUsage)
def unpaired(
    output: Path = typer.Option(..., "-o", "--output"),
    inputs: Optional[Path] = typer.Option(None, "--inputs", help="Folder of modern photos."),
    style: Optional[Path] = typer.Option(None, "--style", help="Folder of photos in the target look (other scenes)."),
    prior: str = typer.Option("reader", "--prior", help="Start from the look the bundled look reader reads in "
                              "--style (reader), from the older transfer model's recognised mixture of catalogue "
                              "looks (recognise), or from nothing (none)."),
    prior_model: Optional[Path] = typer.Option(None, "--prior-model", help="A folder with a look reader (or, for "
                                               "--prior recognise, a transfer model and its catalogue) instead of "
                                               "the bundled one."),
    layers: bool = typer.Option(True, "--layers/--no-layers", help="Read the style photos' film and age layers "
                                "(grain, softness, halation, vignette, dust, a print's toning) and render them under "
                                "the learned colour."),
    arch: str = _OPTS["arch"], steps: int = _OPTS["steps"], minutes: Optional[float] = _OPTS["minutes"],
    batch: int = _OPTS["batch"], seed: int = _OPTS["seed"], device: str = _OPTS["device"],
    resume: bool = _OPTS["resume"], overwrite: bool = _OPTS["overwrite"], quiet: bool = _OPTS["quiet"],
) -> None:
    """Self-training: the look read in the style folder gives pseudo-pairs to start from; adversarial
    training against the style folder with content preservation, then rounds in which trusted outputs become
    pseudo-pairs."""
    if not resume and not (inputs and style):
        _fail("give --inputs and --style")
    if prior not in ("reader", "recognise", "none"):
        _fail(f"--prior is reader, recognise or none, not {prior!r}")
    sources = [{"inputs": str(inputs), "style": str(style), "label": "default"}] if inputs else []
    _run("unpaired", sources, output, arch, steps, minutes, batch, seed, device, resume, overwrite, quiet,
         prior=prior, prior_model=str(prior_model or ""), layers=layers)


def _fail(msg: str) -> None:
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(2)


def _run(mode, sources, output, arch, steps, minutes, batch, seed, device, resume, overwrite, quiet, **settings) -> None:

    from ..errors import RetroganError, StyleError
    from ..train.config import TrainConfig
    from ..train.run import build_trainer, saved_config
    from ..train.trainer import distributed, leave, wait_for_peers

    rank, world = distributed()  # under torchrun: every rank checks the folder before any rank writes to it
    err = make_console(quiet=rank > 0)  # one rank speaks
    try:
        if resume:
            cfg = saved_config(output, more_steps=steps if steps != 3000 else None, more_minutes=minutes)
        else:
            if (output / "training").exists() and not overwrite:
                _fail(f"{output} already holds a training run: --resume it or --overwrite it")
            from ..models import GENERATORS

            if arch not in GENERATORS:
                _fail(f"unknown --arch {arch!r}; choose from {', '.join(GENERATORS)}")
            labels = list(dict.fromkeys(s["label"] for s in sources))
            cfg = TrainConfig(mode=mode, arch=arch, labels=labels, steps=steps, minutes=minutes, batch=batch,
                              seed=seed, device=device, data=sources, **settings)
        wait_for_peers()
        trainer = build_trainer(cfg, output, resume=resume, log=lambda m: err.print(esc(m)))
        with _progress(quiet or rank > 0, err, cfg) as progress:
            trainer.fit(progress)
    except StyleError as e:  # a damaged or hostile saved run or style: the user's input, not a training failure
        err.print(f"[red]error:[/] {esc(e)}")
        raise typer.Exit(2)
    except RetroganError as e:
        err.print(f"[red]error:[/] {esc(e)}", highlight=False)
        raise typer.Exit(1)
    trainer.close()
    if rank == 0:
        _verdict(trainer, output, err)
    if world > 1:
        leave(0)


def _verdict(trainer, output, err) -> None:
    """What the run did and whether the look was learned, in words a user can act on."""
    v = trainer.verdict()
    typer.echo(f"wrote style {output} ({trainer.step_num} steps, {trainer.elapsed:.0f} s); "
               f"use it with: retrogan stylize PHOTO --style {output}")
    if v is None:
        return
    err.print(f"on its {v['pairs']} training pair(s): ΔE2000 {v['learned']:.2f} from the targets "
              f"(doing nothing: {v['identity']:.2f})")
    if not v["learned_enough"]:
        err.print(f"[yellow]warning:[/] the look is not learned yet (it closes {v['closed']:.0%} of the gap); train "
                  f"longer: the same command with --resume --minutes 5 adds five minutes")


class _progress:
    def __init__(self, quiet, console, cfg) -> None:
        self.quiet, self.console, self.cfg = quiet, console, cfg

    def __enter__(self):
        if self.quiet:
            return None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.bar = Progress(TextColumn("train"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[losses]}"),
                            TextColumn("ETA"), TimeRemainingColumn(), console=self.console)
        self.bar.__enter__()
        self.task = self.bar.add_task("train", total=self.cfg.steps, losses="")

        def update(step, total, elapsed, budget, logs):
            total_now = total
            if budget != float("inf") and elapsed > 0:  # a time budget: show progress against whichever ends first
                total_now = max(step, min(total, int(step * budget / elapsed) + 1))
            self.bar.update(self.task, completed=step, total=total_now,
                            losses=" ".join(f"{k} {v:.4f}" for k, v in logs.items()))
        return update

    def __exit__(self, *exc):
        if not self.quiet:
            done = self.bar.tasks[0].completed
            self.bar.update(self.task, total=done)  # the run ended here: by steps or by time, the bar says "N/N"
            self.bar.__exit__(*exc)
        return False
