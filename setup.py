"""Only the optional C extension lives here; everything else is in pyproject.toml. Without a C compiler the
extension is skipped (``optional=True``) and retrogan uses its numpy code for the same work."""
import sys

from setuptools import Extension, setup

setup(ext_modules=[Extension("retrogan.film._fastpath", ["src/retrogan/film/_fastpath.c"],
                             extra_compile_args=[] if sys.platform == "win32" else ["-O3"], optional=True)])
