"""Dual representations of KL(p || q) (IFT6135 H2019 Q6).  Implement each function; keep the names and signatures.

Conventions (see STUDENT_API.md):
- t_p holds T(x) on samples of p, t_q holds T(x) on samples of q; average over every
  sample given and return a 0-dim tensor.  Natural logarithms.
- Compute log mean exp stably (torch.logsumexp): T can be large.
- Never modify inputs; raise ValueError on invalid input (no samples).
"""
import torch


def kl_dual_r1(t_p, t_q):
    """Return R1[T] = mean(t_p) - mean(exp(t_q - 1))."""
    raise NotImplementedError


def kl_dual_r2(t_p, t_q):
    """Return R2[T] = mean(t_p) - log(mean(exp(t_q))), computed stably."""
    raise NotImplementedError
