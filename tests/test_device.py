"""--device: clear errors where a device is missing; a full-resolution style runs the same on the CPU device."""
from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pytest
import torch

from retrogan.device import check_device, half_is_safe
from retrogan.errors import StyleError

NO_CUDA = not torch.cuda.is_available()


def test_cpu_is_always_there_and_unknown_names_are_refused():
    assert check_device("CPU") == "cpu"
    with pytest.raises(StyleError, match="use cpu, cuda"):
        check_device("tpu")
    assert half_is_safe("cuda:0") and not half_is_safe("cpu") and not half_is_safe("mps")


@pytest.mark.skipif(not NO_CUDA, reason="a CUDA device is present")
def test_missing_cuda_is_a_clear_error_on_the_cli(tmp_path, photo_rgb):
    from PIL import Image
    from typer.testing import CliRunner

    from retrogan.cli import app

    src = tmp_path / "in.png"
    Image.fromarray(photo_rgb).save(src)
    result = CliRunner().invoke(app, ["stylize", str(src), "--device", "cuda"])
    assert result.exit_code == 2 and "no CUDA GPU" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.png"]


def test_unet_style_on_a_device_matches_the_default(tmp_path, photo_rgb):
    from retrogan.imaging.photo import Photo
    from retrogan.looks.gan import load_gan_style
    from retrogan.models import UNetConfig, UNetGenerator
    from retrogan.train.checkpoint import save_style

    torch.manual_seed(0)
    cfg = UNetConfig(num_styles=1, width=8, depth=3)
    save_style(tmp_path / "style", "unet", asdict(cfg), ["look"], {}, UNetGenerator(cfg).state_dict())
    look = load_gan_style(str(tmp_path / "style"))
    device = "cpu" if NO_CUDA else "cuda"
    a = look.apply(Photo(rgb=photo_rgb)).rgb
    b = look.on(device).apply(Photo(rgb=photo_rgb)).rgb
    assert np.abs(a.astype(int) - b).max() <= (0 if device == "cpu" else 2)  # fp16 on CUDA: within 2 code values
    assert look.device == "cpu"  # the cached look and its model stay on the CPU
