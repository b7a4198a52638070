"""Every bundled look on smooth 16-bit gradients: no bands, ridges or steps (issue #31). The colour of a look is
what draws bands (grain and marks are texture, not bands): its table on a sky, a deep-blue ramp and a grey ramp,
``charts.banding`` at most BOUND code values. Pictures: benchmarks/results/gradients.png."""
from __future__ import annotations

import numpy as np
import pytest

from retrogan.charts import banding, gradient_charts
from retrogan.export.colour import native_colour_table
from retrogan.looks.registry import STYLES, resolve_style
from retrogan.luts.apply import apply_lut_float, smooth_lut

BOUND = 6.0  # the film stocks as sampled reached 10-17 (visible bands); smoothed, 4 at most


@pytest.mark.parametrize("name", list(STYLES))
def test_no_bands_on_smooth_gradients(name):
    table = native_colour_table(resolve_style(name))
    worst = {chart: banding(apply_lut_float(c, table)[:, 0]) for chart, c in gradient_charts().items()}
    assert max(worst.values()) <= BOUND, worst


def test_the_measure_finds_a_band_and_smoothing_removes_it():
    n = 33
    g = np.linspace(0, 1, n, dtype=np.float32)
    b, gg, r = np.meshgrid(g, g, g, indexing="ij")
    table = np.stack([r, gg, b], -1)
    bumpy = table.copy()
    bumpy[..., 12:14, 0] += 0.08  # a ridge in red across two lattice cells
    ramp = gradient_charts()["grey"]
    assert banding(apply_lut_float(ramp, table)[:, 0]) < 0.5
    assert banding(apply_lut_float(ramp, bumpy)[:, 0]) > 1.5 * BOUND
    smoothed = smooth_lut(bumpy, 3.0)
    assert banding(apply_lut_float(ramp, smoothed)[:, 0]) < BOUND
    np.testing.assert_allclose(smooth_lut(table, 3.0), table, atol=1e-5)  # affine transforms are kept
