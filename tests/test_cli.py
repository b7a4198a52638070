"""End to end: the CLI on tiny images produces files that the test opens and checks."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import sha
from helpers import load_script
from retrogan.imaging import read_photo


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "retrogan", *map(str, args)], capture_output=True, text=True, cwd=cwd)


def test_help_lists_commands():
    r = cli("--help")
    assert r.returncode == 0
    for cmd in ("stylize", "styles", "eval"):
        assert cmd in r.stdout
    r = cli("stylize", "--help")
    assert "stylize [OPTIONS] INPUTS..." in r.stdout and "{" not in r.stdout.splitlines()[0]
    from retrogan.defaults import default_look

    assert "<bool>" not in r.stdout and f"[default: {default_look()}]" in " ".join(r.stdout.split())


def test_styles_lists_bundled_looks():
    r = cli("styles", "--plain")
    assert r.returncode == 0
    rows = {line.split("\t")[0]: line.split("\t") for line in r.stdout.splitlines()}
    assert len(rows) >= 16 and "kodachrome-25" in rows and "CC BY-SA" in rows["kodachrome-25"][4]
    assert rows["tintype-1860s"][1] == "1856-1900"
    piped = cli("styles")  # not a terminal: the same tab-separated lines a script can parse
    assert piped.returncode == 0 and piped.stdout == r.stdout


def test_stylize_single_file_beside_input(jpeg_file):
    r = cli("stylize", jpeg_file)
    assert r.returncode == 0, r.stderr
    out = jpeg_file.with_name("cat.retro.jpg")
    assert f"wrote {out}" in r.stdout
    p = read_photo(out)
    assert p.size == (128, 96)
    assert np.abs(p.float_rgb() - read_photo(jpeg_file).float_rgb()).mean() > 0.01


def test_stylize_output_file_is_kept_unless_overwrite(tmp_path, jpeg_file):
    out = tmp_path / "res.png"
    assert cli("stylize", jpeg_file, "-o", out, "--style", "fp4-125").returncode == 0
    rgb = read_photo(out).rgb
    assert np.array_equal(rgb[..., 0], rgb[..., 1])  # black and white stock
    before = sha(out)
    r = cli("stylize", jpeg_file, "-o", out)
    assert r.returncode == 0 and "skipped 1 already done" in r.stderr and sha(out) == before
    assert cli("stylize", jpeg_file, "-o", out, "--overwrite").returncode == 0
    assert sha(out) != before


def test_stylize_never_overwrites_an_input_even_with_overwrite(tmp_path, jpeg_file):
    before = sha(jpeg_file)
    r = cli("stylize", jpeg_file, "-o", jpeg_file, "--overwrite")
    assert r.returncode == 1 and "would overwrite an input" in r.stderr
    assert sha(jpeg_file) == before


def test_strength_zero_is_identity_on_lossless_files(tmp_path, photo_rgb):
    Image.fromarray(photo_rgb).save(tmp_path / "a.png")
    assert cli("stylize", tmp_path / "a.png", "-o", tmp_path / "b.png", "--strength", "0").returncode == 0
    np.testing.assert_array_equal(read_photo(tmp_path / "b.png").rgb, photo_rgb)


def test_folder_glob_and_recursive_inputs(tmp_path, photo_rgb):
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    Image.fromarray(photo_rgb).save(src / "a.png")
    Image.fromarray(photo_rgb).save(src / "b.jpg")
    Image.fromarray(photo_rgb).save(src / "sub" / "c.tif")
    r = cli("stylize", src, "-o", tmp_path / "flat", "--quiet")
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""  # quiet: errors and warnings only (the skipped subfolder is a note on stderr)
    assert sorted(p.name for p in (tmp_path / "flat").iterdir()) == ["a.png", "b.jpg"]
    r = cli("stylize", src, "-o", tmp_path / "deep", "-r")
    assert r.returncode == 0 and (tmp_path / "deep" / "sub" / "c.tif").exists()
    assert f"outputs: {tmp_path / 'deep'}\n" in r.stdout  # the output root, not the deepest subfolder
    assert "3 written, 0 failed" in r.stderr
    assert cli("stylize", str(src / "*.png"), "-o", tmp_path / "glob", "-q").returncode == 0
    assert [p.name for p in (tmp_path / "glob").iterdir()] == ["a.png"]
    # outputs written beside inputs are not picked up again by a second run over the folder
    assert cli("stylize", src, "-q").returncode == 0
    assert cli("stylize", src, "-q", "--overwrite").returncode == 0
    assert not list(src.glob("*.retro.retro.*"))


def test_stylize_with_cube_and_hald_files(tmp_path, jpeg_file):
    from retrogan.luts import CubeLut, hald_image, identity_lut, write_cube

    write_cube(CubeLut(identity_lut(5) * 0.5), tmp_path / "dim.cube")
    Image.fromarray(hald_image(identity_lut(16)), "RGB").save(tmp_path / "id.png")
    assert cli("stylize", jpeg_file, "-o", tmp_path / "d.png", "--style", tmp_path / "dim.cube").returncode == 0
    assert read_photo(tmp_path / "d.png").rgb.max() <= 128
    assert cli("stylize", jpeg_file, "-o", tmp_path / "i.png", "--style", tmp_path / "id.png").returncode == 0


def test_unknown_style_is_a_clear_error(jpeg_file):
    r = cli("stylize", jpeg_file, "--style", "no-such-look")
    assert r.returncode == 2 and "unknown style 'no-such-look'" in r.stderr and "Traceback" not in r.stderr


def test_16bit_and_alpha_survive_the_cli(tmp_path):
    import tifffile

    rgb = (np.random.default_rng(0).random((40, 50, 3)) * 65535).astype(np.uint16)
    alpha = np.full((40, 50), 1234, np.uint16)
    tifffile.imwrite(tmp_path / "in.tif", np.dstack([rgb, alpha]), photometric="rgb", extrasamples=["unassalpha"])
    assert cli("stylize", tmp_path / "in.tif", "--strength", "0").returncode == 0
    out = read_photo(tmp_path / "in.retro.tif")
    assert out.bit_depth == 16
    np.testing.assert_array_equal(out.rgb, rgb)
    np.testing.assert_array_equal(out.alpha, alpha)


def test_batch_of_damaged_files(tmp_path):
    """A smaller sample of scripts/robustness.py: the batch goes on, names every failure, loses nothing."""
    from skimage import data

    rob = load_script("robustness")
    res = rob.run(n_good=6, n_bad=30, seed=1, workdir=tmp_path, retrogan=[sys.executable, "-m", "retrogan"])
    assert res["passed"], res
    assert res["bad_named"] >= 15 and res["exit_code"] == 1


def test_eval_reports_metrics_and_names_missing_and_extra(tmp_path, photo_rgb):
    pred, truth = tmp_path / "pred", tmp_path / "truth"
    pred.mkdir()
    truth.mkdir()
    Image.fromarray(photo_rgb).save(truth / "a.png")
    Image.fromarray(photo_rgb).save(pred / "a.png")
    Image.fromarray(photo_rgb).save(truth / "b.png")
    Image.fromarray(np.clip(photo_rgb.astype(int) + 20, 0, 255).astype(np.uint8)).save(pred / "b.jpg", quality=95)
    Image.fromarray(photo_rgb).save(truth / "only_truth.png")
    Image.fromarray(photo_rgb).save(pred / "only_pred.png")
    r = cli("eval", pred, truth, "--json", tmp_path / "m.json")
    assert r.returncode == 1
    assert "only_truth.png" in r.stderr and "only_pred.png" in r.stderr
    res = json.loads((tmp_path / "m.json").read_text())
    assert res["count"] == 2 and len(res["missing"]) == 1 and len(res["extra"]) == 1
    a, b = res["images"]
    assert a["delta_e"] == 0 and a["ssim"] == pytest.approx(1.0)
    assert b["delta_e"] > 2 and b["psnr"] < 30
    (truth / "only_truth.png").unlink()
    (pred / "only_pred.png").unlink()
    assert cli("eval", pred, truth, "-q").returncode == 0


def test_identity_look_round_trip_keeps_size_depth_alpha_exif_and_icc(tmp_path, photo_rgb):
    """stylize with an identity .cube: what a photographer's file carries comes out again."""
    import io

    from PIL import ImageCms

    from conftest import skimage_file
    from retrogan.imaging.icc import is_srgb
    from retrogan.luts import CubeLut, identity_lut, write_cube

    write_cube(CubeLut(identity_lut(17)), tmp_path / "identity.cube")
    exif = Image.Exif()
    exif[0x010F], exif[0x0132], exif[0x0112] = "TestCam", "2020:01:02 03:04:05", 6
    adobe = Image.open(skimage_file("rocket.jpg")).info["icc_profile"]
    alpha = np.tile(np.arange(128, dtype=np.uint8), (96, 1))
    Image.fromarray(np.dstack([photo_rgb, alpha]), "RGBA").save(tmp_path / "in.png", exif=exif, icc_profile=adobe)
    r = cli("stylize", tmp_path / "in.png", "-o", tmp_path / "out.png", "--style", tmp_path / "identity.cube")
    assert r.returncode == 0, r.stderr
    out = Image.open(tmp_path / "out.png")
    assert out.size == (96, 128) and out.mode == "RGBA"  # orientation 6 applied: portrait now
    assert out.getexif()[0x010F] == "TestCam" and out.getexif()[0x0112] == 1
    assert is_srgb(out.info["icc_profile"])
    np.testing.assert_array_equal(np.asarray(out)[..., 3], np.rot90(alpha, -1))
    src = ImageCms.profileToProfile(Image.fromarray(photo_rgb), ImageCms.ImageCmsProfile(io.BytesIO(adobe)),
                                    ImageCms.createProfile("sRGB"), renderingIntent=1, outputMode="RGB")
    diff = np.abs(np.asarray(out)[..., :3].astype(int) - np.rot90(np.asarray(src), -1))
    assert diff.max() <= 1  # identity LUT on 8 bits: at most one code value of rounding


