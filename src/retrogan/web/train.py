"""Train-a-look from uploaded pairs: save them under server-chosen names, train the fast cGAN for a bounded time,
register the result as a look of this server and hand back the style folder as a zip."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from .limits import Limits
from .service import LookBook, WebError, read_upload, safe_stem
from .work import Job

Upload = tuple[str, bytes]  # (client file name, content)


def look_name(name: str | None, taken: list[str]) -> str:
    base = re.sub(r"[^a-z0-9-]+", "-", (name or "my-look").lower()).strip("-")[:40] or "my-look"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def save_pairs(folder: Path, inputs: list[Upload], targets: list[Upload], limits: Limits) -> int:
    """Write matched pairs to folder/inputs and folder/targets (every file decoded first: a bad one is named)."""
    from ..imaging.read import IMAGE_SUFFIXES
    from ..train.data import MIN_PAIRS

    sides = {}
    for side, uploads in (("inputs", inputs), ("targets", targets)):
        found = {}
        for filename, data in uploads:
            stem, suffix = safe_stem(filename), Path(filename or "").suffix.lower()
            if suffix not in IMAGE_SUFFIXES:
                raise WebError(f"{side}: {stem}{suffix}: not an image name (use {', '.join(sorted(IMAGE_SUFFIXES))})")
            if stem in found:
                raise WebError(f"{side}: two files named {stem!r}")
            read_upload(data, filename, limits)  # decodes it; raises WebError naming the file
            found[stem] = (suffix, data)
        sides[side] = found
    a, b = sides["inputs"], sides["targets"]
    unmatched = sorted(a.keys() ^ b.keys())
    if unmatched:
        raise WebError("pairs are matched by file name; no partner for: " + ", ".join(unmatched[:10])
                       + (" ..." if len(unmatched) > 10 else ""))
    if len(a) < MIN_PAIRS:
        raise WebError(f"{len(a)} pair(s) given; training needs at least {MIN_PAIRS} (20 or more learn a look well)")
    for side, found in sides.items():
        (folder / side).mkdir()
        for stem, (suffix, data) in found.items():
            (folder / side / f"{stem}{suffix}").write_bytes(data)
    return len(a)


def train_job(job: Job, name: str, minutes: float, steps: int, looks: LookBook, keep_dir: Path) -> tuple[Path, str]:
    """Run in the job thread: train, register ``name`` in ``looks`` (its folder moved under ``keep_dir``) and
    return (zip, download name). The name's reservation ends with the job, trained or failed."""
    from ..train.config import TrainConfig
    from ..train.run import build_trainer

    style_dir = job.folder / name
    cfg = TrainConfig(mode="paired", arch="fast", labels=["default"], steps=steps, minutes=minutes,
                      data=[{"inputs": str(job.folder / "inputs"), "targets": str(job.folder / "targets"),
                             "label": "default"}])
    notes: list[str] = []
    budget = minutes * 60

    def progress(step, total, elapsed, _budget, logs):
        job.progress = min(0.99, max(step / max(total, 1), elapsed / budget if budget else 0.0))
        job.message = f"step {step}, {elapsed:.0f} s of {budget:.0f} s" + "".join(
            f", {k} {v:.4f}" for k, v in logs.items())

    try:
        trainer = build_trainer(cfg, style_dir, log=notes.append)
        trainer.fit(progress)
        job.message = f"trained {trainer.step_num} steps in {trainer.elapsed:.0f} s" + (
            "; " + "; ".join(notes[-3:]) if notes else "")
        shutil.rmtree(job.folder / "inputs")
        shutil.rmtree(job.folder / "targets")
        shutil.rmtree(style_dir / "training")  # optimizer state and logs (5x the weights): not needed to use the look
        archive = shutil.make_archive(str(job.folder / name), "zip", root_dir=job.folder, base_dir=name)
        kept = keep_dir / name
        shutil.copytree(style_dir, kept)
        looks.trained[name] = kept
    finally:
        looks.release(name)
    return Path(archive), f"{name}.zip"


def start_training(server, wanted: str | None, inputs: list[Upload], targets: list[Upload], minutes: float,
                   steps: int) -> tuple[Job, str]:
    """Reserve a look name (``LookBook.reserve``) and start the train-a-look job: (job, look name). The name is
    released if the job cannot start, and by ``train_job`` when it ends."""
    look = server.looks.reserve(wanted)
    try:
        job = server.jobs.start("train", lambda folder: save_pairs(folder, inputs, targets, server.limits),
                                lambda job: train_job(job, look, minutes, steps, server.looks, server.kept))
    except BaseException:
        server.looks.release(look)
        raise
    return job, look
