"""The Gradio page: upload photos or a video, pick a look (list or thumbnail gallery), strength and film/age knobs,
a live before/after preview, full-resolution downloads; a tab that trains a look from uploaded pairs.
Every render goes through the server's gate, like the API's. The page's functions read only files uploaded to this
server (``uploads.py``): a path or URL that a client names instead is refused before anything opens it."""
from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from .service import LookRequest, WebError, safe_stem, stylize_upload, stylize_video_file, transfer_upload
from .uploads import upload_only, uploaded

if TYPE_CHECKING:
    from .app import Server

OUTPUT_TTL_S = 3600.0
# Gradio's look box keeps the current name when it is clicked, so typing appended to it ("kodachrome-200super8")
# and matched nothing; selecting the text on focus makes typing replace it and filter the list, as users expect.
SELECT_ON_FOCUS = """() => { const e = document.querySelector("#look input"); if (e) setTimeout(() => e.select(), 0); }"""


def _is_video(path: str) -> bool:
    from ..video import is_video

    return is_video(path)


def _knob_args(look: str, values) -> dict:
    """Only the knobs moved away from the look's own amounts (so an untouched stock keeps its exact LUT path)."""
    from ..looks.knobs import KNOBS, knob_values

    own = knob_values(look) if look else None
    if own is None:
        return {}
    return {k: float(v) for k, v in zip(KNOBS, values) if v is not None and abs(float(v) - own[k]) > 1e-6}


def _summary(done: list, total: int, how: str, failed: list[str]) -> str:
    """The page's status after a batch: what was rendered, then every failure by name."""
    lines = [f"Rendered {len(done)} of {total} {how}: " + ", ".join(f"{p.name} ({what})" for p, what in done)
             ] if done else []
    if failed:
        lines.append("**Error:** " + "; ".join(failed))
    return "\n\n".join(lines)


