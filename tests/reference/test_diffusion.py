"""diffusion.py reference against independent routes (float64)."""
import math

import pytest
import torch

from reference import diffusion

torch.set_default_dtype(torch.float64)
BETAS = torch.linspace(0.05, 0.3, 6)


def test_alpha_bars_has_t_factors_and_starts_at_one():
    ab = diffusion.alpha_bars(BETAS)
    assert ab.shape == (7,) and ab[0].item() == 1.0
    for t in range(1, 7):
        assert ab[t].item() == pytest.approx(math.prod(1 - b for b in BETAS[:t].tolist()), rel=1e-14)


def test_q_sample_matches_monte_carlo_of_the_iterated_chain_at_every_t():
    """x_t = sqrt(1 - beta_t) x_{t-1} + sqrt(beta_t) eps_t, iterated; compare mean and variance within 5 SE."""
    gen = torch.Generator().manual_seed(0)
    n = 200_000
    x0 = torch.tensor([1.5, -0.5])
    x = x0.expand(n, 2).clone()
    for t in range(1, 7):
        x = (1 - BETAS[t - 1]).sqrt() * x + BETAS[t - 1].sqrt() * torch.randn(n, 2, generator=gen)
        closed = diffusion.q_sample(x0.expand(n, 2), t, BETAS, torch.randn(n, 2, generator=gen))
        se = x.std(0) / math.sqrt(n)
        assert bool(((x.mean(0) - closed.mean(0)).abs() < 5 * se * math.sqrt(2)).all()), t
        torch.testing.assert_close(x.var(0), closed.var(0), rtol=0.02, atol=0)


def test_q_sample_batched_t_matches_per_sample_ints_including_t_0_and_T():
    gen = torch.Generator().manual_seed(1)
    x0, eps = torch.randn(4, 3, generator=gen), torch.randn(4, 3, generator=gen)
    t = torch.tensor([0, 1, 3, 6])
    batched = diffusion.q_sample(x0, t, BETAS, eps)
    for i in range(4):
        torch.testing.assert_close(batched[i], diffusion.q_sample(x0[i:i + 1], int(t[i]), BETAS, eps[i:i + 1])[0])
    torch.testing.assert_close(batched[0], x0[0])                     # t = 0: x0 itself


@pytest.mark.parametrize("t", [7, -1, 1.5, True])
def test_q_sample_rejects_bad_t(t):
    with pytest.raises(ValueError, match="t "):
        diffusion.q_sample(torch.zeros(1, 2), t, BETAS, torch.zeros(1, 2))


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.1])
def test_alpha_bars_rejects_betas_outside_open_unit_interval(bad):
    betas = BETAS.clone()
    betas[2] = bad
    with pytest.raises(ValueError, match="beta"):
        diffusion.alpha_bars(betas)


def test_constant_beta_marginal_equals_general_form_with_constant_schedule():
    gen = torch.Generator().manual_seed(2)
    beta, T = 0.1, 8
    x0, eps = torch.randn(5, 2, generator=gen), torch.randn(5, 2, generator=gen)
    t = torch.tensor([0, 1, 2, 5, 8])
    mean, var = diffusion.constant_beta_marginal(x0, t, beta)
    expected = diffusion.q_sample(x0, t, torch.full((T,), beta), eps)
    torch.testing.assert_close(mean + var.sqrt() * eps, expected)


def test_constant_beta_marginal_tends_to_standard_normal():
    mean, var = diffusion.constant_beta_marginal(torch.ones(1, 3), 5000, 0.05)
    assert mean.abs().max().item() < 1e-50 and var.item() == pytest.approx(1.0)


