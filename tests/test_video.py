"""Video: a synthetic clip of three shots (pan, zoom, pan) with AAC audio and SubRip subtitles."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

av = pytest.importorskip("av")

from conftest import sha  # noqa: E402
from helpers import load_script  # noqa: E402

from retrogan.looks.knobs import look_with  # noqa: E402
from retrogan.looks.registry import resolve_style  # noqa: E402
from retrogan.video import VideoOptions, stylize_video  # noqa: E402
from retrogan.video.frames import smooth  # noqa: E402
from retrogan.video.shots import ShotDetector, flicker, signature, tone_and_colour  # noqa: E402

FRAMES_PER_SHOT = 10


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("clip") / "clip.mkv"
    return load_script("make_clip").make_clip(path, size=(192, 108), frames_per_shot=FRAMES_PER_SHOT)


@pytest.fixture(scope="module")
def styled(clip, tmp_path_factory):
    dst = tmp_path_factory.mktemp("out") / "clip.retro.mkv"
    before = sha(clip)
    # the look's deliberate exposure flicker and breath off: the flicker test measures what the renderer adds
    look = look_with("kodachrome-1950s", {"flicker": 0.0, "breath": 0.0})
    report = stylize_video(clip, dst, look, seed=7)
    assert sha(clip) == before
    return dst, report


def packets(path, kind: str) -> list[bytes]:
    with av.open(str(path)) as c:
        stream = getattr(c.streams, kind)[0]
        return [bytes(p) for p in c.demux(stream) if p.size]


def write_clip(path, images, pix_fmt: str = "yuv420p", rotation: int = 0):
    """An H.264 clip of the given (h, w, 3) uint8 frames, one per 1/24 s."""
    h, w = images[0].shape[:2]
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = w, h, pix_fmt
        if rotation:
            stream.set_display_rotation(rotation)
        for i, rgb in enumerate(images):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24").reformat(format=pix_fmt)
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def frames(path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def test_every_frame_is_styled_and_timing_kept(clip, styled):
    dst, report = styled
    src_frames, out_frames = frames(clip), frames(dst)
    assert report.frames == len(src_frames) == len(out_frames) == 3 * FRAMES_PER_SHOT
    assert out_frames[0].shape == src_frames[0].shape
    with av.open(str(clip)) as a, av.open(str(dst)) as b:
        assert a.streams.video[0].average_rate == b.streams.video[0].average_rate
    changed = np.mean([np.abs(o.astype(int) - s).mean() for o, s in zip(out_frames, src_frames)])
    assert changed > 5  # the look is there


def test_audio_and_subtitles_are_copied_unchanged(clip, styled):
    dst, report = styled
    assert packets(dst, "audio") == packets(clip, "audio") and len(packets(clip, "audio")) > 10
    assert packets(dst, "subtitles") == packets(clip, "subtitles") == [b"Shot 1", b"Shot 2", b"Shot 3"]
    assert len(report.copied) == 2 and not report.dropped


def test_shot_cuts_are_found_where_they_are(styled):
    _, report = styled
    assert report.cuts == [0, FRAMES_PER_SHOT, 2 * FRAMES_PER_SHOT]


def test_output_flickers_no_more_than_the_source(styled):
    """Frame-to-frame change of mean tone and colour within shots: output <= 1.1 x source."""
    _, report = styled
    src = flicker(report.source_stats, report.cuts)
    out = flicker(report.output_stats, report.cuts)
    assert out <= 1.1 * src, (out, src)


def test_grain_moves_on_a_still_shot(tmp_path):
    from PIL import Image

    from conftest import skimage_file

    still = np.asarray(Image.open(skimage_file("chelsea.png")).convert("RGB").resize((160, 96)))
    src = write_clip(tmp_path / "still.mp4", [still] * 6)
    dst = tmp_path / "still.retro.mp4"
    stylize_video(src, dst, resolve_style("ilford-bw-1960s"), options=VideoOptions(crf=10))
    out = frames(dst)
    diffs = [np.abs(out[i + 1].astype(int) - out[i]).mean() for i in range(len(out) - 1)]
    means = [f.mean() for f in out]
    assert min(diffs) > 2  # fresh grain every frame
    assert max(means) - min(means) < 0.5  # but no pumping of the overall tone


def test_refuses_to_overwrite_input_or_existing_output(clip, tmp_path):
    from retrogan.errors import VideoError

    with pytest.raises(VideoError, match="overwrite the input"):
        stylize_video(clip, clip, resolve_style("portra-400vc"))
    existing = tmp_path / "exists.mkv"
    existing.write_bytes(b"keep me")
    with pytest.raises(VideoError, match="exists"):
        stylize_video(clip, existing, resolve_style("portra-400vc"))
    assert existing.read_bytes() == b"keep me"


def test_damaged_video_is_named_and_leaves_nothing(tmp_path):
    from retrogan.errors import VideoError

    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 20)
    with pytest.raises(VideoError) as e:
        stylize_video(bad, tmp_path / "out.mp4", resolve_style("portra-400vc"))
    assert "bad.mp4" in str(e.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.mp4"]


def test_cli_stylizes_a_clip(clip, tmp_path):
    from typer.testing import CliRunner

    from retrogan.cli import app

    dst = tmp_path / "cli.mkv"
    result = CliRunner().invoke(app, ["stylize", str(clip), "-o", str(dst), "--style", "superia-200", "-q",
                                      "--preset", "ultrafast"])
    assert result.exit_code == 0, result.output
    assert dst.exists() and len(frames(dst)) == 3 * FRAMES_PER_SHOT


def test_shot_detector_ignores_motion_and_finds_cuts():
    from PIL import Image
    from skimage import data

    def view(photo, dx):
        im = Image.fromarray(photo).resize((96, 54))
        return np.asarray(im.crop((dx, 0, dx + 64, 36)))

    det = ShotDetector()
    seq = [view(data.astronaut(), 3 * i) for i in range(8)] + [view(data.coffee(), 2 * i) for i in range(8)]
    cuts = [i for i, f in enumerate(seq) if det.is_cut(signature(f))]
    assert cuts == [0, 8]


def test_flicker_measure_sees_pumping_and_ignores_cuts():
    steady = np.array([tone_and_colour(np.full((4, 4, 3), 100, np.uint8))] * 10)
    pumping = np.array([tone_and_colour(np.full((4, 4, 3), 100 + 10 * (i % 2), np.uint8)) for i in range(10)])
    assert flicker(steady) == 0 and flicker(pumping) > 0.03
    jump = np.concatenate([steady[:5], steady[:5] + 0.5])
    assert flicker(jump, cuts=[5]) == 0 and flicker(jump) > 0


def test_theta_smoothing_moves_part_way():
    from dataclasses import dataclass

    import torch

    @dataclass
    class T:
        a: torch.Tensor

    s = smooth(T(torch.zeros(2)), T(torch.ones(2)), 0.25)
    assert torch.allclose(s.a, torch.full((2,), 0.25))
    assert smooth(None, T(torch.ones(2)), 0.25).a.sum() == 2


def test_odd_sized_video_is_kept_whole(tmp_path):
    src = write_clip(tmp_path / "odd.mp4", [np.full((91, 161, 3), 40 * i + 20, np.uint8) for i in range(4)],
                     pix_fmt="yuv444p")
    report = stylize_video(src, tmp_path / "odd.retro.mp4", resolve_style("portra-400vc"))
    assert report.frames == 4 and "yuv444p" in report.notes[0]
    assert frames(tmp_path / "odd.retro.mp4")[0].shape == (91, 161, 3)


def test_display_rotation_of_phone_clips_is_kept(tmp_path):
    src = write_clip(tmp_path / "portrait.mp4", [np.full((64, 96, 3), 60 * i + 20, np.uint8) for i in range(3)],
                     rotation=90)
    dst = tmp_path / "portrait.retro.mp4"
    stylize_video(src, dst, resolve_style("portra-400vc"))
    with av.open(str(dst)) as c:
        first = next(c.decode(video=0))
        assert first.rotation == 90 and (first.width, first.height) == (96, 64)


def picture_types(path) -> set[str]:
    """The decoded frames' picture types: I, P, B (libavutil's AV_PICTURE_TYPE_* 1, 2, 3)."""
    with av.open(str(path)) as c:
        return {"?IPB"[int(f.pict_type)] for f in c.decode(video=0)}


def test_a_look_with_moving_grain_is_encoded_without_b_frames_unless_asked(clip, styled, tmp_path):
    from retrogan.video.pipeline import NO_B_FRAMES_NOTE

    dst, report = styled  # kodachrome-1950s: new grain every frame
    assert picture_types(dst) == {"I", "P"} and NO_B_FRAMES_NOTE in report.notes
    look = look_with("kodachrome-1950s", {"flicker": 0.0, "breath": 0.0})
    asked = stylize_video(clip, tmp_path / "b.mkv", look, seed=7, options=VideoOptions(bframes=3))
    assert "B" in picture_types(tmp_path / "b.mkv") and NO_B_FRAMES_NOTE not in asked.notes
    plain = stylize_video(clip, tmp_path / "plain.mkv", look, strength=0.0)  # no look, no grain: x264's own choice
    assert "B" in picture_types(tmp_path / "plain.mkv") and NO_B_FRAMES_NOTE not in plain.notes


def x264_analyse(path) -> str:
    """x264's partition flags as it records them in the stream ("analyse=intra:inter")."""
    import re

    found = re.search(rb"analyse=(0x[0-9a-f]+:0x[0-9a-f]+)", Path(path).read_bytes())
    assert found, "no x264 settings in the stream"
    return found.group(1).decode()


