"""Training: one GAN's configuration, networks and update step.

The validated run config (config), the MLPs (models), the optimisers (optim), the losses (objectives), the
training loop (trainer), the divergence guard (guard), the stabilising methods (remedies) and many runs as one
batch of models (batched)."""
