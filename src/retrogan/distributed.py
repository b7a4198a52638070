"""`retrogan stylize --ray`: the same batch on a Ray cluster (Ray Data), with every guarantee of the plain path.

The driver plans exactly as the plain path does (``batch.plan_batch``: names, finished outputs skipped, a killed
run's temporary files removed); the work items go to a pool of Ray actors (``ray.util.ActorPool``), each of which
loads the look once and renders with the same ``render_job`` (same reader, same atomic writer) or, for a video, the
same video pipeline. So the outputs are byte for byte those of the plain path, failures are the same one-line
causes, and a rerun after a kill does only what is left. An actor whose process dies is restarted by Ray and its
item retried (``max_restarts``, ``max_task_retries``): an output is written whole or not at all, so a retry cannot
leave a partial file. A Ray Dataset with a ``path`` column is accepted as input too.

Ray core's actor pool rather than Ray Data's ``map_batches``: the items are a list of file names that the driver
has already planned, and Ray Data's streaming executor cost about 2.4 s more to start and import on this 2-core
machine (benchmarks/ray_batch.py) for no use here.

Files must be reachable under the same paths from every node (a shared file system); see docs/guide.md.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .batch import BatchReport, Job, already_done, plan_batch, render_job, video_output
from .errors import RetroganError
from .imaging.read import DEFAULT_MAX_PIXELS
from .imaging.write import remove_stale_temps


@dataclass
class RaySettings:
    address: str | None = None   # None: a local cluster started here; "auto": the running cluster; or "ray://host:port"
    workers: int = 2             # actors rendering at once (each uses one CPU)
    init_kwargs: dict = field(default_factory=dict)


class RetroganWorker:
    """A Ray actor (the class name is its process title): the look is loaded once; ``render`` does one item."""

    def __init__(self, style, strength, seed, overwrite, quality, max_pixels, protect, video_options,
                 knobs=None) -> None:
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        import torch

        torch.set_num_threads(1)  # one CPU per actor: N actors on N cores must not oversubscribe them
        from .looks.knobs import look_with

        self.look = look_with(style, **(knobs or {}))
        self.kw = dict(strength=strength, seed=seed, overwrite=overwrite, quality=quality, max_pixels=max_pixels)
        self.protect = tuple(Path(p) for p in protect)
        self.video_options = video_options

    def render(self, item: dict) -> dict:
        job = Job(Path(item["src"]), Path(item["dst"]) if item["dst"] else None, item["planned_error"] or None)
        if item["kind"] == "video" and job.error is None:
            error, notes = self._video(job)
        else:
            error, notes = render_job(job, self.look, protect=self.protect, **self.kw)
        return {"src": item["src"], "dst": item["dst"], "error": error or "", "warnings": "\n".join(notes)}

    def _video(self, job: Job) -> tuple[str | None, list[str]]:
        from .video import stylize_video

        try:
            job.dst.parent.mkdir(parents=True, exist_ok=True)
            report = stylize_video(job.src, job.dst, self.look, strength=self.kw["strength"], seed=self.kw["seed"],
                                   options=self.video_options, overwrite=self.kw["overwrite"])
        except RetroganError as e:
            return str(e), []
        except Exception as e:  # noqa: BLE001 - reported like the plain path's, never hidden
            return f"{job.src}: internal error ({type(e).__name__}: {e}); please report it", []
        return None, [f"not copied: {d}" for d in report.dropped] + list(report.notes)


def _items(inputs) -> list[str]:
    """Paths from a list of paths, folders and globs, or from a Ray Dataset with a ``path`` column."""
    data = sys.modules.get("ray.data")  # a Dataset exists only once its module is imported: no import for a list
    if data is not None and isinstance(inputs, data.Dataset):
        return [str(row["path"]) for row in inputs.iter_rows()]
    return [str(p) for p in inputs]


def stylize_files_ray(inputs, style: str | None, *, out: str | None = None, strength: float = 1.0, seed: int = 0,
                      overwrite: bool = False, quality: int = 95, recursive: bool = False,
                      max_pixels: int = DEFAULT_MAX_PIXELS, video_options=None,
                      settings: RaySettings | None = None, knobs: dict | None = None,
                      on_start: Callable[[int], None] | None = None,
                      on_done: Callable[[Job, str | None], None] | None = None) -> BatchReport:
    """Like ``batch.stylize_files`` (images) and the CLI's video path, on Ray. ``inputs``: paths, folders and globs,
    or a Ray Dataset with a ``path`` column. ``style`` is a look name or path (each actor resolves it);
    ``knobs``: ``looks.knobs.look_with``'s keyword arguments (knob amounts, no_damage, no_border)."""
    from .video import VideoOptions, is_video

    settings = settings or RaySettings()
    paths = _items(inputs)
    videos = [p for p in paths if is_video(p) and Path(p).is_file()]
    images = [p for p in paths if p not in videos]
    plan = plan_batch(images, out, overwrite=overwrite, recursive=recursive) if images else None
    report = BatchReport(skipped=list(plan.skipped) if plan else [], notes=list(plan.notes) if plan else [])
    items = [{"src": str(j.src), "dst": str(j.dst) if j.dst else "", "planned_error": j.error or "", "kind": "image"}
             for j in (plan.todo() if plan else [])]
    for v in videos:
        dst = video_output(Path(v), out, single=len(videos) == 1 and not images)
        if not overwrite and already_done(dst, (Path(v),)):
            report.skipped.append((Path(v), dst))
        else:
            items.append({"src": v, "dst": str(dst), "planned_error": "", "kind": "video"})
    if on_start:
        on_start(len(items) + len(report.skipped))
    for src, dst in report.skipped:
        if on_done:
            on_done(Job(src, dst), None)
    if not items:
        return report
    order = {item["src"]: i for i, item in enumerate(items)}
    rows = []
    kwargs = dict(strength=strength, seed=seed, overwrite=overwrite, quality=quality, max_pixels=max_pixels,
                  protect=[str(p) for p in (plan.inputs if plan else ())],
                  video_options=video_options or VideoOptions(), knobs=knobs)
    for row in _run(items, style, settings, kwargs):  # the progress moves as the actors finish, in any order
        rows.append(row)
        if on_done:
            on_done(Job(Path(row["src"]), Path(row["dst"]) if row["dst"] else None), row["error"] or None)
    for folder in {Path(i["dst"]).parent for i in items if i["dst"]}:
        remove_stale_temps(folder)  # a worker killed mid-write left its temporary file; its item was retried
    for row in sorted(rows, key=lambda r: order[r["src"]]):  # reported in the plan's order, like the plain path
        src, dst, error = Path(row["src"]), Path(row["dst"]) if row["dst"] else None, row["error"] or None
        if error is None:
            report.written.append((src, dst))
            report.warnings += [(src, w) for w in row["warnings"].split("\n") if w]
        else:
            report.failed.append((src, error))
    return report


