"""Known wrong answers, used to recognise a student's mistake and answer it with a hint.

Each function takes the same arguments as the graded function it shadows and returns
what a student holding that misconception would return.  `MISCONCEPTIONS` maps a
graded function ("module.function") to its known mistakes; the grader compares a
failing output against each and, on a match, shows that mistake's hint.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from autograder.specs.base import Misconception
from reference import autoregressive, diffusion, flows, gan, priors, simsiam


def wrong_vae_dsigma_seed002(dlrecon_dh: Tensor, mu: Tensor, sigma: Tensor, eps: Tensor) -> tuple[Tensor, Tensor]:
    """CMU 10-417 F2023 HW3 P1 Q4(b): dh_j/dsigma_j taken as e^{-sigma_j} instead of eps_j."""
    return dlrecon_dh + mu, dlrecon_dh * torch.exp(-sigma) + sigma - 1 / sigma


def gkl_sigma_as_variance(mu: Tensor, sigma: Tensor) -> Tensor:
    """sigma read as a variance: -1/2 log sigma + (sigma + mu^2 - 1)/2."""
    return (-0.5 * sigma.log() + (sigma + mu**2 - 1) / 2).sum(-1)


def gkl_sigma_as_log_variance(mu: Tensor, sigma: Tensor) -> Tensor:
    """sigma read as log sigma^2: -sigma/2 + (e^sigma + mu^2 - 1)/2."""
    return (-0.5 * sigma + (sigma.exp() + mu**2 - 1) / 2).sum(-1)


def gkl_no_sum(mu: Tensor, sigma: Tensor) -> Tensor:
    """Per-dimension KL, not summed over the event dimension."""
    return -sigma.log() + (sigma**2 + mu**2 - 1) / 2


def reparameterize_sigma_as_variance(mu: Tensor, sigma: Tensor, eps: Tensor) -> Tensor:
    return mu + sigma.sqrt() * eps


def reparameterize_sigma_as_log_variance(mu: Tensor, sigma: Tensor, eps: Tensor) -> Tensor:
    return mu + (0.5 * sigma).exp() * eps


def wrong_alpha_bar_seed002(betas: Tensor) -> Tensor:
    """CMU 10-417 F2023 HW3 P4 Q1(a): alpha_bar_t = prod_{s=0}^{t} alpha_s, t + 1 factors (alpha_0 read as alpha_1)."""
    alphas = 1 - betas
    return torch.cat([alphas[:1], alphas[0] * torch.cumprod(alphas, dim=0)])


def q_sample_wrong_alpha_bar(x0: Tensor, t: int | Tensor, betas: Tensor, eps: Tensor) -> Tensor:
    ab = wrong_alpha_bar_seed002(betas)
    ab_t = diffusion._per_sample(ab, t, x0)
    return ab_t.sqrt() * x0 + (1 - ab_t).sqrt() * eps


def q_sample_zero_based_t(x0: Tensor, t: int | Tensor, betas: Tensor, eps: Tensor) -> Tensor:
    """alpha_bar indexed as if t were 0-based: alpha_bar_{t+1} used for t."""
    ab = torch.cumprod(1 - betas, dim=0)
    ab_t = diffusion._per_sample(ab, t if not torch.is_tensor(t) else t.clamp(max=betas.numel() - 1), x0)
    return ab_t.sqrt() * x0 + (1 - ab_t).sqrt() * eps


def q_sample_variance_as_std(x0: Tensor, t: int | Tensor, betas: Tensor, eps: Tensor) -> Tensor:
    """Noise scaled by (1 - alpha_bar_t) instead of its square root."""
    ab_t = diffusion._per_sample(diffusion.alpha_bars(betas), t, x0)
    return ab_t.sqrt() * x0 + (1 - ab_t) * eps


def constant_beta_marginal_t_plus_1(x0: Tensor, t: int | Tensor, beta: float) -> tuple[Tensor, Tensor]:
    """CMU 10-417 F2023 HW3 P4 Q1(a): (1 - beta)^{t+1}, one factor too many."""
    if torch.is_tensor(t):
        t = t.to(x0.dtype).reshape(-1, *([1] * (x0.dim() - 1)))
    ab = torch.as_tensor(1 - float(beta), dtype=x0.dtype) ** (t + 1)
    return ab.sqrt() * x0, 1 - ab


def vae_grads_log_sigma(dlrecon_dh: Tensor, mu: Tensor, sigma: Tensor, eps: Tensor) -> tuple[Tensor, Tensor]:
    """The gradient with respect to log sigma (an encoder that outputs log sigma): sigma * dl/dsigma."""
    return dlrecon_dh + mu, sigma * (dlrecon_dh * eps + sigma - 1 / sigma)


def iwae_bound_naive(log_w: Tensor) -> Tensor:
    """log(mean(exp(log_w))) without logsumexp: inf or -inf once |log w| is large."""
    if log_w.shape[-1] == 0:
        raise ValueError("need at least one sample")
    return torch.log(torch.exp(log_w).mean(-1))


def constant_beta_marginal_product_of_alpha_bars(x0: Tensor, t: int | Tensor, beta: float) -> tuple[Tensor, Tensor]:
    """CMU 10-417 F2023 HW3 P4 Q1(b): prod_{s=1}^{t} alpha_bar_s = (1 - beta)^{t(t+1)/2} used as alpha_bar_t."""
    if torch.is_tensor(t):
        t = t.to(x0.dtype).reshape(-1, *([1] * (x0.dim() - 1)))
    ab = torch.as_tensor(1 - float(beta), dtype=x0.dtype) ** (t * (t + 1) / 2)
    return ab.sqrt() * x0, 1 - ab


def q_xt_given_x0_wrong_alpha_bar(x0: Tensor, t: int | Tensor, betas: Tensor) -> tuple[Tensor, Tensor]:
    ab_t = diffusion._per_sample(wrong_alpha_bar_seed002(betas), t, x0)
    return ab_t.sqrt() * x0, 1 - ab_t


def q_posterior_wrong_alpha_bar(xt: Tensor, x0: Tensor, t: int | Tensor, betas: Tensor) -> tuple[Tensor, Tensor]:
    ab = wrong_alpha_bar_seed002(betas)
    ab_t, ab_prev, beta_t = (diffusion._per_sample(v, i, x0) for v, i in ((ab, t), (ab, t - 1), (betas, t - 1)))
    mean = ab_prev.sqrt() * beta_t / (1 - ab_t) * x0 + (1 - beta_t).sqrt() * (1 - ab_prev) / (1 - ab_t) * xt
    return mean, (1 - ab_prev) / (1 - ab_t) * beta_t


def mu_from_eps_plus_sign(xt: Tensor, eps: Tensor, t: int | Tensor, betas: Tensor) -> Tensor:
    """IFT6135 W2023 Q2.6 as printed: the minus sign before beta_t / sqrt(1 - ab_t) eps is missing."""
    ab = diffusion.alpha_bars(betas)
    ab_t, beta_t = diffusion._per_sample(ab, t, xt), diffusion._per_sample(betas, t - 1, xt)
    return (xt + beta_t / (1 - ab_t).sqrt() * eps) / (1 - beta_t).sqrt()


def policy_gradient_without_dl_dh(theta: Tensor, H_nbrs: Tensor, W: Tensor, g: Tensor, idx: Tensor | None = None) -> Tensor:
    """CMU 10-417 F2023 HW3 P2 Q1 (c): dL/dh never multiplied back, so the result is d h_i / d theta, shape (n_i, D')."""
    q = torch.softmax(theta, 0)
    hw = H_nbrs @ W
    score = torch.eye(theta.numel(), dtype=theta.dtype) - q                     # row j: e_j - q
    if idx is None:
        return (q.unsqueeze(1) * score).T @ hw
    return score[idx].T @ hw[idx] / idx.numel()


def pixelcnn_mask_types_swapped(mask_type: str, kernel_size: int = 3) -> Tensor:
    return autoregressive.pixelcnn_mask({"A": "B", "B": "A"}[mask_type], kernel_size)


def masked_conv2d_kernel_flipped(x: Tensor, weight: Tensor, bias: Tensor | None, mask_type: str) -> Tensor:
    """A true convolution (kernel flipped) instead of the cross-correlation of F.conv2d."""
    mask = autoregressive.pixelcnn_mask(mask_type, weight.shape[-1]).to(weight.dtype)
    return F.conv2d(x, torch.flip(weight * mask, (-2, -1)), bias, padding=weight.shape[-1] // 2)


def masked_conv2d_unmasked(x: Tensor, weight: Tensor, bias: Tensor | None, mask_type: str) -> Tensor:
    return F.conv2d(x, weight, bias, padding=weight.shape[-1] // 2)


def receptive_field_kernel_flipped(mask_types, size: int = 5, pixel: tuple[int, int] = (3, 3)) -> Tensor:
    """Fields of true convolutions: the correct field of the mirrored pixel, mirrored through the centre."""
    mirrored = (size + 1 - pixel[0], size + 1 - pixel[1])
    return torch.flip(autoregressive.receptive_field(mask_types, size, mirrored), (0, 1))


def receptive_field_types_swapped(mask_types, size: int = 5, pixel: tuple[int, int] = (3, 3)) -> Tensor:
    return autoregressive.receptive_field([{"A": "B", "B": "A"}[t] for t in mask_types], size, pixel)


def optimal_discriminator_wrong_distribution(f0: Tensor, f1: Tensor) -> Tensor:
    """D read as the probability of p0: f0 / (f0 + f1)."""
    return f0 / (f0 + f1)


def density_from_discriminator_wrong_distribution(f0: Tensor, D: Tensor) -> Tensor:
    return f0 * (1 - D) / D


def jsd_from_discriminator_wrong_distribution(d_real: Tensor, d_fake: Tensor) -> Tensor:
    return (torch.log(d_fake).mean() + torch.log1p(-d_real).mean()) / 2 + math.log(2)


def jsd_from_discriminator_no_log_2(d_real: Tensor, d_fake: Tensor) -> Tensor:
    return gan.gan_value(d_real, d_fake) / 2


def jsd_from_discriminator_no_half(d_real: Tensor, d_fake: Tensor) -> Tensor:
    return gan.gan_value(d_real, d_fake) + math.log(4)


def generator_loss_nonsaturating_sign(d_fake: Tensor) -> Tensor:
    return torch.log(d_fake).mean()


def generator_loss_swapped(d_fake: Tensor) -> Tensor:
    """The other generator loss: log(1 - D) where log D was meant, or the reverse (sign included)."""
    return -torch.log1p(-d_fake).mean()


def jsd_in_bits(p: Tensor, q: Tensor) -> Tensor:
    return gan.jsd(p, q) / math.log(2)


def kl_dual_r1_plus_sign(t_p: Tensor, t_q: Tensor) -> Tensor:
    """IFT6135 H2019 Q6 as extracted: the minus sign between the two expectations is lost."""
    return t_p.mean() + torch.exp(t_q - 1).mean()


def kl_dual_r1_no_minus_one(t_p: Tensor, t_q: Tensor) -> Tensor:
    return t_p.mean() - torch.exp(t_q).mean()


def kl_dual_r2_naive(t_p: Tensor, t_q: Tensor) -> Tensor:
    """log(mean(exp(t_q))) without logsumexp: inf or -inf once |T| is large."""
    return t_p.mean() - torch.log(torch.exp(t_q).mean())


def kl_dual_r2_plus_sign(t_p: Tensor, t_q: Tensor) -> Tensor:
    return t_p.mean() + torch.logsumexp(t_q.reshape(-1), 0) - math.log(t_q.numel())


def kl_dual_r2_mean_of_logs(t_p: Tensor, t_q: Tensor) -> Tensor:
    """log E_q[e^T] replaced by E_q[T] (Jensen in the wrong place): gives mean(t_p) - mean(t_q)."""
    return t_p.mean() - t_q.mean()


def simsiam_H_rowmajor(Wp: Tensor, X: Tensor, Xp: Tensor) -> Tensor:
    """H for row-stacking vec (W.flatten()): the Kronecker factors in the other order."""
    eye = torch.eye(Wp.shape[0], dtype=Wp.dtype)
    return torch.kron(Wp.T @ Wp + eye, Xp) + torch.kron((Wp - eye).T @ (Wp - eye), X)


def encoder_update_stop_grad_inverted(W: Tensor, Wp: Tensor, X: Tensor, Xp: Tensor, stop_grad: bool) -> Tensor:
    return simsiam.encoder_update(W, Wp, X, Xp, not stop_grad)


def simulate_sequential(W0: Tensor, Wp0: Tensor, X: Tensor, Xp: Tensor, dt: float, steps: int,
                        stop_grad: bool = False, predictor: bool = True) -> Tensor:
    """Wp stepped first, then W from the new Wp (a Gauss-Seidel step instead of a joint Euler step)."""
    W, Wp = W0.clone(), Wp0.clone() if predictor else torch.eye(W0.shape[0], dtype=W0.dtype)
    norms = [torch.linalg.matrix_norm(W)]
    for _ in range(steps):
        if predictor:
            Wp = Wp + dt * simsiam.predictor_update(W, Wp, X, Xp)
        W = W + dt * simsiam.encoder_update(W, Wp, X, Xp, stop_grad)
        norms.append(torch.linalg.matrix_norm(W))
    return torch.stack(norms)


def planar_forward_without_h_prime(z: Tensor, u: Tensor, w: Tensor, b: float | Tensor) -> tuple[Tensor, Tensor]:
    """psi(z) taken as w (h' forgotten): log|1 + u^T w|."""
    a = z @ w + b
    return z + torch.tanh(a).unsqueeze(-1) * u, torch.log(torch.abs(1 + u @ w)).expand(a.shape)


def planar_flow_log_prob_plus_logdet(z0: Tensor, log_q0: Tensor, us: Tensor, ws: Tensor, bs: Tensor) -> tuple[Tensor, Tensor]:
    z, log_qK = flows.planar_flow_log_prob(z0, log_q0, us, ws, bs)
    return z, 2 * log_q0 - log_qK                                              # ln q0 + sum log|det|


def flow_free_energy_seed004_eq12(log_p_xzK: Tensor, log_q0_z0: Tensor, sum_logdet: Tensor) -> Tensor:
    """CSC 6137 HW2 eq. (12) taken literally: E[ln q0] - E[log p(x, z_K)] - E[sum ln|det|] = -ELBO."""
    return (log_q0_z0 - log_p_xzK - sum_logdet).mean(0)


def log_mixture_mean_of_logs(z: Tensor, means: Tensor, sigmas: Tensor, weights: Tensor | None = None) -> Tensor:
    """The average of the component log-densities instead of the log of the average density."""
    comps = priors._log_normal_components(z, means, sigmas)
    return comps.mean(-1) if weights is None else (comps * weights).sum(-1)


def log_mixture_unnormalised(z: Tensor, means: Tensor, sigmas: Tensor, weights: Tensor | None = None) -> Tensor:
    """logsumexp over components without the log C (or the weights)."""
    return torch.logsumexp(priors._log_normal_components(z, means, sigmas), -1)


def log_mixture_sigma_as_variance(z: Tensor, means: Tensor, sigmas: Tensor, weights: Tensor | None = None) -> Tensor:
    return priors.log_mog_prior(z, means, sigmas.sqrt(), weights)


def log_vamp_prior_mean_of_logs(z: Tensor, pseudo_inputs: Tensor, encoder) -> Tensor:
    mu, sigma = encoder(pseudo_inputs)
    return log_mixture_mean_of_logs(z, mu, sigma)


def log_vamp_prior_unnormalised(z: Tensor, pseudo_inputs: Tensor, encoder) -> Tensor:
    mu, sigma = encoder(pseudo_inputs)
    return log_mixture_unnormalised(z, mu, sigma)


_ALPHA_BAR_HINT = (
    "alpha_bar_t = prod_{s=1}^{t} (1 - beta_s) has exactly t factors and alpha_bar_0 = 1 (the empty product); "
    "your values match prod_{s=0}^{t}, one factor too many (the mistake in CMU 10-417 F2023 HW3 P4 Q1a)."
)
_SIGMA_HINT = "sigma is a standard deviation (not a variance, not a log-variance)."
_MIX_LOG_HINT = ("A mixture's log-density is the log of the average density, log (1/C) sum_c N(z; mu_c, sigma_c^2), computed "
                 "with torch.logsumexp; your values are the average of the log-densities.")

MISCONCEPTIONS: dict[str, tuple[Misconception, ...]] = {
    "vae.vae_loss_grads": (
        Misconception(
            "dsigma_exp_minus_sigma",
            wrong_vae_dsigma_seed002,
            "dh_j/dsigma_j = eps_j because h_j = mu_j + sigma_j * eps_j; your dl/dsigma uses e^{-sigma_j} "
            "instead of eps_j (the mistake in CMU 10-417 F2023 HW3 P1 Q4b). The KL part sigma_j - 1/sigma_j is right.",
        ),
        Misconception("log_sigma", vae_grads_log_sigma,
                      "Return the gradient with respect to sigma itself; yours is with respect to log sigma (sigma * dl/dsigma). "
                      + _SIGMA_HINT),
    ),
    "vae.gkl": (
        Misconception("sigma_as_variance", gkl_sigma_as_variance, _SIGMA_HINT + " Your values match sigma read as a variance."),
        Misconception("sigma_as_log_variance", gkl_sigma_as_log_variance, _SIGMA_HINT + " Your values match sigma read as log sigma^2."),
        Misconception("no_sum", gkl_no_sum, "GKL sums over the last (event) dimension; you returned one value per dimension."),
    ),
    "vae.reparameterize": (
        Misconception("sigma_as_variance", reparameterize_sigma_as_variance, _SIGMA_HINT + " Your values match mu + sqrt(sigma) * eps."),
        Misconception("sigma_as_log_variance", reparameterize_sigma_as_log_variance, _SIGMA_HINT + " Your values match mu + exp(sigma / 2) * eps."),
    ),
    "vae.iwae_bound": (
        Misconception("naive_log_mean_exp", iwae_bound_naive,
                      "log (1/k) sum_j w_j overflows or underflows when computed as log(mean(exp(log_w))): use "
                      "torch.logsumexp(log_w, -1) - log k."),
    ),
    "diffusion.alpha_bars": (Misconception("t_plus_1_factors", wrong_alpha_bar_seed002, _ALPHA_BAR_HINT),),
    "diffusion.q_sample": (
        Misconception("t_plus_1_factors", q_sample_wrong_alpha_bar, _ALPHA_BAR_HINT),
        Misconception(
            "zero_based_t", q_sample_zero_based_t,
            "t is 1-based and alpha_bars[0] = 1: x_t uses alpha_bar_t = prod_{s=1}^{t}, not alpha_bar_{t+1}.",
        ),
        Misconception(
            "variance_as_std", q_sample_variance_as_std,
            "The noise is scaled by the standard deviation sqrt(1 - alpha_bar_t), not by the variance 1 - alpha_bar_t.",
        ),
    ),
    "diffusion.constant_beta_marginal": (
        Misconception(
            "t_plus_1_factors", constant_beta_marginal_t_plus_1,
            "With a constant beta, alpha_bar_t = (1 - beta)^t (t factors): mean (1 - beta)^{t/2} x0, variance "
            "1 - (1 - beta)^t. Your values match the exponent t + 1 (the mistake in CMU 10-417 F2023 HW3 P4 Q1a).",
        ),
        Misconception(
            "product_of_alpha_bars", constant_beta_marginal_product_of_alpha_bars,
            "alpha_bar_t = prod_s alpha_s = (1 - beta)^t is a product of alphas, not of alpha_bars; your values match "
            "prod_{s<=t} alpha_bar_s = (1 - beta)^{t(t+1)/2} (the slip in CMU 10-417 F2023 HW3 P4 Q1b).",
        ),
    ),
    "diffusion.q_xt_given_x0": (Misconception("t_plus_1_factors", q_xt_given_x0_wrong_alpha_bar, _ALPHA_BAR_HINT),),
    "diffusion.q_posterior": (Misconception("t_plus_1_factors", q_posterior_wrong_alpha_bar, _ALPHA_BAR_HINT),),
    "diffusion.mu_from_eps": (
        Misconception("plus_sign", mu_from_eps_plus_sign,
                      "mu = (x_t - beta_t / sqrt(1 - alpha_bar_t) eps) / sqrt(alpha_t) has a minus sign; IFT6135 W2023's Q2.6 "
                      "prints it without one (a typo), and your values match that typo."),
    ),
    "gcn.policy_gradient": (
        Misconception("missing_dl_dh", policy_gradient_without_dl_dh,
                      "grad_theta L = E_j[(grad_theta log q_j) <g, h_j W>]: multiply by g = dL/dh_i (an inner product with "
                      "h_j W). Your values are d h_i / d theta, the factor dL/dh never multiplied back (the slip in CMU 10-417 F2023 HW3 P2 Q1)."),
    ),
    "autoregressive.pixelcnn_mask": (
        Misconception("types_swapped", pixelcnn_mask_types_swapped,
                      "Type A excludes the centre pixel (j < c) and type B includes it (j <= c); yours has them the other way round."),
    ),
    "autoregressive.masked_conv2d": (
        Misconception("kernel_flipped", masked_conv2d_kernel_flipped,
                      "Use a cross-correlation (F.conv2d, no kernel flip): your output matches a true convolution with the "
                      "kernel flipped, which mirrors the mask and lets pixels see the future."),
        Misconception("unmasked", masked_conv2d_unmasked, "Multiply the kernel by pixelcnn_mask(mask_type, k) before convolving; "
                      "your output matches the unmasked convolution."),
    ),
    "autoregressive.receptive_field": (
        Misconception("kernel_flipped", receptive_field_kernel_flipped,
                      "Your field is the expected one mirrored through the centre: that is what kernel flipping (a true "
                      "convolution) gives. The layers here are cross-correlations, as in F.conv2d."),
        Misconception("types_swapped", receptive_field_types_swapped,
                      "Your field matches the masks A and B swapped: type A excludes the centre pixel, type B includes it."),
    ),
    "gan.optimal_discriminator": (
        Misconception("wrong_distribution", optimal_discriminator_wrong_distribution,
                      "D(x) is the probability that x came from p1: D* = f1 / (f0 + f1). Yours is f0 / (f0 + f1), D on the wrong distribution."),
    ),
    "gan.density_from_discriminator": (
        Misconception("wrong_distribution", density_from_discriminator_wrong_distribution,
                      "With D the probability of p1, f1 = f0 D / (1 - D); yours is f0 (1 - D) / D, D read as the probability of p0."),
    ),
    "gan.jsd_from_discriminator": (
        Misconception("wrong_distribution", jsd_from_discriminator_wrong_distribution,
                      "d_real is D on samples of p1 and enters as log D; d_fake enters as log(1 - D). Yours has them swapped."),
        Misconception("no_log_2", jsd_from_discriminator_no_log_2, "V(D*) = 2 JSD - 2 log 2, so JSD = V(D)/2 + log 2: add the log 2."),
        Misconception("no_half", jsd_from_discriminator_no_half, "V(D*) = 2 JSD - 2 log 2, so JSD = V(D)/2 + log 2; yours is twice that."),
    ),
    "gan.generator_loss_nonsaturating": (
        Misconception("sign", generator_loss_nonsaturating_sign, "The non-saturating loss is minimised: J(G) = -mean(log D(G(z))), with a minus."),
        Misconception("swapped", generator_loss_swapped, "That is a form of the saturating loss; the non-saturating one is -mean(log D(G(z)))."),
    ),
    "gan.generator_loss_saturating": (
        Misconception("swapped", generator_loss_swapped, "The saturating loss is mean(log(1 - D(G(z)))), minimised, without a minus sign."),
        Misconception("nonsaturating", gan.generator_loss_nonsaturating, "That is the non-saturating loss; the saturating one is mean(log(1 - D(G(z))))."),
    ),
    "gan.jsd": (Misconception("bits", jsd_in_bits, "Use natural logarithms (JSD <= log 2 nats); your values are in bits (log2)."),),
    "divergences.kl_dual_r1": (
        Misconception("plus_sign", kl_dual_r1_plus_sign,
                      "R1[T] = E_p[T] - E_q[e^{T-1}]: the minus sign was lost in the homework's text (a typo), and your values match the plus."),
        Misconception("no_minus_one", kl_dual_r1_no_minus_one, "The conjugate of u log u is e^{t-1}: R1 uses exp(t_q - 1), not exp(t_q)."),
    ),
    "divergences.kl_dual_r2": (
        Misconception("naive_log_mean_exp", kl_dual_r2_naive,
                      "log mean exp(t_q) overflows when T is large: compute it as torch.logsumexp(t_q, 0) - log n."),
        Misconception("plus_sign", kl_dual_r2_plus_sign, "R2[T] = E_p[T] - log E_q[e^T], with a minus (lost in the homework's text)."),
        Misconception("mean_of_logs", kl_dual_r2_mean_of_logs, "log E_q[e^T] is not E_q[T] (Jensen: it is larger); keep the log of the mean of exp."),
    ),
    "simsiam.simsiam_H": (
        Misconception("row_major_vec", simsiam_H_rowmajor,
                      "Your H acts on W.flatten() (row stacking). vec here is column stacking, vec(W) = W.T.reshape(-1), so "
                      "vec(B W C) = (C^T kron B) vec(W): H = X' kron (Wp^T Wp + I) + X kron (Wp - I)^T (Wp - I)."),
    ),
    "simsiam.encoder_update": (
        Misconception("stop_grad_inverted", encoder_update_stop_grad_inverted,
                      "Your stop_grad=True and stop_grad=False formulas are swapped: with stop-grad the target W x2 is a constant."),
    ),
    "simsiam.simulate": (
        Misconception("sequential_update", simulate_sequential,
                      "Step W and Wp together from the current pair: compute both updates before changing either."),
    ),
    "flows.planar_forward": (
        Misconception("no_h_prime", planar_forward_without_h_prime, "psi(z) = h'(w^T z + b) w with h' = 1 - tanh^2: keep the h' factor."),
    ),
    "flows.planar_flow_log_prob": (
        Misconception("plus_logdet", planar_flow_log_prob_plus_logdet,
                      "ln q_K(z_K) = ln q_0(z_0) - sum_k ln|1 + u_k^T psi_k|: subtract the log-determinants."),
    ),
    "flows.flow_elbo": (
        Misconception("seed004_eq12_sign", flow_free_energy_seed004_eq12,
                      "Your value is -ELBO, CSC 6137 HW2's eq. (12) taken literally: that equation is the free energy. "
                      "ELBO = E[log p(x, z_K)] - E[ln q0(z0)] + E[sum_k ln|1 + u_k^T psi_k|]."),
    ),
    "priors.log_mog_prior": (
        Misconception("mean_of_logs", log_mixture_mean_of_logs, _MIX_LOG_HINT),
        Misconception("unnormalised", log_mixture_unnormalised, "Divide the sum of component densities by C: subtract log C after the logsumexp."),
        Misconception("sigma_as_variance", log_mixture_sigma_as_variance, _SIGMA_HINT + " Your values match sigmas read as variances."),
    ),
    "priors.log_aggregated_posterior": (
        Misconception("mean_of_logs", log_mixture_mean_of_logs, _MIX_LOG_HINT),
        Misconception("unnormalised", log_mixture_unnormalised, "q(z) = (1/N) sum_n q(z | x_n): subtract log N after the logsumexp."),
    ),
    "priors.log_vamp_prior": (
        Misconception("mean_of_logs", log_vamp_prior_mean_of_logs, _MIX_LOG_HINT),
        Misconception("unnormalised", log_vamp_prior_unnormalised, "The VampPrior averages over the K pseudo-inputs: subtract log K after the logsumexp."),
    ),
}

__all__ = ["MISCONCEPTIONS", "Misconception"]
