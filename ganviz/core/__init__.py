"""Qt-free training core: datasets, models, objectives, trainer, metrics."""
