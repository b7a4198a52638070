"""The HTTP API (no browser, no Gradio): what it renders equals the Python API, limits and bad uploads give clear
errors with the right status, and the server goes on."""
from __future__ import annotations

import io
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
from fastapi.testclient import TestClient  # noqa: E402
from PIL import Image  # noqa: E402

from retrogan.api import stylize  # noqa: E402
from retrogan.errors import StyleError  # noqa: E402
from retrogan.looks.knobs import KNOBS, adjusted, knob_values  # noqa: E402
from retrogan.looks.registry import STYLES  # noqa: E402
from retrogan.web.app import create_app  # noqa: E402
from retrogan.web.limits import Limits  # noqa: E402
from retrogan.web.service import WebError, safe_stem  # noqa: E402
from retrogan.web.work import Gate  # noqa: E402


def png_bytes(rgb: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def client():
    app = create_app(Limits(max_upload_mb=2, max_megapixels=0.05, preview_side=64, timeout_s=60), ui=False)
    with TestClient(app) as c:
        yield c


def post(client, data: bytes, name: str = "cat.png", **form):
    return client.post("/api/stylize", files={"file": (name, data)}, data={k: str(v) for k, v in form.items()})


def test_looks_are_listed_with_knobs_and_thumbnails(client):
    looks = client.get("/api/looks").json()
    assert [e["name"] for e in looks] == list(STYLES)
    kodachrome = next(e for e in looks if e["name"] == "kodachrome-1950s")
    assert kodachrome["knobs"]["grain"] == pytest.approx(0.015)
    from retrogan.looks.registry import default_style_name

    assert [e["name"] for e in looks if e["default"]] == [default_style_name()]
    r = client.get(kodachrome["thumbnail"])
    assert r.status_code == 200 and Image.open(io.BytesIO(r.content)).format == "JPEG"
    assert client.get("/api/looks/no-such-look/thumbnail.jpg").status_code == 404


def test_full_resolution_result_equals_the_python_api(client, photo_rgb):
    r = post(client, png_bytes(photo_rgb), look="portra-400vc", strength=0.7, seed=3)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/png"
    assert 'filename="cat.retro.png"' in r.headers["content-disposition"]
    got = np.asarray(Image.open(io.BytesIO(r.content)).convert("RGB"))
    want = stylize(photo_rgb, "portra-400vc", strength=0.7, seed=3)
    assert got.shape == photo_rgb.shape and np.array_equal(got, want)


def test_preview_is_small_and_full_render_keeps_16_bits(client, photo_rgb):
    r = post(client, png_bytes(photo_rgb), preview="true")
    im = Image.open(io.BytesIO(r.content))
    assert im.format == "JPEG" and max(im.size) == 64
    sixteen = (photo_rgb.astype(np.uint16) * 257)[:40, :50]
    buf = io.BytesIO()
    import imagecodecs

    buf.write(imagecodecs.png_encode(sixteen))
    r = post(client, buf.getvalue(), name="deep.png", look="fp4-125")
    assert r.status_code == 200, r.text
    out = imagecodecs.png_decode(r.content)
    assert out.dtype == np.uint16 and out.shape == sixteen.shape


def test_knobs_change_the_look_and_are_checked(client, photo_rgb):
    data = png_bytes(photo_rgb)
    plain = post(client, data, look="portra-400vc").content
    grainy = post(client, data, look="portra-400vc", grain=0.08).content
    assert plain != grainy
    want = stylize(photo_rgb, adjusted("portra-400vc", {"grain": 0.08}))
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(grainy)).convert("RGB")), want)
    r = post(client, data, look="portra-400vc", grain=5)
    assert r.status_code == 422 and "grain" in r.json()["error"]
    r = post(client, data, look="no-such-look")
    assert r.status_code == 422 and "no-such-look" in r.json()["error"]
    r = post(client, data, strength=1.5)
    assert r.status_code == 422 and "strength" in r.json()["error"]


def test_knob_values_round_trip():
    for name in STYLES:
        own = knob_values(name)
        if "learned" in STYLES[name].source:  # the zoo's looks have no film/age knobs, and say so
            assert own is None
            with pytest.raises(StyleError, match="no film/age knobs"):
                adjusted(name, {"grain": 0.01})
            continue
        assert set(own) == set(KNOBS)
        look = adjusted(name, own)  # the look's own amounts give the look back
        if hasattr(look, "params") and hasattr(adjusted(name, {}), "params"):
            assert look.params == adjusted(name, {}).params
    # a coloured fade keeps its balance: (0.18, 0.10, 0.12) has mean 0.1333; asking 0.08 scales it by 0.6
    assert adjusted("faded-print-1970s", {"fade": 0.08}).params.fade_black == pytest.approx(
        tuple(v * 0.08 / (0.4 / 3) for v in (0.18, 0.10, 0.12)))


