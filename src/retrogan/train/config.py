"""TrainConfig: everything a run needs, saved in every checkpoint and as JSON in the style folder."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields


@dataclass
class TrainConfig:
    mode: str = "paired"               # paired | unpaired
    arch: str = "fast"                 # a key of models.GENERATORS
    labels: list[str] = field(default_factory=lambda: ["default"])
    steps: int = 3000
    minutes: float | None = None       # wall-clock budget; whichever of steps/minutes comes first ends the run
    batch: int = 4
    train_side: int = 1024             # larger training images are decimated to about this long side
    crop: int = 160                    # G renders crops of this size
    d_crop: int = 96                   # D judges crops of this size
    lr_g: float = 1e-3
    lr_lut: float = 1e-2
    lr_decay: bool = True
    lr_d: float = 2e-4
    gan_loss: str = "logistic"         # logistic (the mission's loss) | lsgan | hinge
    lambda_gan: float = 0.01
    lambda_l1: float = 1.0
    lambda_smooth: float = 2e-3
    colour_model: str = "structured-linear"  # fast generator: "structured-linear" (matrix, monochrome switch taking
                                      # its sum in linear light, curves, plus a residual LUT: models/colour.py) |
                                      # "structured" (the sum in code values: styles trained before 2026-12-05) |
                                      # "lut" (a free LUT: styles trained before the structured model)
    lambda_bend: float = 0.1          # structured: second differences of the residual LUT (replaces lambda_smooth's
                                      # first differences: extrapolates the trend; benchmarks/gamut.py)
    lambda_residual: float = 0.0      # structured: mean square of the residual LUT (measured to hurt saturated
                                      # colours: 2.39 -> 3.65 ΔE on a slide stock, docs/colour-model.md)
    prefit_mono: bool = True          # structured: a monochrome look's emulsion weights and toning curves are fitted
                                      # to its pairs before training (train/prefit.py), not left to the residual
    lambda_bend_mono: float = 10.0    # structured: a monochrome look's residual bends this many times less (its
                                      # grey toning must stay one smooth curve on any colour; 1 = as for colour looks)
    finish_bending: float = 0.3       # structured: the saved look's residual LUTs are smoothed this much (no bands on
                                      # smooth gradients; 0 = as trained; models.fast.smoothed_state)
    lambda_curve: float = 1e-3        # structured: roughness of the tone curves
    lambda_mono: float = 0.0          # film LUTs are not monotone per channel; measured to hurt (0.30 -> 0.61 ΔE)
    pixels: int = 25000               # random whole-image pixels per sample for the colour (LUT) loss
    lambda_local: float = 1e-2
    r1: float = 0.0                    # R1 penalty weight on D (0 = off)
    mismatch: float = 0.5              # weight of real images with a wrong label as negatives for D (multi-style)
    # unpaired / self-training
    lambda_content: float = 1.0
    lambda_stats: float = 0.0
    self_rounds: int = 2
    self_keep: float = 0.5             # fraction of pseudo-pairs kept per round (most trusted by D and content)
    prior: str = "reader"              # unpaired start: reader (the look reader's reading of the style photos) |
                                       # recognise (the transfer model's mixture of catalogue looks) | none
    prior_tau: float = 4.0             # spread of the recognised mixture of catalogue looks (4, not 1: on scenes
                                       # the metric never saw, 1 trusts misreadings; DEVELOPERS.md "Seen scenes")
    prior_model: str = ""              # transfer model folder with a look catalogue ("" = the bundled one)
    layers: bool = True                # unpaired: read the style photos' film and age layers (transfer.layers), save
                                       # them with the style and render them under its colour (looks.layered)
    raw_share: float | None = None     # unpaired: share of batch samples that are raw modern crops (adversarial +
                                       # content), the rest (pseudo-)pairs with L1. None: 0 with a recognised
                                       # prior (its pairs keep the picture; the content term drifted from it,
                                       # DEVELOPERS.md), 0.5 without
    ema: float = 0.99
    ema_per_label: bool = True         # multi-style: the EMA horizon counts each label's own updates (12-min
                                       # six-label proxy: 0.294/0.320 -> 0.285/0.293 ΔE on two stocks)
    lut_lr_per_label: bool = True      # multi-style: the LUT rate times sqrt(share of batches holding a label)
                                       # (cgan_multi.py --steps 6928, A/B on one day: mean 0.293 vs 0.314 ΔE)
    seed: int = 0
    device: str = "cpu"
    log_every: int = 25
    checkpoint_every: int = 250
    checkpoint_seconds: float = 60.0
    data: list = field(default_factory=list)           # where the data came from: [{"inputs", "targets"|"style", "label"}]
    generator: dict = field(default_factory=dict)      # the generator config's fields (num_styles is set from labels)
    discriminator: dict = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @staticmethod
    def from_dict(d: dict) -> "TrainConfig":
        """A saved config (a resumed run). Settings added after it was written take the value the run trained
        with, not today's default."""
        known = {f.name for f in fields(TrainConfig)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown training settings: {', '.join(sorted(unknown))}")
        return TrainConfig(**{**BEFORE_THE_SETTING, **d})


# what a run behaved like before each of these settings existed (their defaults changed that behaviour)
BEFORE_THE_SETTING = {"ema_per_label": False, "lut_lr_per_label": False, "colour_model": "lut",
                      "lambda_bend_mono": 1.0, "finish_bending": 0.0, "layers": False, "prefit_mono": False,
                      "prior": "recognise"}
