"""The page's own API (Gradio's queue) must never read a server file: every page function that takes files is called
with server paths, a path that climbs out of the upload folder, a symlink out of it and URLs, the way a hostile client
would, and must refuse them all; with Gradio's own rule switched off, our component and our handlers still refuse.
Gradio's file routes serve no server file and fetch no URL. A real upload still renders."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

pytest.importorskip("gradio")
from fastapi.testclient import TestClient  # noqa: E402

from retrogan.web.app import create_app  # noqa: E402
from retrogan.web.limits import Limits  # noqa: E402
from retrogan.web.ui import Handlers  # noqa: E402


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    app = create_app(Limits(max_upload_mb=4, max_megapixels=1, preview_side=48, timeout_s=60))
    with TestClient(app) as c:
        yield c, app.state.server


def file_inputs(client):
    """(fn_index, [component types]) of every page function that takes a file."""
    cfg = client.get("/config").json()
    types = {x["id"]: x["type"] for x in cfg["components"]}
    defaults = {x["id"]: x.get("props", {}).get("value") for x in cfg["components"]}
    out = []
    for i, dep in enumerate(cfg["dependencies"]):
        ins = [types[j] for j in dep["inputs"]]
        if "file" in ins:
            out.append((i, dep["inputs"], types, defaults))
    return out


def call(client, fn_index: int, data: list, session: str) -> dict:
    r = client.post("/gradio_api/queue/join", json={"data": data, "fn_index": fn_index, "session_hash": session,
                                                    "event_data": None, "trigger_id": None})
    assert r.status_code == 200, r.text
    with client.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as s:
        for line in s.iter_lines():
            if line.startswith("data:"):
                msg = json.loads(line[5:])
                if msg.get("msg") == "process_completed":
                    return msg
    raise AssertionError("no result")


def file_data(path: str) -> dict:
    return {"path": path, "meta": {"_type": "gradio.FileData"}, "orig_name": "photo.jpg"}


def attack(client, fn_index, inputs, types, defaults, path, session) -> dict:
    data = [[file_data(path)] if types[j] == "file" else defaults[j] for j in inputs]
    return call(client, fn_index, data, session)


def produced_files(msg: dict) -> bool:
    """Whether a completed call handed back any file (an image, a zip)."""
    return '"path"' in json.dumps(msg.get("output", {}).get("data", []))


@pytest.fixture
def targets(page, jpeg_file, tmp_path):
    """Server paths a hostile client might name: the system's files, an image outside the upload folder, a climb out
    of the upload folder, a symlink inside it that points out, and URLs (this server's own and a public one)."""
    _, server = page
    link = server.uploads / "innocent" / "photo.jpg"
    link.parent.mkdir(exist_ok=True)
    if not link.exists():
        os.symlink(jpeg_file, link)
    return ["/etc/passwd", str(jpeg_file), f"{server.uploads}/../../../../{jpeg_file}", str(link),
            "http://127.0.0.1:1/photo.jpg", "https://example.com/photo.jpg"]


@pytest.mark.parametrize("gradio_rule", [False, True], ids=["as-served", "with-gradio-rule-too"])
def test_no_page_function_reads_a_path_the_client_names(page, targets, gradio_rule, capfd):
    client, server = page
    server.ui.has_launched = gradio_rule  # True: Gradio's own check (off for a mounted app) runs before ours
    try:
        fns = file_inputs(client)
        assert len(fns) >= 4  # preview (many triggers), render, transfer, train
        for k, (i, inputs, types, defaults) in enumerate(fns):
            for n, path in enumerate(targets):
                msg = attack(client, i, inputs, types, defaults, path, f"s{gradio_rule}{k}-{n}")
                text = json.dumps(msg)
                assert not produced_files(msg), (i, path, text[:300])
                assert "root:x" not in text and "Rendered" not in text, (i, path, text[:300])
                assert not msg["success"], (i, path, text[:300])  # refused by the component, before any handler
                assert "not a file uploaded to this server" in text or gradio_rule, (i, path, text[:300])
    finally:
        server.ui.has_launched = False
    if not gradio_rule:  # each refusal is one log line, not a traceback in the server's log
        assert "Traceback" not in capfd.readouterr().err


def test_handlers_refuse_paths_outside_the_uploads(page, targets):
    _, server = page
    h = Handlers(server)
    for path in targets:
        assert h.preview([path], "portra-400vc", 1.0, 0)[1].endswith("not a file uploaded to this server")
        files, msg = h.render([path], "portra-400vc", 1.0, 0)
        assert files is None and "not a file uploaded to this server" in msg
        pair, files, msg = h.transfer([path], [path], 1.0, 0, False)
        assert files is None and "not a file uploaded to this server" in msg
        assert "not a file uploaded" in list(h.train([path, path], [path, path], "x", 0.1))[-1][0]


def test_gradio_file_routes_serve_no_server_file_and_fetch_no_url(page, jpeg_file):
    client, _ = page
    readme = Path(__file__).resolve().parents[1] / "README.md"
    for target in ["/etc/passwd", str(jpeg_file), str(readme), "https://example.com/x.jpg", "http://127.0.0.1:1/x"]:
        r = client.get(f"/gradio_api/file={target}")
        assert r.status_code == 403, (target, r.status_code)
        assert "root:x" not in r.text
    assert client.get("/gradio_api/proxy=https://example.com/x").status_code == 403


def test_an_upload_still_renders(page, jpeg_file):
    client, _ = page
    r = client.post("/gradio_api/upload", files=[("files", ("cat.jpg", jpeg_file.read_bytes(), "image/jpeg"))])
    assert r.status_code == 200, r.text
    (uploaded,) = r.json()
    fns = {i: (inputs, types, defaults) for i, inputs, types, defaults in file_inputs(client)}
    render = [i for i in fns if client.get("/config").json()["dependencies"][i].get("api_name") == "render"]
    inputs, types, defaults = fns[render[0]]
    msg = attack(client, render[0], inputs, types, defaults, uploaded, "ok")
    assert msg["success"] and produced_files(msg), json.dumps(msg)[:300]
    assert "Rendered 1 of 1" in json.dumps(msg)
