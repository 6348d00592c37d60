"""Qt-free training core, in subpackages by role (none imports Qt; their `__init__`s import nothing).

- data: the 2-D datasets (built-in, CSV, drawn); training: config, models, optimisers, objectives, the trainer;
- problems: what a problem is to the trainer, and the 1-D, digits and Dirac-GAN problems;
- analysis: metrics, the decision surface, theory, latent space, slow motion, frames, events;
- runs: the trainer process, run model, commands and settings, compare mode, sweeps;
- files: safe writes, sessions, exports, presets. `registry` (a leaf shared by data and training) stays here."""