def test_bad_uploads_are_named_and_the_server_goes_on(client, photo_rgb):
    r = post(client, b"this is not an image at all", name="holiday.jpg")
    assert r.status_code == 400 and r.json()["error"].startswith("holiday.jpg: not an image")
    r = post(client, png_bytes(photo_rgb)[:300], name="cut.png")
    assert r.status_code == 400 and "cut.png" in r.json()["error"]
    r = post(client, b"", name="empty.jpg")
    assert r.status_code == 400 and "empty" in r.json()["error"]
    big = np.zeros((300, 300, 3), np.uint8)  # 0.09 MP > the 0.05 MP limit of this server
    r = post(client, png_bytes(big), name="big.png")
    assert r.status_code == 413 and "pixel limit" in r.json()["error"]
    r = client.post("/api/stylize", files={"file": ("huge.jpg", b"\xff" * (4 * 2**20))})
    assert r.status_code == 413 and "upload limit" in r.json()["error"]
    assert post(client, png_bytes(photo_rgb)).status_code == 200
    assert client.get("/api/health").json()["status"] == "ok"


def test_client_file_names_never_become_paths(client, photo_rgb):
    r = post(client, png_bytes(photo_rgb), name="../../etc/passwd.png")
    assert r.status_code == 200 and 'filename="passwd.retro.png"' in r.headers["content-disposition"]
    assert safe_stem("..\\..\\x y/../é.jpg") == "photo" and safe_stem("") == "photo"
    assert safe_stem("C:\\Users\\me\\IMG 0001.JPG") == "IMG_0001"


def test_gate_refuses_beyond_its_queue_and_times_out():
    gate = Gate(slots=1, queue_size=1)
    release = threading.Event()
    running = gate.submit(release.wait, 10)
    queued = gate.submit(time.sleep, 0)
    with pytest.raises(WebError) as e:
        gate.submit(time.sleep, 0)
    assert e.value.status == 503
    release.set()
    running.result(5), queued.result(5)
    release.clear()
    gate.submit(release.wait, 10)
    with pytest.raises(WebError) as e:
        gate.run(time.sleep, 0, timeout=0.2)  # waits behind the blocked render, then gives up
    assert e.value.status == 504
    release.set()
    deadline = time.time() + 10  # the blocked render's thread finishes when the scheduler gets to it (on a loaded
    while gate.pending and time.time() < deadline:  # CI machine a fixed 0.1 s sleep could race it)
        time.sleep(0.02)
    assert gate.pending == 0  # the timed-out render was dropped from the queue, the blocked one finished
    gate.shutdown()


def test_video_job_renders_every_frame_and_keeps_audio(client, tmp_path):
    av = pytest.importorskip("av")
    from helpers import load_script

    clip = load_script("make_clip").make_clip(tmp_path / "clip.mkv", size=(96, 64), frames_per_shot=4)
    r = client.post("/api/jobs/video", files={"file": ("clip.mkv", clip.read_bytes())},
                    data={"look": "portra-400vc"})
    assert r.status_code == 202, r.text
    job = wait(client, r.json()["id"])
    assert job["status"] == "done", job
    out = client.get(job["result"])
    assert out.status_code == 200 and 'filename="clip.retro.mp4"' in out.headers["content-disposition"]
    (tmp_path / "out.mp4").write_bytes(out.content)
    with av.open(str(clip)) as a, av.open(str(tmp_path / "out.mp4")) as b:
        assert sum(1 for _ in b.decode(video=0)) == sum(1 for _ in a.decode(video=0)) == 12
        assert len(b.streams.audio) == 1
    assert client.delete(f"/api/jobs/{job['id']}").status_code == 200
    assert client.get(f"/api/jobs/{job['id']}").status_code == 404
    r = client.post("/api/jobs/video", files={"file": ("notes.txt", b"hello")})
    assert r.status_code == 400 and "not a video" in r.json()["error"]
    r = client.post("/api/jobs/video", files={"file": ("broken.mp4", b"\x00" * 1000)})
    job = wait(client, r.json()["id"])
    assert job["status"] == "failed" and "broken" in job["error"]


