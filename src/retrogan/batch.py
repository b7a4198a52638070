"""Batches: expand inputs, plan output names, process each file, go on past failures and report them."""
from __future__ import annotations

import glob
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from .errors import RetroganError
from .imaging.read import DEFAULT_MAX_PIXELS, IMAGE_SUFFIXES, read_photo
from .imaging.write import WRITE_FORMATS, remove_stale_temps, write_photo
from .looks.base import Look

OUTPUT_TAG = ".retro"


@dataclass
class Job:
    src: Path
    dst: Path | None
    error: str | None = None  # planning error (missing input, name collision)


@dataclass
class BatchReport:
    written: list[tuple[Path, Path]] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    skipped: list[tuple[Path, Path]] = field(default_factory=list)  # output already there (a finished earlier run)
    notes: list[str] = field(default_factory=list)
    warnings: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def expand_inputs(inputs: Iterable[str], recursive: bool = False) -> list[tuple[Path, Path | None, str | None]]:
    """-> (file, root folder it was found under or None, error). Folders and globs skip our own outputs."""
    found: list[tuple[Path, Path | None, str | None]] = []
    for spec in inputs:
        p = Path(spec)
        if p.is_dir():
            pattern = "**/*" if recursive else "*"
            files = sorted(f for f in p.glob(pattern) if f.is_file() and _is_candidate(f))
            found += [(f, p, None) for f in files]
        elif p.exists():
            found.append((p, None, None))
        elif glob.has_magic(spec):
            matches = sorted(Path(m) for m in glob.glob(spec, recursive=recursive) if Path(m).is_file())
            matches = [m for m in matches if _is_candidate(m)]
            found += [(m, None, None) for m in matches] or [(p, None, "no file matches this pattern")]
        else:
            found.append((p, None, "missing: no such file or folder"))
    return found


def _is_candidate(f: Path) -> bool:
    return f.suffix.lower() in IMAGE_SUFFIXES and not f.stem.endswith(OUTPUT_TAG) and not f.name.startswith(".")


def plan_outputs(found, out: str | None) -> list[Job]:
    """Output names: -o FILE for one input with an image extension; -o DIR/<name> (subfolders kept for folder
    inputs); without -o, <stem>.retro.<ext> beside the input. Two inputs never share an output."""
    single_file = (out is not None and len(found) == 1 and Path(out).suffix.lower() in WRITE_FORMATS
                   and not Path(out).is_dir())
    jobs, taken = [], {}
    for src, root, err in found:
        if err:
            jobs.append(Job(src, None, err))
            continue
        if out is None:
            suffix = src.suffix if src.suffix.lower() in WRITE_FORMATS else ".png"
            dst = src.with_name(src.stem + OUTPUT_TAG + suffix)
        elif single_file:
            dst = Path(out)
        else:
            rel = src.relative_to(root) if root is not None else Path(src.name)
            dst = Path(out) / rel
            if dst.suffix.lower() not in WRITE_FORMATS:
                dst = dst.with_suffix(".png")
        key = os.path.normcase(os.path.abspath(dst))
        if key in taken:
            jobs.append(Job(src, None, f"output name {dst} is already used by {taken[key]}"))
            continue
        taken[key] = src
        jobs.append(Job(src, dst))
    return jobs


@dataclass
class Plan:
    """What a batch will do: the jobs in order, the inputs no output may replace, outputs already there (skipped
    without ``overwrite``), and notes for the user. Made once; the plain loop and the Ray path both follow it."""
    jobs: list[Job]
    inputs: tuple[Path, ...]
    skipped: list[tuple[Path, Path]]
    notes: list[str]

    def todo(self) -> list[Job]:
        """The jobs still to do: planning errors (to be reported) and outputs not written yet."""
        done = set(self.skipped)
        return [j for j in self.jobs if (j.src, j.dst) not in done]


def plan_batch(inputs: Iterable[str], out: str | None, *, overwrite: bool = False, recursive: bool = False) -> Plan:
    """Expand and name (``plan_outputs``), find finished outputs, remove a killed run's temporary files.

    Resumable: without ``overwrite`` an output that already exists is finished work (outputs are written
    atomically, so no partial file ever has an output's name) and is skipped, not redone."""
    inputs = list(inputs)
    jobs = plan_outputs(expand_inputs(inputs, recursive), out)
    notes = []
    if not recursive:
        for spec in inputs:
            subs = [d for d in Path(spec).iterdir() if d.is_dir() and not d.name.startswith(".")] \
                if Path(spec).is_dir() else []
            if subs:
                names = ", ".join(sorted(d.name for d in subs)[:3]) + (" ..." if len(subs) > 3 else "")
                notes.append(f"{spec}: {len(subs)} subfolder(s) not searched ({names}); -r descends into them")
    all_inputs = tuple(j.src for j in jobs if j.error is None)
    for folder in {j.dst.parent for j in jobs if j.dst is not None}:
        remove_stale_temps(folder)
    skipped = [(j.src, j.dst) for j in jobs if j.error is None and not overwrite and already_done(j.dst, all_inputs)]
    return Plan(jobs, all_inputs, skipped, notes)


