"""Every film op: identity settings return the input exactly, active settings change it and stay in range,
function equals module, gradcheck in float64, (B,) parameters act per item."""
from __future__ import annotations

import pytest
import torch

from retrogan.film import colour as C
from retrogan.film import modules as M
from retrogan.film import optics as O
from retrogan.film.damage import damage, paper_texture
from retrogan.film.grain import grain

# (function, module class, identity settings, active settings)
OPS = [
    (C.exposure, M.Exposure, {"stops": 0.0}, {"stops": 0.7}),
    (C.white_balance, M.WhiteBalance, {"temperature": 0.0, "tint": 0.0}, {"temperature": 0.5, "tint": -0.3}),
    (C.characteristic_curve, M.CharacteristicCurve, {"gamma": 1.0, "toe": 0.0, "shoulder": 0.0},
     {"gamma": (1.1, 1.0, 0.9), "toe": 0.3, "shoulder": 0.4}),
    (C.dye_crosstalk, M.DyeCrosstalk, {"amount": 0.0}, {"amount": 0.8}),
    (C.saturation, M.Saturation, {"amount": 1.0}, {"amount": 0.5}),
    (C.fade, M.Fade, {"black": 0.0, "white": 0.0}, {"black": (0.08, 0.06, 0.1), "white": 0.05}),
    (C.tint, M.Tint, {"amount": 0.0}, {"colour": (1.0, 0.9, 0.7), "amount": 0.5}),
    (C.yellowing, M.Yellowing, {"amount": 0.0}, {"amount": 0.7}),
    (C.monochrome, M.Monochrome, {"amount": 0.0}, {"weights": C.EMULSIONS["orthochromatic"], "amount": 1.0}),
    (C.tone, M.Tone, {"amount": 0.0}, {"toner": "cyanotype", "amount": 0.9}),
    (O.softness, M.Softness, {"amount": 0.0}, {"amount": 3.0}),
    (O.bloom, M.Bloom, {"amount": 0.0}, {"amount": 0.8, "threshold": 0.3, "radius": 0.05}),
    (O.halation, M.Halation, {"amount": 0.0}, {"amount": 1.0, "threshold": 0.3, "radius": 0.05}),
    (O.chromatic_aberration, M.ChromaticAberration, {"amount": 0.0}, {"amount": 0.05}),
    (O.vignette, M.Vignette, {"amount": 0.0}, {"amount": 0.6}),
    (O.edge_burn, M.EdgeBurn, {"amount": 0.0}, {"amount": 0.6, "width": 0.1}),
    (O.light_leak, M.LightLeak, {"amount": 0.0}, {"amount": 0.8, "angle": 1.0}),
    (grain, M.Grain, {"amount": 0.0}, {"amount": 0.08, "size": 0.01, "colour": 0.5, "seed": 3}),
    (damage, M.Damage, {}, {"dust": 1.0, "hairs": 1.0, "scratches": 1.0, "cracks": 1.0, "creases": 1.0, "seed": 2}),
    (paper_texture, M.PaperTexture, {"amount": 0.0}, {"amount": 0.3, "size": 0.02}),
]
IDS = [op[0].__name__ for op in OPS]


def image(h=24, w=32, b=2, dtype=torch.float32, seed=0):
    g = torch.Generator().manual_seed(seed)
    base = torch.rand(b, 3, h // 4, w // 4, generator=g, dtype=dtype)
    x = torch.nn.functional.interpolate(base, size=(h, w), mode="bilinear", align_corners=False)
    return (0.05 + 0.9 * x).contiguous()


@pytest.mark.parametrize("fn,module,identity,active", OPS, ids=IDS)
def test_identity_settings_return_input_exactly(fn, module, identity, active):
    x = image()
    assert torch.equal(fn(x, **identity), x)


@pytest.mark.parametrize("fn,module,identity,active", OPS, ids=IDS)
def test_active_settings_change_input_and_stay_in_range(fn, module, identity, active):
    x = image(48, 64)
    y = fn(x, **active)
    assert y.shape == x.shape and torch.isfinite(y).all()
    assert y.min() >= 0 and y.max() <= 1
    assert (y - x).abs().max() > 1e-3


@pytest.mark.parametrize("fn,module,identity,active", OPS, ids=IDS)
def test_function_equals_module(fn, module, identity, active):
    x = image()
    assert torch.equal(module(**active)(x), fn(x, **active))


@pytest.mark.parametrize("fn,module,identity,active", OPS, ids=IDS)
def test_gradcheck_float64(fn, module, identity, active):
    x = image(8, 10, b=1, dtype=torch.float64).requires_grad_(True)
    if fn is damage:  # marks are rasterised per call: keep a few so gradcheck's many calls stay quick
        active = {"dust": 0.05, "scratches": 0.4, "creases": 0.5, "seed": 2}
    assert torch.autograd.gradcheck(lambda t: fn(t, **active), (x,), eps=1e-6, atol=1e-4)


BATCHED = [(C.exposure, "stops", (0.5, -0.5)), (C.saturation, "amount", (0.2, 1.5)), (C.fade, "black", (0.1, 0.0)),
           (C.yellowing, "amount", (0.0, 0.8)), (O.vignette, "amount", (0.7, 0.1)), (grain, "amount", (0.1, 0.0)),
           (C.tone, "amount", (1.0, 0.3)), (O.halation, "amount", (0.0, 2.0)), (C.characteristic_curve, "toe", (0.5, 0.1))]


@pytest.mark.parametrize("fn,name,values", BATCHED, ids=[b[0].__name__ for b in BATCHED])
def test_batch_parameters_act_per_item(fn, name, values):
    x = image(b=2)
    kw = {"threshold": 0.2} if fn is O.halation else {}
    y = fn(x, **{name: torch.tensor(values)}, **kw)
    for i in range(2):
        torch.testing.assert_close(y[i:i + 1], fn(x[i:i + 1], **{name: values[i]}, **kw))


@pytest.mark.parametrize("fn,name", [(C.exposure, "stops"), (C.tone, "amount"), (O.vignette, "amount"),
                                     (grain, "amount")])
def test_gradcheck_wrt_batch_parameter(fn, name):
    x = image(8, 10, b=2, dtype=torch.float64)
    p = torch.tensor([0.3, 0.6], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: fn(x, **{name: t}), (p,), eps=1e-6, atol=1e-4)


def test_bad_parameter_shape_is_a_clear_error():
    with pytest.raises(ValueError, match=r"\(B,\) tensor"):
        C.exposure(image(b=2), torch.ones(3, 3))


def test_module_rejects_unknown_setting():
    with pytest.raises(TypeError):
        M.Exposure(stop=1.0)


def test_monochrome_is_grey_and_sepia_is_warm():
    x = image()
    m = C.monochrome(x, amount=1.0)
    assert torch.allclose(m[:, 0], m[:, 1]) and torch.allclose(m[:, 1], m[:, 2])
    s = C.tone(m, "sepia", 1.0)
    assert (s[:, 0] - s[:, 2]).mean() > 0.03


def test_exposure_one_stop_doubles_linear_light():
    from retrogan.film._util import srgb_to_linear

    x = torch.full((1, 3, 2, 2), 0.3)
    torch.testing.assert_close(srgb_to_linear(C.exposure(x, 1.0)), 2 * srgb_to_linear(x))
