"""One server: the HTTP API under /api and the Gradio page at /, sharing limits, looks, the render gate and jobs.
Every temporary file lives under one folder that is deleted at shutdown."""
from __future__ import annotations

import json
import shutil
import tempfile
from contextlib import asynccontextmanager
from pathlib import Path

from .limits import Limits
from .service import LookBook, WebError
from .work import Gate, Jobs


class Server:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.root = Path(tempfile.mkdtemp(prefix="retrogan-serve-"))
        (self.root / "jobs").mkdir()
        self.kept = self.root / "looks"   # looks trained on this server (gone with it; downloaded as zips)
        self.kept.mkdir()
        self.uploads = self.root / "gradio"  # the page's uploads (Gradio's cache): its functions read nothing else
        self.uploads.mkdir()
        self.ui = None  # the Gradio Blocks, once mounted
        self.looks = LookBook()
        self.gate = Gate(limits.concurrency, limits.queue_size)
        self.jobs = Jobs(self.root / "jobs", limits.max_jobs, limits.job_ttl_s)

    def look_list(self) -> list[dict]:
        from ..looks.knobs import knob_values
        from ..looks.registry import STYLES, default_style_name

        out = [{"name": e.name, "era": e.era, "process": e.process, "description": e.description,
                "source": e.source, "default": e.name == default_style_name(), "knobs": knob_values(e.name),
                "thumbnail": f"/api/looks/{e.name}/thumbnail.jpg"} for e in STYLES.values()]
        out += [{"name": n, "era": "", "process": "learned (fast cGAN)", "description": "trained on this server",
                 "source": "pairs uploaded to this server", "default": False, "knobs": None, "thumbnail": None}
                for n in self.looks.trained]
        return out

    def close(self) -> None:
        self.gate.shutdown()
        self.jobs.shutdown()
        shutil.rmtree(self.root, ignore_errors=True)


class BodyLimit:
    """ASGI middleware: refuse a request body over ``max_bytes`` (by Content-Length at once, or while it streams)."""

    def __init__(self, app, max_bytes: int, limit_mb: float) -> None:
        self.app, self.max_bytes, self.limit_mb = app, max_bytes, limit_mb

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers", []))
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_bytes:
            if headers.get(b"expect", b"").lower() != b"100-continue" and int(length) <= DRAIN_LIMIT:
                await _drain(receive)  # a client that sends everything before reading (most libraries) sees the 413
            return await _json(send, 413, self._message())
        seen, started, too_large = 0, False, False

        async def limited_receive():
            # Over the limit while streaming (a chunked body has no Content-Length): tell the app the client has
            # gone rather than raising inside it, where a form parser would turn our exception into its own 400.
            nonlocal seen, too_large
            if too_large:
                return {"type": "http.disconnect"}
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.max_bytes:
                    too_large = True
                    return {"type": "http.disconnect"}
            return msg

        async def tracked_send(msg):
            nonlocal started
            if too_large and not started:
                return  # whatever the app answers to a body it never got whole, the client gets our 413
            started = started or msg["type"] == "http.response.start"
            await send(msg)

        try:
            await self.app(scope, limited_receive, tracked_send)
        except Exception:
            if not too_large:
                raise
        if too_large and not started:
            await _json(send, 413, self._message())

    def _message(self) -> str:
        return f"request body is larger than the {self.limit_mb:g} MB upload limit"


DRAIN_LIMIT = 1 << 30  # bodies declared larger are refused without reading them (the connection is closed)


async def _drain(receive) -> None:
    while True:
        msg = await receive()
        if msg["type"] != "http.request" or not msg.get("more_body"):
            return


async def _json(send, status: int, message: str) -> None:
    body = json.dumps({"error": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class NoRemoteFiles:
    """ASGI middleware: Gradio's file route fetches any public ``http(s)`` URL it is given
    (``/gradio_api/file=https://...``) and its proxy route forwards to other Gradio apps; this server serves only
    what it made or was sent, so both answer 403 (the server is not an open proxy, and nothing is downloaded)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            path = scope.get("path", "")
            target = path.split("/file=", 1)[1] if "/file=" in path else ""
            if "/proxy=" in path or "://" in target or target.lower().startswith(("http:", "https:")):
                return await _json(send, 403, "this server serves only files it made; it fetches no URLs")
        return await self.app(scope, receive, send)


def create_app(limits: Limits | None = None, *, ui: bool = True):
    """The ASGI app. ``ui=False``: the API alone (no Gradio import; what the API tests use)."""
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from starlette.exceptions import HTTPException as StarletteHTTPException

    from .http import router

    server = Server(limits or Limits())

    @asynccontextmanager
    async def lifespan(_app):
        try:
            yield
        finally:
            server.close()

    # no /docs: FastAPI's Swagger page loads its scripts from a CDN, which an offline machine cannot reach
    app = FastAPI(title="retrogan", version=_version(), lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Retro looks for photos and video. Errors are JSON: {\"error\": \"...\"}.")
    app.state.server = server

    @app.exception_handler(WebError)
    async def web_error(_req: Request, e: WebError):
        return JSONResponse({"error": str(e)}, status_code=e.status)

    @app.exception_handler(RequestValidationError)
    async def invalid(_req: Request, e: RequestValidationError):
        parts = [f"{'.'.join(str(x) for x in err.get('loc', [])[1:]) or 'request'}: {err.get('msg')}"
                 for err in e.errors()]
        return JSONResponse({"error": "; ".join(parts)}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_req: Request, e: StarletteHTTPException):  # malformed multipart, unknown routes, ...
        return JSONResponse({"error": str(e.detail)}, status_code=e.status_code, headers=e.headers)

    @app.exception_handler(Exception)
    async def internal(_req: Request, e: Exception):  # the server keeps running; the client learns what failed
        return JSONResponse({"error": f"internal error: {type(e).__name__}: {e}"}, status_code=500)

    app.include_router(router(server))
    if ui:
        from .ui import mount_ui

        app = mount_ui(app, server)
    app.add_middleware(NoRemoteFiles)
    app.add_middleware(BodyLimit, max_bytes=server.limits.max_upload_bytes + (1 << 20),  # + multipart framing
                       limit_mb=server.limits.max_upload_mb)
    return app


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("retrogan")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0"
