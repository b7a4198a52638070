"""Our own reimplementations, from the papers, of the two architectures this field's research code is built on,
used only as baselines by the benchmarks (not part of the product):

- pix2pix (Isola et al., CVPR 2017): the U-Net-256 generator (C64-C128-C256-C512-C512-C512-C512-C512 encoder, 4x4
  convolutions of stride 2, LeakyReLU 0.2, BatchNorm except on the first and innermost layers; mirror decoder with
  skip connections, ReLU, dropout 0.5 in the three innermost decoder blocks, tanh out) and the 70x70 PatchGAN
  discriminator (C64-C128-C256-C512, the last of stride 1, then a 1-channel map; BatchNorm except on the first)
  judging the input and the output concatenated. Loss: cGAN (binary cross-entropy) + 100 * L1; Adam 2e-4, beta1
  0.5; batch 1; 256x256 crops with horizontal flips. As in the paper, the generator runs at test time exactly as
  in training (dropout on, BatchNorm on the statistics of the test image).
- CycleGAN (Zhu et al., ICCV 2017): the ResNet-9 generator (c7s1-64, d128, d256, nine residual blocks of 256,
  u128, u64, c7s1-3; InstanceNorm, reflection padding, tanh out) and the same 70x70 PatchGAN on 3 channels with
  InstanceNorm. Loss: least-squares GAN + 10 * cycle L1 + 5 * identity L1 (0.5 of the cycle weight); an image
  pool of 50 fakes per discriminator; Adam 2e-4, beta1 0.5; batch 1; 256x256 crops with flips.

Parameter counts equal the authors' code (pix2pix G 54.414 M, D 2.769 M; CycleGAN G 11.378 M, D 2.765 M): the
tests check them. Images are tensors in [0, 1]; the networks work in [-1, 1].
"""
from __future__ import annotations

import random
import time

import torch
import torch.nn.functional as F
from torch import nn


# --- pix2pix ------------------------------------------------------------------------------------------------------

class _UNetBlock(nn.Module):
    """One level of the U-Net: down, the inner levels, up, and the skip (authors' UnetSkipConnectionBlock)."""

    def __init__(self, outer: int, inner: int, sub: nn.Module | None = None, outermost: bool = False,
                 innermost: bool = False, dropout: bool = False, in_ch: int | None = None) -> None:
        super().__init__()
        self.outermost = outermost
        in_ch = in_ch or outer
        down = nn.Conv2d(in_ch, inner, 4, 2, 1, bias=False)
        if outermost:
            layers = [down, sub, nn.ReLU(True), nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1), nn.Tanh()]
        elif innermost:
            layers = [nn.LeakyReLU(0.2, True), down, nn.ReLU(True),
                      nn.ConvTranspose2d(inner, outer, 4, 2, 1, bias=False), nn.BatchNorm2d(outer)]
        else:
            layers = [nn.LeakyReLU(0.2, True), down, nn.BatchNorm2d(inner), sub, nn.ReLU(True),
                      nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1, bias=False), nn.BatchNorm2d(outer)]
            if dropout:
                layers.append(nn.Dropout(0.5))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x) if self.outermost else torch.cat([x, self.model(x)], 1)


