"""The registry of bundled looks (a plain dict, per STYLE.md) and the resolver behind every ``--style``."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Callable

from ..defaults import DEFAULT_LOOK
from ..errors import RetroganError, StyleError
from ..luts.stocks import RAWTHERAPEE, STOCKS, Stock, stock_table
from .base import FilmLook, Look, LutLook

@dataclass(frozen=True)
class StyleEntry:
    name: str
    era: str
    process: str
    description: str
    source: str
    load: Callable[[], Look]


def _film_stock(stock: Stock) -> StyleEntry:
    def load() -> Look:
        return LutLook(stock.name, stock_table(stock.name))

    return StyleEntry(stock.name, stock.era, stock.process, stock.description,
                      f"{RAWTHERAPEE}; resampled to 64^3 and smoothed", load)


STYLES: dict[str, StyleEntry] = {s.name: _film_stock(s) for s in STOCKS.values()}


def _era_preset(name: str) -> Callable[[], Look]:
    def load() -> Look:
        from ..film.presets import PRESETS

        return FilmLook(name, PRESETS[name].params)
    return load


def _register_presets() -> None:
    # the preset table is plain data (no torch): importing it keeps `retrogan --help` fast
    from ..film.presets import PRESETS

    for p in PRESETS.values():
        source = "film renderer preset" + (f"; colour from {p.params.stock} ({RAWTHERAPEE})" if p.params.stock else "")
        STYLES[p.name] = StyleEntry(p.name, p.era, p.process, p.description, source, _era_preset(p.name))


_register_presets()


def _zoo_look(folder: Path, label: str) -> Callable[[], Look]:
    def load() -> Look:
        from dataclasses import replace

        from .gan import load_gan_style

        return replace(load_gan_style(str(folder)).with_label(label), name=label)
    return load


def _register_zoo() -> str | None:
    """The bundled multi-style cGAN (data/zoo, made by scripts/train_zoo.py): one look per label. -> its signature."""
    import json

    folder = Path(str(resources.files("retrogan.data") / "zoo"))
    try:
        meta = json.loads((folder / "zoo.json").read_text())
    except (OSError, ValueError):
        return None
    for e in meta["looks"]:
        fidelity = f"; ΔE2000 {e['delta_e']:.2f} on unseen photos (docs/looks/{e['name']}.md)"
        STYLES[e["name"]] = StyleEntry(e["name"], e["era"], e["process"], e["description"],
                                       "learned (fast cGAN) from " + e["source"] + fidelity, _zoo_look(folder, e["name"]))
    return meta.get("signature")


ZOO_SIGNATURE = _register_zoo()  # the zoo's showcase look (README); the default look is defaults.DEFAULT_LOOK


def default_style_name() -> str:
    return DEFAULT_LOOK


@lru_cache(maxsize=16)
def _load_bundled(name: str) -> Look:
    return STYLES[name].load()


def resolve_style(name_or_path: str | None) -> Look:
    """A bundled name, a ``.cube`` file or a HaldCLUT image -> a Look. Raises StyleError naming what is wrong."""
    spec = name_or_path or DEFAULT_LOOK
    if spec in STYLES:
        return _load_bundled(spec)
    path = Path(spec)
    label = None
    if not path.exists() and ":" in spec:  # STYLE_DIR:label picks one look of a multi-style model
        folder, _, label = spec.rpartition(":")
        if Path(folder).is_dir():
            path = Path(folder)
    if path.is_dir():
        from .gan import load_gan_style

        look = load_gan_style(str(path.resolve()))
        if label:
            return look.with_label(label)
        if len(look.labels) > 1:  # taking the first silently would render a look the user did not choose
            raise StyleError(f"style {path} holds {len(look.labels)} looks ({', '.join(look.labels)}): "
                             f"name one as {path}:LABEL")
        return look
    if not path.exists():
        raise StyleError(f"unknown style {spec!r}: not a bundled look ({', '.join(STYLES)}) and no such file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".cube":
            from ..luts.cube import read_cube

            return LutLook(path.stem, read_cube(path).normalised_3d())
        if suffix in (".png", ".tif", ".tiff"):
            from ..luts.hald import read_hald

            return LutLook(path.stem, read_hald(path))
    except RetroganError as e:
        raise StyleError(f"style {spec}: {e}") from None
    raise StyleError(f"style {spec}: expected a bundled name, a style folder, a .cube file or a HaldCLUT .png")
