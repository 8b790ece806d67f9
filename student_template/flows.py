"""Planar flows (CSC 6137 HW2 Q2).  Implement each function; keep the names and signatures.

Conventions (see STUDENT_API.md):
- f(z) = z + u h(w^T z + b) with h = tanh, applied to each row z of shape (..., D);
  u, w have shape (D,), b is a scalar; psi(z) = h'(w^T z + b) w.
- Samples are along dim 0 in flow_elbo, which returns the ELBO (not its negative).
- Never modify inputs; raise ValueError on invalid input (shapes that do not fit).
"""
import torch


def planar_forward(z, u, w, b):
    """Return (f(z), log|1 + u^T psi(z)|), shapes (..., D) and (...)."""
    raise NotImplementedError


def planar_flow_log_prob(z0, log_q0, us, ws, bs):
    """Return (z_K, log q_K(z_K)) through K planar layers; us, ws (K, D), bs (K,)."""
    raise NotImplementedError


def flow_elbo(log_p_xzK, log_q0_z0, sum_logdet):
    """Return the ELBO with a flow posterior, averaging over the samples along dim 0."""
    raise NotImplementedError
