"""What a public deployment needs bounded, in one dataclass (CLI options and RETROGAN_* environment variables)."""
from __future__ import annotations

import os
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Limits:
    max_upload_mb: float = 50.0       # one request body (photos, a video or training pairs)
    max_megapixels: float = 50.0      # one decoded image
    timeout_s: float = 120.0          # an image request gets an answer (result or 504) within this
    concurrency: int = 2              # renders running at once (CPU-bound: about one per core)
    queue_size: int = 64              # requests waiting for a render slot; beyond it: 503 at once
    max_jobs: int = 4                 # video and training jobs held (running, queued or with a result)
    job_ttl_s: float = 3600.0         # finished jobs and their files are deleted after this
    max_train_minutes: float = 10.0   # the most wall time one train-a-look job may ask for
    preview_side: int = 1024          # long side of the UI's live preview

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def max_pixels(self) -> int:
        return int(self.max_megapixels * 1e6)

    @staticmethod
    def from_env(**overrides) -> "Limits":
        """Defaults, then RETROGAN_MAX_UPLOAD_MB style variables, then explicit overrides (None: not given)."""
        values = {}
        for f in fields(Limits):
            raw = os.environ.get(f"RETROGAN_{f.name.upper()}")
            if raw is not None:
                values[f.name] = type(f.default)(raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        limits = Limits(**values)
        for f in fields(Limits):
            if getattr(limits, f.name) <= 0:
                raise ValueError(f"limit {f.name} must be positive, got {getattr(limits, f.name)}")
        return limits
