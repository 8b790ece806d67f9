"""HW4 Q2: the denoising score-matching loss (Vincent, 2011; Song and Ermon, 2019) at one noise level."""
import torch


def dsm_loss(score: torch.Tensor, eps: torch.Tensor, sigma: float) -> torch.Tensor:
    """L = 1/2 * mean over the batch of || sigma * s + eps ||^2, summed over the other dimensions.

    `score` is s_theta(x + sigma * eps) for a batch of x (batch first), `eps` the standard normal noise
    that perturbed them.  The target score of the perturbation kernel is -eps / sigma, and the
    weighting lambda(sigma) = sigma^2 makes every noise level count alike:
    sigma^2 / 2 * || s + eps / sigma ||^2 = 1/2 * || sigma * s + eps ||^2.  Zero exactly at s = -eps / sigma.
    """
    if not sigma > 0:
        raise ValueError(f"sigma must be positive, got {sigma}")
    residual = sigma * score + eps
    return 0.5 * residual.pow(2).reshape(residual.shape[0], -1).sum(dim=1).mean()
