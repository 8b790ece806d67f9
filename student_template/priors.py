"""Learned VAE priors (CSC 6137 HW2 Q3).  Implement each function; keep the names and signatures.

Conventions (see STUDENT_API.md):
- z has shape (..., K); component parameters have shape (C, K); sigmas are standard
  deviations (> 0).  Return one log-density per z, shape (...).  Natural logarithms.
- Mixtures are averaged in density, not in log-density: use torch.logsumexp.
- log_vamp_prior receives the encoder from the grader: encoder(u) returns (mu, sigma).
- Never modify inputs; raise ValueError on invalid input (sigma <= 0, weights that do
  not sum to 1, shapes that do not fit).
"""
import torch


def log_mog_prior(z, means, sigmas, weights=None):
    """Return log sum_c w_c N(z; means[c], diag sigmas[c]^2); uniform weights 1/C by default."""
    raise NotImplementedError


def log_vamp_prior(z, pseudo_inputs, encoder):
    """Return log (1/K) sum_k q(z | u_k) with (mu, sigma) = encoder(pseudo_inputs)."""
    raise NotImplementedError


def log_aggregated_posterior(z, mus, sigmas):
    """Return log (1/N) sum_n N(z; mus[n], diag sigmas[n]^2)."""
    raise NotImplementedError
