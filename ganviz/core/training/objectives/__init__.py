"""GAN objectives, one module each (science.md §4): a new objective is one module here, named in MODULES
below, and its test. The registry's order (MODULES' order) is the order of menus and choices.
"""

from __future__ import annotations

import importlib

from ganviz.core.training.objectives.base import (
    FAMILIES,
    GAN_DEFAULTS,
    OBJECTIVES,
    RATIO_D_STAR,
    REQUIRED_FACTS,
    SURFACE_KINDS,
    DStar,
    Objective,
    OptimDefaults,
    get_objective,
    ratio_d_star,
)
from ganviz.core.training.objectives.regularisers import (
    gp_term,
    gradient_penalty,
    input_gradient,
    interpolates,
    r1_penalty,
    r1_term,
)

# the objective modules, in the registry's (and so the menus') order; importing one registers it
MODULES = ("minimax", "nonsaturating", "lsgan", "hinge", "wgan", "wgan_gp")
for _module in MODULES:
    importlib.import_module(f"{__name__}.{_module}")

__all__ = [
    "FAMILIES",
    "GAN_DEFAULTS",
    "OBJECTIVES",
    "RATIO_D_STAR",
    "REQUIRED_FACTS",
    "SURFACE_KINDS",
    "DStar",
    "Objective",
    "OptimDefaults",
    "get_objective",
    "gp_term",
    "gradient_penalty",
    "input_gradient",
    "interpolates",
    "r1_penalty",
    "r1_term",
    "ratio_d_star",
]
