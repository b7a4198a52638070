"""Generators, discriminator and losses: shapes, identity at strength 0, the mission's loss, R1 exactly."""
from __future__ import annotations

import pytest
import torch

from retrogan import losses as LS
from retrogan.film._util import Frame
from retrogan.models import (DiscriminatorConfig, FastGenerator, FastGeneratorConfig, PatchDiscriminator, UNetConfig,
                             UNetGenerator)
from retrogan.models.blocks import StyleModConv2d


def gens():
    torch.manual_seed(0)
    return [FastGenerator(FastGeneratorConfig(num_styles=3, lut_size=9, thumb=32, width=8)),
            UNetGenerator(UNetConfig(num_styles=3, width=8, depth=3))]


@pytest.mark.parametrize("g", gens(), ids=["fast", "unet"])
def test_generator_shapes_and_strength_zero_identity(g):
    x = torch.rand(2, 3, 37, 50)
    label = torch.tensor([0, 2])
    y = g(x, label)
    assert y.shape == x.shape and torch.isfinite(y).all() and 0 <= y.min() and y.max() <= 1
    assert torch.equal(g(x, label, strength=0.0), x)


def test_fast_generator_render_is_resolution_free_and_tile_exact():
    g = gens()[0]
    with torch.no_grad():
        g.to_local.bias.normal_(0, 1)  # make the local grid do something
        x = torch.rand(1, 3, 40, 60)
        theta = g.analyse(g.thumbnail(x), torch.tensor([1]))
        whole = g.render(x, theta)
        part = g.render(x[:, :, 10:30, 20:50], theta, frame=Frame(40, 60, 10, 20))
    torch.testing.assert_close(part, whole[:, :, 10:30, 20:50], atol=1e-5, rtol=0)


def test_style_mod_conv_modulates_per_sample():
    conv = StyleModConv2d(4, 5, 6)
    with torch.no_grad():
        conv.affine.weight.normal_()
    x = torch.randn(1, 4, 8, 8).expand(2, -1, -1, -1)
    s = torch.randn(2, 6)
    y = conv(x, s)
    assert y.shape == (2, 5, 8, 8) and not torch.allclose(y[0], y[1])
    torch.testing.assert_close(conv(x[:1], s[:1]), y[:1])


def test_discriminator_projection_and_pairing():
    d = PatchDiscriminator(DiscriminatorConfig(num_styles=3, width=8, layers=2, paired=True))
    img, cond = torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32)
    a = d(img, torch.tensor([0, 0]), cond)
    b = d(img, torch.tensor([1, 2]), cond)
    assert a.shape == (2, 1, 8, 8) and not torch.allclose(a, b)
    with pytest.raises(ValueError, match="condition"):
        d(img, torch.tensor([0, 0]))


def test_logistic_loss_is_the_mission_objective():
    r, f = torch.randn(50), torch.randn(50)
    mission = torch.log(torch.sigmoid(r)).mean() + torch.log(1 - torch.sigmoid(f)).mean()
    torch.testing.assert_close(LS.d_logistic_loss(r, f), -mission)
    torch.testing.assert_close(LS.g_nonsaturating_loss(f), -torch.log(torch.sigmoid(f)).mean())


def test_lsgan_hinge_and_fake_terms():
    r, f = torch.tensor([1.0, 1.0]), torch.tensor([0.0, 0.0])
    assert LS.d_lsgan_loss(r, f) == 0 and LS.g_lsgan_loss(r) == 0
    assert LS.d_hinge_loss(torch.tensor([2.0]), torch.tensor([-2.0])) == 0
    for name, (d_loss, _) in LS.GAN_LOSSES.items():
        fake = torch.randn(7)
        real_ideal = torch.tensor([50.0] * 7) if name == "logistic" else torch.tensor([1.0] * 7)
        torch.testing.assert_close(LS.D_FAKE_TERMS[name](fake), d_loss(real_ideal, fake), atol=1e-6, rtol=0)


def test_r1_penalty_exact_on_a_linear_discriminator():
    w = torch.randn(3 * 4 * 4)
    x = torch.rand(5, 3, 4, 4, requires_grad=True)
    logits = x.flatten(1) @ w
    torch.testing.assert_close(LS.r1_penalty(logits, x), w.pow(2).sum())


def test_lut_regularisers():
    from retrogan.film.lut import identity

    ident = identity(5)[None]
    assert LS.lut_monotonicity(ident) == 0
    assert LS.lut_monotonicity(ident.flip(-1)) > 0
    assert LS.lut_smoothness(ident) < LS.lut_smoothness(ident + torch.rand_like(ident))


def test_content_loss_ignores_global_colour_but_sees_structure():
    x = torch.rand(1, 3, 64, 64)
    assert LS.luminance_content_loss(x * 0.8 + 0.1, x) < 0.2 * LS.luminance_content_loss(x.flip(-1), x)
