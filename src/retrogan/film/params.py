"""FilmParams: every knob of the film renderer in one dataclass, with identity defaults, strength scaling and the
documented jitter used to synthesise training pairs."""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields, replace

import numpy as np

Triple = tuple[float, float, float]


@dataclass(frozen=True)
class FilmParams:
    # --- colour (pointwise; baked into one 3D LUT by the fast renderer), applied in this order ---
    stock: str | None = None      # a bundled film-stock LUT applied first (see retrogan.looks.STYLES)
    stock_mix: float = 1.0
    exposure: float = 0.0         # stops
    temperature: float = 0.0      # + warm / - cool
    tint: float = 0.0             # + magenta / - green
    crosstalk: float = 0.0
    saturation: float = 1.0
    gamma: float | Triple = 1.0
    toe: float | Triple = 0.0
    shoulder: float | Triple = 0.0
    emulsion: str = "panchromatic"
    mono: float = 0.0             # 1 = black and white
    toner: str = "sepia"
    toning: float = 0.0
    fade_black: float | Triple = 0.0
    fade_white: float | Triple = 0.0
    tint_colour: Triple = (1.0, 1.0, 1.0)
    tint_amount: float = 0.0
    yellowing: float = 0.0
    # --- optics and exposure of the frame ---
    halation: float = 0.0
    halation_radius: float = 0.008
    bloom: float = 0.0
    bloom_radius: float = 0.02
    softness: float = 0.0
    chromatic_aberration: float = 0.0
    vignette: float = 0.0
    edge_burn: float = 0.0
    light_leak: float = 0.0
    leak_angle: float | None = None   # None: drawn from the seed
    # --- grain ---
    grain: float = 0.0
    grain_size: float = 0.0008
    grain_colour: float = 0.0         # per-layer share of the grain (0: B&W film; colour film about 0.15; 1: digital)
    grain_roughness: float = 0.25     # clumping of the dye clouds (0: Gaussian noise; film.grain)
    # --- age and damage ---
    dust: float = 0.0
    hairs: float = 0.0
    scratches: float = 0.0
    cracks: float = 0.0
    creases: float = 0.0
    light_dust: bool = False
    paper: float = 0.0
    border: str | None = None
    # --- motion: video only (film.motion); a still gets none of it ---
    weave: float = 0.0            # gate weave, 0..1
    flicker: float = 0.0          # exposure flicker, 0..1
    breath: float = 0.0           # the dye layers' density wandering, 0..1
    cadence: float = 0.0          # a film camera's frame rate (e.g. 18): frames held to it; 0 = every frame

    def scaled(self, strength: float) -> "FilmParams":
        """Blend every effect toward its identity value: strength 0 is exactly the identity, 1 is the look."""
        if strength == 1.0:
            return self
        identity = FilmParams()
        changes = {}
        for f in fields(self):
            if f.name in SHAPE_FIELDS:
                continue
            v, v0 = getattr(self, f.name), getattr(identity, f.name)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                changes[f.name] = v0 + strength * (v - v0) if isinstance(v0, (int, float)) else v
            elif isinstance(v, tuple):
                base = v0 if isinstance(v0, tuple) else (v0,) * 3
                changes[f.name] = tuple(b + strength * (a - b) for a, b in zip(v, base))
        changes["stock_mix"] = self.stock_mix * strength  # identity has no stock: blend the stock's LUT out
        if strength == 0.0:
            changes["border"] = None
        return replace(self, **changes)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @staticmethod
    def from_dict(d: dict) -> "FilmParams":
        known = {f.name for f in fields(FilmParams)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown film parameters: {', '.join(sorted(unknown))}")
        return FilmParams(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})

    def has_spatial(self) -> bool:
        return any(getattr(self, k) != 0 for k in SPATIAL_AMOUNTS) or bool(self.border)


