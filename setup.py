"""Only the optional C extension lives here; everything else is in pyproject.toml. Without a C compiler the
extension is skipped (``optional=True``) and retrogan uses its numpy code for the same work."""
import sys

from setuptools import Extension, setup

FLAGS = [] if sys.platform == "win32" else ["-O3", "-ffp-contract=off"]  # no fused multiply-adds: numpy's rounding
setup(ext_modules=[Extension(f"retrogan.film.{name}", [f"src/retrogan/film/{name}.c"], extra_compile_args=FLAGS,
                             depends=["src/retrogan/film/_buffers.h", "src/retrogan/film/_prefetch.h"], optional=True)
                   for name in ("_fastpath", "_lens", "_lutpath", "_marks", "_light")])