def test_train_job_adds_a_look(client, photo_rgb):
    target = stylize(photo_rgb, "portra-400vc")
    ins = [("inputs", (f"p{i}.png", png_bytes(np.roll(photo_rgb, 9 * i, axis=1)))) for i in range(3)]
    outs = [("targets", (f"p{i}.png", png_bytes(np.roll(target, 9 * i, axis=1)))) for i in range(3)]
    r = client.post("/api/jobs/train", files=ins + outs[:2], data={"minutes": "1", "steps": "4"})
    assert r.status_code == 400 and "p2" in r.json()["error"]  # unmatched stem named
    r = client.post("/api/jobs/train", files=ins + outs, data={"minutes": "1", "steps": "4", "name": "My Look!"})
    assert r.status_code == 202, r.text
    assert r.json()["look"] == "my-look"
    job = wait(client, r.json()["id"], seconds=120)
    assert job["status"] == "done", job
    z = zipfile.ZipFile(io.BytesIO(client.get(job["result"]).content))
    assert {n for n in z.namelist() if not n.endswith("/")} == {"my-look/generator.safetensors",
                                                                 "my-look/style.json"}, z.namelist()
    assert not any(n.endswith((".pt", ".pth", ".pkl")) for n in z.namelist())
    assert "my-look" in [e["name"] for e in client.get("/api/looks").json()]
    r = post(client, png_bytes(photo_rgb), look="my-look")
    assert r.status_code == 200, r.text
    r = post(client, png_bytes(photo_rgb), look="my-look", grain=0.01)
    assert r.status_code == 422 and "knobs" in r.json()["error"]


def test_temporary_files_are_deleted_with_the_server(photo_rgb):
    app = create_app(Limits(), ui=False)
    server = app.state.server
    with TestClient(app) as c:
        assert post(c, png_bytes(photo_rgb)).status_code == 200
        assert server.root.exists()
    assert not server.root.exists()


def wait(client, job_id: str, seconds: float = 60) -> dict:
    end = time.time() + seconds
    while time.time() < end:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {seconds} s: {job}")


def test_reference_transfer_endpoint(client, photo_rgb):
    from retrogan.looks.reference import bundled_model_dir, reference_look

    if not (bundled_model_dir() / "transfer.json").exists():
        pytest.skip("no bundled transfer model in this checkout")
    sepia = stylize(photo_rgb, "albumen-1900s")[8:-8, 8:-8]  # an old print as the reference (no border)
    r = client.post("/api/transfer", files=[("file", ("cat.png", png_bytes(photo_rgb))),
                                            ("reference", ("old.png", png_bytes(sepia)))])
    assert r.status_code == 200, r.text
    got = np.asarray(Image.open(io.BytesIO(r.content)).convert("RGB"))
    assert got.shape == photo_rgb.shape and not np.array_equal(got, photo_rgb)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        ref_path = Path(tmp) / "old.png"
        ref_path.write_bytes(png_bytes(sepia))
        want = stylize(photo_rgb, reference_look([ref_path], layers=True))
        colour_only = stylize(photo_rgb, reference_look([ref_path]))
        no_dust = stylize(photo_rgb, reference_look([ref_path], layers=True, layer_amounts={"grain": 0, "dust": 0}))
    assert np.array_equal(got, want)  # what the Python API gives for the same reference (its layers too)
    assert "print: black and white" in r.headers["X-Retrogan-Layers"]  # the layers read, in words
    r = client.post("/api/transfer", files=[("file", ("cat.png", png_bytes(photo_rgb))),
                                            ("reference", ("old.png", png_bytes(sepia)))], data={"layers": "false"})
    assert r.status_code == 200 and np.array_equal(np.asarray(Image.open(io.BytesIO(r.content)).convert("RGB")),
                                                   colour_only)
    r = client.post("/api/transfer", files=[("file", ("cat.png", png_bytes(photo_rgb))),
                                            ("reference", ("old.png", png_bytes(sepia)))],
                    data={"grain": "0", "dust": "0"})
    assert r.status_code == 200 and np.array_equal(np.asarray(Image.open(io.BytesIO(r.content)).convert("RGB")),
                                                   no_dust)
    r = client.post("/api/transfer", files=[("file", ("cat.png", png_bytes(photo_rgb))),
                                            ("reference", ("old.png", png_bytes(sepia)))], data={"grain": "9"})
    assert r.status_code == 422 and "grain" in r.json()["error"]
    r = client.post("/api/transfer", files=[("file", ("cat.png", png_bytes(photo_rgb))),
                                            ("reference", ("grandma.jpg", b"garbage"))])
    assert r.status_code == 400 and "grandma.jpg" in r.json()["error"] and "/tmp" not in r.json()["error"]
    r = client.post("/api/transfer", files=[("file", ("cat.png", png_bytes(photo_rgb))),
                                            ("reference", ("flat.png", png_bytes(np.full((80, 80, 3), 128, np.uint8))))])
    assert r.status_code == 400 and "blank" in r.json()["error"]
    # recognise: the reference's look as a mixture of the catalogue's, read on this photo (a LUT: no grain)
    r = client.post("/api/transfer", files=[("file", ("cat.png", png_bytes(photo_rgb))),
                                            ("reference", ("old.png", png_bytes(sepia)))], data={"recognise": "true"})
    assert r.status_code == 200, r.text
    rec = np.asarray(Image.open(io.BytesIO(r.content)).convert("RGB"))
    assert rec.shape == photo_rgb.shape and not np.array_equal(rec, got) and not np.array_equal(rec, photo_rgb)
    r = client.post("/api/transfer", files=[("file", ("cat.png", png_bytes(photo_rgb))),
                                            ("reference", ("old.png", png_bytes(sepia)))],
                    data={"recognise": "true", "fit_seconds": "5"})
    assert r.status_code == 422 and "several photos" in r.json()["error"]


