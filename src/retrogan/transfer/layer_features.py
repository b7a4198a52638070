"""What a reference photo shows of its film and age layers, as numbers (issue #29): noise by band and by channel,
edge sharpness, the fall-off of light toward the corners, the tones, the colour around a single hue, a red glow
around highlights and specks. ``features`` is what the layer estimator (``transfer.layers``) learns from; the
colour of a monochrome print is read directly (``print_tone``), not learned.

Everything is measured on the reference resized to a short side of ``ANALYSIS_SIDE`` pixels: grain and blur in
the renderer are fractions of the frame's short side, so a reference at any resolution gives the same figures."""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from ..film._util import srgb_to_linear
from ..film.optics import gaussian_blur
from ..metrics import srgb_to_lab

ANALYSIS_SIDE = 384
BLOCK = 8
REC709 = (0.2126, 0.7152, 0.0722)


def analysis_image(rgb: np.ndarray) -> torch.Tensor:
    """(H, W, 3) float in [0, 1] -> (1, 3, h, w) with short side ANALYSIS_SIDE (area down, bicubic up)."""
    x = torch.from_numpy(np.ascontiguousarray(rgb, dtype=np.float32)).permute(2, 0, 1)[None]
    h, w = x.shape[-2:]
    s = ANALYSIS_SIDE / min(h, w)
    size = (max(8, round(h * s)), max(8, round(w * s)))
    if s < 1:
        return F.interpolate(x, size=size, mode="area")
    return F.interpolate(x, size=size, mode="bicubic", align_corners=False).clamp(0, 1)


def _luma(x: torch.Tensor) -> torch.Tensor:
    w = torch.tensor(REC709, dtype=x.dtype).view(1, 3, 1, 1)
    return (x * w).sum(1, keepdim=True)


def _block_std(r: torch.Tensor) -> torch.Tensor:
    """Standard deviation of r in non-overlapping BLOCK x BLOCK blocks, flattened."""
    m = F.avg_pool2d(r, BLOCK)
    m2 = F.avg_pool2d(r * r, BLOCK)
    return (m2 - m * m).clamp_min(0).sqrt().flatten()


def _log_percentiles(v: torch.Tensor, qs) -> list[float]:
    q = torch.quantile(v.double(), torch.tensor(qs, dtype=torch.float64))
    return [math.log(float(a) + 1e-4) for a in q]


def noise_features(x: torch.Tensor) -> list[float]:
    """The quiet blocks' noise in three bands of luma and in the colour differences: in a flat block only grain
    moves the pixels, so the low percentiles of the block deviations read the grain and the scene adds little."""
    y = _luma(x)
    b1, b2, b4 = gaussian_blur(y, 0.8), gaussian_blur(y, 1.6), gaussian_blur(y, 3.2)
    structure = _block_std(b4)  # the block's own scene contrast, grain mostly blurred away
    quiet = structure <= torch.quantile(structure, 0.3)
    out = []
    for band in (y - b1, b1 - b2, b2 - b4):
        s = _block_std(band)
        out += _log_percentiles(s, [0.05, 0.2, 0.5])
        out += _log_percentiles(s[quiet], [0.25, 0.5])
    for diff in (x[:, :1] - x[:, 1:2], x[:, 2:3] - x[:, 1:2]):
        s = _block_std(diff - gaussian_blur(diff, 0.8))
        out += _log_percentiles(s[quiet], [0.25, 0.5])
    return out


