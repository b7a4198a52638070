"""3D LUTs: .cube and HaldCLUT files, trilinear application."""
from .apply import apply_lut, apply_lut_float, blend_lut, identity_lut, resample_lut
from .cube import CubeLut, read_cube, write_cube
from .hald import hald_image, read_hald

__all__ = ["apply_lut", "apply_lut_float", "blend_lut", "identity_lut", "resample_lut", "CubeLut", "read_cube",
           "write_cube", "read_hald", "hald_image"]
