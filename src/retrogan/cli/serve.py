"""`retrogan serve`: the web UI and HTTP API (the [web] extra)."""
from __future__ import annotations

from typing import Optional

import typer


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind. 0.0.0.0 exposes the server to the network."),
    port: int = typer.Option(7860, "--port"),
    max_upload_mb: Optional[float] = typer.Option(None, "--max-upload-mb", help="Largest request body [50]."),
    max_megapixels: Optional[float] = typer.Option(None, "--max-megapixels", help="Largest decoded image [50]."),
    timeout: Optional[float] = typer.Option(None, "--timeout", help="Seconds an image request may take [120]."),
    concurrency: Optional[int] = typer.Option(None, "--concurrency", help="Renders at once [2]."),
    queue_size: Optional[int] = typer.Option(None, "--queue-size", help="Renders waiting; more get 503 [64]."),
    api_only: bool = typer.Option(False, "--api-only", help="The HTTP API without the page (no Gradio needed)."),
) -> None:
    """Serve the web page (upload, pick a look, compare, download) and the HTTP API under /api.
    Limits can also be set with RETROGAN_MAX_UPLOAD_MB, RETROGAN_MAX_MEGAPIXELS, RETROGAN_TIMEOUT_S, ..."""
    try:
        import uvicorn

        from ..web.app import create_app
        from ..web.limits import Limits
    except ImportError as e:
        typer.echo(f"error: the web server needs the [web] extra: pip install 'retrogan[web]' ({e})", err=True)
        raise typer.Exit(2)
    try:
        limits = Limits.from_env(max_upload_mb=max_upload_mb, max_megapixels=max_megapixels, timeout_s=timeout,
                                 concurrency=concurrency, queue_size=queue_size)
    except ValueError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2)
    if host not in ("127.0.0.1", "localhost", "::1"):
        typer.echo(f"warning: binding {host}: anyone who can reach this machine can use the server", err=True)
    typer.echo("retrogan: starting (the page renders a thumbnail of every look first: about half a minute)...",
               err=True)
    app = create_app(limits, ui=not api_only)
    typer.echo(f"retrogan: http://{host}:{port}/ (API under /api; Ctrl-C stops)", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_keep_alive=5)
