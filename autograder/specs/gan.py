"""Inputs for gan.py: densities, discriminator outputs (including D near and at 0 and 1), discrete distributions."""
from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field, model_validator

from autograder.specs.base import Call, CaseParams, FunctionSpec, normal, uniform
from autograder.specs.regimes import NEAR, Regime, probability_ends, size_one
from reference import gan

_D = "D(x) is the probability that x came from p1 (real); d_real holds D on samples of p1, d_fake on samples of p0."
_LIMITS = "At D = 0 or 1 return the limit (+-inf), never a clamp: torch.log(0.) = -inf; log1p(-D) keeps precision near 0."


class Densities(CaseParams):
    batch: list[int] = [8]
    spread: float = Field(default=1.0, ge=0, description="log10 spread of f1/f0; 12 puts D* within 1e-12 of 0 and 1.")
    invalid: Literal["negative_density"] | None = None


def _densities(p: Densities, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    f0 = uniform(gen, 0.05, 2.0, *p.batch)
    return f0, f0 * 10 ** (p.spread * uniform(gen, -1.0, 1.0, *p.batch))


def _negative(p: Densities, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    f0, f1 = _densities(p, gen)
    f0 = f0.clone()
    f0.view(-1)[0] = -0.1
    return f0, f1


class Discriminator(CaseParams):
    n: int = Field(default=8, ge=1, description="Samples (d_real and d_fake have n each).")
    d_min: float = Field(default=0.05, ge=0, le=1)
    d_max: float = Field(default=0.95, ge=0, le=1)
    limits: bool = Field(default=False, description="Set one D to exactly 0 and one to exactly 1 (infinite results).")
    flipped: bool = Field(default=False, description="With limits: the ends the other way round (D = 1 on d_real, 0 on d_fake: "
                                                      "finite results).")
    near: bool = Field(default=False, description=f"Put one D at {NEAR / 10:g} and one at 1 - {NEAR / 10:g} in each tensor "
                                                  "(n >= 3): log and log1p keep their precision.")
    invalid: Literal["above_one", "negative", "empty", "negative_density"] | None = None

    @model_validator(mode="after")
    def _room_for_near(self) -> "Discriminator":
        if self.near and self.n < 3:
            raise ValueError("near needs n >= 3 (entries 1 and 2 are set near 0 and 1)")
        return self


def _d(p: Discriminator, gen: torch.Generator, count: int | None = None) -> torch.Tensor:
    """p.n values of D (`count` for the second tensor of a pair); the ends where the case asks for them."""
    d = uniform(gen, p.d_min, p.d_max, count or p.n)
    if p.limits:
        d[0] = float((count is None) == p.flipped)
    if p.near:
        d[1], d[2] = NEAR / 10, 1 - NEAR / 10
    return d


def _bad_d(kind: str, p: Discriminator, gen: torch.Generator) -> torch.Tensor:
    d = _d(p, gen)
    if kind == "empty":
        return d[:0]
    d[-1] = 1.5 if kind == "above_one" else -0.25
    return d


def _density_from_d(p: Discriminator, gen: torch.Generator) -> Call:
    d = _d(p, gen)
    if p.limits:
        d[-1] = 1.0
    return Call((uniform(gen, 0.05, 2.0, p.n), d))


def _density_bad(kind: str):
    def build(p: Discriminator, gen: torch.Generator) -> Call:
        f0, d = _density_from_d(p, gen).args
        if kind == "negative_density":
            f0 = f0.clone()
            f0[0] = -1.0
            return Call((f0, d))
        return Call((f0, _bad_d(kind, p, gen)))
    return build


def _pair(p: Discriminator, gen: torch.Generator) -> Call:
    return Call((_d(p, gen), _d(p, gen, p.n + 3)))        # different sizes: each mean is over its own samples


def _single(p: Discriminator, gen: torch.Generator) -> Call:
    return Call((_d(p, gen),))


class Discrete(CaseParams):
    batch: list[int] = [3]
    n: int = Field(default=6, ge=1)
    zeros: bool = Field(default=False, description="Put zeros in p and q (0 log 0 = 0).")
    disjoint: bool = Field(default=False, description="p and q on disjoint supports (JSD = log 2).")
    invalid: Literal["not_normalised", "negative", "shape_mismatch"] | None = None


def _discrete(p: Discrete, gen: torch.Generator) -> Call:
    a, b = uniform(gen, 0.1, 1.0, *p.batch, p.n), uniform(gen, 0.1, 1.0, *p.batch, p.n)
    if p.disjoint:
        half = max(p.n // 2, 1)
        a[..., half:], b[..., :half] = 0.0, 0.0
    elif p.zeros:
        a[..., 0], b[..., -1] = 0.0, 0.0
    return Call((a / a.sum(-1, keepdim=True), b / b.sum(-1, keepdim=True)))


def _discrete_bad(kind: str):
    def build(p: Discrete, gen: torch.Generator) -> Call:
        a, b = _discrete(p, gen).args
        if kind == "not_normalised":
            return Call((a * 1.5, b))
        if kind == "negative":
            a = a.clone()
            a[..., -1] += a[..., 0] + 0.1              # still sums to 1, with one entry -0.1
            a[..., 0] = -0.1
            return Call((a, b))
        return Call((a, b[..., :-1] if p.n > 1 else torch.cat([b, b], -1)))
    return build


_D_BAD = ("above_one", "negative", "empty")

SPECS = (
    FunctionSpec("gan.optimal_discriminator", gan.optimal_discriminator, Densities, lambda p, gen: Call(_densities(p, gen)),
                 {"negative_density": lambda p, gen: Call(_negative(p, gen))},
                 hint="D* = f1 / (f0 + f1): the pointwise maximiser of f1 log D + f0 log(1 - D). " + _D,
                 regimes=(Regime(f"D* within {NEAR:g} of 0", lambda a: bool((a["f1"] < NEAR * (a["f0"] + a["f1"])).any())),
                          Regime(f"D* within {NEAR:g} of 1", lambda a: bool((a["f0"] < NEAR * (a["f0"] + a["f1"])).any())))),
    FunctionSpec("gan.density_from_discriminator", gan.density_from_discriminator, Discriminator, _density_from_d,
                 {k: _density_bad(k) for k in ("above_one", "negative", "negative_density")},
                 hint="f1 = f0 D / (1 - D), from D* = f1 / (f0 + f1). " + _LIMITS,
                 regimes=probability_ends("D")),
    FunctionSpec("gan.jsd_from_discriminator", gan.jsd_from_discriminator, Discriminator, _pair,
                 {k: (lambda kind: lambda p, gen: Call((_bad_d(kind, p, gen), _d(p, gen))))(k) for k in _D_BAD},
                 hint="V(D) = mean log D(real) + mean log(1 - D(fake)); JSD = V(D)/2 + log 2. " + _D,
                 regimes=(*probability_ends("d_real"), *probability_ends("d_fake"))),
    FunctionSpec("gan.generator_loss_nonsaturating", gan.generator_loss_nonsaturating, Discriminator, _single,
                 {k: (lambda kind: lambda p, gen: Call((_bad_d(kind, p, gen),)))(k) for k in _D_BAD},
                 hint="J(G) = -(1/m) sum log D(G(z)), averaged over every sample. " + _LIMITS,
                 regimes=(*probability_ends("d_fake"), size_one("d_fake", 0, "one sample"))),
    FunctionSpec("gan.generator_loss_saturating", gan.generator_loss_saturating, Discriminator, _single,
                 {k: (lambda kind: lambda p, gen: Call((_bad_d(kind, p, gen),)))(k) for k in _D_BAD},
                 hint="J(G) = (1/m) sum log(1 - D(G(z))), minimised. " + _LIMITS,
                 regimes=(*probability_ends("d_fake"), size_one("d_fake", 0, "one sample"))),
    FunctionSpec("gan.jsd", gan.jsd, Discrete, _discrete, {k: _discrete_bad(k) for k in ("not_normalised", "negative", "shape_mismatch")},
                 hint="JSD = KL(p || m)/2 + KL(q || m)/2 with m = (p + q)/2 along the last dim, natural log, 0 log 0 = 0 "
                      "(use torch.where or xlogy, not p * log p).",
                 regimes=(Regime("p with a zero entry", lambda a: bool((a["p"] == 0).any())),
                          Regime("q with a zero entry", lambda a: bool((a["q"] == 0).any())),
                          Regime("disjoint supports", lambda a: bool(((a["p"] * a["q"]).sum(-1) == 0).any())))),
)
