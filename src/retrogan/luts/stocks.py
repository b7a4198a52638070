"""The bundled film stocks: colour LUTs from the RawTherapee Film Simulation collection (CC BY-SA 4.0), stored as
HaldCLUTs in ``retrogan/data/looks``. Plain data and a loader at the bottom of the package, so the film renderer
(which mixes a stock into a preset's colour) and the look registry (which lists them) both read it from below."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from ..errors import StyleError

RAWTHERAPEE = "RawTherapee Film Simulation collection (Pat David, Pavlov Dmitry, Michael Ezra), CC BY-SA 4.0"


@dataclass(frozen=True)
class Stock:
    name: str
    era: str
    process: str
    description: str
    file: str  # in retrogan/data/looks


STOCKS: dict[str, Stock] = {s.name: s for s in [
    Stock("kodachrome-25", "1935-2009", "colour slide (K-14)",
          "Kodachrome 25: deep reds and blues, dense shadows, the look of mid-century slides", "kodachrome_25.png"),
    Stock("portra-400vc", "1998-2010", "colour negative (C-41)",
          "Kodak Portra 400 VC: warm skin, vivid but soft consumer-pro negative", "portra_400vc.png"),
    Stock("superia-200", "1990s-2010s", "colour negative (C-41)",
          "Fuji Superia 200: green-leaning shadows of 1990s-2000s drugstore prints", "superia_200.png"),
    Stock("polaroid-690", "1990s", "integral instant film",
          "Polaroid 690: soft contrast, cool shadows and warm highlights of instant prints", "polaroid_690.png"),
    Stock("xpro-slide-200", "1990s", "slide film cross-processed in C-41",
          "Lomography X-Pro Slide 200: cross-processed colour shifts and punchy contrast", "xpro_slide_200.png"),
    Stock("fp4-125", "1935-", "black-and-white negative",
          "Ilford FP4 Plus 125: classic fine-grain black and white", "fp4_125.png"),
]}


@lru_cache(maxsize=8)
def stock_table(name: str) -> np.ndarray:
    """(N, N, N, 3) float32 table of a bundled stock, indexed [b, g, r]."""
    from .hald import read_hald

    if name not in STOCKS:
        raise StyleError(f"unknown film stock {name!r}; the stocks are: {', '.join(STOCKS)}")
    with resources.as_file(resources.files("retrogan.data.looks") / STOCKS[name].file) as p:
        return read_hald(p)
