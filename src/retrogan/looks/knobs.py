"""Film and age knobs on top of a bundled look: grain, fade, vignette, dust, scratches, light leak, yellowing.

A knob is an absolute amount of one film-renderer parameter. ``knob_values(name)`` gives the look's own amounts (what
a UI shows before the user moves anything); ``adjusted(name, knobs)`` returns the look with some of them replaced.
Era presets change their own parameters; a bundled film stock becomes a film look whose colour is that stock, so the
knobs add grain or dust to it. Learned (GAN) looks and user LUT files have no knobs.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import StyleError
from .base import FilmLook, Look, LutLook
from .registry import STYLES, resolve_style


@dataclass(frozen=True)
class Knob:
    name: str
    field: str
    maximum: float
    label: str


KNOBS: dict[str, Knob] = {k.name: k for k in [
    Knob("grain", "grain", 0.10, "Grain"),
    Knob("fade", "fade_black", 0.15, "Fade (milky blacks)"),
    Knob("vignette", "vignette", 0.8, "Vignette"),
    Knob("dust", "dust", 1.0, "Dust"),
    Knob("scratches", "scratches", 1.0, "Scratches"),
    Knob("light_leak", "light_leak", 0.6, "Light leak"),
    Knob("yellowing", "yellowing", 0.8, "Yellowed paper"),
]}


def _params(name: str):
    from ..film.params import FilmParams

    look = resolve_style(name) if name in STYLES else None
    if isinstance(look, FilmLook):
        return look.params
    if isinstance(look, LutLook):
        return FilmParams(stock=name)
    return None


def _amount(value) -> float:
    return float(sum(value) / len(value)) if isinstance(value, tuple) else float(value)


def knob_values(name: str) -> dict[str, float] | None:
    """The bundled look's own knob amounts, or None when the look has no knobs (a learned look, a file)."""
    params = _params(name)
    if params is None:
        return None
    return {k.name: round(_amount(getattr(params, k.field)), 4) for k in KNOBS.values()}


def adjusted(name: str, knobs: dict[str, float | None]) -> Look:
    """The bundled look ``name`` with the given knob amounts (None or missing: the look's own)."""
    given = {k: v for k, v in knobs.items() if v is not None}
    unknown = set(given) - set(KNOBS)
    if unknown:
        raise StyleError(f"unknown knob(s) {', '.join(sorted(unknown))}; knobs are {', '.join(KNOBS)}")
    if not given:
        return resolve_style(name)
    params = _params(name)
    if params is None:
        raise StyleError(f"look {name!r} has no film/age knobs (only bundled looks do)")
    changes = {}
    for k, v in given.items():
        knob = KNOBS[k]
        v = float(v)
        if not 0.0 <= v <= knob.maximum:
            raise StyleError(f"knob {k} must be in [0, {knob.maximum}], got {v}")
        old = getattr(params, knob.field)
        if round(v, 4) == round(_amount(old), 4):  # the look's own amount (as knob_values shows it): unchanged
            continue
        if isinstance(old, tuple):  # a coloured fade keeps its colour balance, scaled to the new mean
            mean = _amount(old)
            changes[knob.field] = tuple(a * v / mean for a in old) if mean > 0 else (v, v, v)
        else:
            changes[knob.field] = v
    return FilmLook(name, replace(params, **changes))