class Handlers:
    """The page's callbacks; plain methods so they can be read (and called) without a browser."""

    def __init__(self, server: "Server") -> None:
        self.server = server
        self.outputs = server.root / "ui"
        self.outputs.mkdir(exist_ok=True)

    def _request(self, look, strength, seed, knobs) -> LookRequest:
        return LookRequest(look, float(strength), int(seed or 0), _knob_args(look, knobs))

    def preview(self, files, look, strength, seed, *knobs):
        """(before, after) preview of the first photo and a status line; errors are shown, not raised."""
        if not files:
            return None, "Upload a photo (JPEG, PNG, TIFF, WebP) or a video to begin."
        try:
            files = self._uploaded(files)
        except WebError as e:
            return None, f"**Error:** {e}"
        first = files[0]
        name = Path(first).name
        if _is_video(first):
            return None, f"{name}: a video. Press **Render full resolution** to render every frame."
        try:
            req = self._request(look, strength, seed, knobs)
            data = Path(first).read_bytes()
            limits = self.server.limits
            before = self.server.gate.run(stylize_upload, data, name, LookRequest(look, 0.0), self.server.looks,
                                          limits, True, timeout=limits.timeout_s)
            after = self.server.gate.run(stylize_upload, data, name, req, self.server.looks, limits, True,
                                         timeout=limits.timeout_s)
        except WebError as e:
            return None, f"**Error:** {e}"
        except Exception as e:  # noqa: BLE001 - shown in the page; the server goes on
            return None, f"**Error:** {name}: internal error ({type(e).__name__}: {e})"
        folder = self._folder()
        b, a = folder / f"before-{before.filename}", folder / f"after-{after.filename}"
        b.write_bytes(before.data)
        a.write_bytes(after.data)
        more = f" (and {len(files) - 1} more file(s): all are rendered at full resolution)" if len(files) > 1 else ""
        return (str(b), str(a)), f"Preview of {name}{more}. Drag the divider to compare."

    def render(self, files, look, strength, seed, *knobs, progress=None):
        """Full resolution for every upload: a list of result files and a status; a bad file is named and the rest
        go on."""
        if not files:
            return None, "**Error:** nothing uploaded."
        try:
            files = self._uploaded(files)
        except WebError as e:
            return None, f"**Error:** {e}"
        req = self._request(look, strength, seed, knobs)
        folder = self._folder()
        done, failed = [], []
        for i, path in enumerate(files):
            name = Path(path).name
            if progress is not None:
                progress(i / len(files), desc=f"{name}")
            try:
                if _is_video(path):
                    def on_progress(n, total, i=i):
                        if progress is not None and total:
                            progress((i + n / total) / len(files), desc=f"{name}: frame {n} of {total}")
                    out = stylize_video_file(Path(path), folder, safe_stem(name), req, self.server.looks, on_progress)
                    done.append((out, "video"))
                else:
                    r = self.server.gate.run(stylize_upload, Path(path).read_bytes(), name, req, self.server.looks,
                                             self.server.limits, False, timeout=self.server.limits.timeout_s)
                    dst = _unique(folder / r.filename)
                    dst.write_bytes(r.data)
                    done.append((dst, f"{r.width}x{r.height}"))
            except WebError as e:
                failed.append(str(e))
            except Exception as e:  # noqa: BLE001 - named in the page; the other files go on
                failed.append(f"{name}: internal error ({type(e).__name__}: {e})")
        return ([str(p) for p, _ in done] or None), _summary(done, len(files), "at full resolution", failed)

    def transfer(self, refs, files, strength, seed, fit, recognise=False, layers=True, *amounts):
        """The look of the reference photo(s) on every uploaded photo: (before/after of the first, result files,
        status). A bad reference stops with its name; a bad photo is named and the others go on. ``layers``: copy
        the references' film and age layers too, ``amounts`` one per ``transfer.layers.LAYER_NAMES``."""
        from ..transfer.layers import LAYER_NAMES

        layer_amounts = ({n: float(v) for n, v in zip(LAYER_NAMES, amounts) if v is not None} if layers else None)
        if not refs:
            return None, None, "**Error:** upload a reference photo (an old photo whose look you want)."
        if not files:
            return None, None, "**Error:** upload the photos to transform."
        limits, gate = self.server.limits, self.server.gate
        req = LookRequest(None, float(strength), int(seed or 0))
        try:
            refs, files = self._uploaded(refs), self._uploaded(files)
            ref_data = [(Path(p).name, Path(p).read_bytes()) for p in refs]
        except WebError as e:
            return None, None, f"**Error:** {e}"
        except OSError as e:
            return None, None, f"**Error:** {Path(e.filename or '').name or 'upload'}: {e.strerror}"
        folder = self._folder()
        done, failed, pair, read_layers = [], [], None, ""
        if fit and recognise:
            return None, None, "**Error:** choose either Fit or Recognise: they are two ways to read the look."
        fit_s = min(60.0, limits.timeout_s / 2) if fit else 0.0
        recognise = bool(recognise)
        for path in files:
            name = Path(path).name
            try:
                data = Path(path).read_bytes()
                r = gate.run(transfer_upload, data, name, ref_data, req, limits, False, fit_s, recognise,
                             layer_amounts, timeout=limits.timeout_s)
                dst = _unique(folder / r.filename)
                dst.write_bytes(r.data)
                done.append((dst, f"{r.width}x{r.height}"))
                read_layers = read_layers or r.layers
                if pair is None:
                    before = gate.run(stylize_upload, data, name, LookRequest(None, 0.0), self.server.looks, limits,
                                      True, timeout=limits.timeout_s)
                    after = gate.run(transfer_upload, data, name, ref_data, req, limits, True, 0.0, recognise,
                                     layer_amounts, timeout=limits.timeout_s) if not fit_s else None
                    b = folder / f"before-{before.filename}"
                    b.write_bytes(before.data)
                    if after is not None:
                        a = folder / f"after-{after.filename}"
                        a.write_bytes(after.data)
                    else:  # a fitted look differs per photo: preview the full-resolution result
                        a = dst
                    pair = (str(b), str(a))
            except WebError as e:
                failed.append(str(e))
                if "reference" in str(e):
                    break
            except Exception as e:  # noqa: BLE001 - named in the page; the other files go on
                failed.append(f"{name}: internal error ({type(e).__name__}: {e})")
        summary = _summary(done, len(files), f"in the look of {len(refs)} reference(s)", failed)
        if read_layers:
            summary += f"\n\nRead from the reference(s): {read_layers}"
        return pair, ([str(p) for p, _ in done] or None), summary

    def look_changed(self, look):
        """The look's description and its own knob amounts (knobs greyed out for looks without them)."""
        import gradio as gr

        from ..looks.knobs import KNOBS, knob_values
        from ..looks.registry import STYLES

        own = knob_values(look) if look else None
        e = STYLES.get(look)
        info = (f"**{e.name}** · {e.era} · {e.process}  \n{e.description}  \n<small>{e.source}</small>" if e
                else f"**{look}** · trained on this server")
        updates = [gr.update(value=own[k], interactive=True) if own else gr.update(value=0, interactive=False)
                   for k in KNOBS]
        return [info, *updates]

    def train(self, inputs, targets, name, minutes):
        """Start a train-a-look job and report its progress until it ends (a generator: the page updates live)."""
        import gradio as gr

        from .train import start_training

        server = self.server
        try:
            ins = [(p.name, p.read_bytes()) for p in self._uploaded(inputs)]
            outs = [(p.name, p.read_bytes()) for p in self._uploaded(targets)]
            job, look = start_training(server, name, ins, outs, float(minutes), 100000)
        except WebError as e:
            yield f"**Error:** {e}", None, gr.update()
            return
        while job.status in ("queued", "running"):
            yield f"Training **{look}**: {job.progress:.0%} · {job.message or job.status}", None, gr.update()
            time.sleep(1.0)
        if job.status == "failed":
            yield f"**Error:** training failed: {job.error}", None, gr.update()
            return
        yield (f"Trained **{look}**: {job.message}. It is now in the look list; the zip is the style folder "
               f"(`retrogan stylize PHOTO --style FOLDER`)."), str(job.result), gr.update(choices=server.looks.names())

    def _uploaded(self, paths) -> list[Path]:
        """The client's paths when every one is a file uploaded to this server; else WebError (403)."""
        return uploaded(paths, self.server.uploads)

    def _folder(self) -> Path:
        now = time.time()
        for old in self.outputs.iterdir():  # results are handed to Gradio's cache; ours expire
            if now - old.stat().st_mtime > OUTPUT_TTL_S:
                shutil.rmtree(old, ignore_errors=True)
        folder = self.outputs / uuid.uuid4().hex
        folder.mkdir()
        return folder