def test_synth_writes_matching_pairs_and_reports_bad_files(tmp_path, photo_rgb):
    src = tmp_path / "photos"
    src.mkdir()
    Image.fromarray(photo_rgb).save(src / "a.png")
    Image.fromarray(photo_rgb[::-1]).save(src / "b.jpg")
    (src / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 broken")
    out = tmp_path / "pairs"
    r = cli("synth", src, "--style", "albumen-1900s", "-o", out, "--variants", "2", "--seed", "4")
    assert r.returncode == 1 and "broken.jpg" in r.stderr
    inputs = sorted(p.name for p in (out / "inputs").iterdir())
    assert inputs == sorted(p.name for p in (out / "targets").iterdir()) == [
        "a_v00.png", "a_v01.png", "b_v00.png", "b_v01.png"]
    np.testing.assert_array_equal(read_photo(out / "inputs" / "a_v00.png").rgb, photo_rgb)
    t0, t1 = (read_photo(out / "targets" / f"a_v0{i}.png").rgb for i in (0, 1))
    assert not np.array_equal(t0, t1)  # jittered variants differ
    manifest = json.loads((out / "pairs.json").read_text())
    assert len(manifest["pairs"]) == 4 and manifest["pairs"][0]["params"]["mono"] == 1.0
    r2 = cli("synth", src, "--style", "albumen-1900s", "-o", tmp_path / "again", "--variants", "2", "--seed", "4")
    np.testing.assert_array_equal(read_photo(tmp_path / "again" / "targets" / "a_v01.png").rgb, t1)  # seeded
    assert cli("synth", src, "--style", "nope", "-o", out).returncode == 2


def test_synth_gamut_adds_gamut_wide_versions_and_charts(tmp_path, photo_rgb):
    src = tmp_path / "photos"
    src.mkdir()
    Image.fromarray(photo_rgb).save(src / "a.png")
    Image.fromarray(photo_rgb[::-1]).save(src / "b.png")
    out = tmp_path / "pairs"
    r = cli("synth", src, "--style", "kodachrome-1950s", "-o", out, "--gamut", "1", "--seed", "2")
    assert r.returncode == 0, r.stderr
    names = sorted(p.name for p in (out / "inputs").iterdir())
    assert names == sorted(p.name for p in (out / "targets").iterdir()) == [
        "a_v00.png", "a_v00_g00.png", "b_v00.png", "b_v00_g00.png", "chart_000.png", "chart_001.png"]
    varied = read_photo(out / "inputs" / "a_v00_g00.png").rgb
    assert varied.shape == photo_rgb.shape and not np.array_equal(varied, photo_rgb)
    chart = read_photo(out / "inputs" / "chart_000.png").rgb
    assert chart.std(axis=-1).mean() > 30  # saturated colours
    assert not np.array_equal(read_photo(out / "targets" / "chart_000.png").rgb, chart)
    manifest = json.loads((out / "pairs.json").read_text())
    assert manifest["gamut"] == 1 and manifest["pairs"][1]["gamut"]  # says what was done to the photo


def test_synth_pairs_of_a_bordered_preset_train(tmp_path, photo_rgb):
    """A preset that draws a border makes pairs `train paired` accepts: the border is left out, and synth says so."""
    src = tmp_path / "photos"
    src.mkdir()
    for i in range(2):
        Image.fromarray(np.roll(photo_rgb, 17 * i, axis=1)).save(src / f"p{i}.png")
    r = cli("synth", src, "--style", "silver-gelatin-1930s", "-o", tmp_path / "pairs")
    assert r.returncode == 0 and "border is left out" in r.stderr, r.stderr
    for name in ("p0_v00.png", "p1_v00.png"):
        assert Image.open(tmp_path / "pairs" / "targets" / name).size == Image.open(src / "p0.png").size
    r = cli("train", "paired", "--data", tmp_path / "pairs", "-o", tmp_path / "look", "--steps", "2", "--batch", "2",
            "-q")
    assert r.returncode == 0 and "does not match the framing" not in r.stderr, r.stderr


def test_outputs_follow_the_umask(tmp_path, jpeg_file):
    import os

    r = subprocess.run(f"umask 022 && {sys.executable} -m retrogan stylize {jpeg_file} -o {tmp_path / 'a.jpg'}",
                       shell=True, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert oct(os.stat(tmp_path / "a.jpg").st_mode & 0o777) == "0o644"
    r = subprocess.run(f"umask 077 && {sys.executable} -m retrogan stylize {jpeg_file} -o {tmp_path / 'b.jpg'}",
                       shell=True, capture_output=True, text=True)
    assert oct(os.stat(tmp_path / "b.jpg").st_mode & 0o777) == "0o600"


def test_names_and_contents_with_markup_are_printed_as_they_are(tmp_path, jpeg_file):
    odd = [tmp_path / "a[i]b.jpg", tmp_path / "[bold red]c.jpg", tmp_path / "d.jpg"]
    odd[0].write_bytes(b"root:x:0:0 [bold red] [/]")
    odd[1].write_bytes(b"[/] :x: not an image")
    odd[2].write_bytes(b":smile: [/]")
    r = cli("stylize", *odd, jpeg_file, "-o", tmp_path / "out", "-q")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "a[i]b.jpg: not an image" in r.stderr and "[bold red]c.jpg: not an image" in r.stderr
    assert "d.jpg: not an image" in r.stderr  # every failure is listed, after the ones that held markup
    assert "root:x:0" in r.stderr and ":x: " in r.stderr  # no emoji replaced the text
    assert (tmp_path / "out" / "cat.jpg").exists()


def test_a_rerun_skips_finished_work_and_removes_a_killed_runs_leftovers(tmp_path, photo_rgb):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir(), out.mkdir()
    for i in range(3):
        Image.fromarray(np.roll(photo_rgb, 9 * i, axis=1)).save(src / f"p{i}.png")
    shutil.copyfile(src / "p0.png", out / "p0.png")  # finished by the killed run
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = [out / f".retrogan-{dead.stdout.strip()}-abc123.tmp", out / f".clip.part-{dead.stdout.strip()}.mp4"]
    for p in stale:
        p.write_bytes(b"partial")
    live = out / f".retrogan-{__import__('os').getpid()}-live.tmp"  # a running process's file is left alone
    live.write_bytes(b"busy")
    before = sha(out / "p0.png")
    r = cli("stylize", src, "-o", out)
    assert r.returncode == 0, r.stderr
    assert "skipped 1 already done" in r.stderr and "2 written" in r.stderr
    assert sha(out / "p0.png") == before and (out / "p1.png").exists() and (out / "p2.png").exists()
    assert not any(p.exists() for p in stale) and live.exists()


def test_version_eval_of_two_files_and_a_note_for_skipped_subfolders(tmp_path, photo_rgb):
    r = cli("--version")
    assert r.returncode == 0 and r.stdout.startswith("retrogan ")
    Image.fromarray(photo_rgb).save(tmp_path / "a.png")
    Image.fromarray(np.clip(photo_rgb.astype(int) + 6, 0, 255).astype(np.uint8)).save(tmp_path / "b.png")
    r = cli("eval", tmp_path / "a.png", tmp_path / "b.png", "-q")
    assert r.returncode == 0 and "mean over 1 images" in r.stdout, r.stderr
    assert cli("eval", tmp_path / "a.png", tmp_path / "nope.png").returncode == 2
    (tmp_path / "sub").mkdir()
    r = cli("stylize", tmp_path, "-o", tmp_path / "out", "-q")
    assert r.returncode == 0 and "1 subfolder(s) not searched (sub" in r.stderr and "-r descends" in r.stderr
    assert "--ref" in cli("transfer", "--help").stdout
