"""Exports of a look: its colour transform as a .cube LUT, the fast generator as an ONNX model."""