# Variants of an era preset: light, standard (the preset), strong. A variant scales the colour and tone of the
# look (through ``scaled``: toward the identity, or beyond the look for strong), and the grain, vignette and damage
# by their own factors: light is a clean, well-kept print; strong an old, worn and faded one.
VARIANTS = {"light": {"colour": 0.6, "grain": 0.6, "vignette": 0.6, "damage": 0.25},
            "standard": {"colour": 1.0, "grain": 1.0, "vignette": 1.0, "damage": 1.0},
            "strong": {"colour": 1.35, "grain": 1.4, "vignette": 1.3, "damage": 1.8}}
UNIT_FIELDS = ("stock_mix", "mono", "toning", "tint_amount")  # meaningful in [0, 1] only
MARK_FIELDS = ("dust", "hairs", "scratches", "cracks", "creases")  # the physical damage (--no-damage)
DAMAGE_FIELDS = MARK_FIELDS + ("light_leak",)  # what a variant scales as age
VIGNETTE_FIELDS = ("vignette", "edge_burn")


def variant(p: "FilmParams", name: str) -> "FilmParams":
    """The light, standard or strong variant of a look (``VARIANTS``)."""
    if name not in VARIANTS:
        raise ValueError(f"unknown variant {name!r}; variants are {', '.join(VARIANTS)}")
    v = VARIANTS[name]
    if v == VARIANTS["standard"]:
        return p
    spatial = {k: getattr(p, k) for k in SPATIAL_AMOUNTS + ("weave", "flicker", "breath")}
    q = p.scaled(v["colour"])  # every amount; the spatial ones are set below from the original
    changes = {k: min(1.0, max(0.0, getattr(q, k))) for k in UNIT_FIELDS}
    changes.update(spatial)
    changes["grain"] = p.grain * v["grain"]
    changes.update({k: min(1.0, getattr(p, k) * v["vignette"]) for k in VIGNETTE_FIELDS})
    changes.update({k: min(1.0, getattr(p, k) * v["damage"]) for k in DAMAGE_FIELDS})
    return replace(q, **changes, border=p.border)


# Sizes and shapes: not scaled by strength (a half-strength look has weaker, not smaller, grain)
SHAPE_FIELDS = {"stock", "emulsion", "toner", "halation_radius", "bloom_radius", "grain_size", "grain_roughness",
                "leak_angle", "light_dust", "border", "tint_colour", "cadence"}
SPATIAL_AMOUNTS = ("halation", "bloom", "softness", "chromatic_aberration", "vignette", "edge_burn", "light_leak",
                   "grain", "dust", "hairs", "scratches", "cracks", "creases", "paper")

# Jitter for synthesising training pairs: absolute +/- ranges (uniform), multiplicative for amounts of effects.
# Colour knobs move by what a re-shoot or a different print would: a third of a stop, a little warmer or cooler.
JITTER_ABS = {"exposure": 0.3, "temperature": 0.15, "tint": 0.1, "saturation": 0.1, "stock_mix": 0.1,
              "leak_angle": math.pi}
JITTER_REL = {k: 0.3 for k in ("crosstalk", "toning", "yellowing", "halation", "bloom", "softness", "vignette",
                              "edge_burn", "light_leak", "grain", "dust", "hairs", "scratches", "cracks", "creases",
                              "paper", "fade_black", "fade_white", "toe", "shoulder")}


def jitter(p: FilmParams, rng: np.random.Generator) -> FilmParams:
    """A random variant of a look within JITTER_ABS / JITTER_REL (documented in DEVELOPERS.md)."""
    changes = {}
    for k, r in JITTER_ABS.items():
        v = getattr(p, k)
        if k == "leak_angle":
            changes[k] = float(rng.uniform(0, 2 * math.pi)) if p.light_leak else v
        elif k == "stock_mix":
            changes[k] = float(np.clip(v + rng.uniform(-r, r), 0, 1)) if p.stock else v
        else:
            changes[k] = float(v + rng.uniform(-r, r))
    for k, r in JITTER_REL.items():
        v = getattr(p, k)
        s = float(rng.uniform(1 - r, 1 + r))
        changes[k] = tuple(float(a * s) for a in v) if isinstance(v, tuple) else float(v * s)
    return replace(p, **changes)
