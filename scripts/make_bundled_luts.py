"""Rebuild src/retrogan/data/looks/*.png from ../shared/data/film_luts (RawTherapee Film Simulation, CC BY-SA 4.0).

Each level-12 HaldCLUT (144^3) is resampled to a level-8 Hald (64^3, trilinear) to keep the package small, then
smoothed (``luts.apply.smooth_lut``, bending 3): the sampled LUTs have kinks and ripples that draw bands across
smooth gradients (a cyan band through Kodachrome 25's blue sky, a bright line through Portra 400 VC's); the smoothed
tables move photos by 0.11-0.21 mean ΔE2000 (issue #31; tests/test_gradients.py bounds the bands).
Run: .venv/bin/python scripts/make_bundled_luts.py [--shared ../shared] [--bending 3]
"""
from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image

from retrogan.luts import hald_image, read_hald, resample_lut
from retrogan.luts.apply import smooth_lut

BUNDLED = {
    "kodachrome_25.png": "slide__kodak_kodachrome_25.png",
    "portra_400vc.png": "color_negative__kodak_portra_400_vc_2.png",
    "superia_200.png": "color_negative__fuji_superia_200.png",
    "polaroid_690.png": "instant_color__polaroid_690_3.png",
    "xpro_slide_200.png": "cross_process__lomography_x_pro_slide_200.png",
    "fp4_125.png": "bw__ilford_fp4_plus_125.png",
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared")
    ap.add_argument("--bending", type=float, default=3.0, help="smoothing (0: none, the resampled table as is)")
    args = ap.parse_args()
    out_dir = Path(__file__).resolve().parents[1] / "src/retrogan/data/looks"
    for out, src in BUNDLED.items():
        table = resample_lut(read_hald(args.shared / "data/film_luts" / src), 64)
        table = smooth_lut(table, args.bending) if args.bending else table
        Image.fromarray(hald_image(table), "RGB").save(out_dir / out, optimize=True)
        print(f"{src} -> {out} ({(out_dir / out).stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
