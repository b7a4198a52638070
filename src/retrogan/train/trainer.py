"""The trainer: D step then G step, EMA of G, logs, previews, checkpoints, resume, torchrun data parallel.

Pair-wise: L1 to the target plus the conditional adversarial loss; D sees (input, image, label) and also learns to
reject real targets shown with the wrong label. Unpaired: the look recognised in the style folder (``prior``) is
the generator's starting LUT and turns the modern photos into pseudo-pairs trained with L1, every output under the
adversarial loss against the style folder (without a prior, half of each batch is raw modern crops under the
adversarial loss plus a content term); then self-training rounds in which the EMA generator's own outputs, kept
where D and the content check trust them, become pseudo-pairs trained with L1.
"""
from __future__ import annotations

import copy
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F

from .. import losses as LS
from ..errors import RetroganError, StyleError
from ..film import lut as L
from ..film._util import Frame
from ..models import GENERATORS, DiscriminatorConfig, PatchDiscriminator
from .checkpoint import load_optimizer, load_training_state, optimizer_tensors, save_style, save_training_state
from .config import TrainConfig
from .data import Pair, random_crop


class TrainingDiverged(RetroganError):
    pass


@dataclass
class Batch:
    source: torch.Tensor          # (B, 3, c, c) crops of the inputs
    target: torch.Tensor | None   # (B, 3, c, c) crops of the targets (pairs or pseudo-pairs; the source where none)
    has_target: torch.Tensor      # (B,) bool: which samples have a (pseudo-)target
    real: torch.Tensor | None     # (B, 3, c, c) crops of style photos (unpaired) or None
    thumb: torch.Tensor           # (B, 3, t, t) thumbnails of the whole inputs
    label: torch.Tensor           # (B,)
    frames: list[Frame]
    pix_source: torch.Tensor | None = None  # (B, 3, 1, P) random pixels of the whole inputs (paired)
    pix_target: torch.Tensor | None = None  # (B, 3, 1, P) the same pixels of the targets


def distributed() -> tuple[int, int]:
    """(rank, world size); initialises torch.distributed when launched by torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    return (dist.get_rank(), world) if world > 1 else (0, 1)


def wait_for_peers() -> None:
    """A barrier across torchrun ranks; nothing when training alone."""
    if dist.is_initialized():
        dist.barrier()


def leave(code: int = 0) -> None:
    """End a torchrun worker once its files are written, skipping interpreter finalisation: gloo's worker threads
    can still be releasing the tensors of the last collectives then, and a thread that needs the GIL while Python
    shuts down aborts the whole process ("terminate called without an active exception"), which torchrun reports
    as a failed run after a good one."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


