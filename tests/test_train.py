"""Training: a step changes both nets and the D step leaves G alone; a small batch overfits; checkpoints resume
exactly; a NaN stops with the last good checkpoint; the style folder works from the CLI; bad data is named."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from retrogan.train.config import TrainConfig
from retrogan.train.data import DataError, Pair, load_pairs
from retrogan.train.trainer import Trainer, TrainingDiverged

TINY_G = {"lut_size": 9, "thumb": 32, "width": 8, "n_basis": 2, "grid": 4}
TINY_D = {"width": 8, "layers": 2}


def warm(x: torch.Tensor) -> torch.Tensor:
    """A known look: warm, lifted blacks (a global colour function, what the fast generator models)."""
    return (x ** torch.tensor([0.85, 1.0, 1.2]).view(3, 1, 1) * 0.9 + 0.06).clamp(0, 1)


def make_pairs(photo_rgb, n=3, labels=(0,)):
    base = torch.from_numpy(photo_rgb).permute(2, 0, 1).float() / 255
    pairs = []
    for i in range(n):
        src = base.roll(i * 17, dims=2)
        for lab in labels:
            tgt = warm(src) if lab == 0 else 1 - src * 0.5
            pairs.append(Pair(f"p{i}_{lab}", src, tgt, lab))
    return pairs


def config(tmp_path, **kw):
    base = dict(steps=4, batch=2, crop=48, d_crop=32, pixels=2000, checkpoint_every=10 ** 6,
                checkpoint_seconds=10 ** 6, generator=TINY_G, discriminator=TINY_D)
    base.update(kw)
    return TrainConfig(**base)


def params(m):
    return [p.detach().clone() for p in m.parameters()]


def test_step_updates_both_nets_and_d_step_leaves_g_alone(tmp_path, photo_rgb):
    t = Trainer(config(tmp_path), tmp_path / "s", pairs=make_pairs(photo_rgb))
    g0, d0 = params(t.G), params(t.D)
    batch = t.sample_batch()
    # D step alone: run step with the G optimiser disabled
    lr = [g["lr"] for g in t.opt_g.param_groups]
    for g in t.opt_g.param_groups:
        g["lr"] = 0.0
    logs = t.step(batch)
    assert all(np.isfinite(v) for v in logs.values())
    assert all(torch.equal(a, b) for a, b in zip(g0, params(t.G)))
    assert any(not torch.equal(a, b) for a, b in zip(d0, params(t.D)))
    for g, v in zip(t.opt_g.param_groups, lr):
        g["lr"] = v
    t.step(t.sample_batch())
    assert any(not torch.equal(a, b) for a, b in zip(g0, params(t.G)))


def test_overfits_a_small_batch(tmp_path, photo_rgb):
    cfg = config(tmp_path, steps=150, lr_decay=False)
    t = Trainer(cfg, tmp_path / "s", pairs=make_pairs(photo_rgb, n=2), log=lambda m: None)
    first = t.step(t.sample_batch())["l1"]
    logs = t.fit()
    assert logs["l1"] < 0.012 and logs["l1"] < first / 5, (first, logs)


def test_resume_continues_exactly(tmp_path, photo_rgb):
    """A run killed after step 3 (checkpoint at step 2) and resumed ends with the weights of an unbroken run."""
    pairs = make_pairs(photo_rgb)
    straight = Trainer(config(tmp_path, steps=4), tmp_path / "a", pairs=pairs, log=lambda m: None)
    straight.fit()
    first = Trainer(config(tmp_path, steps=4, checkpoint_every=2), tmp_path / "b", pairs=pairs, log=lambda m: None)

    def kill_after_step_3(step, *_):
        if step == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        first.fit(kill_after_step_3)
    resumed = Trainer(config(tmp_path, steps=4), tmp_path / "b", pairs=pairs, resume=True, log=lambda m: None)
    assert resumed.step_num == 2
    resumed.fit()
    for a, b in zip(params(straight.G), params(resumed.G)):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=0)
    saved = json.loads((tmp_path / "b" / "style.json").read_text())
    assert saved["train"]["generator"] == TINY_G and saved["step"] == 4


def test_nan_stops_training_and_keeps_the_last_checkpoint(tmp_path, photo_rgb, monkeypatch):
    t = Trainer(config(tmp_path, steps=6, checkpoint_every=2), tmp_path / "s", pairs=make_pairs(photo_rgb),
                log=lambda m: None)
    real_step = t.step
    calls = {"n": 0}

    def flaky(batch):
        calls["n"] += 1
        logs = real_step(batch)
        return {**logs, "g": float("nan")} if calls["n"] == 3 else logs

    monkeypatch.setattr(t, "step", flaky)
    with pytest.raises(TrainingDiverged, match="step 3.*last good checkpoint"):
        t.fit()
    assert json.loads((tmp_path / "s" / "training" / "state.json").read_text())["step"] == 2


def test_multi_style_model_learns_two_looks(tmp_path, photo_rgb):
    cfg = config(tmp_path, steps=150, labels=["warm", "inverted"], lr_decay=False, ema=0.9)
    t = Trainer(cfg, tmp_path / "m", pairs=make_pairs(photo_rgb, n=2, labels=(0, 1)), log=lambda m: None)
    t.fit()
    src = t.pairs[0].source
    a, b = t.stylize_tensor(src, 0), t.stylize_tensor(src, 1)
    assert (a - warm(src)).abs().mean() < (b - warm(src)).abs().mean() / 3
    assert (b - (1 - src * 0.5)).abs().mean() < (a - (1 - src * 0.5)).abs().mean() / 3


def test_multi_style_ema_spans_each_labels_own_updates(tmp_path, photo_rgb):
    labels = [f"l{i}" for i in range(6)]
    pairs = make_pairs(photo_rgb, n=1, labels=tuple(range(6)))
    t = Trainer(config(tmp_path, labels=labels, batch=4, ema=0.99), tmp_path / "m", pairs=pairs, log=lambda m: None)
    share = 1 - (5 / 6) ** 4  # a label is in 52% of batches of 4
    assert t.ema_decay() == pytest.approx(0.99 ** share)
    before = params(t.G_ema)
    t.step(t.sample_batch())
    t.update_ema()
    for e, e0, g in zip(t.G_ema.parameters(), before, t.G.parameters()):
        assert torch.allclose(e, e0 + (1 - 0.99 ** share) * (g - e0), atol=1e-7)
    off = Trainer(config(tmp_path, labels=labels, ema=0.99, ema_per_label=False), tmp_path / "o", pairs=pairs,
                  log=lambda m: None)
    one = Trainer(config(tmp_path, ema=0.99), tmp_path / "s", pairs=make_pairs(photo_rgb), log=lambda m: None)
    assert off.ema_decay() == one.ema_decay() == 0.99


def test_multi_style_lut_rate_follows_the_share_of_batches_holding_a_label(tmp_path, photo_rgb):
    labels = [f"l{i}" for i in range(6)]
    pairs = make_pairs(photo_rgb, n=1, labels=tuple(range(6)))
    t = Trainer(config(tmp_path, labels=labels, batch=4, lr_lut=0.01, lr_decay=False), tmp_path / "m", pairs=pairs,
                log=lambda m: None)
    rate = 0.01 * (1 - (5 / 6) ** 4) ** 0.5
    assert t.opt_g.param_groups[1]["lr"] == pytest.approx(rate)
    t.fit()  # the schedule keeps the scaled rate
    assert t.opt_g.param_groups[1]["lr"] == pytest.approx(rate)
    off = Trainer(config(tmp_path, labels=labels, lr_lut=0.01, lut_lr_per_label=False), tmp_path / "o", pairs=pairs,
                  log=lambda m: None)
    one = Trainer(config(tmp_path, lr_lut=0.01), tmp_path / "s", pairs=make_pairs(photo_rgb), log=lambda m: None)
    assert off.opt_g.param_groups[1]["lr"] == one.opt_g.param_groups[1]["lr"] == 0.01


def test_a_config_saved_before_a_setting_resumes_as_it_trained():
    saved = json.loads(TrainConfig(labels=["a", "b"]).to_json())
    assert TrainConfig.from_dict(saved) == TrainConfig(labels=["a", "b"])  # round trip
    del saved["lut_lr_per_label"], saved["ema_per_label"], saved["colour_model"]  # written before these existed
    old = TrainConfig.from_dict(saved)
    assert not old.lut_lr_per_label and not old.ema_per_label and old.colour_model == "lut"
    assert TrainConfig().colour_model == "structured-linear"
    assert TrainConfig().lut_lr_per_label and TrainConfig().ema_per_label  # new runs get them
    with pytest.raises(ValueError, match="unknown training settings: bogus"):
        TrainConfig.from_dict({**saved, "bogus": 1})


def _write_pairs(folder: Path, photo_rgb, n=3, drop_target=None):
    (folder / "inputs").mkdir(parents=True)
    (folder / "targets").mkdir()
    for i in range(n):
        src = np.roll(photo_rgb, i * 13, axis=1)
        Image.fromarray(src).save(folder / "inputs" / f"im{i}.png")
        if i != drop_target:
            tgt = (warm(torch.from_numpy(src).permute(2, 0, 1).float() / 255).permute(1, 2, 0).numpy() * 255).round()
            Image.fromarray(tgt.astype(np.uint8)).save(folder / "targets" / f"im{i}.png")


def test_cli_train_then_stylize_with_the_style_folder(tmp_path, photo_rgb):
    _write_pairs(tmp_path / "pairs", photo_rgb, drop_target=2)
    style = tmp_path / "style"
    cmd = [sys.executable, "-m", "retrogan", "train", "paired", "--inputs", str(tmp_path / "pairs" / "inputs"),
           "--targets", str(tmp_path / "pairs" / "targets"), "-o", str(style), "--steps", "3", "--batch", "2", "-q"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "im2.png: no target with stem 'im2'" in r.stderr  # unmatched stems are named
    assert (style / "generator.safetensors").exists() and (style / "style.json").exists()
    r2 = subprocess.run(cmd, capture_output=True, text=True)
    assert r2.returncode == 2 and "--resume it or --overwrite it" in r2.stderr
    out = tmp_path / "out.png"
    r = subprocess.run([sys.executable, "-m", "retrogan", "stylize", str(tmp_path / "pairs" / "inputs" / "im0.png"),
                        "-o", str(out), "--style", str(style)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert Image.open(out).size == (photo_rgb.shape[1], photo_rgb.shape[0])
    r = subprocess.run([sys.executable, "-m", "retrogan", "stylize", str(tmp_path / "pairs" / "inputs" / "im0.png"),
                        "-o", str(tmp_path / "o2.png"), "--style", f"{style}:nope"], capture_output=True, text=True)
    assert r.returncode == 2 and "no label 'nope'" in r.stderr


def test_too_few_pairs_is_a_clear_error(tmp_path, photo_rgb):
    _write_pairs(tmp_path / "p", photo_rgb, n=1)
    with pytest.raises(DataError, match="needs at least 2"):
        load_pairs(tmp_path / "p" / "inputs", tmp_path / "p" / "targets", 0, 256, warn=lambda m: None)


def test_pairs_of_different_framing_are_refused_by_name(tmp_path, photo_rgb):
    _write_pairs(tmp_path / "p", photo_rgb, n=3)
    Image.fromarray(photo_rgb[:, :60]).save(tmp_path / "p" / "targets" / "im1.png")
    Image.fromarray(np.asarray(Image.fromarray(photo_rgb).resize((64, 48)))).save(tmp_path / "p" / "targets" / "im0.png")
    warnings = []
    pairs = load_pairs(tmp_path / "p" / "inputs", tmp_path / "p" / "targets", 0, 256, warn=warnings.append)
    assert [p.stem for p in pairs] == ["im0", "im2"]  # same framing at another size is resized; im1 is refused
    assert any("im1.png" in w and "framing" in w for w in warnings)


def test_torchrun_two_processes_hold_identical_weights_after_a_step(tmp_path):
    worker = Path(__file__).parent / "ddp_worker.py"
    r = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", "29533",
                        str(worker), str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    from safetensors.torch import load_file

    a, b = load_file(str(tmp_path / "rank0.safetensors")), load_file(str(tmp_path / "rank1.safetensors"))
    init = load_file(str(tmp_path / "init.safetensors"))
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k
    assert any(not torch.equal(a[k], init[k]) for k in a)  # and the step did change them
    assert json.loads((tmp_path / "ranks.json").read_text()) == {"batches_differ": True}


def test_torchrun_cli_run_with_a_time_budget_ends_together_and_speaks_once(tmp_path, photo_rgb):
    # a time budget read off each rank's own clock lets one rank stop while the other waits in a collective (a hang
    # until gloo's 30-minute timeout); rank 0's log folder made the other rank refuse "already holds a training run"
    _write_pairs(tmp_path / "pairs", photo_rgb)
    style = tmp_path / "style"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m", "retrogan",
           "train", "paired", "--inputs", str(tmp_path / "pairs" / "inputs"), "--targets",
           str(tmp_path / "pairs" / "targets"), "-o", str(style), "--steps", "100000", "--minutes", "0.1",
           "--batch", "2", "-q"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.count("wrote style") == 1, r.stdout
    info = json.loads((style / "style.json").read_text())
    assert 0 < info["step"] < 100000


def test_unpaired_self_training_runs_and_makes_pseudo_pairs(tmp_path, photo_rgb):
    base = torch.from_numpy(photo_rgb).permute(2, 0, 1).float() / 255
    sources = [base.roll(i * 11, dims=2) for i in range(4)]
    style = [warm(base.roll(i * 29 + 5, dims=1)) for i in range(4)]  # other "scenes" in the look
    cfg = config(tmp_path, mode="unpaired", steps=8, self_rounds=2, self_keep=0.5)
    messages = []
    t = Trainer(cfg, tmp_path / "u", sources=sources, style_images=style, log=messages.append)
    logs = t.fit()
    assert all(np.isfinite(v) for v in logs.values())
    assert t.round == 2 and len(t.pseudo) == 2
    assert any("kept 2 of 4" in m for m in messages)


def test_style_folder_look_matches_the_trained_generator(tmp_path, photo_rgb):
    from retrogan.imaging import Photo
    from retrogan.looks import resolve_style

    t = Trainer(config(tmp_path, steps=20), tmp_path / "s", pairs=make_pairs(photo_rgb), log=lambda m: None)
    t.fit()
    look = resolve_style(str(tmp_path / "s"))
    out = look.apply(Photo(rgb=photo_rgb), seed=0).rgb / 255.0
    ref = t.stylize_tensor(torch.from_numpy(photo_rgb).permute(2, 0, 1).float() / 255, 0).permute(1, 2, 0).numpy()
    assert np.abs(out - ref).mean() < 1.5 / 255
    np.testing.assert_array_equal(look.apply(Photo(rgb=photo_rgb), strength=0.0).rgb, photo_rgb)


def test_cli_multi_style_from_data_folders_and_label_choice(tmp_path, photo_rgb):
    _write_pairs(tmp_path / "warm", photo_rgb)
    _write_pairs(tmp_path / "plain", photo_rgb)
    style = tmp_path / "multi"
    r = subprocess.run([sys.executable, "-m", "retrogan", "train", "paired", "--data", f"{tmp_path / 'warm'}:warm",
                        "--data", str(tmp_path / "plain"), "-o", str(style), "--steps", "2", "--batch", "2", "-q"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert json.loads((style / "style.json").read_text())["labels"] == ["warm", "plain"]
    r = subprocess.run([sys.executable, "-m", "retrogan", "stylize", str(tmp_path / "warm" / "inputs" / "im0.png"),
                        "-o", str(tmp_path / "o.png"), "--style", f"{style}:plain"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([sys.executable, "-m", "retrogan", "stylize", str(tmp_path / "warm" / "inputs" / "im0.png"),
                        "-o", str(tmp_path / "o2.png"), "--style", str(style)], capture_output=True, text=True)
    assert r.returncode == 2 and "holds 2 looks (warm, plain)" in r.stderr and f"{style}:LABEL" in r.stderr


def test_training_ends_with_a_verdict_and_resume_adds_more(tmp_path, photo_rgb):
    _write_pairs(tmp_path / "pairs", photo_rgb)
    cmd = [sys.executable, "-m", "retrogan", "train", "paired", "--inputs", str(tmp_path / "pairs" / "inputs"),
           "--targets", str(tmp_path / "pairs" / "targets"), "-o", str(tmp_path / "look"), "--batch", "2", "-q"]
    r = subprocess.run([*cmd, "--steps", "2"], capture_output=True, text=True)
    assert r.returncode == 0 and "(2 steps," in r.stdout, r.stderr
    assert "training pair(s): ΔE2000" in r.stderr and "not learned yet" in r.stderr  # 2 steps learn nothing
    r = subprocess.run([*cmd, "--resume", "--steps", "3"], capture_output=True, text=True)
    assert r.returncode == 0 and "(5 steps," in r.stdout, (r.stdout, r.stderr)  # three more, not three in all
    r = subprocess.run([*cmd, "--resume", "--minutes", "0.05"], capture_output=True, text=True)
    steps = int(r.stdout.split("(")[1].split(" steps")[0])
    assert r.returncode == 0 and steps > 5, r.stdout  # more time trains more, though the saved budget was spent


def test_verdict_compares_with_doing_nothing(tmp_path, photo_rgb):
    pairs = make_pairs(photo_rgb)
    same = [Pair(p.stem, p.source, p.source, p.label) for p in pairs]  # the look is "no change": learned at once
    t = Trainer(config(tmp_path, steps=1), tmp_path / "s", pairs=same, log=lambda m: None)
    v = t.verdict()
    assert v["pairs"] == len(same) and v["identity"] < 1e-6 and v["learned_enough"]
    t = Trainer(config(tmp_path, steps=1), tmp_path / "w", pairs=pairs, log=lambda m: None)
    v = t.verdict()
    assert v["identity"] > 1.0 and not v["learned_enough"]  # untrained: the warm look is not there yet