def test_a_look_with_grain_or_paper_is_encoded_without_motion_partitions_unless_asked(clip, styled, tmp_path):
    from retrogan.video.pipeline import GRAIN_PARTITIONS_NOTE

    dst, report = styled  # kodachrome-1950s: new grain every frame
    assert x264_analyse(dst) == "0x3:0x3" and GRAIN_PARTITIONS_NOTE in report.notes  # i4x4, i8x8 only
    look = look_with("kodachrome-1950s", {"flicker": 0.0, "breath": 0.0})
    asked = stylize_video(clip, tmp_path / "all.mkv", look, seed=7, options=VideoOptions(partitions="all"))
    assert x264_analyse(tmp_path / "all.mkv") != "0x3:0x3" and GRAIN_PARTITIONS_NOTE not in asked.notes
    plain = stylize_video(clip, tmp_path / "plain.mkv", look, strength=0.0)  # no grain: the preset's own
    assert x264_analyse(tmp_path / "plain.mkv") == "0x3:0x113" and GRAIN_PARTITIONS_NOTE not in plain.notes
    paper = look_with("cyanotype-1880s", {"dust": 0.0})  # paper texture, no grain: B-frames kept
    report = stylize_video(clip, tmp_path / "paper.mkv", paper, seed=7)
    assert x264_analyse(tmp_path / "paper.mkv") == "0x3:0x3" and GRAIN_PARTITIONS_NOTE in report.notes
    assert "B" in picture_types(tmp_path / "paper.mkv")


def test_bad_partitions_are_one_line_errors(clip, tmp_path):
    from typer.testing import CliRunner

    from retrogan.cli import app
    from retrogan.errors import VideoError

    with pytest.raises(VideoError, match="partitions 'p8x8:bframes=9'"):
        stylize_video(clip, tmp_path / "x.mkv", look_with("kodachrome-1950s", {}),
                      options=VideoOptions(partitions="p8x8:bframes=9"))
    assert not (tmp_path / "x.mkv").exists()
    result = CliRunner().invoke(app, ["stylize", str(clip), "-o", str(tmp_path / "y.mkv"), "-q",
                                      "--partitions", "i8x8,big"])
    assert result.exit_code == 2 and "partitions 'i8x8,big'" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "y.mkv").exists()


def test_cli_bframes_reaches_the_encoder(clip, tmp_path):
    from typer.testing import CliRunner

    from retrogan.cli import app

    dst = tmp_path / "b.mkv"
    result = CliRunner().invoke(app, ["stylize", str(clip), "-o", str(dst), "--style", "ilford-bw-1960s", "-q",
                                      "--bframes", "2"])
    assert result.exit_code == 0, result.output
    assert "B" in picture_types(dst)  # a grainy look, B-frames asked for