class Trainer:
    def __init__(self, cfg: TrainConfig, out: Path, pairs: list[Pair] | None = None,
                 sources: list[torch.Tensor] | None = None, style_images: list[torch.Tensor] | None = None,
                 resume: bool = False, log=print) -> None:
        self.cfg, self.out, self.log = cfg, Path(out), log
        self.rank, self.world = distributed()
        self.device = torch.device(cfg.device)
        torch.manual_seed(cfg.seed)  # identical initial weights on every rank
        self.rng = np.random.default_rng(cfg.seed + 7919 * self.rank)
        gen_cfg_cls, gen_cls = GENERATORS[cfg.arch]
        colour = {"colour": cfg.colour_model} if cfg.arch == "fast" else {}
        self.gen_config = gen_cfg_cls(**{**cfg.generator, "num_styles": len(cfg.labels), **colour})
        self.G = gen_cls(self.gen_config).to(self.device)
        self.G_ema = copy.deepcopy(self.G).eval().requires_grad_(False)
        dcfg = DiscriminatorConfig(**{**cfg.discriminator, "num_styles": len(cfg.labels),
                                      "paired": cfg.mode == "paired"})
        self.D = PatchDiscriminator(dcfg).to(self.device)
        lut_params = self.G.lut_parameters() if hasattr(self.G, "lut_parameters") else []
        lut_ids = {id(p) for p in lut_params}
        groups = [{"params": [p for p in self.G.parameters() if id(p) not in lut_ids], "lr": cfg.lr_g}]
        if lut_params:  # LUT entries are colours: they move at their own rate
            groups.append({"params": lut_params, "lr": self.lut_lr()})
        self.opt_g = torch.optim.Adam(groups, betas=(0.5, 0.99))
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=cfg.lr_d, betas=(0.5, 0.99))
        self.d_loss, self.g_loss = LS.GAN_LOSSES[cfg.gan_loss]
        self.pairs, self.sources, self.style_images = pairs or [], sources or [], style_images or []
        self.pseudo: list[Pair] = []
        self.recognised = None
        self.layers = None  # unpaired: the style photos' film and age layers (train.run.style_layers), saved with it
        if not resume:
            self._decide_monochrome()
            if cfg.prefit_mono:
                self._prefit_monochrome()
        if cfg.mode == "unpaired" and cfg.prior in ("reader", "recognise") and self.sources:
            from .prior import prior_pairs, read, recognise, start_from

            self.recognised = (read(self.style_images, cfg.prior_model) if cfg.prior == "reader" else
                               recognise(self.sources, self.style_images, cfg.prior_tau, cfg.prior_model))
            self.pairs = prior_pairs(self.recognised, self.sources)
            if not resume and start_from(self.G, self.recognised.lut):
                self.G_ema.load_state_dict(self.G.state_dict())
            log(f"look read: {self.recognised.weights[0][0]}" if cfg.prior == "reader" else
                f"recognised look: {self.recognised.summary()}")
        elif cfg.mode == "unpaired" and cfg.prior not in ("reader", "recognise", "none"):
            raise RetroganError(f"unknown prior {cfg.prior!r}: reader, recognise or none")
        self.thumbs = {}
        self.step_num, self.elapsed, self.round = 0, 0.0, 0
        if resume:
            self._load()
        self.writer = self._tensorboard() if self.rank == 0 else None

    def _decide_monochrome(self) -> None:
        """The structured colour model's monochrome switch, per label, from what that label's look gives: its
        targets (paired) or its style photos (unpaired)."""
        colour = getattr(self.G, "colour", None)
        if colour is None:
            return
        from .monochrome import is_monochrome

        small = lambda t: torch.nn.functional.interpolate(t[None], size=(64, 64), mode="area")[0].permute(1, 2, 0)
        for label, name in enumerate(self.cfg.labels):
            if self.cfg.mode == "paired":
                looks = [p.target for p in self.pairs if p.label == label]
                sources = [p.source for p in self.pairs if p.label == label]
            else:
                looks, sources = self.style_images, self.sources
            as_np = lambda ts: [small(t.float()).cpu().numpy() for t in ts]
            if looks and is_monochrome(as_np(looks), as_np(sources)):
                for g in (self.G, self.G_ema):
                    g.colour.mono[label] = 1.0
                self.log(f"{name}: the look is monochrome (its colour depends on lightness only); so is the model")

    def _prefit_monochrome(self) -> None:
        """A monochrome label's emulsion and toning, fitted to its pairs before training (``train/prefit.py``)."""
        colour = getattr(self.G, "colour", None)
        if colour is None or not self.pairs:
            return
        from .prefit import pair_pixels, prefit_colour

        for label, name in enumerate(self.cfg.labels):
            pixels = pair_pixels(self.pairs, label) if float(colour.mono[label]) >= 1 else None
            if pixels is None:
                continue
            before, after = prefit_colour(colour, label, *pixels)
            self.log(f"{name}: emulsion and toning fitted first (CIELAB error {before:.1f} -> {after:.1f})")
        self.G_ema.colour.load_state_dict(colour.state_dict())

    # --- data ---------------------------------------------------------------------------------------------------
    def _thumb(self, image: torch.Tensor, cache: bool = True) -> torch.Tensor:
        """The analyser's view of a whole image. Cached only for dataset images, which stay alive (an id() of a
        freed tensor can be reused)."""
        key = id(image)
        if key not in self.thumbs:
            size = getattr(self.gen_config, "thumb", 64)
            thumb = torch.nn.functional.interpolate(image[None], size=(size, size), mode="area")[0]
            if not cache:
                return thumb
            self.thumbs[key] = thumb
        return self.thumbs[key]

    def sample_batch(self) -> Batch:
        cfg, rng = self.cfg, self.rng
        raw_share = cfg.raw_share if cfg.raw_share is not None else (0.0 if self.recognised is not None else 0.5)
        pool = self.pairs + self.pseudo
        crops_s, crops_t, crops_r, thumbs, labels, frames, pix_s, pix_t = [], [], [], [], [], [], [], []
        size = cfg.crop
        if pool:
            size = min(size, *(min(p.source.shape[-2:]) for p in pool))
        if self.sources:
            size = min(size, *(min(s.shape[-2:]) for s in self.sources + self.style_images))
        for _ in range(cfg.batch):
            if pool and (not self.sources or rng.random() >= raw_share or self.cfg.mode == "paired"):
                p = pool[int(rng.integers(len(pool)))]
                (src, tgt), (top, left) = random_crop([p.source, p.target], size, rng)
                crops_t.append(tgt)
                if cfg.pixels:  # colour coverage: pixels from anywhere in the picture, not just the crop
                    flat = int(p.source.shape[-2] * p.source.shape[-1])
                    idx = torch.from_numpy(rng.integers(0, flat, cfg.pixels))
                    pix_s.append(p.source.reshape(3, -1)[:, idx].unsqueeze(1))
                    pix_t.append(p.target.reshape(3, -1)[:, idx].unsqueeze(1))
                image, label = p.source, p.label
            else:
                image = self.sources[int(rng.integers(len(self.sources)))]
                (src,), (top, left) = random_crop([image], size, rng)
                crops_t.append(None)
                if cfg.pixels:  # placeholders: no target pixels for a raw photo (masked out of the pixel loss)
                    pix_s.append(torch.zeros(3, 1, cfg.pixels))
                    pix_t.append(torch.zeros(3, 1, cfg.pixels))
                label = 0
            crops_s.append(src)
            thumbs.append(self._thumb(image))
            labels.append(label)
            frames.append(Frame(image.shape[-2], image.shape[-1], top, left))
        if self.style_images:
            for _ in range(cfg.batch):
                (r,), _ = random_crop([self.style_images[int(rng.integers(len(self.style_images)))]], size, rng)
                crops_r.append(r)
        dev = self.device
        has = torch.tensor([t is not None for t in crops_t], device=dev)
        target = torch.stack([s if t is None else t for s, t in zip(crops_s, crops_t)]).to(dev) if has.any() else None
        pixels = len(pix_s) == cfg.batch and bool(has.any())
        return Batch(torch.stack(crops_s).to(dev), target, has, torch.stack(crops_r).to(dev) if crops_r else None,
                     torch.stack(thumbs).to(dev), torch.tensor(labels, device=dev), frames,
                     torch.stack(pix_s).to(dev) if pixels else None, torch.stack(pix_t).to(dev) if pixels else None)

    # --- the model ----------------------------------------------------------------------------------------------
    def generate(self, G, b: Batch, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
        """-> (fake crops, regularisation + colour-pixel loss)."""
        if self.cfg.arch != "fast":
            return G(b.source, b.label), torch.zeros((), device=self.device)
        theta = G.analyse(b.thumb, b.label)
        outs = []
        for i, frame in enumerate(b.frames):
            theta_i = theta.item(i)
            # one grain seed: its texture per image size is cached, and random crops move the grain anyway
            outs.append(G.render(b.source[i:i + 1], theta_i, seed=0, frame=frame))
        cfg = self.cfg
        reg = cfg.lambda_mono * LS.lut_monotonicity(theta.lut) + cfg.lambda_local * theta.local.pow(2).mean()
        if theta.residual is None:
            reg = reg + cfg.lambda_smooth * LS.lut_smoothness(theta.lut)
        else:  # the structured model: its residual LUT bends little (so it extrapolates), its curves are smooth
            # a monochrome look's residual (its grey toning) is held far stiffer: lambda_bend_mono
            stiff = 1 + (cfg.lambda_bend_mono ** 0.5 - 1) * G.colour.mono_amount(b.label)
            reg = reg + (cfg.lambda_bend * LS.lut_bending(theta.residual * stiff.view(-1, 1, 1, 1, 1))
                         + cfg.lambda_residual * theta.residual.pow(2).mean()
                         + cfg.lambda_curve * G.colour.curve_roughness())
        if b.pix_source is not None and torch.is_grad_enabled():  # samples with a (pseudo-)target only
            has = b.has_target
            reg = reg + self.cfg.lambda_l1 * LS.l1_loss(L.trilinear(b.pix_source[has], theta.lut[has]),
                                                        b.pix_target[has])
        return torch.cat(outs), reg

    def _d_crops(self, *images: torch.Tensor) -> list[torch.Tensor]:
        c = images[0].shape[-1]
        size = min(self.cfg.d_crop, c, images[0].shape[-2])
        top = int(self.rng.integers(0, images[0].shape[-2] - size + 1))
        left = int(self.rng.integers(0, c - size + 1))
        return [None if im is None else im[..., top:top + size, left:left + size] for im in images]

    def _sync(self, module: torch.nn.Module) -> None:
        """Average gradients across ranks (data parallel without wrapping: our G is called through several
        methods, which DDP's forward hooks would not see)."""
        if self.world == 1:
            return
        for p in module.parameters():
            if p.grad is not None:
                dist.all_reduce(p.grad)
                p.grad /= self.world

    def step(self, b: Batch) -> dict[str, float]:
        """One D step, then one G step. Returns the losses."""
        cfg = self.cfg
        logs: dict[str, float] = {}
        seed = int(self.rng.integers(0, 2 ** 31))
        # D step: G is not updated (its output is detached)
        with torch.no_grad():
            fake, _ = self.generate(self.G, b, seed)
        # D's real images: the targets for pair-wise training, the style photos (never pseudo-targets) otherwise
        real = b.target if cfg.mode == "paired" else b.real
        cond = b.source if cfg.mode == "paired" else None
        real_c, fake_c, cond_c = self._d_crops(real, fake, cond)
        self.D.requires_grad_(True)
        self.opt_d.zero_grad(set_to_none=True)
        if cfg.r1:
            real_c = real_c.detach().requires_grad_(True)
        real_logits = self.D(real_c, b.label, cond_c)
        loss_d = self.d_loss(real_logits, self.D(fake_c, b.label, cond_c))
        if len(cfg.labels) > 1 and cfg.mismatch and cfg.mode == "paired":
            wrong = (b.label + torch.randint(1, len(cfg.labels), b.label.shape, device=self.device)) % len(cfg.labels)
            loss_d = loss_d + cfg.mismatch * LS.D_FAKE_TERMS[cfg.gan_loss](self.D(real_c, wrong, cond_c))
        if cfg.r1:
            loss_d = loss_d + cfg.r1 * 0.5 * LS.r1_penalty(real_logits, real_c)
        loss_d.backward()
        self._sync(self.D)
        self.opt_d.step()
        logs["d"] = loss_d.item()
        # G step
        self.D.requires_grad_(False)
        self.opt_g.zero_grad(set_to_none=True)
        fake, reg = self.generate(self.G, b, seed)
        real_c, fake_c, cond_c = self._d_crops(real, fake, cond)
        loss_adv = self.g_loss(self.D(fake_c, b.label, cond_c))
        loss_g = cfg.lambda_gan * loss_adv + reg
        has = b.has_target
        if has.any():  # pairs and pseudo-pairs: L1 to the (pseudo-)target
            loss_l1 = LS.l1_loss(fake[has], b.target[has])
            loss_g = loss_g + cfg.lambda_l1 * loss_l1
            logs["l1"] = loss_l1.item()
        if not has.all():  # unpaired photos: keep the picture
            loss_c = LS.luminance_content_loss(fake[~has], b.source[~has])
            loss_g = loss_g + cfg.lambda_content * loss_c
            logs["content"] = loss_c.item()
        loss_g.backward()
        self._sync(self.G)
        self.opt_g.step()
        logs.update(g_adv=loss_adv.item(), g=loss_g.item(), reg=reg.item())
        return logs

    def label_share(self) -> float:
        """The chance that a batch holds a given label (1 with one label)."""
        return 1 - (1 - 1 / len(self.cfg.labels)) ** self.cfg.batch

    def ema_decay(self) -> float:
        """The EMA's decay per step. With several labels each label's own entries move only in the steps that
        hold it, so the horizon is stretched to span as many of *its* updates as a one-label run's."""
        cfg = self.cfg
        return cfg.ema ** self.label_share() if cfg.ema_per_label else cfg.ema

    def lut_lr(self) -> float:
        """The styles' LUT learning rate. With several labels a label's LUT is updated from fewer samples per
        step (about one of a batch of four among six labels), so its steps are noisier: the rate is scaled by the
        square root of the label's share of batches."""
        cfg = self.cfg
        return cfg.lr_lut * self.label_share() ** 0.5 if cfg.lut_lr_per_label else cfg.lr_lut

    def update_ema(self) -> None:
        decay = self.ema_decay()
        with torch.no_grad():
            for pe, p in zip(self.G_ema.parameters(), self.G.parameters()):
                pe.lerp_(p, 1 - decay)
            for be, b in zip(self.G_ema.buffers(), self.G.buffers()):
                be.copy_(b)

    # --- the loop -----------------------------------------------------------------------------------------------
    def fit(self, progress=None) -> dict[str, float]:
        cfg = self.cfg
        budget = cfg.minutes * 60 if cfg.minutes else math.inf
        start = time.perf_counter() - self.elapsed
        last_ckpt = time.perf_counter()
        logs: dict[str, float] = {}
        while self.step_num < cfg.steps and self.elapsed < budget:
            if self._round_due(budget):                          # self-training round
                self.make_pseudo_pairs()
            self._schedule_lr(budget)
            batch = self.sample_batch()                          # data
            logs = self.step(batch)                              # D step, G step
            self.update_ema()                                    # EMA
            self.step_num += 1
            self.elapsed = self._agreed(time.perf_counter() - start)
            if not all(math.isfinite(v) for v in logs.values()):
                raise TrainingDiverged(f"step {self.step_num}: a loss is not finite ({logs}); training stopped, the "
                                       f"last good checkpoint in {self.out} is kept")
            if progress:
                progress(self.step_num, cfg.steps, self.elapsed, budget, logs)
            if self.writer and self.step_num % cfg.log_every == 0:  # log
                for k, v in logs.items():
                    self.writer.add_scalar(f"loss/{k}", v, self.step_num)
            if self.step_num % cfg.checkpoint_every == 0 or time.perf_counter() - last_ckpt > cfg.checkpoint_seconds:
                self.checkpoint()                                # sample + checkpoint
                last_ckpt = time.perf_counter()
        self.checkpoint()
        return logs

    def _agreed(self, elapsed: float) -> float:
        """The time trained as every rank sees it (the slowest clock): ranks must agree on when a time budget ends,
        when a self-training round starts and on the learning rate, or one rank leaves while another waits for it."""
        if self.world == 1:
            return elapsed
        t = torch.tensor([elapsed], dtype=torch.float64, device=self.device)  # NCCL reduces CUDA tensors only
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return float(t.item())

    def close(self) -> None:
        """Flush the logs and, under torchrun, leave the process group together."""
        if self.writer:
            self.writer.close()
            self.writer = None
        if self.world > 1 and dist.is_initialized():
            wait_for_peers()
            dist.destroy_process_group()

    def _progress(self, budget: float) -> float:
        """How far the run is, 0..1, by steps or by the time budget, whichever is nearer its end."""
        return max(self.step_num / self.cfg.steps, self.elapsed / budget if math.isfinite(budget) else 0.0)

    def _round_due(self, budget: float) -> bool:
        """Self-training rounds start half-way and split the second half of the run between them."""
        if self.cfg.mode != "unpaired" or self.round >= self.cfg.self_rounds:
            return False
        return self._progress(budget) >= 0.5 + 0.5 * self.round / self.cfg.self_rounds

    def _schedule_lr(self, budget: float) -> None:
        """Linear decay to 10% over the run: the LUT entries settle instead of jittering at the end."""
        done = self._progress(budget)
        scale = 1.0 - 0.9 * min(1.0, done) if self.cfg.lr_decay else 1.0
        base = [self.cfg.lr_g, self.lut_lr()]
        for group, lr in zip(self.opt_g.param_groups, base):
            group["lr"] = lr * scale
        for group in self.opt_d.param_groups:
            group["lr"] = self.cfg.lr_d * scale

    @torch.no_grad()
    def make_pseudo_pairs(self) -> None:
        """Render every source with the EMA generator; keep the outputs D finds most real and whose picture is
        intact (content check) as pseudo-pairs for L1 training."""
        scored = []
        for src in self.sources:
            out = self.stylize_tensor(src, 0)
            realism = float(self.D(out[None], torch.zeros(1, dtype=torch.long, device=self.device)).mean())
            content = float(LS.luminance_content_loss(out[None], src[None]))
            scored.append((realism - 10 * content, src, out))
        scored.sort(key=lambda t: -t[0])
        keep = max(1, int(round(len(scored) * self.cfg.self_keep)))
        self.pseudo = [Pair(f"pseudo{i}", s, o, 0) for i, (_, s, o) in enumerate(scored[:keep])]
        self.round += 1
        self.log(f"self-training round {self.round}: kept {keep} of {len(scored)} outputs as pseudo-pairs")

    @torch.no_grad()
    def stylize_tensor(self, image: torch.Tensor, label: int, G=None) -> torch.Tensor:
        G = G or self.G_ema
        lab = torch.tensor([label], device=self.device)
        if self.cfg.arch == "fast":
            theta = G.analyse(self._thumb(image, cache=False)[None].to(self.device), lab)
            return G.render(image[None].to(self.device), theta)[0]
        return G(image[None].to(self.device), lab)[0]

    @torch.no_grad()
    def verdict(self, max_pairs: int = 8, side: int = 256, enough: float = 0.5) -> dict | None:
        """How far the learned look (EMA generator) is from its own training targets, against doing nothing: mean
        CIEDE2000 over up to ``max_pairs`` pairs at ``side`` px. ``learned_enough`` when it closes at least
        ``enough`` of that gap. None without pairs (unpaired runs have no targets to compare with)."""
        from ..metrics import delta_e_images

        pairs = self.pairs[:max_pairs]
        if not pairs:
            return None
        learned, identity = [], []
        as_np = (lambda t: t.permute(1, 2, 0).double().numpy())
        for p in pairs:
            h, w = p.source.shape[-2:]
            scale = min(1.0, side / max(h, w))
            size = (max(1, round(h * scale)), max(1, round(w * scale)))
            src = F.interpolate(p.source[None], size=size, mode="area")[0]
            tgt = F.interpolate(p.target[None], size=size, mode="area")[0]
            out = self.stylize_tensor(src, p.label).clamp(0, 1).cpu()
            learned.append(delta_e_images(as_np(out), as_np(tgt)))
            identity.append(delta_e_images(as_np(src), as_np(tgt)))
        a, b = float(np.mean(learned)), float(np.mean(identity))
        closed = 1.0 - a / b if b > 1e-6 else 1.0
        return {"pairs": len(pairs), "learned": a, "identity": b, "closed": closed,
                "learned_enough": closed >= enough or a < 1.0}

    # --- checkpoints --------------------------------------------------------------------------------------------
    def saved_weights(self) -> dict:
        """The generator as the style folder holds it: the EMA weights, their residual LUTs smoothed
        (``finish_bending``) for the structured model. Training goes on from the unsmoothed ones."""
        if self.cfg.arch == "fast" and self.G_ema.colour is not None and self.cfg.finish_bending > 0:
            return self.G_ema.smoothed_state(self.cfg.finish_bending)
        return self.G_ema.state_dict()

    def checkpoint(self) -> None:
        if self.rank != 0:
            return
        cfg_dict = __import__("json").loads(self.cfg.to_json())
        extra = {"step": self.step_num, "elapsed_s": round(self.elapsed, 1)}
        if self.recognised is not None:  # what the unpaired run started from, for the user to read
            extra["recognised_look"] = [[n, round(w, 4)] for n, w in self.recognised.weights[:5]]
        if self.layers is not None:  # the style photos' film and age layers (looks.layered)
            extra["layers"] = self.layers.to_dict()
        save_style(self.out, self.cfg.arch, self.gen_config.to_dict(), self.cfg.labels, cfg_dict,
                   self.saved_weights(), extra)
        tensors = {f"G.{k}": v for k, v in self.G.state_dict().items()}
        tensors.update({f"D.{k}": v for k, v in self.D.state_dict().items()})
        tensors.update({f"G_ema.{k}": v for k, v in self.G_ema.state_dict().items()})
        og, og_meta = optimizer_tensors(self.opt_g, "opt_g")
        od, od_meta = optimizer_tensors(self.opt_d, "opt_d")
        tensors.update(og)
        tensors.update(od)
        tensors["rng.torch"] = torch.get_rng_state()
        meta = {"step": self.step_num, "elapsed": self.elapsed, "round": self.round, "opt_g": og_meta,
                "opt_d": od_meta, "rng_numpy": self.rng.bit_generator.state, "config": cfg_dict}
        save_training_state(self.out, tensors, meta)
        if self.writer:
            self._preview()

    def _load(self) -> None:
        tensors, meta = load_training_state(self.out)
        try:
            for name, module in (("G", self.G), ("D", self.D), ("G_ema", self.G_ema)):
                module.load_state_dict({k[len(name) + 1:]: v for k, v in tensors.items() if k.startswith(name + ".")})
            load_optimizer(self.opt_g, tensors, "opt_g", meta["opt_g"])
            load_optimizer(self.opt_d, tensors, "opt_d", meta["opt_d"])
            torch.set_rng_state(tensors["rng.torch"])
            self.rng.bit_generator.state = meta["rng_numpy"]
            self.step_num, self.elapsed = int(meta["step"]), float(meta["elapsed"])
            self.round = int(meta.get("round", 0))
        except (KeyError, ValueError, TypeError, RuntimeError, AttributeError, IndexError) as e:
            detail = " ".join(str(e).split())[:200]
            raise StyleError(f"{self.out / 'training'}: training state does not fit this run, cannot resume "
                             f"({type(e).__name__}: {detail}); start afresh with --overwrite") from None
        if self.rank > 0:  # rank 0's generator state was saved: the other ranks draw their own batches again
            self.rng = np.random.default_rng([self.cfg.seed, self.rank, self.step_num])
        self.log(f"resumed {self.out} at step {self.step_num} ({self.elapsed:.0f} s trained)")

    def _tensorboard(self):
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:  # optional: the progress and the final verdict are printed anyway (said once, in --help)
            return None
        return SummaryWriter(str(self.out / "training" / "logs"))

    def _preview(self) -> None:
        """A fixed preview grid: the same inputs every time, input over output."""
        items = (self.pairs or [Pair("s", s, s, 0) for s in self.sources])[:4]
        tiles = []
        for p in items:
            src = torch.nn.functional.interpolate(p.source[None], size=(128, 128), mode="area")[0]
            tiles.append(torch.cat([src, self.stylize_tensor(src, p.label)], 1))
        if tiles:
            self.writer.add_image("preview", torch.cat(tiles, 2).clamp(0, 1), self.step_num)
            self.writer.flush()
