"""Every graded function by qualified name ("vae.gkl"), from the spec modules of this package."""
from __future__ import annotations

from autograder.specs import answers, autoregressive, diffusion, divergences, flows, gan, gcn, priors, simsiam, vae
from autograder.specs.base import FunctionSpec

MODULES = (vae, gcn, diffusion, autoregressive, gan, divergences, simsiam, flows, priors, answers)


def registry() -> dict[str, FunctionSpec]:
    """Every graded function by qualified name ("vae.gkl")."""
    return {spec.qualname: spec for module in MODULES for spec in module.SPECS}
