"""The development protocol shared by the cGAN, ST-GAN and comparison benchmarks.

Six film LUTs from ../shared/data/film_luts spanning colour negative, slide, cross-process, instant and B&W; the 34
photos of ../shared/data/photos rendered through each (full 144^3 LUT, trilinear, float); a fixed split of 20
training and 14 test photos. Baselines: identity, Reinhard transfer and histogram matching (to the pooled training
targets: other scenes), and a least-squares 3D LUT fit (paired).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from PIL import Image

from _common import SHARED
from retrogan.luts import apply_lut_float, identity_lut, read_hald
from retrogan.metrics import ciede2000, linear_to_srgb, srgb_to_lab

STOCKS = {
    "colour negative": "color_negative__kodak_portra_400_vc_2.png",
    "colour negative (Fuji)": "color_negative__fuji_superia_200.png",
    "slide": "slide__kodak_kodachrome_25.png",
    "cross-process": "cross_process__lomography_x_pro_slide_200.png",
    "instant": "instant_color__polaroid_690_3.png",
    "B&W": "bw__ilford_fp4_plus_125.png",
}
SPLIT_SEED = 2026


@lru_cache(maxsize=1)
def photos() -> tuple[list[str], list[np.ndarray]]:
    files = sorted((SHARED / "photos").glob("*.jpg"))
    return [f.stem for f in files], [np.asarray(Image.open(f).convert("RGB"), dtype=np.float32) / 255 for f in files]


def split() -> tuple[list[int], list[int]]:
    n = len(photos()[0])
    order = np.random.default_rng(SPLIT_SEED).permutation(n)
    return sorted(order[:20].tolist()), sorted(order[20:34].tolist())


@lru_cache(maxsize=8)
def renders(stock_file: str) -> list[np.ndarray]:
    table = read_hald(SHARED / "film_luts" / stock_file)
    return [apply_lut_float(p, table) for p in photos()[1]]


def mean_delta_e(preds: list[np.ndarray], truths: list[np.ndarray]) -> float:
    return float(np.mean([ciede2000(srgb_to_lab(p), srgb_to_lab(t)).mean() for p, t in zip(preds, truths)]))


# --- baselines ----------------------------------------------------------------------------------------------------

def reinhard(x: np.ndarray, style_lab_mean: np.ndarray, style_lab_std: np.ndarray) -> np.ndarray:
    """Reinhard et al. 2001 in CIELAB: match the mean and std of each channel to the style's."""
    lab = srgb_to_lab(x)
    mu, sd = lab.reshape(-1, 3).mean(0), lab.reshape(-1, 3).std(0) + 1e-6
    out = (lab - mu) / sd * style_lab_std + style_lab_mean
    return lab_to_srgb(out)


def lab_to_srgb(lab: np.ndarray) -> np.ndarray:
    from retrogan.metrics import _SRGB_TO_XYZ, _D65

    fy = (lab[..., 0] + 16) / 116
    fx, fz = fy + lab[..., 1] / 500, fy - lab[..., 2] / 200
    f = np.stack([fx, fy, fz], -1)
    xyz = np.where(f ** 3 > 216 / 24389, f ** 3, (116 * f - 16) / (24389 / 27)) * _D65
    lin = xyz @ np.linalg.inv(_SRGB_TO_XYZ).T
    return linear_to_srgb(lin).astype(np.float32)


def histogram_match(x: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Per-channel histogram matching to the pooled reference pixels (skimage's method, on float values)."""
    out = np.empty_like(x)
    for c in range(3):
        src = x[..., c].ravel()
        s_vals, s_idx, s_counts = np.unique(src, return_inverse=True, return_counts=True)
        r_vals, r_counts = np.unique(reference[:, c], return_counts=True)
        s_q = np.cumsum(s_counts) / src.size
        r_q = np.cumsum(r_counts) / reference.shape[0]
        out[..., c] = np.interp(s_q, r_q, r_vals)[s_idx].reshape(x.shape[:2])
    return out


def fit_lut_least_squares(inputs: list[np.ndarray], targets: list[np.ndarray], n: int = 33, samples: int = 400_000,
                          smooth: float = 1e-3, seed: int = 0) -> np.ndarray:
    """Least-squares 3D LUT: trilinear weights of sampled pixels, plus a Laplacian smoothness prior so colours
    absent from the training photos follow their neighbours. Solved with conjugate gradients."""
    import scipy.sparse as sp
    from scipy.sparse.linalg import cg

    rng = np.random.default_rng(seed)
    x = np.concatenate([i.reshape(-1, 3) for i in inputs])
    y = np.concatenate([t.reshape(-1, 3) for t in targets])
    pick = rng.choice(len(x), size=min(samples, len(x)), replace=False)
    x, y = x[pick], y[pick]
    p = np.clip(x, 0, 1) * (n - 1)
    i0 = np.minimum(p.astype(int), n - 2)
    f = p - i0
    rows, cols, vals = [], [], []
    for db in (0, 1):
        for dg in (0, 1):
            for dr in (0, 1):
                w = (f[:, 2] if db else 1 - f[:, 2]) * (f[:, 1] if dg else 1 - f[:, 1]) * (f[:, 0] if dr else 1 - f[:, 0])
                idx = (i0[:, 2] + db) * n * n + (i0[:, 1] + dg) * n + (i0[:, 0] + dr)
                rows.append(np.arange(len(x)))
                cols.append(idx)
                vals.append(w)
    a = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(len(x), n ** 3))
    lap = []
    eye = sp.identity(n, format="csr")
    d = sp.diags([np.ones(n - 1), -np.ones(n - 1)], [0, 1], shape=(n - 1, n), format="csr")
    for axis in range(3):
        mats = [eye, eye, eye]
        mats[axis] = d
        lap.append(sp.kron(sp.kron(mats[0], mats[1]), mats[2], format="csr"))
    reg = sum(m.T @ m for m in lap) * (smooth * len(x))
    normal = (a.T @ a + reg).tocsr()
    ident = identity_lut(n).reshape(-1, 3)
    table = np.empty((n ** 3, 3), np.float32)
    for c in range(3):
        rhs = a.T @ y[:, c] + reg @ ident[:, c]  # the prior pulls unseen colours toward the identity's shape
        sol, _ = cg(normal, rhs, x0=ident[:, c], maxiter=2000)
        table[:, c] = sol
    return np.clip(table.reshape(n, n, n, 3), 0, 1)