def test_q_xt_given_x0_moments_match_the_iterated_chain_and_t_0_is_a_point_mass():
    gen = torch.Generator().manual_seed(2)
    n, x0 = 200_000, torch.tensor([0.7, -1.1])
    x = x0.expand(n, 2).clone()
    for t in range(1, 7):
        x = (1 - BETAS[t - 1]).sqrt() * x + BETAS[t - 1].sqrt() * torch.randn(n, 2, generator=gen)
        mean, var = diffusion.q_xt_given_x0(x0, t, BETAS)
        assert bool(((x.mean(0) - mean).abs() < 5 * x.std(0) / math.sqrt(n)).all())
        torch.testing.assert_close(x.var(0), var.expand(2), rtol=0.02, atol=0)
    mean, var = diffusion.q_xt_given_x0(x0, 0, BETAS)
    assert torch.equal(mean, x0) and var.item() == 0


def test_q_posterior_matches_numerical_bayes_on_a_grid_at_every_t():
    """q(x_{t-1} | x_t, x0) proportional to q(x_t | x_{t-1}) q(x_{t-1} | x0), normalised on a 48 001-point grid."""
    x0, xt = torch.tensor([0.8]), torch.tensor([-0.4])
    grid = torch.linspace(-12, 12, 48001)
    ab = diffusion.alpha_bars(BETAS)
    for t in range(2, 7):
        beta = BETAS[t - 1]
        log_w = (-0.5 * (xt - (1 - beta).sqrt() * grid) ** 2 / beta
                 - 0.5 * (grid - ab[t - 1].sqrt() * x0) ** 2 / (1 - ab[t - 1]))
        w = (log_w - log_w.max()).exp()
        w = w / w.sum()
        mean = (w * grid).sum()
        var = (w * (grid - mean) ** 2).sum()
        mu, bt = diffusion.q_posterior(xt, x0, t, BETAS)
        assert mu.item() == pytest.approx(mean.item(), rel=1e-9, abs=1e-12)
        assert bt.item() == pytest.approx(var.item(), rel=1e-7)
    mu, bt = diffusion.q_posterior(xt, x0, 1, BETAS)
    assert bt.item() == 0 and mu.item() == pytest.approx(x0.item(), rel=1e-15)   # degenerate at t = 1


def test_mu_from_true_eps_is_mu_tilde_and_batched_t_matches_ints():
    gen = torch.Generator().manual_seed(3)
    x0, eps = torch.randn(5, 4, generator=gen), torch.randn(5, 4, generator=gen)
    t = torch.tensor([1, 2, 4, 6, 3])
    xt = diffusion.q_sample(x0, t, BETAS, eps)
    mu_tilde, beta_tilde = diffusion.q_posterior(xt, x0, t, BETAS)
    torch.testing.assert_close(diffusion.mu_from_eps(xt, eps, t, BETAS), mu_tilde, rtol=1e-12, atol=1e-12)
    for i in range(5):
        mean_i, var_i = diffusion.q_posterior(xt[i], x0[i], int(t[i]), BETAS)
        torch.testing.assert_close(mu_tilde[i], mean_i)
        torch.testing.assert_close(beta_tilde[i, 0], var_i)


def test_denoising_kl_equals_the_gaussian_kl_and_lambda_form():
    from torch.distributions import Independent, Normal, kl_divergence

    gen = torch.Generator().manual_seed(4)
    x0, eps, eps_pred = (torch.randn(3, 2, generator=gen) for _ in range(3))
    sigma2 = BETAS.clone()
    ab = diffusion.alpha_bars(BETAS)
    for t in range(2, 7):
        xt = diffusion.q_sample(x0, t, BETAS, eps)
        mu_tilde, bt = diffusion.q_posterior(xt, x0, t, BETAS)
        mu_theta = diffusion.mu_from_eps(xt, eps_pred, t, BETAS)
        kl = kl_divergence(Independent(Normal(mu_tilde, bt.sqrt().expand(3, 2)), 1),
                           Independent(Normal(mu_theta, sigma2[t - 1].sqrt().expand(3, 2)), 1))
        got = diffusion.denoising_kl(x0, t, eps, eps_pred, BETAS, sigma2)
        torch.testing.assert_close(got, kl, rtol=1e-10, atol=1e-12)
        r = (1 - ab[t - 1]) / (1 - ab[t]) * BETAS[t - 1] / sigma2[t - 1]
        lam = diffusion.ddpm_lambda(t, BETAS, sigma2)
        torch.testing.assert_close(got, lam * ((eps - eps_pred) ** 2).sum(-1) + (r - 1 - r.log()), rtol=1e-10, atol=1e-12)
    batched = diffusion.denoising_kl(x0, torch.tensor([2, 6, 4]), eps, eps_pred, BETAS, sigma2)
    for i, t in enumerate((2, 6, 4)):
        torch.testing.assert_close(batched[i], diffusion.denoising_kl(x0[i:i + 1], t, eps[i:i + 1], eps_pred[i:i + 1], BETAS, sigma2)[0])