def test_every_error_is_json_with_an_error_field(client, photo_rgb):
    """A chunked body over the limit (no Content-Length), malformed multipart and unknown routes answer like every
    other error: {"error": ...} with the status docs/guide.md gives (not the framework's {"detail": ...})."""
    data = png_bytes(photo_rgb)
    big = b"x" * (3 * 1024 * 1024)

    def chunks():
        head = (b'--B\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
                b"Content-Type: image/png\r\n\r\n")
        yield head
        for i in range(0, len(big), 65536):
            yield big[i:i + 65536]
        yield b"\r\n--B--\r\n"

    r = client.post("/api/stylize", content=chunks(), headers={"Content-Type": "multipart/form-data; boundary=B"})
    assert r.status_code == 413 and "upload limit" in r.json()["error"], (r.status_code, r.text)
    r = client.post("/api/stylize", content=b"--B\r\nnot a part", headers={"Content-Type": "multipart/form-data; boundary=B"})
    assert r.status_code in (400, 422) and set(r.json()) == {"error"}, r.text
    r = client.get("/api/nope")
    assert r.status_code == 404 and set(r.json()) == {"error"}, r.text
    r = client.post("/api/stylize", files={"file": ("a.png", data, "image/png")})  # and the server goes on
    assert r.status_code == 200


def test_a_render_nobody_waits_for_stops():
    """Python cannot kill a render thread: a timed-out (or abandoned) render must stop at its next checkpoint and free
    its slot, not run on for a minute holding gigabytes."""
    from retrogan.cancel import Cancelled, cancellable, checkpoint

    gate, stopped = Gate(1, 2), threading.Event()

    def long_render():
        try:
            for _ in range(3000):  # 30 s if nobody stops it
                checkpoint()
                time.sleep(0.01)
        except Cancelled:
            stopped.set()
            raise

    with pytest.raises(WebError) as e:
        gate.run(long_render, timeout=0.2)
    assert e.value.status == 504
    assert stopped.wait(2.0) and wait_for(lambda: gate.pending == 0, 2.0)
    with cancellable(threading.Event()):
        checkpoint()  # not set: nothing happens
    done = threading.Event()
    done.set()
    from retrogan.imaging.photo import Photo
    from retrogan.looks.registry import resolve_style
    from retrogan.web.service import LookRequest, render_photo

    with cancellable(done), pytest.raises(Cancelled):  # the service checks before rendering
        render_photo(Photo(rgb=np.zeros((8, 8, 3), np.uint8)), resolve_style("portra-400vc"), LookRequest(), "x")


def wait_for(cond, seconds: float) -> bool:
    end = time.time() + seconds
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


def test_damage_and_border_switches_over_http(client, photo_rgb):
    data = png_bytes(photo_rgb)
    got = post(client, data, look="albumen-1900s", no_damage="true", no_border="true", cracks=0.4)
    assert got.status_code == 200
    want = stylize(photo_rgb, "albumen-1900s", knobs={"cracks": 0.4}, no_damage=True, no_border=True)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(got.content)).convert("RGB")), want)
    r = post(client, data, look="kodachrome-200", no_damage="true")  # a learned look: nothing to turn off
    assert r.status_code == 200
