"""VAE building blocks.  Implement each function; keep the names and signatures.

Conventions (see STUDENT_API.md):
- Arguments and returns are torch.Tensor; the grader passes float64 (float32 work is fine).
- The event dimension is the LAST one; leading (batch) dimensions are kept, and
  per-sample quantities are summed over the event dimension.
- sigma is always a standard deviation (> 0), never a log or a variance.
- Never modify an input tensor in place; draw no randomness (noise comes in as eps).
- Raise ValueError on invalid input (sigma <= 0, ...).  Natural logarithms.
"""
import torch


def reparameterize(mu, sigma, eps):
    """Return h = mu + sigma * eps.  mu, sigma, eps: (..., k) -> (..., k)."""
    raise NotImplementedError


def reparameterize_full(mu, S, z0):
    """Return mu + S z0 for each z0 of shape (K,).  mu: (K,), S: (K, K) non-singular, z0: (..., K) -> (..., K)."""
    raise NotImplementedError


def log_density_full(z, mu, S):
    """Return log N(z; mu, S S^T) by the change-of-variables formula.  z: (..., K) -> (...)."""
    raise NotImplementedError


def gkl(mu, sigma):
    """Return KL(N(mu, diag sigma^2) || N(0, I)), summed over the last dim (CMU 10-417 F2023 HW3 eq. 2).  (..., k) -> (...)."""
    raise NotImplementedError


def vae_loss_grads(dlrecon_dh, mu, sigma, eps):
    """Return the tuple (dl_dmu, dl_dsigma) for l = l_recon(h) + GKL(mu, sigma), h = mu + sigma * eps (CMU 10-417 F2023 HW3 P1 Q4).

    dlrecon_dh, mu, sigma, eps: (..., k); each returned tensor is (..., k).
    """
    raise NotImplementedError


def elbo_joint(log_px_given_z, log_pz, log_qz):
    """ELBO form (1) of CSC 6137 HW2: average of log p(x|z) + log p(z) - log q(z|x) over the L samples (dim 0).  (L, ...) -> (...)."""
    raise NotImplementedError


def elbo_entropy(log_px_given_z, log_pz, sigma):
    """ELBO form (2): E_q[log p(x|z) + log p(z)] + H(q), with the analytic entropy of N(mu, diag sigma^2).

    log_px_given_z, log_pz: (L, ...); sigma: (..., k).  Returns (...).
    """
    raise NotImplementedError


def elbo_kl(log_px_given_z, mu, sigma):
    """ELBO form (3): E_q[log p(x|z)] - KL(q || N(0, I)).  log_px_given_z: (L, ...); mu, sigma: (..., k).  Returns (...)."""
    raise NotImplementedError


def iwae_bound(log_w):
    """Return logsumexp(log_w, -1) - log k, the importance-weighted bound per group of k.  (..., k) -> (...)."""
    raise NotImplementedError


def beta_vae_loss(recon_nll, mu, sigma, beta):
    """Return recon_nll + beta * gkl(mu, sigma) (beta >= 0).  recon_nll: (...); mu, sigma: (..., k).  Returns (...)."""
    raise NotImplementedError
