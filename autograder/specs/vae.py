"""Inputs for vae.py: diagonal Gaussians (..., k), Monte Carlo samples along dim 0."""
from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field

from autograder.specs.base import Call, CaseParams, Check, FunctionSpec, Output, normal, uniform
from autograder.specs.regimes import Regime, asymmetric, non_square, size_one
from autograder.grading.properties import nonnegative
from reference import vae

_SIGMA = "sigma is a standard deviation: h = mu + sigma * eps, not a variance or a log-variance."


class Gaussian(CaseParams):
    batch: list[int] = Field(default=[8], description="Leading (batch) shape.")
    k: int = Field(default=4, ge=1, description="Event dimension (last).")
    sigma_min: float = Field(default=0.3, gt=0)
    sigma_max: float = Field(default=2.0, gt=0)
    mu_scale: float = Field(default=1.0, ge=0)
    invalid: Literal["sigma_zero", "sigma_negative", "shape_mismatch"] | None = None


def _mu_sigma(p: Gaussian, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    shape = (*p.batch, p.k)
    return p.mu_scale * normal(gen, *shape), uniform(gen, p.sigma_min, p.sigma_max, *shape)


def _bad_sigma(value: float):
    def make(p: Gaussian, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        mu, sigma = _mu_sigma(p, gen)
        sigma = sigma.clone()
        sigma.view(-1)[0] = value
        return mu, sigma
    return make


def _reparameterize(maker):
    def build(p: Gaussian, gen: torch.Generator) -> Call:
        mu, sigma = maker(p, gen)
        return Call((mu, sigma, normal(gen, *mu.shape)))
    return build


def _gkl(maker):
    def build(p: Gaussian, gen: torch.Generator) -> Call:
        return Call(maker(p, gen))
    return build


def _gkl_shape_mismatch(p: Gaussian, gen: torch.Generator) -> Call:
    mu, sigma = _mu_sigma(p, gen)
    return Call((mu, sigma[..., :-1] if p.k > 1 else torch.cat([sigma, sigma], -1)))


def _loss_grads(maker):
    def build(p: Gaussian, gen: torch.Generator) -> Call:
        mu, sigma = maker(p, gen)
        return Call((normal(gen, *mu.shape), mu, sigma, normal(gen, *mu.shape)))
    return build


_BAD = {"sigma_zero": _bad_sigma(0.0), "sigma_negative": _bad_sigma(-0.5)}


class FullCovariance(CaseParams):
    batch: list[int] = [6]
    K: int = Field(default=3, ge=1)
    negative_det: bool = Field(default=False, description="Negate the first row of S: det S < 0, so log|det S| needs its |.|.")
    invalid: Literal["singular_S", "non_square_S"] | None = None


def _full(p: FullCovariance, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    S = normal(gen, p.K, p.K) + 2 * torch.eye(p.K, dtype=torch.float64)
    if p.negative_det:
        S[0] = -S[0]
    return normal(gen, p.K), S


def _full_call(sample_first: bool):
    def build(p: FullCovariance, gen: torch.Generator) -> Call:
        mu, S = _full(p, gen)
        z = normal(gen, *p.batch, p.K)
        return Call((mu, S, z) if sample_first else (z, mu, S))
    return build


def _full_bad(kind: str, sample_first: bool):
    def build(p: FullCovariance, gen: torch.Generator) -> Call:
        mu, S = _full(p, gen)
        S = S.clone()
        if kind == "singular_S":
            S[-1] = 0.0
        else:
            S = S[:, :-1] if p.K > 1 else torch.zeros(1, 2, dtype=torch.float64)
        z = normal(gen, *p.batch, p.K)
        return Call((mu, S, z) if sample_first else (z, mu, S))
    return build


class MonteCarlo(CaseParams):
    L: int = Field(default=5, ge=1, description="Monte Carlo samples (dim 0).")
    batch: list[int] = [4]
    k: int = Field(default=3, ge=1)
    invalid: Literal["sigma_zero", "shape_mismatch", "no_samples_dim"] | None = None


def _elbo(form: str, bad_sigma: bool = False):
    def build(p: MonteCarlo, gen: torch.Generator) -> Call:
        logs = [normal(gen, p.L, *p.batch) - 3.0 for _ in range(2)]
        mu, sigma = normal(gen, *p.batch, p.k), uniform(gen, 0.3, 2.0, *p.batch, p.k)
        if bad_sigma:
            sigma = sigma.clone()
            sigma.view(-1)[0] = 0.0
        if form == "joint":
            return Call((logs[0], logs[1], normal(gen, p.L, *p.batch) - 2.0))
        if form == "entropy":
            return Call((logs[0], logs[1], sigma))
        return Call((logs[0], mu, sigma))
    return build


class LogWeights(CaseParams):
    batch: list[int] = [4]
    k: int = Field(default=5, ge=0, description="Importance samples per group (0 only for invalid cases).")
    scale: float = Field(default=1.0, ge=0, description="Spread of log w; large values (1e3) overflow a naive exp.")
    offset: float = Field(default=0.0, description="Added to every log w; +-1e3 breaks a naive log(mean(exp)).")
    invalid: Literal["no_samples"] | None = None


def _iwae(p: LogWeights, gen: torch.Generator) -> Call:
    return Call((p.offset + p.scale * normal(gen, *p.batch, p.k),))


class BetaVAE(Gaussian):
    beta: float = 1.0
    invalid: Literal["negative_beta", "sigma_zero"] | None = None


def _beta_vae(p: BetaVAE, gen: torch.Generator, beta: float | None = None, sigma_zero: bool = False) -> Call:
    mu, sigma = (_BAD["sigma_zero"] if sigma_zero else _mu_sigma)(p, gen)
    return Call((uniform(gen, 0.0, 5.0, *p.batch), mu, sigma, p.beta if beta is None else beta))

_MC_REGIMES = (size_one("log_px_given_z", 0, "one Monte Carlo sample (L = 1)"),
               Regime("L different from the batch size", lambda a: a["log_px_given_z"].shape[0] != a["log_px_given_z"].shape[1]))

SPECS = (
    FunctionSpec("vae.reparameterize", vae.reparameterize, Gaussian, _reparameterize(_mu_sigma),
                 {k: _reparameterize(m) for k, m in _BAD.items()}, hint=_SIGMA),
    FunctionSpec("vae.reparameterize_full", vae.reparameterize_full, FullCovariance, _full_call(True),
                 {k: _full_bad(k, True) for k in ("singular_S", "non_square_S")},
                 hint="g(z0) = mu + S z0 applied to each row z0 of shape (K,): for a batch that is z0 @ S.T.",
                 regimes=(asymmetric("S"), size_one("S", -1, "K = 1"))),
    FunctionSpec("vae.log_density_full", vae.log_density_full, FullCovariance, _full_call(False),
                 {k: _full_bad(k, False) for k in ("singular_S", "non_square_S")},
                 hint="log q(z) = log N(S^{-1}(z - mu); 0, I) - log|det S|, summed over the event dimension.",
                 regimes=(asymmetric("S"), size_one("S", -1, "K = 1"))),
    FunctionSpec("vae.gkl", vae.gkl, Gaussian, _gkl(_mu_sigma),
                 {**{k: _gkl(m) for k, m in _BAD.items()}, "shape_mismatch": _gkl_shape_mismatch},
                 hint="GKL = sum_j [-log sigma_j + (sigma_j^2 + mu_j^2 - 1)/2] over the last dimension; " + _SIGMA,
                 checks={"nonnegative": Check("GKL >= 0", Gaussian, _gkl(_mu_sigma), judge=nonnegative)},
                 regimes=(size_one("mu", -1, "k = 1 (one latent dimension)"),
                          non_square("mu", "batch size different from k"))),
    FunctionSpec("vae.vae_loss_grads", vae.vae_loss_grads, Gaussian, _loss_grads(_mu_sigma),
                 {k: _loss_grads(m) for k, m in _BAD.items()}, outputs=(Output("dl_dmu"), Output("dl_dsigma")),
                 hint="Chain rule through h = mu + sigma * eps: dh/dmu = 1 and dh/dsigma = eps; add the GKL gradient.",
                 regimes=(non_square("mu", "batch size different from k"),)),
    FunctionSpec("vae.elbo_joint", vae.elbo_joint, MonteCarlo, _elbo("joint"),
                 {"shape_mismatch": lambda p, gen: Call((*_elbo("joint")(p, gen).args[:2], normal(gen, p.L + 1, *p.batch))),
                  "no_samples_dim": lambda p, gen: Call(tuple(a.sum() for a in _elbo("joint")(p, gen).args))},
                 hint="Average log p(x|z) + log p(z) - log q(z|x) over the L samples along dim 0.",
                 regimes=_MC_REGIMES),
    FunctionSpec("vae.elbo_entropy", vae.elbo_entropy, MonteCarlo, _elbo("entropy"), {"sigma_zero": _elbo("entropy", True)},
                 hint="H(N(mu, diag sigma^2)) = sum_j log sigma_j + k/2 log(2 pi e), added once per data point.",
                 regimes=_MC_REGIMES),
    FunctionSpec("vae.elbo_kl", vae.elbo_kl, MonteCarlo, _elbo("kl"), {"sigma_zero": _elbo("kl", True)},
                 hint="Average log p(x|z) over dim 0, then subtract GKL(mu, sigma).",
                 regimes=_MC_REGIMES),
    FunctionSpec("vae.iwae_bound", vae.iwae_bound, LogWeights, _iwae,
                 {"no_samples": lambda p, gen: Call((normal(gen, *p.batch, 0),))},
                 hint="Use torch.logsumexp(log_w, -1) - log k: exponentiating log w overflows for large |log w|.",
                 regimes=(size_one("log_w", -1, "k = 1 (one importance sample)"),
                          non_square("log_w", "batch size different from k"))),
    FunctionSpec("vae.beta_vae_loss", vae.beta_vae_loss, BetaVAE, _beta_vae,
                 {"negative_beta": lambda p, gen: _beta_vae(p, gen, beta=-0.5),
                  "sigma_zero": lambda p, gen: _beta_vae(p, gen, sigma_zero=True)},
                 hint="recon_nll + beta * GKL(mu, sigma), with GKL summed over the last dimension.",
                 regimes=(Regime("beta other than 1", lambda a: a["beta"] != 1),
                          non_square("mu", "batch size different from k"))),
)
