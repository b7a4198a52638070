"""Grain looks the same at 1 MP and 16 MP viewed at the same size: radially averaged power spectra of the grain in
frame-relative frequency (cycles per short side of the frame).

    .venv/bin/python benchmarks/grain_spectrum.py     # ~1 minute; writes benchmarks/results/grain_spectrum.*
"""
from __future__ import annotations

import numpy as np
import torch

from _common import machine, markdown_table, save, RESULTS
from retrogan.film.grain import grain
from retrogan.film.presets import PRESETS

SIZES = {"1 MP": (866, 1155), "16 MP": (3464, 4620)}


def radial_psd(field: np.ndarray, short: int, bins: np.ndarray) -> np.ndarray:
    """PSD in variance per (cycles/short side)^2, averaged in rings of frame-relative frequency."""
    h, w = field.shape
    # Parseval: sum |F|^2 / (h w)^2 = variance; one frequency bin covers (short/h)(short/w) (cycles/short side)^2
    psd = np.abs(np.fft.fft2(field - field.mean())) ** 2 / (h * w * short ** 2)
    fy = np.fft.fftfreq(h) * short
    fx = np.fft.fftfreq(w) * short
    f = np.hypot(fy[:, None], fx[None, :])
    idx = np.digitize(f.ravel(), bins)
    sums = np.bincount(idx, weights=psd.ravel(), minlength=len(bins) + 1)
    counts = np.bincount(idx, minlength=len(bins) + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (sums / counts)[1:len(bins)]


def grain_only(h: int, w: int, p) -> np.ndarray:
    x = torch.full((1, 3, h, w), 0.5)
    return (grain(x, p.grain, p.grain_size, 0.0, seed=7) - 0.5)[0, 1].numpy()


def main() -> None:
    p = PRESETS["super8-1970s"].params
    bins = np.geomspace(20, 433, 24)  # up to the Nyquist of the 1 MP frame (866 / 2)
    centres = np.sqrt(bins[:-1] * bins[1:])
    curves = {}
    small = grain_only(*SIZES["1 MP"], p)
    big = grain_only(*SIZES["16 MP"], p)
    viewed = big.reshape(big.shape[0] // 4, 4, big.shape[1] // 4, 4).mean(axis=(1, 3))  # 16 MP shown at 1 MP size
    curves["1 MP"] = radial_psd(small, SIZES["1 MP"][0], bins)
    curves["16 MP viewed at 1 MP size"] = radial_psd(viewed, viewed.shape[0], bins)
    curves["16 MP (full resolution)"] = radial_psd(big, SIZES["16 MP"][0], bins)
    ratio = curves["16 MP viewed at 1 MP size"] / curves["1 MP"]
    stds = {"1 MP": float(small.std()), "16 MP viewed at 1 MP size": float(viewed.std()),
            "16 MP (full resolution)": float(big.std())}

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, c in curves.items():
        ax.loglog(centres, c, marker="o", ms=3, label=name)
    ax.set_xlabel("frequency (cycles per short side of the frame)")
    ax.set_ylabel("power (relative)")
    ax.set_title(f"Grain power spectrum, super8-1970s grain (amount {p.grain}, size {p.grain_size})")
    ax.legend()
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    RESULTS.mkdir(parents=True, exist_ok=True)
    fig.savefig(RESULTS / "grain_spectrum.png", dpi=110)

    rows = [[f"{f:.0f}", f"{curves['1 MP'][i]:.3g}", f"{curves['16 MP viewed at 1 MP size'][i]:.3g}",
             f"{ratio[i]:.2f}"] for i, f in enumerate(centres) if i % 3 == 0]
    md = ("Grain of `super8-1970s` on mid-grey, radially averaged power spectrum in frame-relative frequency; "
          "plot: grain_spectrum.png\n\n" + markdown_table(["cycles/short side", "1 MP", "16 MP viewed at 1 MP", "ratio"], rows)
          + f"\n\nratio over all bins: median {np.median(ratio):.3f}, min {ratio.min():.3f}, max {ratio.max():.3f}\n\n"
          + "grain std (sRGB units): " + ", ".join(f"{k} {v:.4f}" for k, v in stds.items()))
    print(md)
    save("grain_spectrum", {"machine": machine(), "frequencies": centres.tolist(),
                            "curves": {k: v.tolist() for k, v in curves.items()}, "ratio": ratio.tolist(),
                            "std": stds}, md)


if __name__ == "__main__":
    main()
