from pathlib import Path

import numpy as np
import pytest

from retrogan.metrics import ciede2000, delta_e_images, psnr, srgb_to_lab, ssim

SHARMA = np.loadtxt(Path(__file__).parent / "data" / "sharma2005.csv", delimiter=",", skiprows=2)


def test_ciede2000_matches_sharma_published_pairs():
    got = ciede2000(SHARMA[:, :3], SHARMA[:, 3:6])
    np.testing.assert_allclose(got, SHARMA[:, 6], atol=1e-4)


def test_ciede2000_symmetric_on_sharma_pairs():
    np.testing.assert_allclose(ciede2000(SHARMA[:, 3:6], SHARMA[:, :3]), SHARMA[:, 6], atol=1e-4)


def test_ciede2000_matches_colour_science_on_sharma_and_random_pairs():
    colour = pytest.importorskip("colour")
    rng = np.random.default_rng(0)
    lab1 = np.column_stack([rng.uniform(0, 100, 2000), rng.uniform(-100, 100, (2000, 2))])
    lab2 = lab1 + rng.normal(0, 8, lab1.shape)
    np.testing.assert_allclose(ciede2000(lab1, lab2), colour.delta_E(lab1, lab2, method="CIE 2000"), atol=1e-8)
    # colour-science follows Sharma except at an exact 180-degree hue tie (pair 14); compare the rest
    keep = np.arange(len(SHARMA)) != 13
    np.testing.assert_allclose(ciede2000(SHARMA[keep, :3], SHARMA[keep, 3:6]),
                               colour.delta_E(SHARMA[keep, :3], SHARMA[keep, 3:6], method="CIE 2000"), atol=1e-8)


def test_srgb_to_lab_matches_colour_science():
    colour = pytest.importorskip("colour")
    rgb = np.random.default_rng(1).uniform(0, 1, (500, 3))
    ref = colour.XYZ_to_Lab(colour.sRGB_to_XYZ(rgb), colour.CCS_ILLUMINANTS["CIE 1931 2 Degree Standard Observer"]["D65"])
    # colour-science derives its matrix from the primaries; the IEC 61966-2-1 matrix differs in the 4th decimal
    np.testing.assert_allclose(srgb_to_lab(rgb), ref, atol=0.03)
    np.testing.assert_allclose(srgb_to_lab(np.ones(3)), [100, 0, 0], atol=1e-9)


def test_delta_e_identical_images_is_zero(photo_rgb):
    x = photo_rgb / 255.0
    assert delta_e_images(x, x) == 0.0
    assert delta_e_images(x, np.clip(x + 0.05, 0, 1)) > 1.0


def test_psnr_known_value():
    a = np.zeros((8, 8, 3))
    assert psnr(a, a + 0.1) == pytest.approx(20.0)
    assert psnr(a, a) == float("inf")


def test_ssim_matches_scikit_image(photo_rgb):
    metrics = pytest.importorskip("skimage.metrics")
    a = photo_rgb / 255.0
    b = np.clip(a + np.random.default_rng(2).normal(0, 0.05, a.shape), 0, 1)
    ref = metrics.structural_similarity(a, b, channel_axis=2, data_range=1.0, gaussian_weights=True, sigma=1.5,
                                        use_sample_covariance=False)
    assert ssim(a, b) == pytest.approx(ref, abs=1e-6)
    assert ssim(a, a) == pytest.approx(1.0)


def test_ssim_rejects_tiny_images():
    with pytest.raises(ValueError, match="11x11"):
        ssim(np.zeros((5, 5, 3)), np.zeros((5, 5, 3)))