def _run(items: list[dict], style, settings: RaySettings, kwargs: dict):
    """Yield one result row per item as the actors finish them (in no set order)."""
    import logging
    import warnings

    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")  # the C++ core: nothing short of fatal
    import ray
    from ray.util import ActorPool

    warnings.filterwarnings("ignore", module="ray")
    started_here = not ray.is_initialized()
    if started_here:
        where = {"address": settings.address} if settings.address else {"num_cpus": settings.workers}
        ray.init(**where, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True,
                 logging_level=logging.ERROR, **settings.init_kwargs)
    for name in ("ray", "ray._private"):  # after init: it sets up Ray's own loggers
        logging.getLogger(name).setLevel(logging.ERROR)
    # an actor whose process dies is restarted (its look loaded again) and the item it held is retried;
    # tests/test_ray.py kills one mid-job to keep that so
    worker = ray.remote(num_cpus=1, max_restarts=-1, max_task_retries=-1)(RetroganWorker)
    actors = [worker.remote(style=style, **kwargs) for _ in range(max(1, min(settings.workers, len(items))))]
    try:
        yield from ActorPool(actors).map_unordered(lambda actor, item: actor.render.remote(item), items)
    finally:
        for actor in actors:
            ray.kill(actor, no_restart=True)
        if started_here:
            ray.shutdown()
