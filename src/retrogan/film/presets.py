"""Era presets: named, documented combinations of colour and film/age layers spanning the history of photography.

Colour for the film-stock presets comes from the bundled RawTherapee Film Simulation LUTs (CC BY-SA 4.0, see
CREDITS.md); the 19th- and early-20th-century processes are parametric (emulsion sensitivity, toner, paper).
"""
from __future__ import annotations

from dataclasses import dataclass

from .params import FilmParams


@dataclass(frozen=True)
class Preset:
    name: str
    era: str
    process: str
    description: str
    params: FilmParams


_TINTYPE_TONE = ((0.10, 0.09, 0.07), (0.80, 0.76, 0.66), (1.0, 1.02, 1.08))

PRESETS: dict[str, Preset] = {p.name: p for p in [
    Preset("tintype-1860s", "1856-1900", "wet-plate collodion on a japanned iron plate",
           "dark olive-grey plate, blue-sensitive (red goes black, skies blank), soft lens, heavy vignette, scratches",
           FilmParams(mono=1.0, emulsion="blue_sensitive", toner=_TINTYPE_TONE, toning=1.0, gamma=1.15, toe=0.25,
                      fade_black=0.02, softness=1.5, vignette=0.55, edge_burn=0.35, grain=0.02, grain_size=0.001,
                      dust=0.4, scratches=0.6, cracks=0.15,
                      weave=0.5, flicker=0.8, breath=0.2, cadence=16.0)),
    Preset("cyanotype-1880s", "1842-1920s", "iron-salt blueprint on rag paper",
           "Prussian-blue print with pale paper highlights and fibrous paper texture",
           FilmParams(mono=1.0, emulsion="blue_sensitive", toner="cyanotype", toning=1.0, softness=0.8,
                      vignette=0.2, edge_burn=0.3, paper=0.6, dust=0.2, light_dust=True,
                      weave=0.2, flicker=0.3)),
    Preset("albumen-1900s", "1850s-1910s", "albumen print, gold- or sepia-toned",
           "warm brown sepia print, orthochromatic tones, yellowed highlights, creased and cracked card",
           FilmParams(mono=1.0, emulsion="orthochromatic", toner="sepia", toning=1.0, gamma=1.05,
                      fade_black=0.05, fade_white=0.03, yellowing=0.55, vignette=0.3, softness=0.6, paper=0.5,
                      creases=0.25, cracks=0.2, dust=0.3, light_dust=True,
                      weave=0.4, flicker=0.6, breath=0.2, cadence=16.0)),
    Preset("silver-gelatin-1930s", "1920s-1950s", "silver gelatin print, selenium-toned",
           "rich neutral-cool black and white with deep blacks, visible grain and a white print margin",
           FilmParams(mono=1.0, emulsion="panchromatic", toner="selenium", toning=0.5, toe=0.25, shoulder=0.2,
                      grain=0.035, grain_size=0.0009, yellowing=0.1, vignette=0.15, paper=0.3, dust=0.2,
                      light_dust=True, border="print",
                      weave=0.4, flicker=0.5, breath=0.2)),
    Preset("kodachrome-1950s", "1936-1970s", "Kodachrome colour slide (K-14)",
           "saturated reds and blues, dense shadows, fine colour grain, a little halation and slide dust",
           FilmParams(stock="kodachrome-25", temperature=0.05, grain=0.015, grain_colour=0.15, halation=0.3,
                      vignette=0.15, dust=0.15,
                      weave=0.3, flicker=0.3, breath=0.3)),
    Preset("technicolor-1950s", "1932-1955", "three-strip dye-transfer motion picture print",
           "pure, saturated dye colours, lifted warm mid-tones, soft glow around highlights",
           FilmParams(saturation=1.3, crosstalk=0.6, gamma=(0.97, 1.0, 1.05), toe=0.2, temperature=0.03,
                      halation=0.4, grain=0.02, grain_colour=0.12, vignette=0.2, softness=0.6,
                      weave=0.25, flicker=0.15, breath=0.3)),
    Preset("ilford-bw-1960s", "1935-", "black-and-white negative (Ilford FP4) on fibre paper",
           "classic fine-grain black and white of the photo-journalism era",
           FilmParams(stock="fp4-125", grain=0.04, grain_size=0.0009, vignette=0.2, dust=0.1, light_dust=True,
                      weave=0.2, flicker=0.2)),
    Preset("super8-1970s", "1965-1980s", "Super 8 home movie (Kodachrome 40)",
           "warm, soft, grainy home-movie frames with halation, vignette, scratches, dust and hairs",
           FilmParams(stock="kodachrome-25", stock_mix=0.7, temperature=0.25, fade_black=0.05, saturation=1.1,
                      softness=1.8, halation=0.5, bloom=0.2, grain=0.055, grain_size=0.0018, grain_colour=0.2,
                      vignette=0.45, chromatic_aberration=0.003, scratches=0.4, dust=0.6, hairs=0.3,
                      light_dust=True,
                      weave=0.6, flicker=0.5, breath=0.4, cadence=18.0)),
    Preset("faded-print-1970s", "1965-1985", "chromogenic colour print, dye-faded",
           "the cyan dye has faded: magenta-red cast, milky blacks, low saturation, yellowed paper",
           FilmParams(fade_black=(0.18, 0.10, 0.12), fade_white=0.05, saturation=0.6, temperature=0.25, tint=0.35,
                      yellowing=0.3, gamma=(0.85, 1.0, 1.0), grain=0.03, grain_colour=0.2, paper=0.3, dust=0.2,
                      creases=0.2,
                      weave=0.2, flicker=0.2, breath=0.5)),
    Preset("instant-1970s", "1972-1990s", "integral instant film (Polaroid)",
           "soft contrast, cool shadows, warm creamy highlights, glow, in the white instant frame",
           FilmParams(stock="polaroid-690", fade_black=(0.06, 0.05, 0.07), saturation=0.85, shoulder=0.3,
                      vignette=0.3, softness=0.8, bloom=0.15, grain=0.02, grain_colour=0.15, yellowing=0.15,
                      border="instant")),
    Preset("colour-negative-1980s", "1980s", "consumer colour negative (C-41), machine print",
           "warm, slightly punchy drugstore prints with visible colour grain and gentle halation",
           FilmParams(stock="portra-400vc", stock_mix=0.8, temperature=0.1, saturation=1.1, fade_black=0.03,
                      grain=0.035, grain_colour=0.2, halation=0.3, vignette=0.2,
                      weave=0.15, flicker=0.15, breath=0.2)),
    Preset("disposable-1990s", "1987-2000s", "single-use camera, flash, consumer C-41",
           "plastic-lens softness and vignette, colour fringes, strong grain, the odd light leak",
           FilmParams(stock="superia-200", exposure=0.2, temperature=0.05, saturation=1.1, vignette=0.45,
                      softness=1.0, chromatic_aberration=0.004, grain=0.05, grain_colour=0.25, light_leak=0.35,
                      dust=0.1)),
    Preset("cross-processed-1990s", "1990s", "slide film developed in C-41 chemistry (Lomography)",
           "cross-processed colour shifts, punchy contrast, vignette and a light leak",
           FilmParams(stock="xpro-slide-200", grain=0.03, grain_colour=0.2, vignette=0.35, light_leak=0.2)),
]}
