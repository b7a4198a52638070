"""Film and age knobs on top of a bundled look: grain (amount, size, colour, roughness), fade, vignette, each kind
of damage (dust, hairs, scratches, cracks, creases), light leak, yellowing, the border, and on video the film's
motion (gate weave, flicker, breath, cadence).

A knob is an absolute amount of one film-renderer parameter (the border: 0 off, 1 on). ``knob_values(name)`` gives
the look's own amounts (what a UI shows before the user moves anything); ``adjusted(name, knobs)`` returns the look
with some of them replaced. Era presets change their own parameters; a bundled film stock becomes a film look whose
colour is that stock, so the knobs add grain or dust to it. Learned (GAN) looks and user LUT files have no knobs.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import StyleError
from ..film.params import MARK_FIELDS
from .base import FilmLook, Look, LutLook
from .registry import STYLES, default_style_name, resolve_style


@dataclass(frozen=True)
class Knob:
    name: str
    field: str
    maximum: float
    label: str
    step: float = 0.0  # a UI slider's step (0: a hundredth of the range)


KNOBS: dict[str, Knob] = {k.name: k for k in [
    Knob("grain", "grain", 0.10, "Grain"),
    Knob("grain_size", "grain_size", 0.004, "Grain size (of the frame's short side)", 0.0001),
    Knob("grain_colour", "grain_colour", 1.0, "Grain colour (0 black-and-white film, 1 digital noise)"),
    Knob("grain_roughness", "grain_roughness", 1.0, "Grain roughness (clumping)"),
    Knob("fade", "fade_black", 0.15, "Fade (milky blacks)"),
    Knob("vignette", "vignette", 0.8, "Vignette"),
    Knob("dust", "dust", 1.0, "Dust"),
    Knob("hairs", "hairs", 1.0, "Hairs"),
    Knob("scratches", "scratches", 1.0, "Scratches"),
    Knob("cracks", "cracks", 1.0, "Cracks"),
    Knob("creases", "creases", 1.0, "Creases"),
    Knob("light_leak", "light_leak", 0.6, "Light leak"),
    Knob("yellowing", "yellowing", 0.8, "Yellowed paper"),
    Knob("border", "border", 1.0, "Border (0 off, 1 on)", 1.0),
    Knob("weave", "weave", 1.0, "Gate weave (video)"),
    Knob("flicker", "flicker", 1.0, "Exposure flicker (video)"),
    Knob("breath", "breath", 1.0, "Film breath: colour wandering (video)"),
    Knob("cadence", "cadence", 30.0, "Camera frame rate, e.g. 18 (video; 0 every frame)", 1.0),
    Knob("variant", "variant", 2.0, "Variant: 0 light, 1 standard, 2 strong (age, wear and fading)", 1.0),
]}
VARIANT_NAMES = ("light", "standard", "strong")  # the variant knob's 0, 1, 2 (film.params.VARIANTS)
DAMAGE = MARK_FIELDS  # what --no-damage turns off (knob names are the field names)
DEFAULT_BORDER = "print"  # the border that ``border=1`` gives a look that has none


def _params(name: str):
    from ..film.params import FilmParams

    look = resolve_style(name) if name in STYLES else None
    if isinstance(look, FilmLook):
        return look.params
    if isinstance(look, LutLook):  # grain added to a colour stock is colour film's grain
        from ..film.noise import FILM_GRAIN_COLOUR

        return FilmParams(stock=name, grain_colour=0.0 if "black-and-white" in STYLES[name].process
                          else FILM_GRAIN_COLOUR)
    return None


def _amount(value) -> float:
    if value is None or isinstance(value, str):  # the border: a name, or None
        return float(value is not None)
    return float(sum(value) / len(value)) if isinstance(value, tuple) else float(value)


def knob_values(name: str) -> dict[str, float] | None:
    """The bundled look's own knob amounts, or None when the look has no knobs (a learned look, a file)."""
    params = _params(name)
    if params is None:
        return None
    return {k.name: 1.0 if k.name == "variant" else round(_amount(getattr(params, k.field)), 4)
            for k in KNOBS.values()}


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
    for k, v in given.items():
        if not 0.0 <= float(v) <= KNOBS[k].maximum:
            raise StyleError(f"knob {k} must be in [0, {KNOBS[k].maximum}], got {v}")
    level = round(float(given.pop("variant", 1.0)))
    standard = level == 1
    if not standard:  # the variant first; an amount also given replaces the variant's
        from ..film.params import variant

        params = variant(params, VARIANT_NAMES[level])
    changes = {}
    for k, v in given.items():
        knob = KNOBS[k]
        v = float(v)
        old = getattr(params, knob.field)
        if standard and round(v, 4) == round(_amount(old), 4):  # the look's own amount (as knob_values shows it)
            continue
        if knob.field == "border":
            changes["border"] = (old or DEFAULT_BORDER) if v >= 0.5 else None
        elif isinstance(old, tuple):  # a coloured fade keeps its colour balance, scaled to the new mean
            mean = _amount(old)
            changes[knob.field] = tuple(a * v / mean for a in old) if mean > 0 else (v, v, v)
        else:
            changes[knob.field] = v
    if standard and not changes:
        return resolve_style(name)
    return FilmLook(name, replace(params, **changes))


def look_with(style: str | None, knobs: dict[str, float | None] | None = None, *, no_damage: bool = False,
              no_border: bool = False) -> Look:
    """The look a command line or an API call asks for: ``style`` (None: the default look) with knob amounts, and every
    kind of damage or the border turned off (except an amount also given). Turning off what a look does not have
    (a learned look, a LUT file) changes nothing; setting an amount on such a look is an error."""
    knobs = {k: v for k, v in (knobs or {}).items() if v is not None}
    name = style or default_style_name()
    has_knobs = _params(name) is not None
    for k in (DAMAGE if no_damage and has_knobs else ()) + (("border",) if no_border and has_knobs else ()):
        knobs.setdefault(k, 0.0)  # an amount given as well wins: --no-damage --cracks 0.4 keeps cracks
    return adjusted(name, knobs) if knobs else resolve_style(style)
