"""`retrogan serve`: the web UI (Gradio) and the HTTP API (FastAPI) over one service layer.

Files flow one way: limits -> service (pure operations on uploaded bytes) -> gate/jobs (admission, background work)
-> http (API routes) and ui (Gradio page) -> app (both on one server)."""