class Pix2PixUNet256(nn.Module):
    def __init__(self, ngf: int = 64) -> None:
        super().__init__()
        block = _UNetBlock(ngf * 8, ngf * 8, innermost=True)
        for _ in range(3):
            block = _UNetBlock(ngf * 8, ngf * 8, block, dropout=True)
        block = _UNetBlock(ngf * 4, ngf * 8, block)
        block = _UNetBlock(ngf * 2, ngf * 4, block)
        block = _UNetBlock(ngf, ngf * 2, block)
        self.net = _UNetBlock(3, ngf, block, outermost=True, in_ch=3)
        _init_normal(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, 3, H, W) in [0, 1] -> (B, 3, H, W) in [0, 1]; any size (reflection-padded to a multiple of 256)."""
        return _padded(lambda t: self.net(t), x, 256)


class PatchGAN70(nn.Module):
    def __init__(self, in_ch: int, norm: str = "batch", ndf: int = 64) -> None:
        super().__init__()
        instance = norm == "instance"

        def norm_layer(c: int) -> nn.Module:
            return nn.InstanceNorm2d(c) if instance else nn.BatchNorm2d(c)

        layers = [nn.Conv2d(in_ch, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        ch = ndf
        for i, stride in ((1, 2), (2, 2), (3, 1)):
            nxt = ndf * min(2 ** i, 8)
            layers += [nn.Conv2d(ch, nxt, 4, stride, 1, bias=instance), norm_layer(nxt), nn.LeakyReLU(0.2, True)]
            ch = nxt
        layers.append(nn.Conv2d(ch, 1, 4, 1, 1))
        self.net = nn.Sequential(*layers)
        _init_normal(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x * 2 - 1)


# --- CycleGAN -----------------------------------------------------------------------------------------------------

class _ResBlock(nn.Module):
    def __init__(self, ch: int) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(ch, ch, 3, bias=True), nn.InstanceNorm2d(ch),
                                  nn.ReLU(True), nn.ReflectionPad2d(1), nn.Conv2d(ch, ch, 3, bias=True),
                                  nn.InstanceNorm2d(ch))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class CycleGANResNet9(nn.Module):
    def __init__(self, ngf: int = 64, blocks: int = 9) -> None:
        super().__init__()
        layers = [nn.ReflectionPad2d(3), nn.Conv2d(3, ngf, 7, bias=True), nn.InstanceNorm2d(ngf), nn.ReLU(True)]
        for m in (1, 2):
            layers += [nn.Conv2d(ngf * m, ngf * m * 2, 3, 2, 1, bias=True), nn.InstanceNorm2d(ngf * m * 2),
                       nn.ReLU(True)]
        layers += [_ResBlock(ngf * 4) for _ in range(blocks)]
        for m in (4, 2):
            layers += [nn.ConvTranspose2d(ngf * m, ngf * m // 2, 3, 2, 1, output_padding=1, bias=True),
                       nn.InstanceNorm2d(ngf * m // 2), nn.ReLU(True)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, 3, 7), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        _init_normal(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _padded(lambda t: self.net(t), x, 4)


# --- shared -------------------------------------------------------------------------------------------------------

def _init_normal(module: nn.Module, gain: float = 0.02) -> None:
    """The authors' 'normal' init: conv weights N(0, 0.02), BatchNorm weights N(1, 0.02), biases 0."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, gain)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, gain)
            nn.init.zeros_(m.bias)


def _padded(fn, x: torch.Tensor, multiple: int) -> torch.Tensor:
    h, w = x.shape[-2:]
    ph, pw = (-h) % multiple, (-w) % multiple
    t = x * 2 - 1
    if ph or pw:  # reflection padding needs the pad smaller than the side: repeat it as needed
        while ph or pw:
            a, b = min(ph, t.shape[-2] - 1), min(pw, t.shape[-1] - 1)
            t = F.pad(t, (0, b, 0, a), mode="reflect")
            ph, pw = ph - a, pw - b
    return ((fn(t)[..., :h, :w] + 1) / 2).clamp(0, 1)


def parameter_count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def random_crop_pair(images: list[torch.Tensor], size: int, rng: random.Random) -> list[torch.Tensor]:
    """The same random size x size crop (and flip) of images of one shape (3, H, W); smaller ones are padded."""
    h, w = images[0].shape[-2:]
    if h < size or w < size:
        images = [F.pad(i[None], (0, max(0, size - w), 0, max(0, size - h)), mode="replicate")[0] for i in images]
        h, w = images[0].shape[-2:]
    y, x = rng.randrange(h - size + 1), rng.randrange(w - size + 1)
    flip = rng.random() < 0.5
    out = [i[:, y:y + size, x:x + size] for i in images]
    return [o.flip(-1) if flip else o for o in out]


# --- training, each paper's recipe --------------------------------------------------------------------------------

