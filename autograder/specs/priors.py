"""Inputs for priors.py: diagonal Gaussian mixtures, a grader-supplied VampPrior encoder, far-away z."""
from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field

from autograder.sandbox.callables import GaussianEncoder
from autograder.specs.base import Call, CaseParams, FunctionSpec, normal, uniform
from autograder.specs.regimes import forms, is_none, is_tensor, size_one
from reference import priors

_MIX = "log sum_c w_c N(z; mu_c, diag sigma_c^2) with torch.logsumexp over components (log of a mean, not a mean of logs)."


class Mixture(CaseParams):
    batch: list[int] = [6]
    K: int = Field(default=2, ge=1, description="Latent dimension.")
    C: int = Field(default=3, ge=1, description="Components (or data points, or pseudo-inputs).")
    weights: bool = Field(default=False, description="Pass explicit mixture weights (log_mog_prior).")
    far: float = Field(default=0.0, ge=0, description="Shift z this far from the components; 40 underflows a naive exp.")
    tiny_weight: bool = Field(default=False, description="Component 0 weighs 1e-12 and z sits on it, the others 20 away: "
                                                         "its log-weight decides log p (an epsilon in log w shows).")
    invalid: Literal["sigma_zero", "weights_not_normalised", "shape_mismatch"] | None = None


def _mixture(p: Mixture, gen: torch.Generator, weights: bool | None = None) -> Call:
    z = p.far + normal(gen, *p.batch, p.K)
    means, sigmas = normal(gen, p.C, p.K), uniform(gen, 0.3, 1.5, p.C, p.K)
    w = uniform(gen, 0.1, 1.0, p.C)
    if p.tiny_weight:
        means = torch.cat([means[:1], means[1:] + 20.0])
        z = means[0] + 0.1 * normal(gen, *p.batch, p.K)
        w = torch.cat([torch.full((1,), 1e-12 * float(w[1:].sum()), dtype=w.dtype), w[1:]]) if p.C > 1 else w
    args = (z, means, sigmas, w / w.sum()) if (p.weights if weights is None else weights) else (z, means, sigmas)
    return Call(args)


def _mixture_bad(kind: str, three: bool = False):
    def build(p: Mixture, gen: torch.Generator) -> Call:
        z, means, sigmas, w = _mixture(p, gen, weights=True).args
        if kind == "sigma_zero":
            sigmas = sigmas.clone()
            sigmas[0, 0] = 0.0
        elif kind == "shape_mismatch":
            means = torch.cat([means, means], -1)
        else:
            w = 2 * w
        return Call((z, means, sigmas) if three else (z, means, sigmas, w))
    return build


class Vamp(CaseParams):
    batch: list[int] = [6]
    K: int = Field(default=2, ge=1, description="Latent dimension.")
    pseudo_inputs: int = Field(default=4, ge=1)
    D: int = Field(default=3, ge=1, description="Input dimension of the pseudo-inputs.")
    far: float = Field(default=0.0, ge=0)


def _vamp(p: Vamp, gen: torch.Generator) -> Call:
    """z, the pseudo-inputs, and the grader's encoder u -> (u A + a, softplus(u B + b) + 0.05)."""
    z, pseudo_inputs = p.far + normal(gen, *p.batch, p.K), normal(gen, p.pseudo_inputs, p.D)
    return Call((z, pseudo_inputs, GaussianEncoder(normal(gen, p.D, p.K), normal(gen, p.K), 0.5 * normal(gen, p.D, p.K),
                                                   normal(gen, p.K))))


SPECS = (
    FunctionSpec("priors.log_mog_prior", priors.log_mog_prior, Mixture, _mixture,
                 {k: _mixture_bad(k) for k in ("sigma_zero", "weights_not_normalised", "shape_mismatch")},
                 hint=_MIX + " Default weights are uniform, 1/C.",
                 regimes=(*forms("weights", {"given": is_tensor, "None (uniform)": is_none}),
                          size_one("means", 0, "one component (C = 1)"))),
    FunctionSpec("priors.log_vamp_prior", priors.log_vamp_prior, Vamp, _vamp,
                 hint="(mu, sigma) = encoder(pseudo_inputs), each (K, k); then the uniform mixture of N(mu_k, diag sigma_k^2). " + _MIX,
                 regimes=(size_one("pseudo_inputs", 0, "one pseudo-input (K = 1)"),)),
    FunctionSpec("priors.log_aggregated_posterior", priors.log_aggregated_posterior, Mixture, lambda p, gen: Call(_mixture(p, gen, False).args[:3]),
                 {k: _mixture_bad(k, three=True) for k in ("sigma_zero", "shape_mismatch")},
                 hint="q(z) = (1/N) sum_n N(z; mus[n], diag sigmas[n]^2). " + _MIX,
                 regimes=(size_one("mus", 0, "one data point (N = 1)"),)),
)