def _unique(path: Path) -> Path:
    n = 2
    candidate = path
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate


def build_ui(server: "Server"):
    import gradio as gr

    from ..looks.knobs import KNOBS, knob_values
    from ..looks.registry import STYLES, default_style_name
    from ..transfer.layers import LAYER_NAMES
    from .service import look_thumbnail

    h = Handlers(server)

    def File(**kw):  # the page's inputs: uploads to this server only
        return upload_only(gr.File(**kw), server.uploads)
    default = default_style_name()
    own = knob_values(default)  # None for a learned look: knobs start greyed out at 0
    thumbs = server.root / "thumbs"
    thumbs.mkdir(exist_ok=True)
    gallery = []
    for name in STYLES:
        p = thumbs / f"{name}.jpg"
        p.write_bytes(look_thumbnail(name))
        gallery.append((str(p), name))

    with gr.Blocks(title="retrogan", analytics_enabled=False, delete_cache=(600, 3600)) as ui:
        gr.Markdown("# retrogan\nGive modern photos and video an authentic retro look. Everything runs on this "
                    "server; nothing is sent anywhere else.")
        with gr.Tab("Photos and video"):
            with gr.Row():
                with gr.Column(scale=1):
                    files = File(label="Photos or a video", file_count="multiple", elem_id="upload")
                    look = gr.Dropdown(choices=server.looks.names(), value=default, label="Look", elem_id="look")
                    info = gr.Markdown(h.look_changed(default)[0], elem_id="look-info")
                    strength = gr.Slider(0, 1, value=1.0, step=0.05, label="Strength (0 = unchanged)",
                                         elem_id="strength")
                    with gr.Accordion("Film and age", open=False):
                        knobs = [gr.Slider(0, k.maximum, value=own[k.name] if own else 0,
                                           step=k.step or k.maximum / 100, label=k.label,
                                           interactive=own is not None, elem_id=f"knob-{k.name}")
                                 for k in KNOBS.values()]
                    seed = gr.Number(0, precision=0, label="Seed (grain, dust)", elem_id="seed")
                    go = gr.Button("Render full resolution", variant="primary", elem_id="render")
                with gr.Column(scale=2):
                    compare = gr.ImageSlider(label="Before / after (preview)", type="filepath", elem_id="compare",
                                             interactive=False)
                    status = gr.Markdown("Upload a photo (JPEG, PNG, TIFF, WebP) or a video to begin.",
                                         elem_id="status")
                    result = gr.File(label="Full-resolution results", file_count="multiple", interactive=False,
                                     elem_id="result")
            looks_gallery = gr.Gallery(gallery, label="Bundled looks: click one to choose it", columns=7,
                                       allow_preview=False, height="auto", elem_id="looks-gallery")
        with gr.Tab("From a reference photo"):
            gr.Markdown("Give one or a few old photos whose look you want (the same look); retrogan reads the look "
                        "from them (the ST-GAN's style encoder) and renders your photos in it at full resolution. "
                        "**Fit** refines the look on each photo first (slower). **Recognise** reads it instead as "
                        "a mixture of the film looks the model knows, on each photo (often closer to a film stock; "
                        "limited to those looks).")
            with gr.Row():
                with gr.Column(scale=1):
                    r_refs = File(label="Reference photo(s)", file_count="multiple", elem_id="ref-references")
                    r_files = File(label="Your photos", file_count="multiple", elem_id="ref-upload")
                    r_strength = gr.Slider(0, 1, value=1.0, step=0.05, label="Strength", elem_id="ref-strength")
                    r_fit = gr.Checkbox(False, label="Fit to each photo (up to a minute each)", elem_id="ref-fit")
                    r_recognise = gr.Checkbox(False, label="Recognise among known film looks",
                                              elem_id="ref-recognise")
                    r_layers = gr.Checkbox(True, label="Copy grain, softness, vignette, dust and a print's toning",
                                           elem_id="ref-layers")
                    with gr.Accordion("Layers: turn each down or off", open=False):
                        r_amounts = [gr.Slider(0, 2, value=1.0, step=0.1, label=n.capitalize(), elem_id=f"ref-layer-{n}")
                                     for n in LAYER_NAMES]
                    r_seed = gr.Number(0, precision=0, label="Seed", visible=False)
                    r_go = gr.Button("Transfer the look", variant="primary", elem_id="ref-go")
                with gr.Column(scale=2):
                    r_compare = gr.ImageSlider(label="Before / after", type="filepath", elem_id="ref-compare",
                                               interactive=False)
                    r_status = gr.Markdown(elem_id="ref-status")
                    r_result = gr.File(label="Full-resolution results", file_count="multiple", interactive=False,
                                       elem_id="ref-result")
        with gr.Tab("Train a look"):
            gr.Markdown("Learn a look from pairs: the same scenes before and after, matched by file name. "
                        "20 or more pairs learn a look well; a few minutes of training is enough for a first try.")
            with gr.Row():
                t_in = File(label="Before (modern photos)", file_count="multiple", elem_id="train-inputs")
                t_out = File(label="After (same file names, in the look)", file_count="multiple",
                                elem_id="train-targets")
            with gr.Row():
                t_name = gr.Textbox("my-look", label="Name", elem_id="train-name")
                t_min = gr.Slider(0.5, server.limits.max_train_minutes, value=min(3.0, server.limits.max_train_minutes),
                                  step=0.5, label="Minutes of training", elem_id="train-minutes")
            t_go = gr.Button("Train", variant="primary", elem_id="train")
            t_status = gr.Markdown(elem_id="train-status")
            t_zip = gr.File(label="Style folder (zip)", interactive=False, elem_id="train-result")

        inputs = [files, look, strength, seed, *knobs]
        files.change(h.preview, inputs, [compare, status])
        look.change(h.look_changed, look, [info, *knobs]).then(h.preview, inputs, [compare, status])
        strength.release(h.preview, inputs, [compare, status])
        seed.submit(h.preview, inputs, [compare, status])
        for k in knobs:
            k.release(h.preview, inputs, [compare, status])
        looks_gallery.select(_pick(list(STYLES)), None, look)
        look.focus(None, None, None, js=SELECT_ON_FOCUS, queue=False)  # in the browser only: nothing reaches us

        def render(*args, progress=gr.Progress()):
            return h.render(*args, progress=progress)
        go.click(render, inputs, [result, status], concurrency_limit=server.limits.concurrency)
        r_go.click(h.transfer, [r_refs, r_files, r_strength, r_seed, r_fit, r_recognise, r_layers, *r_amounts],
                   [r_compare, r_result, r_status],
                   concurrency_limit=server.limits.concurrency)
        t_go.click(h.train, [t_in, t_out, t_name, t_min], [t_status, t_zip, look], concurrency_limit=1)
    ui.queue(max_size=server.limits.queue_size, default_concurrency_limit=server.limits.concurrency)
    return ui


def _pick(names: list[str]):
    import gradio as gr

    def pick(evt):
        return names[evt.index]
    pick.__annotations__ = {"evt": gr.SelectData}  # Gradio passes the selection to a parameter typed so
    return pick


def mount_ui(app, server: "Server"):
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ["GRADIO_TEMP_DIR"] = str(server.uploads)  # uploads and results: deleted with the server
    import gradio as gr

    ui = build_ui(server)
    app = gr.mount_gradio_app(app, ui, path="/", max_file_size=server.limits.max_upload_bytes, show_error=True,
                              footer_links=[], theme=gr.themes.Soft())
    # Gradio applies its own upload-folder rule only to apps it launched itself, not to a mounted app like this one;
    # ours (uploads.py: the inputs' component and every handler) holds instead, tested with every page function.
    server.ui = ui
    return app