def train_pix2pix(inputs: list[torch.Tensor], targets: list[torch.Tensor], seconds: float, seed: int = 0,
                  crop: int = 256, lambda_l1: float = 100.0) -> tuple[Pix2PixUNet256, int]:
    """Pairs (3, H, W) in [0, 1] -> the trained generator and the steps it took within ``seconds``."""
    torch.manual_seed(seed)
    rng = random.Random(seed)
    g, d = Pix2PixUNet256(), PatchGAN70(6, "batch")
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    g.train(), d.train()
    steps, t0 = 0, time.perf_counter()
    while steps == 0 or time.perf_counter() - t0 < seconds:  # at least one step, however loaded the machine
        i = rng.randrange(len(inputs))
        x, y = (t[None] for t in random_crop_pair([inputs[i], targets[i]], crop, rng))
        fake = g(x)
        opt_d.zero_grad()
        real_logit, fake_logit = d(torch.cat([x, y], 1)), d(torch.cat([x, fake.detach()], 1))
        loss_d = 0.5 * (bce(real_logit, torch.ones_like(real_logit)) + bce(fake_logit, torch.zeros_like(fake_logit)))
        loss_d.backward()
        opt_d.step()
        opt_g.zero_grad()
        fake_logit = d(torch.cat([x, fake], 1))
        loss_g = bce(fake_logit, torch.ones_like(fake_logit)) + lambda_l1 * F.l1_loss(fake * 2 - 1, y * 2 - 1)
        loss_g.backward()
        opt_g.step()
        steps += 1
    return g, steps


class _ImagePool:
    """The CycleGAN history of 50 generated images: half the time D sees an older fake instead of the newest."""

    def __init__(self, rng: random.Random, size: int = 50) -> None:
        self.rng, self.size, self.images = rng, size, []

    def query(self, image: torch.Tensor) -> torch.Tensor:
        image = image.detach()
        if len(self.images) < self.size:
            self.images.append(image)
            return image
        if self.rng.random() < 0.5:
            i = self.rng.randrange(self.size)
            old, self.images[i] = self.images[i], image
            return old if old.shape == image.shape else image
        return image


def train_cyclegan(domain_a: list[torch.Tensor], domain_b: list[torch.Tensor], seconds: float, seed: int = 0,
                   crop: int = 256, lambda_cycle: float = 10.0, lambda_identity: float = 0.5
                   ) -> tuple[CycleGANResNet9, int]:
    """Unpaired photos A (modern) and B (the style) -> the A-to-B generator and the steps it took."""
    torch.manual_seed(seed)
    rng = random.Random(seed)
    g_ab, g_ba = CycleGANResNet9(), CycleGANResNet9()
    d_a, d_b = PatchGAN70(3, "instance"), PatchGAN70(3, "instance")
    opt_g = torch.optim.Adam(list(g_ab.parameters()) + list(g_ba.parameters()), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(list(d_a.parameters()) + list(d_b.parameters()), lr=2e-4, betas=(0.5, 0.999))
    pool_a, pool_b = _ImagePool(rng), _ImagePool(rng)

    def lsgan(logit: torch.Tensor, real: bool) -> torch.Tensor:
        return F.mse_loss(logit, torch.full_like(logit, 1.0 if real else 0.0))

    steps, t0 = 0, time.perf_counter()
    while steps == 0 or time.perf_counter() - t0 < seconds:  # at least one step, however loaded the machine
        a = random_crop_pair([domain_a[rng.randrange(len(domain_a))]], crop, rng)[0][None]
        b = random_crop_pair([domain_b[rng.randrange(len(domain_b))]], crop, rng)[0][None]
        fake_b, fake_a = g_ab(a), g_ba(b)
        opt_g.zero_grad()
        d_a.requires_grad_(False), d_b.requires_grad_(False)
        loss_gan = lsgan(d_b(fake_b), True) + lsgan(d_a(fake_a), True)
        loss_cycle = F.l1_loss(g_ba(fake_b), a) + F.l1_loss(g_ab(fake_a), b)  # L1 in [0,1]: x2 for [-1,1]
        loss_id = F.l1_loss(g_ab(b), b) + F.l1_loss(g_ba(a), a)
        (loss_gan + 2 * lambda_cycle * loss_cycle + 2 * lambda_cycle * lambda_identity * loss_id).backward()
        opt_g.step()
        d_a.requires_grad_(True), d_b.requires_grad_(True)
        opt_d.zero_grad()
        loss_d = 0.5 * (lsgan(d_b(b), True) + lsgan(d_b(pool_b.query(fake_b)), False)) + \
            0.5 * (lsgan(d_a(a), True) + lsgan(d_a(pool_a.query(fake_a)), False))
        loss_d.backward()
        opt_d.step()
        steps += 1
    return g_ab, steps
