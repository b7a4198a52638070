"""Grain that looks like film (issue #31): shared between the dye layers, clumped, the same variance at any
roughness; the bundled colour looks' grain inside the chroma-to-luma range of real film scans."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from retrogan.film import fast
from retrogan.film.grain import grain
from retrogan.film.presets import PRESETS
from retrogan.metrics import grain_noise

# chroma/luma noise on flat patches of the grain-dominated Kodak PhotoCD 35 mm scans (benchmarks/grain.py)
REAL_FILM_RATIO = (0.21, 0.36)


def flat(params, seed=1) -> np.ndarray:
    return fast.render_array(np.full((384, 576, 3), 128, np.uint8), params, seed=seed) / 255.0


@pytest.mark.parametrize("name", [n for n, p in PRESETS.items() if p.params.grain and p.params.grain_colour])
def test_colour_film_grain_is_mostly_shared_between_the_layers(name):
    g = grain_noise(flat(PRESETS[name].params))
    assert REAL_FILM_RATIO[0] - 0.02 <= g["ratio"] <= REAL_FILM_RATIO[1] + 0.02, g


def test_black_and_white_grain_has_no_colour():
    g = grain_noise(flat(PRESETS["ilford-bw-1960s"].params))
    assert g["luma"] > 0.01 and g["ratio"] < 0.01


def test_digital_noise_would_fail_the_range():
    """The measure tells the two apart: independent per-channel noise (what the looks had before) is far out."""
    x = torch.full((1, 3, 384, 576), 0.5)
    g = grain_noise(grain(x, 0.05, 0.0012, 1.0, seed=1)[0].permute(1, 2, 0).numpy())
    assert g["ratio"] > 0.8


def test_roughness_clumps_the_grain_and_keeps_its_variance():
    x = torch.full((1, 3, 512, 512), 0.5)
    smooth = grain(x, 0.05, 0.002, 0.0, seed=3, roughness=0.0) - 0.5
    rough = grain(x, 0.05, 0.002, 0.0, seed=3, roughness=0.5) - 0.5
    kurt = lambda n: float((n ** 4).mean() / n.var() ** 2)
    assert abs(kurt(smooth) - 3) < 0.2 and kurt(rough) > 5
    assert 0.9 < float(rough.var() / smooth.var()) < 1.1
