"""The HTTP API (FastAPI): the same operations as the page, JSON errors ``{"error": "..."}`` with a fitting status.
Uploads only: no request names a path on the server."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, List, Optional

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, Response

from .service import (LookRequest, WebError, look_thumbnail, safe_stem, stylize_upload, stylize_video_file,
                      transfer_upload)

if TYPE_CHECKING:
    from .app import Server




@dataclass(frozen=True)
class LookKnobs:
    amounts: dict
    no_damage: bool
    no_border: bool


def look_knobs(grain: Optional[float] = Form(None), grain_size: Optional[float] = Form(None),
               grain_colour: Optional[float] = Form(None), grain_roughness: Optional[float] = Form(None),
               fade: Optional[float] = Form(None), vignette: Optional[float] = Form(None),
               dust: Optional[float] = Form(None), hairs: Optional[float] = Form(None),
               scratches: Optional[float] = Form(None), cracks: Optional[float] = Form(None),
               creases: Optional[float] = Form(None), light_leak: Optional[float] = Form(None),
               yellowing: Optional[float] = Form(None), border: Optional[float] = Form(None),
               weave: Optional[float] = Form(None), flicker: Optional[float] = Form(None),
               breath: Optional[float] = Form(None), cadence: Optional[float] = Form(None),
               variant: Optional[float] = Form(None), no_damage: bool = Form(False),
               no_border: bool = Form(False)) -> LookKnobs:
    """The film and age knobs of a form (``looks.knobs.KNOBS``; the motion ones act on video only)."""
    amounts = dict(grain=grain, grain_size=grain_size, grain_colour=grain_colour, grain_roughness=grain_roughness,
                   fade=fade, vignette=vignette, dust=dust, hairs=hairs, scratches=scratches, cracks=cracks,
                   creases=creases, light_leak=light_leak, yellowing=yellowing, border=border, weave=weave,
                   flicker=flicker, breath=breath, cadence=cadence, variant=variant)
    return LookKnobs(amounts, no_damage, no_border)


async def _read(upload: UploadFile, server: "Server") -> bytes:
    data = await upload.read(server.limits.max_upload_bytes + 1)
    if len(data) > server.limits.max_upload_bytes:
        raise WebError(f"{safe_stem(upload.filename)}: more than the {server.limits.max_upload_mb:g} MB upload limit",
                       413)
    if not data:
        raise WebError(f"{safe_stem(upload.filename)}: the upload is empty", 400)
    return data


async def _answer(fut, server: "Server", request: Request | None = None) -> Response:
    """Wait for a render in the gate (504 after the timeout) and send the image as a download. A client that goes
    away, or times out, stops its render (``Gate.stop``): nobody would receive it."""
    waiting = asyncio.wrap_future(fut)
    deadline = asyncio.get_running_loop().time() + server.limits.timeout_s
    try:
        while True:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise asyncio.TimeoutError
            done, _ = await asyncio.wait({waiting}, timeout=min(0.5, left))
            if done:
                out = waiting.result()
                break
            if request is not None and await request.is_disconnected():
                server.gate.stop(fut)
                raise WebError("the client went away", 499)
    except asyncio.TimeoutError:
        server.gate.stop(fut)
        raise WebError(f"timed out after {server.limits.timeout_s:g} s", 504) from None
    headers = {"Content-Disposition": f'attachment; filename="{out.filename}"',
               "X-Image-Size": f"{out.width}x{out.height}"}
    if out.warnings:
        headers["X-Retrogan-Warnings"] = "; ".join(out.warnings).encode("ascii", "replace").decode()
    if out.layers:
        headers["X-Retrogan-Layers"] = out.layers.encode("ascii", "replace").decode()
    return Response(out.data, media_type=out.media_type, headers=headers)


def router(server: "Server") -> APIRouter:
    api = APIRouter(prefix="/api")

    @api.get("/health")
    def health() -> dict:
        return {"status": "ok", "renders_pending": server.gate.pending}

    @api.get("/looks")
    def looks() -> list[dict]:
        return server.look_list()

    @api.get("/looks/{name}/thumbnail.jpg")
    def thumbnail(name: str) -> Response:
        return Response(look_thumbnail(name), media_type="image/jpeg",
                        headers={"Cache-Control": "max-age=86400"})

    @api.post("/stylize")
    async def stylize(request: Request, file: UploadFile = File(...), look: Optional[str] = Form(None),
                      strength: float = Form(1.0), seed: int = Form(0), preview: bool = Form(False),
                      knobs: LookKnobs = Depends(look_knobs)) -> Response:
        """One photo in, the photo in the look out: full resolution in the input's format (16-bit PNG/TIFF stay
        16-bit; EXIF kept), or a small JPEG with ``preview=true``. Knobs (bundled looks only): absolute amounts
        (``GET /api/looks`` lists each look's own); ``no_damage`` / ``no_border`` turn those off on any look."""
        data = await _read(file, server)
        req = LookRequest(look, strength, seed, knobs.amounts, no_damage=knobs.no_damage, no_border=knobs.no_border)
        fut = server.gate.submit(stylize_upload, data, file.filename, req, server.looks, server.limits, preview)
        return await _answer(fut, server, request)

    @api.post("/transfer")
    async def transfer(request: Request, file: UploadFile = File(...), reference: List[UploadFile] = File(...),
                       strength: float = Form(1.0), seed: int = Form(0), preview: bool = Form(False),
                       fit_seconds: float = Form(0.0), recognise: bool = Form(False), layers: bool = Form(True),
                       grain: float = Form(1.0), softness: float = Form(1.0), halation: float = Form(1.0),
                       vignette: float = Form(1.0), tone: float = Form(1.0), dust: float = Form(1.0)) -> Response:
        """The look of the ``reference`` photo(s) (repeat the field for several of one look) on ``file`` (the look
        reader; ``fit_seconds`` > 0 uses the older transfer model and refines it on this photo first, up to the
        request timeout; ``recognise`` reads it with that model as a mixture of the looks it knows, on this photo). ``layers``: copy the
        references' film and age layers too; ``grain`` ... ``dust`` scale each of them (0 off, 1 as read, up to 4)."""
        if recognise and fit_seconds:
            raise WebError("recognise with fit_seconds adapts the reading to several photos, and this takes one: "
                           "use the command line (retrogan transfer --recognise --fit) or leave fit_seconds at 0", 422)
        if not 0 <= fit_seconds <= min(120.0, server.limits.timeout_s / 2):
            raise WebError(f"fit_seconds must be in [0, {min(120.0, server.limits.timeout_s / 2):g}]", 422)
        if not 0.0 <= strength <= 1.0:
            raise WebError(f"strength must be in [0, 1], got {strength}", 422)
        amounts = {"grain": grain, "softness": softness, "halation": halation, "vignette": vignette, "tone": tone,
                   "dust": dust}
        bad = [k for k, v in amounts.items() if not 0.0 <= v <= 4.0]
        if bad:
            raise WebError(f"{', '.join(bad)}: layer amounts must be in [0, 4]", 422)
        data = await _read(file, server)
        refs = [(r.filename, await _read(r, server)) for r in reference]
        req = LookRequest(None, strength, seed)
        fut = server.gate.submit(transfer_upload, data, file.filename, refs, req, server.limits, preview, fit_seconds,
                                 recognise, amounts if layers else None)
        return await _answer(fut, server, request)

    @api.post("/jobs/video", status_code=202)
    async def video(file: UploadFile = File(...), look: Optional[str] = Form(None), strength: float = Form(1.0),
                    seed: int = Form(0), knobs: LookKnobs = Depends(look_knobs)) -> dict:
        """Start rendering a video (audio and subtitles kept); poll ``GET /api/jobs/{id}``. Knobs as for
        ``/api/stylize``, the film's motion (weave, flicker, breath, cadence) included."""
        from ..video import VIDEO_SUFFIXES

        data = await _read(file, server)
        stem, suffix = safe_stem(file.filename), "." + (file.filename or "").rsplit(".", 1)[-1].lower()
        if suffix not in VIDEO_SUFFIXES:
            raise WebError(f"{stem}: not a video name (use {', '.join(sorted(VIDEO_SUFFIXES))})", 400)
        req = LookRequest(look, strength, seed, knobs.amounts, no_damage=knobs.no_damage, no_border=knobs.no_border)
        server.looks.resolve(req)  # an unknown look is refused before the upload is stored

        def setup(folder):
            (folder / f"source{suffix}").write_bytes(data)

        def work(job):
            def on_progress(done, total):
                job.progress = min(0.99, done / total) if total else 0.0
                job.message = f"frame {done}" + (f" of {total}" if total else "")
            out = stylize_video_file(job.folder / f"source{suffix}", job.folder, stem, req, server.looks, on_progress)
            (job.folder / f"source{suffix}").unlink()
            return out, out.name

        return server.jobs.start("video", setup, work).public()

    @api.post("/jobs/train", status_code=202)
    async def train(inputs: List[UploadFile] = File(...), targets: List[UploadFile] = File(...),
                    name: Optional[str] = Form(None), minutes: float = Form(2.0), steps: int = Form(3000)) -> dict:
        """Learn a look from pairs (same file names in ``inputs`` and ``targets``); the look joins this server's
        list as ``name`` and the style folder is the job's result (a zip)."""
        from .train import start_training

        if not 0 < minutes <= server.limits.max_train_minutes:
            raise WebError(f"minutes must be in (0, {server.limits.max_train_minutes:g}]", 422)
        if steps < 1:
            raise WebError("steps must be positive", 422)
        ins = [(f.filename, await _read(f, server)) for f in inputs]
        outs = [(f.filename, await _read(f, server)) for f in targets]
        job, look = start_training(server, name, ins, outs, minutes, steps)
        return job.public() | {"look": look}

    @api.get("/jobs/{job_id}")
    def job_status(job_id: str) -> dict:
        return server.jobs.get(job_id).public()

    @api.get("/jobs/{job_id}/result")
    def job_result(job_id: str) -> Response:
        job = server.jobs.get(job_id)
        if job.status != "done":
            return JSONResponse({"error": f"job {job_id} is {job.status}", **job.public()}, status_code=409)
        return FileResponse(job.result, filename=job.result_name)

    @api.delete("/jobs/{job_id}")
    def job_delete(job_id: str) -> dict:
        server.jobs.get(job_id)
        server.jobs.delete(job_id)
        return {"deleted": job_id}

    @api.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
                   include_in_schema=False)
    def unknown(rest: str) -> Response:  # last: otherwise the page's app (mounted at /) answers in its own format
        raise WebError(f"no such endpoint: /api/{safe_stem(rest.replace('/', '_'))}; see /openapi.json", 404)

    return api
