"""Problems: what a problem is to the trainer (problem, problem_run) and the non-plane ones.

The 1-D GAN (onedim), the digits GAN (digits) and the Dirac-GAN (dirac)."""
