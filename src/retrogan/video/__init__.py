"""Video: decode with PyAV, render each frame with the look (parameters steady within a shot, grain that moves),
encode, and copy audio and subtitle streams unchanged."""
from .pipeline import VIDEO_SUFFIXES, VideoOptions, VideoReport, is_video, stylize_video

__all__ = ["VIDEO_SUFFIXES", "VideoOptions", "VideoReport", "is_video", "stylize_video"]