def render_job(job: Job, look: Look, *, strength: float = 1.0, seed: int = 0, overwrite: bool = False,
               quality: int = 95, max_pixels: int = DEFAULT_MAX_PIXELS,
               protect: tuple[Path, ...] = ()) -> tuple[str | None, list[str]]:
    """One image: read, render, write. -> (the one-line error or None, warnings). Never raises for a file's fault."""
    if job.error is not None:
        return f"{job.src}: {job.error}", []
    try:
        photo = read_photo(job.src, max_pixels=max_pixels)
        result = look.apply(photo, strength=strength, seed=seed)
        _make_folder(job.dst)
        write_photo(result, job.dst, quality=quality, overwrite=overwrite, protect=protect)
        return None, list(dict.fromkeys(photo.warnings + result.warnings))
    except RetroganError as e:
        return str(e), []
    except MemoryError:
        return f"{job.src}: out of memory (try a smaller --max-pixels or more RAM)", []
    except Exception as e:  # a bug of ours must not cost the rest of the batch; it is reported, not hidden
        return f"{job.src}: internal error ({type(e).__name__}: {e}); please report it", []


def video_output(src: Path, output: str | None, single: bool) -> Path:
    """Where a clip's result goes: -o FILE for a single clip, -o FOLDER/<stem>.retro<suffix>, or beside it."""
    if output and single and not Path(output).is_dir() and Path(output).suffix:
        return Path(output)
    folder = Path(output) if output else src.parent
    return folder / f"{src.stem}.retro{src.suffix}"


def stylize_files(inputs: Iterable[str], look: Look, *, out: str | None = None, strength: float = 1.0, seed: int = 0,
                  overwrite: bool = False, quality: int = 95, recursive: bool = False,
                  max_pixels: int = DEFAULT_MAX_PIXELS,
                  on_start: Callable[[int], None] | None = None,
                  on_done: Callable[[Job, str | None], None] | None = None) -> BatchReport:
    """Process every input (``plan_batch``, then ``render_job`` each); a failure is recorded with one line and the
    batch goes on. Finished outputs are skipped (see ``plan_batch``)."""
    plan = plan_batch(inputs, out, overwrite=overwrite, recursive=recursive)
    report = BatchReport(skipped=list(plan.skipped), notes=list(plan.notes))
    if on_start:
        on_start(len(plan.jobs))
    finished = set(plan.skipped)

    def run(job: Job) -> tuple[str | None, list[str]]:
        return render_job(job, look, strength=strength, seed=seed, overwrite=overwrite, quality=quality,
                          max_pixels=max_pixels, protect=plan.inputs)

    def finish(job: Job, future) -> None:
        error = None
        if future is not None:
            error, warnings = future.result()
            if error is None:
                report.written.append((job.src, job.dst))
                report.warnings += [(job.src, w) for w in warnings]
            else:
                report.failed.append((job.src, error))
        if on_done:
            on_done(job, error)

    # two images at a time: one decodes or encodes (one core) while the other renders (strips on both cores);
    # a large image goes alone (memory). Results are reported in order.
    window: list = []
    with ThreadPoolExecutor(2) as pool:
        for job in plan.jobs:
            if (job.src, job.dst) in finished:
                window.append((job, None))
                continue
            alone = job.error is None and _pixels(job.src) > PAIR_PIXELS
            while window and (alone or len(window) >= 2):
                finish(*window.pop(0))
            window.append((job, pool.submit(run, job)))
            if alone:
                finish(*window.pop(0))
        while window:
            finish(*window.pop(0))
    return report


PAIR_PIXELS = 50_000_000  # larger images render one at a time


def _pixels(path: Path) -> int:
    """The pixel count from the file's header, or more than PAIR_PIXELS when it cannot be read (the render reports
    why)."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            return im.width * im.height
    except Exception:  # noqa: BLE001 - any unreadable header: render it alone and let render_job name the cause
        return PAIR_PIXELS + 1


def already_done(dst: Path, inputs: tuple[Path, ...]) -> bool:
    """An output that exists and is not one of the inputs (writing over an input stays an error): finished work,
    since outputs are written whole or not at all. Images (``plan_batch``) and videos use this one rule."""
    if not dst.exists():
        return False
    try:
        return not any(p.exists() and os.path.samefile(dst, p) for p in inputs)
    except OSError:
        return False


def _make_folder(dst: Path) -> None:
    from .errors import ImageWriteError

    try:
        dst.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ImageWriteError(dst, "output not writable", f"cannot create folder: {e.strerror or e}") from None
