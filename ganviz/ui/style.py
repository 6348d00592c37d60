"""Colours shared by the panels (pyqtgraph accepts these strings and tuples)."""

REAL = (255, 140, 0)  # orange, as in gan_toy.py
FAKE = (30, 90, 200)  # blue
BOUNDARY = (20, 20, 20)
G_LOSS = (30, 90, 200)
D_LOSS = (220, 60, 40)
D_REAL = (255, 140, 0)
D_FAKE = (30, 90, 200)
ESTIMATE = (120, 40, 160)
MODES = (30, 120, 60)
ROBUST = (20, 20, 20)
HQ = (30, 90, 200)
RKL = (220, 60, 40)
W1 = (120, 40, 160)
LEGEND_BRUSH = (255, 255, 255, 210)  # legends stay readable over curves and the heatmap
PROBE = (200, 0, 120)  # the latent probe and its image path
