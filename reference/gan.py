"""GAN discriminator identities and the Jensen-Shannon divergence (seeds 000 Q3, 001 Q4, 003 Q5, Q7).

Conventions: D(x) is the probability that x came from p1 ("real"); p0 is the other
distribution; natural logs.  D at exactly 0 or 1 gives the mathematical limit (+-inf).
"""
from __future__ import annotations

import math

import torch
from torch import Tensor


def _check_density(name: str, f: Tensor) -> None:
    if not bool((f >= 0).all()):
        raise ValueError(f"{name} is a density and must be >= 0, got min={f.min().item()!r}")


def _check_probability(name: str, d: Tensor) -> None:
    if d.numel() == 0:
        raise ValueError(f"{name} is empty")
    if not bool(((d >= 0) & (d <= 1)).all()):
        raise ValueError(f"{name} holds discriminator outputs and must lie in [0, 1]")


def optimal_discriminator(f0: Tensor, f1: Tensor) -> Tensor:
    r"""D*(x) = f1 / (f0 + f1), the pointwise maximiser of f1 log D + f0 log(1 - D).  Undefined (nan) where f0 = f1 = 0."""
    _check_density("f0", f0)
    _check_density("f1", f1)
    return f1 / (f0 + f1)


def density_from_discriminator(f0: Tensor, D: Tensor) -> Tensor:
    r"""f1 = f0 D / (1 - D), exact for D = D* on a common support; +inf where D = 1 and f0 > 0."""
    _check_density("f0", f0)
    _check_probability("D", D)
    return f0 * D / (1 - D)


def gan_value(d_real: Tensor, d_fake: Tensor) -> Tensor:
    r"""V(D) = mean log D(x ~ p1) + mean log(1 - D(x ~ p0))."""
    _check_probability("d_real", d_real)
    _check_probability("d_fake", d_fake)
    return torch.log(d_real).mean() + torch.log1p(-d_fake).mean()


def jsd_from_discriminator(d_real: Tensor, d_fake: Tensor) -> Tensor:
    r"""JSD(p0, p1) ~= V(D)/2 + log 2, since V(D*) = 2 JSD - 2 log 2 (a lower bound for D != D*)."""
    return gan_value(d_real, d_fake) / 2 + math.log(2)


def generator_loss_nonsaturating(d_fake: Tensor) -> Tensor:
    r"""J(G) = -(1/m) sum log D(G(z))   (IFT6135 F2023 Q4.2 (b)); +inf if some D(G(z)) = 0."""
    _check_probability("d_fake", d_fake)
    return -torch.log(d_fake).mean()


def generator_loss_saturating(d_fake: Tensor) -> Tensor:
    r"""J(G) = (1/m) sum log(1 - D(G(z))), minimised; -inf if some D(G(z)) = 1."""
    _check_probability("d_fake", d_fake)
    return torch.log1p(-d_fake).mean()


def jsd(p: Tensor, q: Tensor) -> Tensor:
    r"""JSD(p, q) = KL(p || m)/2 + KL(q || m)/2, m = (p + q)/2, along the last dim, 0 log 0 = 0.  In [0, log 2]."""
    if p.shape != q.shape or p.dim() == 0:
        raise ValueError(f"p and q must have the same non-scalar shape, got {tuple(p.shape)} and {tuple(q.shape)}")
    for name, d in (("p", p), ("q", q)):
        if not bool((d >= 0).all()) or not bool(((d.sum(-1) - 1).abs() <= 1e-6).all()):
            raise ValueError(f"{name} must be a probability vector along the last dim (>= 0, summing to 1)")
    m = (p + q) / 2

    def kl_to_m(d: Tensor) -> Tensor:
        return torch.where(d > 0, d * torch.log(d / m), torch.zeros_like(d)).sum(-1)

    return (kl_to_m(p) + kl_to_m(q)) / 2
