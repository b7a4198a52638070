"""End to end in a real browser: `retrogan serve` in a subprocess, Debian's Chromium driven by Playwright (no browser
download). Screenshots go to out/test-artifacts/web/ (RETROGAN_ARTIFACTS overrides).

Skipped when Playwright or /usr/bin/chromium is missing, unless RETROGAN_REQUIRE_BROWSER=1 (set by .ci/run, which
installs Chromium): then a missing browser fails the suite instead of hiding it."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
REQUIRED = os.environ.get("RETROGAN_REQUIRE_BROWSER") == "1"
ARTIFACTS = Path(os.environ.get("RETROGAN_ARTIFACTS", Path(__file__).resolve().parents[1] / "out" / "test-artifacts"))


def _missing() -> str | None:
    try:
        import gradio  # noqa: F401
        import playwright  # noqa: F401
    except ImportError as e:
        return f"{e.name} is not installed (pip install -e '.[dev]')"
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    return None


if _missing():
    if REQUIRED:
        raise RuntimeError(f"browser tests required but {_missing()}")
    pytest.skip(_missing(), allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    env = dict(os.environ, RETROGAN_MAX_MEGAPIXELS="4")
    with open(log, "w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "retrogan", "serve", "--port", str(port)], stdout=fh,
                                stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            try:
                urllib.request.urlopen(url + "/api/health", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"server did not start:\n{log.read_text()}")
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(20)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture(scope="module")
def big_photo(tmp_path_factory) -> Path:
    """A real photo (skimage's coffee) at 1500x1000: larger than the page's 1024-px preview."""
    from conftest import skimage_file

    path = tmp_path_factory.mktemp("photos") / "coffee.jpg"
    Image.open(skimage_file("coffee.png")).convert("RGB").resize((1500, 1000), Image.LANCZOS).save(path, quality=92)
    return path


def status(page) -> str:
    return page.inner_text("#status")


def wait_status(page, text: str) -> None:
    page.wait_for_function("t => document.querySelector('#status').innerText.includes(t)", arg=text)


def after_src(page) -> str:
    return page.get_attribute("#compare img >> nth=1", "src")


def test_upload_pick_look_strength_render_and_download(page, server, big_photo, tmp_path):
    from retrogan.api import stylize
    from retrogan.imaging.write import write_photo

    page.goto(server)
    page.set_input_files("#upload input[type=file]", str(big_photo))
    wait_status(page, "Preview of coffee.jpg")
    first = after_src(page)

    # pick a look in the thumbnail gallery: the list follows and the preview is redrawn
    page.locator("#looks-gallery button", has_text=re.compile(r"^\s*kodachrome-25\s*$")).click()
    page.wait_for_function("() => document.querySelector('#look input').value === 'kodachrome-25'")
    page.wait_for_function("s => document.querySelectorAll('#compare img')[1].src !== s", arg=first)
    picked = after_src(page)

    # move the strength slider: the preview changes again
    slider = page.locator("#strength input[type=range]")
    slider.fill("0.5")
    slider.dispatch_event("pointerup")
    page.wait_for_function("s => document.querySelectorAll('#compare img')[1].src !== s", arg=picked)
    preview = Image.open(urllib.request.urlopen(after_src(page)))
    assert max(preview.size) <= 1024

    page.click("#render")
    page.wait_for_selector("#result a[download]")
    with page.expect_download() as d:
        page.locator("#result a[download]").first.click()
    got_path = tmp_path / d.value.suggested_filename
    d.value.save_as(got_path)
    assert got_path.name == "coffee.retro.jpg"
    got = Image.open(got_path)
    assert got.format == "JPEG" and got.size == (1500, 1000)  # full resolution, not the preview

    # exactly what the Python API gives for this look at strength 0.5, through the same writer
    want_path = write_photo(stylize(big_photo, "kodachrome-25", strength=0.5), tmp_path / "want.jpg")
    assert np.array_equal(np.asarray(got), np.asarray(Image.open(want_path)))
    assert "Rendered 1 of 1" in status(page)


def test_bad_upload_shows_an_error_and_the_next_good_one_works(page, server, big_photo, tmp_path):
    page.goto(server)
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 definitely not the rest of a JPEG" * 20)
    page.set_input_files("#upload input[type=file]", str(bad))
    wait_status(page, "Error")
    assert "broken.jpg" in status(page) and ("corrupt" in status(page) or "not an image" in status(page))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "bad_upload_error.png"))
    page.click("#render")
    page.wait_for_function("() => document.querySelector('#status').innerText.includes('broken.jpg') && "
                           "!document.querySelector('#result a[download]')")
    page.locator("#upload button[aria-label='Clear']").first.click()
    page.set_input_files("#upload input[type=file]", str(big_photo))
    wait_status(page, "Preview of coffee.jpg")
    assert "Error" not in status(page)


def test_oversized_image_is_refused_with_its_limit(page, server, tmp_path):
    big = tmp_path / "huge.png"
    Image.fromarray(np.zeros((2100, 2100, 3), np.uint8)).save(big)  # 4.4 MP > this server's 4 MP
    page.goto(server)
    page.set_input_files("#upload input[type=file]", str(big))
    wait_status(page, "Error")
    assert "huge.png" in status(page) and "pixel limit" in status(page)
    with urllib.request.urlopen(server + "/api/health") as r:
        assert r.status == 200


def test_typing_in_the_look_box_replaces_the_name_and_filters(page, server):
    page.goto(server)
    box = page.locator("#look input")
    box.click()
    page.keyboard.type("super8")
    assert box.input_value() == "super8"  # replaced, not "kodachrome-200super8"
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#look input').value === 'super8-1970s'")
