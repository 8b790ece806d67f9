"""HW4 Q2: denoising score matching."""
import torch


def dsm_loss(score: torch.Tensor, eps: torch.Tensor, sigma: float) -> torch.Tensor:
    """The denoising score-matching loss at noise level sigma, weighted by lambda(sigma) = sigma^2.

    score: (B, ...) the model's score at x + sigma * eps; eps: (B, ...) the noise.  Return a scalar:
    1/2 * mean over the batch of sigma^2 * || score + eps / sigma ||^2 (summed over all but the batch dim).
    Raise ValueError if sigma is not positive.
    """
    raise NotImplementedError
