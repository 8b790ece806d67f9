"""Every graded function by qualified name ("vae.gkl"): the built-in ones (one module per student module, with
the known mistakes of reference/misconceptions.py), then those the active course declares (`declared.py`)."""
from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from autograder import course
from autograder.specs import answers, autoregressive, declared, diffusion, divergences, flows, gan, gcn, priors, simsiam, vae
from autograder.specs.base import FunctionSpec

MODULES = (vae, gcn, diffusion, autoregressive, gan, divergences, simsiam, flows, priors, answers)


@lru_cache(maxsize=None)
def _built_in() -> dict[str, FunctionSpec]:
    from reference.misconceptions import MISCONCEPTIONS

    return {spec.qualname: replace(spec, mistakes=tuple(MISCONCEPTIONS.get(spec.qualname, ())))
            for module in MODULES for spec in module.SPECS}


@lru_cache(maxsize=None)
def _for(active: course.Course) -> dict[str, FunctionSpec]:
    specs = dict(_built_in())
    for spec in declared.load(active):
        if spec.qualname in specs:
            raise ValueError(f"{spec.qualname} is declared by the course and built in: give the course's module another name")
        specs[spec.qualname] = spec
    return specs


def registry() -> dict[str, FunctionSpec]:
    """Every graded function of the active course by qualified name ("vae.gkl")."""
    return _for(course.active())
