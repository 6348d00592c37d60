"""Analysis: what is measured and shown of a run.

Quality metrics (metrics), the decision surface (surface), the seeds' mathematics (theory), the latent space
(latent), slow motion (explain), the window's frames and their timeline (frames, snapshots) and the loss plot's
events (events)."""
