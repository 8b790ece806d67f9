"""HW4 Q1: one step of DDPM ancestral sampling (Ho et al., 2020, Algorithm 2), with sigma_t^2 = beta_t.

Known wrong versions sit beside the reference; specs/ddpm.yaml names them as `mistakes`,
so a student whose answer matches one is told what went wrong.
"""
import torch


def _checked(t: int, betas: torch.Tensor) -> None:
    if not 1 <= t <= betas.shape[0]:
        raise ValueError(f"t must be in 1..T={betas.shape[0]}, got {t}")
    if not bool(((betas > 0) & (betas < 1)).all()):
        raise ValueError("every beta_t must lie in (0, 1)")


def reverse_step(xt: torch.Tensor, t: int, betas: torch.Tensor, eps: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """x_{t-1} = (x_t - beta_t / sqrt(1 - abar_t) * eps) / sqrt(alpha_t) + [t > 1] sqrt(beta_t) * z.

    alpha_t = 1 - beta_t and abar_t = prod_{s <= t} alpha_s, with t counted from 1 (betas[t - 1] is beta_t);
    eps is the network's noise prediction at (x_t, t), z a standard normal draw (unused at t = 1).
    """
    _checked(t, betas)
    beta = betas[t - 1]
    abar = torch.prod(1 - betas[:t])
    mean = (xt - beta / torch.sqrt(1 - abar) * eps) / torch.sqrt(1 - beta)
    return mean + torch.sqrt(beta) * z if t > 1 else mean


def reverse_step_noise_at_t1(xt, t, betas, eps, z):
    """Wrong: adds sigma_1 z at the last step too."""
    _checked(t, betas)
    beta = betas[t - 1]
    abar = torch.prod(1 - betas[:t])
    return (xt - beta / torch.sqrt(1 - abar) * eps) / torch.sqrt(1 - beta) + torch.sqrt(beta) * z


def reverse_step_no_sqrt(xt, t, betas, eps, z):
    """Wrong: beta_t / (1 - abar_t) in front of eps (the square root forgotten)."""
    _checked(t, betas)
    beta = betas[t - 1]
    abar = torch.prod(1 - betas[:t])
    mean = (xt - beta / (1 - abar) * eps) / torch.sqrt(1 - beta)
    return mean + torch.sqrt(beta) * z if t > 1 else mean


def reverse_step_posterior_variance(xt, t, betas, eps, z):
    """Wrong for this homework: sigma_t^2 = beta~_t = (1 - abar_{t-1}) / (1 - abar_t) beta_t, the other choice of the paper."""
    _checked(t, betas)
    beta = betas[t - 1]
    abar = torch.prod(1 - betas[:t])
    abar_prev = torch.prod(1 - betas[: t - 1])
    mean = (xt - beta / torch.sqrt(1 - abar) * eps) / torch.sqrt(1 - beta)
    return mean + torch.sqrt((1 - abar_prev) / (1 - abar) * beta) * z if t > 1 else mean
