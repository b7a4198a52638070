"""Image-quality metrics in numpy: CIEDE2000 (Sharma, Wu & Dalal 2005), PSNR, SSIM (Wang et al. 2004), and the
noise of grain on the flat patches of an image.

Inputs are sRGB float arrays in [0, 1] of shape (..., 3) unless stated; Lab uses the D65 white of sRGB.
"""
from __future__ import annotations

import numpy as np

_SRGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                         [0.2126729, 0.7151522, 0.0721750],
                         [0.0193339, 0.1191920, 0.9503041]])
_D65 = _SRGB_TO_XYZ.sum(axis=1)  # the matrix's own white, so sRGB white is exactly a* = b* = 0


def srgb_to_linear(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(x: np.ndarray) -> np.ndarray:
    x = np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * x ** (1 / 2.4) - 0.055)


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """(..., 3) sRGB in [0, 1] -> CIE L*a*b* (D65), float64."""
    xyz = srgb_to_linear(np.clip(rgb, 0.0, 1.0)) @ _SRGB_TO_XYZ.T / _D65
    eps, kappa = 216 / 24389, 24389 / 27
    f = np.where(xyz > eps, np.cbrt(xyz), (kappa * xyz + 16) / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)


def ciede2000(lab1: np.ndarray, lab2: np.ndarray, kl: float = 1.0, kc: float = 1.0, kh: float = 1.0) -> np.ndarray:
    """CIEDE2000 colour difference between (..., 3) Lab arrays, elementwise."""
    L1, a1, b1 = np.moveaxis(np.asarray(lab1, np.float64), -1, 0)
    L2, a2, b2 = np.moveaxis(np.asarray(lab2, np.float64), -1, 0)
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_bar ** 7 / (c_bar ** 7 + 25.0 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    zero = (c1p * c2p) == 0

    dlp = L2 - L1
    dcp = c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(zero, 0.0, dh)
    dhp = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh) / 2)

    lbp = (L1 + L2) / 2
    cbp = (c1p + c2p) / 2
    hsum = h1p + h2p
    hbp = np.where(np.abs(h1p - h2p) > 180, np.where(hsum < 360, (hsum + 360) / 2, (hsum - 360) / 2), hsum / 2)
    hbp = np.where(zero, hsum, hbp)
    t = (1 - 0.17 * np.cos(np.radians(hbp - 30)) + 0.24 * np.cos(np.radians(2 * hbp))
         + 0.32 * np.cos(np.radians(3 * hbp + 6)) - 0.20 * np.cos(np.radians(4 * hbp - 63)))
    d_theta = 30 * np.exp(-(((hbp - 275) / 25) ** 2))
    rc = 2 * np.sqrt(cbp ** 7 / (cbp ** 7 + 25.0 ** 7))
    sl = 1 + 0.015 * (lbp - 50) ** 2 / np.sqrt(20 + (lbp - 50) ** 2)
    sc = 1 + 0.045 * cbp
    sh = 1 + 0.015 * cbp * t
    rt = -np.sin(np.radians(2 * d_theta)) * rc
    return np.sqrt((dlp / (kl * sl)) ** 2 + (dcp / (kc * sc)) ** 2 + (dhp / (kh * sh)) ** 2
                   + rt * (dcp / (kc * sc)) * (dhp / (kh * sh)))


def delta_e_images(a: np.ndarray, b: np.ndarray) -> float:
    """Mean CIEDE2000 between two (H, W, 3) sRGB images in [0, 1]."""
    return float(ciede2000(srgb_to_lab(a), srgb_to_lab(b)).mean())


def psnr(a: np.ndarray, b: np.ndarray, data_range: float = 1.0) -> float:
    mse = float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(data_range ** 2 / mse)


def _gaussian_filter(x: np.ndarray, sigma: float = 1.5, radius: int = 5) -> np.ndarray:
    """Separable Gaussian over the first two axes, 'valid' region only (no padding artefacts)."""
    k = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    k /= k.sum()
    out = sum(k[i] * x[i: x.shape[0] - 2 * radius + i] for i in range(2 * radius + 1))
    return sum(k[i] * out[:, i: x.shape[1] - 2 * radius + i] for i in range(2 * radius + 1))


# orthonormal opponent axes: luma (R+G+B)/sqrt 3, and two chroma axes
_OPPONENT = np.array([[1, 1, 1], [1, -1, 0], [1, 1, -2]]) / np.sqrt([[3], [2], [6]])


def grain_noise(rgb: np.ndarray, patch: int = 24, keep: float = 0.1) -> dict:
    """Grain on an image's flattest patches: (H, W, 3) sRGB in [0, 1] -> {"luma", "chroma", "ratio", "kurtosis"}.

    The fine detail (each pixel minus a Gaussian blur of sigma 2) is split into luma and two chroma axes. Patches of
    ``patch`` pixels with a mid-tone mean are ranked by their structure (the band between blurs of sigma 2 and 6,
    where grain has little power and edges and texture have much), and the flattest ``keep`` of them are kept.
    Medians over them: luma and chroma noise (sRGB units; chroma is the RMS of the two axes), chroma/luma, and the
    kurtosis of the luma detail (3 for Gaussian noise)."""
    x = np.asarray(rgb, np.float64)
    opp = x @ _OPPONENT.T
    r2, r6 = 6, 18
    fine = _gaussian_filter(opp, 2.0, r2)
    fine = fine[r6 - r2: fine.shape[0] - (r6 - r2), r6 - r2: fine.shape[1] - (r6 - r2)]
    band = fine[..., 0] - _gaussian_filter(opp[..., 0], 6.0, r6)
    core = opp[r6:-r6, r6:-r6]
    detail = core - fine
    mean = x[r6:-r6, r6:-r6].mean(-1)
    rows = []
    for y in range(0, core.shape[0] - patch + 1, patch):
        for xx in range(0, core.shape[1] - patch + 1, patch):
            s = np.s_[y:y + patch, xx:xx + patch]
            if not 0.15 < mean[s].mean() < 0.85:
                continue
            d = detail[s].reshape(-1, 3)
            d = d - d.mean(0)
            sd = d.std(0)
            kurt = float((d[:, 0] ** 4).mean() / max(d[:, 0].var() ** 2, 1e-30))
            rows.append((band[s].std(), sd[0], float(np.sqrt((sd[1] ** 2 + sd[2] ** 2) / 2)), kurt))
    if not rows:
        raise ValueError("no mid-tone patch to measure grain on")
    r = np.array(rows)
    r = r[np.argsort(r[:, 0])][:max(1, int(round(len(r) * keep)))]
    luma, chroma, kurt = (float(np.median(r[:, i])) for i in (1, 2, 3))
    return {"luma": luma, "chroma": chroma, "ratio": chroma / max(luma, 1e-12), "kurtosis": kurt}


def ssim(a: np.ndarray, b: np.ndarray, data_range: float = 1.0) -> float:
    """Mean SSIM over channels: 11x11 Gaussian window, sigma 1.5, K1=0.01, K2=0.03 (Wang et al. 2004)."""
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    if a.ndim == 2:
        a, b = a[..., None], b[..., None]
    if min(a.shape[:2]) < 11:
        raise ValueError(f"SSIM needs images of at least 11x11 pixels, got {a.shape[1]}x{a.shape[0]}")
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    mu_a, mu_b = _gaussian_filter(a), _gaussian_filter(b)
    var_a = _gaussian_filter(a * a) - mu_a ** 2
    var_b = _gaussian_filter(b * b) - mu_b ** 2
    cov = _gaussian_filter(a * b) - mu_a * mu_b
    s = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2))
    return float(s.mean())
