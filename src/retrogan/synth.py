"""Synthesise pairs for pair-wise training: each photo and its render through a look, parameters jittered around
the look within the documented ranges (``film.params.JITTER_ABS`` / ``JITTER_REL``)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .batch import expand_inputs
from .errors import RetroganError, StyleError
from .imaging.photo import Photo
from .imaging.read import read_photo
from .imaging.write import atomic_write_bytes, write_photo


def film_params_for(style: str):
    """An era preset, a bundled film stock or a JSON file of FilmParams -> FilmParams."""
    from .film.params import FilmParams
    from .film.presets import PRESETS
    from .looks.registry import STYLES

    if style in PRESETS:
        return PRESETS[style].params
    if style in STYLES:
        return FilmParams(stock=style)
    path = Path(style)
    if path.suffix == ".json" and path.exists():
        try:
            return FilmParams.from_dict(json.loads(path.read_text()))
        except (ValueError, TypeError) as e:
            raise StyleError(f"{path}: not a valid film-parameters file ({e})") from None
    raise StyleError(f"synth needs an era preset, a bundled film stock or a FilmParams .json file, not {style!r}")


@dataclass
class SynthReport:
    pairs: int = 0
    failed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def synthesise(input_dir: str, style: str, out_dir: Path, *, variants: int = 1, seed: int = 0,
               max_side: int | None = None, overwrite: bool = False, gamut: int = 0, on_done=None) -> SynthReport:
    """``gamut``: per photo, this many more pairs from gamut-wide versions of it (saturated, hue-rotated, white-
    balance shifted, neon, deep shadows: `charts.gamut_variant`), and as many chart pictures in all, so a look
    learned from the pairs also knows the colours ordinary photos rarely hold."""
    from .film.fast import render_array
    from .film.params import jitter

    from dataclasses import replace

    base = film_params_for(style)
    # A border changes the framing (the print's margin around the picture), which pair-wise training cannot learn
    # and `train paired` refuses; the renderer adds it at stylize time, so the pairs are made without it.
    borderless = bool(base.border)
    base = replace(base, border=None)
    rng = np.random.default_rng(seed)
    (out_dir / "inputs").mkdir(parents=True, exist_ok=True)
    (out_dir / "targets").mkdir(parents=True, exist_ok=True)
    report, records, charts = SynthReport(), [], 0
    if borderless:
        report.notes.append(f"{style}'s border is left out of the targets (training learns a look, not a frame); "
                            "`retrogan stylize --style DIR` of the trained look gives no border either")
    for src, _, err in expand_inputs([input_dir]):
        try:
            if err:
                raise RetroganError(f"{src}: {err}")
            photo = _fit(read_photo(src), max_side)
            inputs = [(photo.rgb, "")] + [_gamut(photo.rgb, rng) for _ in range(gamut)]
            for v in range(variants):
                p = jitter(base, rng) if variants > 1 or v > 0 else base
                p = replace(p, border=None) if p.border else p
                for g, (rgb, how) in enumerate(inputs):
                    item_seed = int(rng.integers(0, 2 ** 31))
                    stem = f"{src.stem}_v{v:02d}" + (f"_g{g - 1:02d}" if g else "")
                    _write_pair(out_dir, stem, rgb, render_array(rgb, p, seed=item_seed), overwrite)
                    records.append({"stem": stem, "source": str(src), "seed": item_seed, "params": json.loads(p.to_json()),
                                    **({"gamut": how} if how else {})})
                    report.pairs += 1
            charts += gamut
        except RetroganError as e:
            report.failed.append(str(e))
        if on_done:
            on_done(src)
    from .charts import chart_collage

    for k in range(charts):
        rgb = (chart_collage(rng) * 255).round().astype(np.uint8)
        item_seed, stem = int(rng.integers(0, 2 ** 31)), f"chart_{k:03d}"
        _write_pair(out_dir, stem, rgb, render_array(rgb, base, seed=item_seed), overwrite)
        records.append({"stem": stem, "source": "charts.chart_collage", "seed": item_seed,
                        "params": json.loads(base.to_json())})
        report.pairs += 1
    manifest = {"style": style, "seed": seed, "variants": variants, "gamut": gamut, "pairs": records}
    atomic_write_bytes(out_dir / "pairs.json", json.dumps(manifest, indent=1).encode(), overwrite=True)
    return report


def _gamut(rgb: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """A gamut-wide version of an 8- or 16-bit image, at its bit depth."""
    from .charts import gamut_variant

    top = 255.0 if rgb.dtype == np.uint8 else 65535.0
    out, how = gamut_variant(rgb.astype(np.float32) / top, rng)
    return (out * top).round().astype(rgb.dtype), how


def _write_pair(out_dir: Path, stem: str, source: np.ndarray, target: np.ndarray, overwrite: bool) -> None:
    write_photo(Photo(rgb=source, format="PNG"), out_dir / "inputs" / f"{stem}.png", overwrite=overwrite)
    write_photo(Photo(rgb=target, format="PNG"), out_dir / "targets" / f"{stem}.png", overwrite=overwrite)


def _fit(photo: Photo, max_side: int | None) -> Photo:
    if not max_side or max(photo.size) <= max_side:
        return photo
    from PIL import Image

    scale = max_side / max(photo.size)
    size = (max(1, round(photo.size[0] * scale)), max(1, round(photo.size[1] * scale)))
    if photo.bit_depth == 8:
        return photo.with_rgb(np.asarray(Image.fromarray(photo.rgb).resize(size, Image.LANCZOS)))
    chans = [np.asarray(Image.fromarray(photo.rgb[..., c].astype(np.float32)).resize(size, Image.LANCZOS))
             for c in range(3)]
    return photo.with_rgb(np.clip(np.stack(chans, -1), 0, 65535).astype(np.uint16))
