"""HW4 Q1: DDPM ancestral sampling."""
import torch


def reverse_step(xt: torch.Tensor, t: int, betas: torch.Tensor, eps: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """One reverse step x_t -> x_{t-1} of Algorithm 2 (Ho et al., 2020), with sigma_t^2 = beta_t.

    xt: (B, D) samples at step t; t: the step, 1..T (betas[t - 1] is beta_t); betas: (T,) the schedule;
    eps: (B, D) the noise prediction at (x_t, t); z: (B, D) standard normal noise (not added at t = 1).
    Raise ValueError if t is not in 1..T or a beta is not in (0, 1).
    """
    raise NotImplementedError
