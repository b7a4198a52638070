"""Film and age under control: every kind of damage, the border and the grain are knobs of a bundled look, the
same in the Python API, the command line and (tests/test_web_api.py) the HTTP API."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from retrogan.api import load_style, stylize
from retrogan.errors import StyleError
from retrogan.film.presets import PRESETS
from retrogan.looks.knobs import DAMAGE, KNOBS, knob_values, look_with
from test_cli import cli


def test_no_damage_turns_off_every_kind_of_damage_and_nothing_else():
    look = look_with("albumen-1900s", no_damage=True)
    own = PRESETS["albumen-1900s"].params
    assert all(getattr(look.params, k) == 0 for k in DAMAGE)
    assert own.cracks and own.creases and own.dust  # it had them
    for field in ("yellowing", "paper", "vignette", "toning", "softness"):
        assert getattr(look.params, field) == getattr(own, field)


def test_damage_knobs_are_separate_amounts():
    look = look_with("super8-1970s", {"scratches": 0.0, "dust": 1.0, "cracks": 0.5})
    assert (look.params.scratches, look.params.dust, look.params.cracks) == (0.0, 1.0, 0.5)
    assert look.params.hairs == PRESETS["super8-1970s"].params.hairs


def test_border_off_and_on(photo_rgb):
    framed = stylize(photo_rgb, "silver-gelatin-1930s")
    plain = stylize(photo_rgb, "silver-gelatin-1930s", no_border=True)
    assert framed.shape[:2] != photo_rgb.shape[:2] and plain.shape == photo_rgb.shape
    assert look_with("kodachrome-1950s", {"border": 1}).params.border == "print"  # a look without one gets a print
    assert knob_values("instant-1970s")["border"] == 1 and knob_values("kodachrome-1950s")["border"] == 0


def test_grain_knobs(photo_rgb):
    look = look_with("kodachrome-25", {"grain": 0.05})  # grain on a colour stock is colour film's grain
    assert 0 < look.params.grain_colour < 0.3
    assert look_with("fp4-125", {"grain": 0.05}).params.grain_colour == 0  # and on a black-and-white one, not
    coarse = stylize(photo_rgb, "kodachrome-1950s", knobs={"grain_size": 0.004}, seed=1)
    assert not np.array_equal(coarse, stylize(photo_rgb, "kodachrome-1950s", seed=1))
    with pytest.raises(StyleError, match="grain_size"):
        look_with("kodachrome-1950s", {"grain_size": 1.0})


def test_learned_looks_take_the_off_switches_but_not_amounts(photo_rgb):
    name = "kodachrome-200"
    assert knob_values(name) is None
    same = stylize(photo_rgb, name, no_damage=True, no_border=True, seed=2)
    assert np.array_equal(same, stylize(photo_rgb, name, seed=2))
    with pytest.raises(StyleError, match="no film/age knobs"):
        load_style(name, knobs={"dust": 0.5})


def test_every_knob_has_a_cli_option_and_the_cli_matches_the_api(tmp_path, photo_rgb):
    src = tmp_path / "in.png"
    Image.fromarray(photo_rgb).save(src)
    help_text = cli("stylize", "--help").stdout
    assert all(f"--{k.replace('_', '-')}" in help_text for k in KNOBS if k != "border")
    out = tmp_path / "out.png"
    r = cli("stylize", str(src), "-s", "albumen-1900s", "--no-damage", "--no-border", "--grain", "0.05",
            "--light-leak", "0.3", "-o", str(out), "-q")
    assert r.returncode == 0, r.stderr
    want = stylize(photo_rgb, "albumen-1900s", knobs={"grain": 0.05, "light_leak": 0.3}, no_damage=True,
                   no_border=True)
    assert np.array_equal(np.asarray(Image.open(out).convert("RGB")), want)
    r = cli("stylize", str(src), "-s", "kodachrome-200", "--dust", "0.5", "-o", str(tmp_path / "x.png"))
    assert r.returncode == 2 and "no film/age knobs" in r.stderr and "Traceback" not in r.stderr


def test_variants_light_standard_strong(photo_rgb):
    light, standard, strong = (look_with("faded-print-1970s", {"variant": v}) for v in (0, 1, 2))
    assert standard.params == PRESETS["faded-print-1970s"].params
    for field in ("dust", "creases", "grain"):
        assert getattr(light.params, field) < getattr(standard.params, field) < getattr(strong.params, field)
    assert light.params.saturation > standard.params.saturation > strong.params.saturation  # more faded
    assert look_with("faded-print-1970s", {"variant": 2, "dust": 0.0}).params.dust == 0  # an amount wins
    from retrogan.metrics import delta_e_images

    d = [delta_e_images(stylize(photo_rgb, "faded-print-1970s", knobs={"variant": v}, no_damage=True,
                                no_border=True, seed=1) / 255.0, photo_rgb / 255.0) for v in (0, 1, 2)]
    assert d[0] < d[1] < d[2], d
    r = cli("stylize", "--variant", "worn", "x.jpg")
    assert r.returncode == 2 and "light, standard, strong" in r.stderr


def test_the_default_look_reads_as_retro(photo_rgb):
    """The default look is a faded print: milky blacks (the old default, a learned film stock, crushed them: L* of
    the darkest 5% 1.9 against the photo's 4.6) and a cast toward magenta-red."""
    from retrogan.metrics import srgb_to_lab

    out = stylize(photo_rgb, no_damage=True, seed=1) / 255.0
    assert out.shape[:2] == photo_rgb.shape[:2]  # no border by default: the size is kept
    lab, src = srgb_to_lab(out), srgb_to_lab(photo_rgb / 255.0)
    darkest = lambda l: l[l < np.percentile(l, 5)].mean()
    assert darkest(lab[..., 0]) > darkest(src[..., 0]) + 10  # milky blacks
    assert lab[..., 1].mean() > src[..., 1].mean() + 3  # toward magenta-red