def test_lambda_at_t_1_and_sigma2_beta_tilde_rules():
    sigma2 = BETAS.clone()
    assert diffusion.ddpm_lambda(1, BETAS, sigma2).item() == pytest.approx((BETAS[0] / (2 * sigma2[0] * (1 - BETAS[0]))).item())
    ab = diffusion.alpha_bars(BETAS)
    beta_tilde = (1 - ab[:-1]) / (1 - ab[1:]) * BETAS                      # beta_tilde_1 = 0
    assert diffusion.ddpm_lambda(torch.tensor([2, 6]), BETAS, beta_tilde).shape == (2,)
    with pytest.raises(ValueError):
        diffusion.ddpm_lambda(1, BETAS, beta_tilde)
    with pytest.raises(ValueError):
        diffusion.ddpm_lambda(torch.tensor([1, 3]), BETAS, beta_tilde)


def test_losses_are_batch_means_of_squared_norms():
    gen = torch.Generator().manual_seed(5)
    eps, pred = torch.randn(4, 2, 3, generator=gen), torch.randn(4, 2, 3, generator=gen)
    per = ((eps - pred) ** 2).sum((1, 2))
    assert diffusion.eps_loss(eps, pred).item() == pytest.approx(per.mean().item(), rel=1e-14)
    t = torch.tensor([1, 3, 6, 2])
    lam = torch.stack([diffusion.ddpm_lambda(int(s), BETAS, BETAS) for s in t])
    got = diffusion.weighted_eps_loss(eps, pred, t, BETAS, BETAS)
    assert got.dim() == 0 and got.item() == pytest.approx((lam * per).mean().item(), rel=1e-14)


def test_prior_kl_matches_torch_distributions_and_vanishes_for_long_chains():
    from torch.distributions import Independent, Normal, kl_divergence

    x0 = torch.randn(3, 4, generator=torch.Generator().manual_seed(6))
    ab_T = diffusion.alpha_bars(BETAS)[-1]
    expected = kl_divergence(Independent(Normal(ab_T.sqrt() * x0, (1 - ab_T).sqrt().expand(3, 4)), 1),
                             Independent(Normal(torch.zeros(3, 4), torch.ones(3, 4)), 1))
    torch.testing.assert_close(diffusion.prior_kl(x0, BETAS), expected, rtol=1e-12, atol=1e-14)
    assert diffusion.prior_kl(x0, torch.full((1000,), 0.02)).abs().max().item() < 1e-6


@pytest.mark.parametrize("call", [
    lambda: diffusion.q_posterior(torch.zeros(2), torch.zeros(2), 0, BETAS),
    lambda: diffusion.mu_from_eps(torch.zeros(2), torch.zeros(2), 7, BETAS),
    lambda: diffusion.denoising_kl(torch.zeros(1, 2), 1, torch.zeros(1, 2), torch.zeros(1, 2), BETAS, BETAS),
    lambda: diffusion.ddpm_lambda(2, BETAS, BETAS[:-1]),
    lambda: diffusion.eps_loss(torch.zeros(2, 3), torch.zeros(3, 2)),
    lambda: diffusion.q_xt_given_x0(torch.zeros(2), 1.0, BETAS),
])
def test_invalid_diffusion_inputs_raise_value_error(call):
    with pytest.raises(ValueError):
        call()
