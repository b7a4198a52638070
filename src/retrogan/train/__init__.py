"""Training: configs, data, checkpoints and the trainer (imports torch)."""
