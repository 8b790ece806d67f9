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
