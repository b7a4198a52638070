"""Where CPU work runs: ``Gate`` (a fixed number of render threads and a bounded queue, shared by the API and the
page) and ``Jobs`` (video and training in the background, one at a time, with progress, files deleted after a TTL)."""
from __future__ import annotations

import shutil
import tempfile
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..cancel import cancellable
from .service import WebError


class Gate:
    """Renders run on ``slots`` threads; at most ``queue_size`` more wait. A full queue is refused at once (503) and a
    caller that waits longer than ``timeout`` (or goes away) gets 504: a queued render is then dropped, and a running
    one stops at its next checkpoint (``retrogan.cancel``: between decode, render strips and encode), since Python
    cannot stop a thread from outside. ``stop(fut)`` does the same for a caller that has gone."""

    def __init__(self, slots: int, queue_size: int) -> None:
        self.slots, self.queue_size = slots, queue_size
        self._pool = ThreadPoolExecutor(max_workers=slots, thread_name_prefix="render")
        self._lock = threading.Lock()
        self.pending = 0  # submitted and not finished: running + waiting
        self.peak_pending = 0

    def submit(self, fn: Callable, *args) -> Future:
        with self._lock:
            if self.pending >= self.slots + self.queue_size:
                raise WebError(f"server busy: {self.pending} renders running or queued; try again shortly", 503)
            self.pending += 1
            self.peak_pending = max(self.peak_pending, self.pending)
        event = threading.Event()

        def run():
            with cancellable(event):
                return fn(*args)

        fut = self._pool.submit(run)
        fut.cancel_event = event
        fut.add_done_callback(self._done)
        return fut

    @staticmethod
    def stop(fut: Future) -> None:
        """Nobody waits for this render any more: drop it if queued, stop it at its next checkpoint if running."""
        fut.cancel()
        event = getattr(fut, "cancel_event", None)
        if event is not None:
            event.set()

    def _done(self, _fut: Future) -> None:
        with self._lock:
            self.pending -= 1

    def run(self, fn: Callable, *args, timeout: float):
        """Submit and wait (for threads: Gradio handlers). Raises WebError 503/504 or what ``fn`` raised."""
        fut = self.submit(fn, *args)
        try:
            return fut.result(timeout=timeout)
        except FutureTimeout:
            self.stop(fut)
            raise WebError(f"timed out after {timeout:g} s (the server is busy or the image is very large)", 504)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


@dataclass
class Job:
    id: str
    kind: str
    folder: Path
    status: str = "queued"          # queued, running, done, failed
    progress: float = 0.0
    message: str = ""
    error: str | None = None
    result: Path | None = None
    result_name: str | None = None
    created: float = field(default_factory=time.time)
    finished: float | None = None

    def public(self) -> dict:
        return {"id": self.id, "kind": self.kind, "status": self.status, "progress": round(self.progress, 4),
                "message": self.message, "error": self.error,
                "result": f"/api/jobs/{self.id}/result" if self.status == "done" else None}


class Jobs:
    """Background jobs in their own temporary folders under ``root``. ``run(job)`` gets the Job to report into."""

    def __init__(self, root: Path, max_jobs: int, ttl_s: float) -> None:
        self.root, self.max_jobs, self.ttl_s = root, max_jobs, ttl_s
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="job")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(self, kind: str, setup: Callable[[Path], None], work: Callable[[Job], tuple[Path, str]]) -> Job:
        """``setup(folder)`` runs now (saves uploads; may raise WebError); ``work(job)`` later, returning the result
        file and its download name."""
        self.expire()
        with self._lock:
            if len(self._jobs) >= self.max_jobs:
                raise WebError(f"server busy: {len(self._jobs)} jobs held (the limit); try again later", 503)
            job = Job(uuid.uuid4().hex, kind, Path(tempfile.mkdtemp(prefix=f"job-{kind}-", dir=self.root)))
            self._jobs[job.id] = job
        try:
            setup(job.folder)
        except BaseException:
            self.delete(job.id)
            raise
        self._pool.submit(self._run, job, work)
        return job

    def _run(self, job: Job, work: Callable[[Job], tuple[Path, str]]) -> None:
        job.status = "running"
        try:
            job.result, job.result_name = work(job)
            job.progress, job.status = 1.0, "done"
        except WebError as e:
            job.status, job.error = "failed", str(e)
        except Exception as e:  # noqa: BLE001 - a job's failure is reported, never kills the server
            job.status, job.error = "failed", f"{type(e).__name__}: {e}"
        finally:
            job.finished = time.time()

    def get(self, job_id: str) -> Job:
        self.expire()
        job = self._jobs.get(job_id)
        if job is None:
            raise WebError(f"no job {job_id!r} (finished jobs are deleted after {self.ttl_s:g} s)", 404)
        return job

    def delete(self, job_id: str) -> None:
        with self._lock:
            job = self._jobs.pop(job_id, None)
        if job is not None:
            shutil.rmtree(job.folder, ignore_errors=True)

    def expire(self) -> None:
        now = time.time()
        for job in list(self._jobs.values()):
            if job.finished is not None and now - job.finished > self.ttl_s:
                self.delete(job.id)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        for job_id in list(self._jobs):
            self.delete(job_id)
