"""The comparison benchmark's own code: the reimplemented peers match the papers' networks, the feature distances
behave, and docs/results.md says what the committed results say."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch

from helpers import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import fidelity  # noqa: E402
import peers  # noqa: E402
import report  # noqa: E402


def test_peer_parameter_counts_equal_the_authors_code():
    # the numbers printed by the pytorch-CycleGAN-and-pix2pix code for these networks
    assert round(peers.parameter_count(peers.Pix2PixUNet256()) / 1e6, 3) == 54.414
    assert round(peers.parameter_count(peers.PatchGAN70(6, "batch")) / 1e6, 3) == 2.769
    assert round(peers.parameter_count(peers.CycleGANResNet9()) / 1e6, 3) == 11.378
    assert round(peers.parameter_count(peers.PatchGAN70(3, "instance")) / 1e6, 3) == 2.765


@pytest.mark.parametrize("net", [peers.Pix2PixUNet256, peers.CycleGANResNet9])
def test_peers_take_any_size(net):
    x = torch.rand(1, 3, 37, 301)  # reflection padding wider than the image, then cropped back
    with torch.no_grad():
        y = net().eval()(x)
    assert y.shape == x.shape and 0 <= float(y.min()) and float(y.max()) <= 1


def test_cyclegan_training_step_moves_the_generator():
    imgs = [torch.rand(3, 70, 90, generator=torch.Generator().manual_seed(i)) for i in range(2)]
    torch.manual_seed(0)
    before = peers.CycleGANResNet9().state_dict()
    g, steps = peers.train_cyclegan(imgs, imgs, seconds=1e-6, crop=64)
    assert steps == 1
    moved = [k for k, v in g.state_dict().items() if not torch.equal(v, before[k])]
    assert moved


def test_feature_distances():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(400, 8)), rng.normal(size=(400, 8))
    shifted = b + 3.0
    assert fidelity.frechet(a, a) == pytest.approx(0, abs=1e-6)
    assert fidelity.frechet(a, shifted) == pytest.approx(8 * 9, rel=0.1)  # |Δμ|² dominates
    assert abs(fidelity.kid(a, b)) < 0.2 * fidelity.kid(a, shifted)


def test_scores_see_a_perfect_and_a_bad_prediction():
    rng = np.random.default_rng(1)
    truth = [rng.random((40, 50, 3), dtype=np.float32)]
    perfect = fidelity.scores(truth, truth)
    assert perfect["delta_e"] == 0 and perfect["ssim"] == pytest.approx(1)
    bad = fidelity.scores([1 - truth[0]], truth)
    assert bad["delta_e"] > 10 and bad["psnr"] < 10


def test_readme_results_are_generated_from_the_committed_results():
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "report.py"), "--check"], capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_report_check_fails_when_a_number_changes(tmp_path):
    if not (ROOT / "benchmarks" / "results" / "fidelity_paired.json").exists():
        pytest.skip("no comparison results committed yet")
    results = tmp_path / "results"
    shutil.copytree(ROOT / "benchmarks" / "results", results, ignore=shutil.ignore_patterns("tmp"))
    readme = tmp_path / "docs" / "results.md"
    readme.parent.mkdir()
    shutil.copy(ROOT / "docs" / "results.md", readme)
    run = [sys.executable, str(ROOT / "benchmarks" / "report.py"), "--readme", str(readme), "--results", str(results)]
    assert subprocess.run(run + ["--check"], capture_output=True).returncode == 0
    payload = json.loads((results / "fidelity_paired.json").read_text())
    first = next(iter(payload["results"].values()))["scores"]
    first["identity"]["delta_e"] += 1.0
    (results / "fidelity_paired.json").write_text(json.dumps(payload))
    assert subprocess.run(run + ["--check"], capture_output=True).returncode == 1
    assert subprocess.run(run, capture_output=True).returncode == 0
    assert subprocess.run(run + ["--check"], capture_output=True).returncode == 0
    assert readme.read_text() != (ROOT / "docs" / "results.md").read_text()
