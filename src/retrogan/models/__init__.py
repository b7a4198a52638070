"""Generators and discriminators. GENERATORS maps an architecture name to (config class, model class)."""
from .discriminator import DiscriminatorConfig, PatchDiscriminator
from .fast import FastGenerator, FastGeneratorConfig, RenderParams
from .unet import UNetConfig, UNetGenerator

GENERATORS = {"fast": (FastGeneratorConfig, FastGenerator), "unet": (UNetConfig, UNetGenerator)}

__all__ = ["GENERATORS", "FastGenerator", "FastGeneratorConfig", "RenderParams", "UNetGenerator", "UNetConfig",
           "PatchDiscriminator", "DiscriminatorConfig"]
