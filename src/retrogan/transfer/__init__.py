"""Reference-based transfer (the ST-GAN): a style encoder turns one or a few reference photos into a style code; the
fast generator renders any photo in that look. Trained once across many looks with known answers (film LUTs, their
mixtures and perturbations, the film renderer's colour presets); ``fit`` refines the code for the user's references.

Modules, imports flowing down: stats (pure colour statistics) -> encoder -> model (encoder + generator, files) ->
bank (training looks) -> losses/train (feed-forward training) -> fit."""
