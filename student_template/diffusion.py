"""DDPM (IFT6135 W2023 Q2, CMU 10-417 F2023 HW3 P3-P4).  Implement each function; keep the names and signatures.

Conventions (see STUDENT_API.md):
- betas is 1-D of length T with betas[t-1] = beta_t; alpha_t = 1 - beta_t;
  alpha_bar_t = prod_{s=1}^{t} alpha_s and alpha_bar_0 = 1 (the empty product).
- t is 1-based: a Python int, or a LongTensor of shape (B,) giving one t per sample.
- q_xt_given_x0, q_sample and constant_beta_marginal also accept t = 0; the other
  functions take t in 1..T (denoising_kl: 2..T).
- A returned variance may have any shape that broadcasts against the returned mean.
- Never modify inputs; noise comes in as an argument; raise ValueError on invalid
  input (beta not in (0, 1), t out of range or not an integer, ...).
"""
import torch


def alpha_bars(betas):
    """Return alpha_bar_t for t = 0..T: shape (T + 1,), alpha_bars[0] = 1."""
    raise NotImplementedError


def q_xt_given_x0(x0, t, betas):
    """Return (mean, var) of q(x_t | x_0) = N(sqrt(alpha_bar_t) x0, (1 - alpha_bar_t) I)."""
    raise NotImplementedError


def q_sample(x0, t, betas, eps):
    """Return sqrt(alpha_bar_t) x0 + sqrt(1 - alpha_bar_t) eps."""
    raise NotImplementedError


def constant_beta_marginal(x0, t, beta):
    """Return (mean, var) of x_t | x_0 when every beta_t equals the scalar beta (CMU 10-417 F2023 HW3 Q4.1a)."""
    raise NotImplementedError


def q_posterior(xt, x0, t, betas):
    """Return (mu_tilde, beta_tilde) of q(x_{t-1} | x_t, x_0) (IFT6135 W2023 Q2.1)."""
    raise NotImplementedError


def mu_from_eps(xt, eps, t, betas):
    """Return (x_t - beta_t / sqrt(1 - alpha_bar_t) eps) / sqrt(alpha_t)."""
    raise NotImplementedError


def ddpm_lambda(t, betas, sigma2):
    """Return lambda_t = beta_t^2 / (2 sigma_t^2 alpha_t (1 - alpha_bar_t)); sigma2 has shape (T,)."""
    raise NotImplementedError


def eps_loss(eps, eps_pred):
    """Return the batch mean of the per-sample squared error norm ||eps - eps_pred||^2 (L_simple), a 0-dim tensor."""
    raise NotImplementedError


def weighted_eps_loss(eps, eps_pred, t, betas, sigma2):
    """Return the batch mean of lambda_t * ||eps - eps_pred||^2, a 0-dim tensor."""
    raise NotImplementedError


def prior_kl(x0, betas):
    """Return L_T = KL(q(x_T | x_0) || N(0, I)) per sample, shape (B,)."""
    raise NotImplementedError


def denoising_kl(x0, t, eps, eps_pred, betas, sigma2):
    """Return the L_{t-1} integrand per sample for t in 2..T, with x_t = q_sample(x0, t, betas, eps)."""
    raise NotImplementedError