def sharpness_features(x: torch.Tensor) -> list[float]:
    """How steep the strongest edges are: the gradient on the finest scale against coarser ones at the pixels of
    the strongest coarse edges (a blur lowers the first ratio, grain raises it; the noise figures tell them apart),
    and the radially averaged power spectrum in octave bands."""
    y = _luma(x)

    def grad(t: torch.Tensor) -> torch.Tensor:
        gx = t[..., :, 1:] - t[..., :, :-1]
        gy = t[..., 1:, :] - t[..., :-1, :]
        return (gx[..., :-1, :] ** 2 + gy[..., :, :-1] ** 2).sqrt()

    g = [grad(y), grad(gaussian_blur(y, 0.7)), grad(gaussian_blur(y, 1.4)), grad(gaussian_blur(y, 2.8))]
    strong = g[3] >= torch.quantile(g[3].flatten(), 0.98)
    means = [float(t[strong].mean()) + 1e-6 for t in g]
    out = [math.log(means[i] / means[3]) for i in range(3)]
    out.append(math.log(means[3]))
    # the sharpest of the strong edges: a scene's own blur (depth of field, motion) only widens some of them, a
    # lens or print softens them all
    for i in (0, 1):
        ratio = (g[i][strong] + 1e-4) / (g[3][strong] + 1e-4)
        out += [math.log(float(v)) for v in torch.quantile(ratio, torch.tensor([0.5, 0.8, 0.95]))]
    h, w = y.shape[-2:]
    n = min(h, w) // 2 * 2
    crop = y[0, 0, (h - n) // 2:(h - n) // 2 + n, (w - n) // 2:(w - n) // 2 + n]
    crop = crop - crop.mean()
    win = torch.hann_window(n, periodic=False)
    p = torch.fft.rfft2(crop * win[:, None] * win[None, :]).abs() ** 2
    fy = torch.fft.fftfreq(n).view(-1, 1)
    fx = torch.fft.rfftfreq(n).view(1, -1)
    f = (fy ** 2 + fx ** 2).sqrt()
    edges = [0.5 / 2 ** k for k in range(6, -1, -1)]  # 1/128 .. 1/2 cycles per pixel
    bands = [float(p[(f >= lo) & (f < hi)].mean()) + 1e-12 for lo, hi in zip(edges[:-1], edges[1:])]
    out += [math.log(b / bands[0]) for b in bands[1:]]
    return out


def vignette_features(x: torch.Tensor) -> list[float]:
    """Mean linear light in rings from the centre to the corners (radius over the half diagonal), against the
    centre's, and the corners against the middles of the edges."""
    lin = _luma(srgb_to_linear(x))[0, 0]
    h, w = lin.shape
    yy = (torch.arange(h, dtype=torch.float32) - (h - 1) / 2).view(-1, 1)
    xx = (torch.arange(w, dtype=torch.float32) - (w - 1) / 2).view(1, -1)
    r = (yy ** 2 + xx ** 2).sqrt() / math.hypot(h / 2, w / 2)
    rings = [float(lin[(r >= lo) & (r < hi)].mean()) + 1e-4 for lo, hi in
             ((0, 0.3), (0.3, 0.5), (0.5, 0.65), (0.65, 0.8), (0.8, 0.9), (0.9, 1.01))]
    out = [math.log(v / rings[0]) for v in rings[1:]]
    k = max(4, min(h, w) // 8)
    corners = torch.stack([lin[:k, :k].mean(), lin[:k, -k:].mean(), lin[-k:, :k].mean(), lin[-k:, -k:].mean()])
    mids = torch.stack([lin[:k, w // 2 - k // 2: w // 2 + k // 2].mean(), lin[-k:, w // 2 - k // 2: w // 2 + k // 2].mean(),
                        lin[h // 2 - k // 2: h // 2 + k // 2, :k].mean(), lin[h // 2 - k // 2: h // 2 + k // 2, -k:].mean()])
    out.append(math.log(float(corners.mean()) + 1e-4) - math.log(float(mids.mean()) + 1e-4))
    out.append(math.log(float(corners.max()) + 1e-4) - math.log(float(corners.min()) + 1e-4))
    return out + radial_profile(lin, r, torch.atan2(yy.expand(h, w), xx.expand(h, w))) + \
        radial_gradients(lin, yy, xx, r)


def radial_gradients(lin: torch.Tensor, yy: torch.Tensor, xx: torch.Tensor, r: torch.Tensor) -> list[float]:
    """Radial gradient symmetry (Zheng et al., "Single-image vignetting correction using radial gradient symmetry",
    CVPR 2008): in a natural picture the log light rises toward the centre as often as away from it; a vignette makes
    it fall outward everywhere, most toward the corners. Per ring: the median radial derivative of log light (per
    half diagonal) and the share falling outward minus the share rising, over the pixels that change at all."""
    h, w = lin.shape
    log = torch.log(gaussian_blur(lin[None, None], 1.5)[0, 0] + 0.01)
    gy = torch.zeros_like(log)
    gx = torch.zeros_like(log)
    gy[1:-1] = (log[2:] - log[:-2]) / 2
    gx[:, 1:-1] = (log[:, 2:] - log[:, :-2]) / 2
    half_diag = math.hypot(h / 2, w / 2)
    norm = (yy ** 2 + xx ** 2).sqrt().clamp_min(1.0)
    radial = (gy * yy + gx * xx) / norm * half_diag  # d log L / d r, r in half diagonals
    mag = (gy ** 2 + gx ** 2).sqrt() * half_diag
    out = []
    for lo, hi in ((0.3, 0.55), (0.55, 0.8), (0.8, 1.01)):
        m = (r >= lo) & (r < hi)
        g, a = radial[m], mag[m]
        moving = a > 0.05
        quiet = a <= torch.quantile(a, 0.5)  # the flattest half: texture says little about the light's fall-off
        out += [float(g[quiet].median()), float((g[moving] < 0).float().mean() - (g[moving] > 0).float().mean())
                if bool(moving.any()) else 0.0]
    return out


def radial_profile(lin: torch.Tensor, r: torch.Tensor, angle: torch.Tensor, sectors: int = 16, rings: int = 8,
                   ) -> list[float]:
    """The fall-off read robustly: the median log light of each (sector, ring) cell against its sector's inner
    rings; per ring, the median and quartiles over the sectors that reach it (a vignette darkens every sector
    alike, a bright sky or a dark floor only some); and the vignette amount whose 1 - v r^2 fits the cells best."""
    log = torch.log(lin + 0.01)
    sec = ((angle + math.pi) / (2 * math.pi) * sectors).long().clamp(0, sectors - 1)
    ring = (r * rings).long().clamp(0, rings - 1)
    # the median of every cell at once: sort by cell, then by value within the cell
    ids = (sec * rings + ring).flatten()
    unit = ((log.flatten() - math.log(0.01)) / (math.log(1.02) - math.log(0.01))).clamp(0, 0.999)
    order = torch.sort(ids.double() + unit.double()).indices
    counts = torch.bincount(ids, minlength=sectors * rings)
    starts = torch.cumsum(counts, 0) - counts
    med = log.flatten()[order[(starts + counts // 2).clamp(max=len(order) - 1)]]
    cell = torch.where(counts >= 20, med, torch.tensor(float("nan"))).view(sectors, rings)
    inner = torch.nanmean(cell[:, 1:3], dim=1, keepdim=True)
    rel = cell - inner
    out = []
    for j in range(3, rings):
        v = rel[:, j][~torch.isnan(rel[:, j])]
        out += [float(torch.quantile(v, q)) for q in (0.25, 0.5, 0.75)] if len(v) else [0.0, 0.0, 0.0]
    centres = (torch.arange(rings, dtype=torch.float32) + 0.5) / rings
    have = ~torch.isnan(cell)
    best, best_v = float("inf"), 0.0
    for v in torch.linspace(0, 0.9, 19):
        model = torch.log(1 - v * centres ** 2).expand(sectors, -1)
        resid = cell - model
        resid = resid - torch.nanmedian(torch.where(have, resid, torch.nan), dim=1, keepdim=True).values
        score = float(resid[have].abs().median())
        if score < best:
            best, best_v = score, float(v)
    return out + [best_v]



def tone_features(x: torch.Tensor) -> list[float]:
    y = _luma(x).flatten()
    return [float(v) for v in torch.quantile(y.double(), torch.tensor([0.005, 0.02, 0.1, 0.5, 0.9, 0.98, 0.995],
                                                                        dtype=torch.float64))]


def colour_features(x: torch.Tensor) -> list[float]:
    """Chroma (CIELAB) by luma third, the spread of the colours around the mean colour of their lightness (small on a
    toned monochrome print, whatever its toner), and the overall colourfulness."""
    lab = srgb_to_lab(x[0].permute(1, 2, 0).numpy().astype(np.float64)).reshape(-1, 3)
    lightness, ab = lab[:, 0], lab[:, 1:]
    chroma = np.hypot(ab[:, 0], ab[:, 1])
    bins = np.clip((lightness / 10).astype(int), 0, 9)
    spread = np.zeros_like(chroma)
    for b in range(10):
        m = bins == b
        if m.any():
            spread[m] = np.hypot(*(ab[m] - ab[m].mean(0)).T)
    out = []
    for lo, hi in ((0, 33), (33, 66), (66, 101)):
        m = (lightness >= lo) & (lightness < hi)
        a, b = ab[m].mean(0) if m.any() else (0.0, 0.0)
        out += [float(a) / 20, float(b) / 20]
    out += [math.log1p(float(np.percentile(chroma, q))) for q in (50, 90, 99)]
    out += [math.log1p(float(np.percentile(spread, q))) for q in (50, 90, 99)]
    return out


def glow_features(x: torch.Tensor) -> list[float]:
    """Halation: red light spread around the brightest parts (the red excess in a ring around them against the
    picture's), and how much of the picture is that bright."""
    lin = srgb_to_linear(x)
    y = _luma(lin)
    bright = (y >= torch.quantile(y.flatten(), 0.99)).float()
    ring = (gaussian_blur(bright, 6.0) - bright).clamp_min(0)
    red = lin[:, :1] - lin[:, 1:2]
    wsum = float(ring.sum()) + 1e-6
    return [float((red * ring).sum()) / wsum - float(red.mean()), float(y.mean()),
            float((y >= 0.9).float().mean())]


def speck_features(x: torch.Tensor) -> list[float]:
    """Dust and scratches: isolated pixels far from their 3 x 3 median, dark and light, per million pixels."""
    y = _luma(x)
    patches = F.unfold(F.pad(y, (1, 1, 1, 1), mode="replicate"), 3).view(1, 9, *y.shape[-2:])
    med = patches.median(dim=1, keepdim=True).values
    d = y - med
    n = y.numel() / 1e6
    return [math.log1p(float((d < -t).sum()) / n) for t in (0.15, 0.3)] + \
           [math.log1p(float((d > t).sum()) / n) for t in (0.15, 0.3)]


def features(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) float in [0, 1] -> the feature vector (float32)."""
    with torch.no_grad():
        x = analysis_image(rgb)
        v = (noise_features(x) + sharpness_features(x) + vignette_features(x) + tone_features(x)
             + colour_features(x) + glow_features(x) + speck_features(x))
    return np.asarray(v, dtype=np.float32)


def print_tone(rgb: np.ndarray) -> tuple[tuple, tuple, tuple]:
    """A monochrome print's (black, white, gamma) per channel, as ``film.colour.TONERS`` holds them: each channel
    as black + (white - black) * g ** gamma of the print's own grey g, fitted by least squares over lightness
    bins (so that a few bright or dark pixels do not carry the fit)."""
    x = np.asarray(rgb, dtype=np.float64).reshape(-1, 3)
    g = x @ np.asarray(REC709)
    lo, hi = np.percentile(g, 0.5), np.percentile(g, 99.5)
    t = np.clip((g - lo) / max(hi - lo, 1e-3), 0, 1)  # the print's grey, 0 at its black, 1 at its white
    edges = np.linspace(0, 1, 17)
    idx = np.clip(np.digitize(t, edges) - 1, 0, 15)
    tb, cb, wb = [], [], []
    for b in range(16):
        m = idx == b
        if m.sum() >= 20:
            tb.append(t[m].mean())
            cb.append(x[m].mean(0))
            wb.append(1.0)
    tb, cb = np.asarray(tb), np.asarray(cb)
    black = tuple(float(v) for v in x[t <= 0.02].mean(0)) if (t <= 0.02).any() else tuple(cb[0])
    white = tuple(float(v) for v in x[t >= 0.98].mean(0)) if (t >= 0.98).any() else tuple(cb[-1])
    gammas = []
    for c in range(3):
        span = white[c] - black[c]
        if span < 0.05 or len(tb) < 3:
            gammas.append(1.0)
            continue
        u = np.clip((cb[:, c] - black[c]) / span, 1e-3, 1)
        keep = (tb > 0.05) & (tb < 0.95)
        gammas.append(float(np.clip(np.sum(np.log(u[keep]) * np.log(tb[keep])) / max(np.sum(np.log(tb[keep]) ** 2),
                                                                                          1e-9), 0.5, 2.0))
                      if keep.sum() >= 2 else 1.0)
    return black, white, tuple(gammas)
