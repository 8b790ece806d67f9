"""GAN discriminators and the Jensen-Shannon divergence (IFT6135 W2023 Q3, IFT6135 F2023 Q4, IFT6135 H2019 Q5, Q7).

Conventions (see STUDENT_API.md):
- D(x) is the probability that x came from p1 ("real"); p0 is the other distribution.
  d_real holds D on samples of p1, d_fake holds D on samples of p0 (or G(z)).
- Natural logarithms.  At D exactly 0 or 1 return the mathematical limit (+-inf),
  never a clamped value.
- Losses and jsd_from_discriminator average over every sample and return a 0-dim tensor;
  jsd works along the last dim and keeps the others (0 log 0 = 0).
- Never modify inputs; raise ValueError on invalid input (a negative density, D outside
  [0, 1], no samples, distributions that are not normalised, ...).
"""
import torch


def optimal_discriminator(f0, f1):
    """Return D* = f1 / (f0 + f1)."""
    raise NotImplementedError


def density_from_discriminator(f0, D):
    """Return f0 * D / (1 - D)."""
    raise NotImplementedError


def jsd_from_discriminator(d_real, d_fake):
    """Return V(D) / 2 + log 2 with V(D) = mean log D(real) + mean log(1 - D(fake))."""
    raise NotImplementedError


def generator_loss_nonsaturating(d_fake):
    """Return -mean(log D(G(z)))."""
    raise NotImplementedError


def generator_loss_saturating(d_fake):
    """Return mean(log(1 - D(G(z))))."""
    raise NotImplementedError


def jsd(p, q):
    """Return the Jensen-Shannon divergence of discrete distributions along the last dim."""
    raise NotImplementedError
