"""Run by tests/test_train.py under torchrun: one data-parallel training step on two CPU processes (gloo)."""
import json
import sys
from pathlib import Path

import torch
import torch.distributed as dist
from safetensors.torch import save_file

from retrogan.train.config import TrainConfig
from retrogan.train.data import Pair
from retrogan.train.trainer import Trainer, leave

out = Path(sys.argv[1])
g = torch.Generator().manual_seed(0)
pairs = [Pair(f"p{i}", torch.rand(3, 64, 80, generator=g), torch.rand(3, 64, 80, generator=g), 0) for i in range(4)]
cfg = TrainConfig(steps=1, batch=2, crop=48, d_crop=32, pixels=500, checkpoint_every=10 ** 6,
                  checkpoint_seconds=10 ** 6, generator={"lut_size": 9, "thumb": 32, "width": 8, "n_basis": 2},
                  discriminator={"width": 8, "layers": 2})
t = Trainer(cfg, out / "style", pairs=pairs, log=lambda m: None)
if t.rank == 0:
    save_file({k: v.contiguous() for k, v in t.G.state_dict().items()}, str(out / "init.safetensors"))
batch = t.sample_batch()
t.step(batch)
save_file({k: v.contiguous() for k, v in t.G.state_dict().items()}, str(out / f"rank{t.rank}.safetensors"))
mine = batch.source.contiguous()
other = [torch.zeros_like(mine) for _ in range(2)]
dist.all_gather(other, mine)
if t.rank == 0:
    (out / "ranks.json").write_text(json.dumps({"batches_differ": not torch.equal(other[0], other[1])}))
t.close()  # both ranks leave the process group together
leave(0)
