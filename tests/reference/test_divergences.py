"""divergences.py reference on N(0, 1) vs N(1, 2^2): sup R1 = KL, R2[log p/q + c] = KL, R1 <= R2 <= KL."""
import math

import pytest
import torch

from reference import divergences as dv

torch.set_default_dtype(torch.float64)
KL = math.log(2) + (1 + 1) / (2 * 4) - 0.5          # KL(N(0,1) || N(1, 4)) in closed form
X = torch.linspace(-20, 20, 40001)


def log_p(x):
    return -0.5 * x**2 - 0.5 * math.log(2 * math.pi)


def log_q(x):
    return -0.5 * ((x - 1) / 2) ** 2 - math.log(2) - 0.5 * math.log(2 * math.pi)


def simpson(y):
    h = (X[-1] - X[0]) / (len(X) - 1)
    return (h / 3 * (y[0] + y[-1] + 4 * y[1:-1:2].sum() + 2 * y[2:-1:2].sum())).item()


def r_by_quadrature(T):
    """(R1[T], R2[T]) with expectations computed by Simpson integration."""
    p, q = log_p(X).exp(), log_q(X).exp()
    e_p_T = simpson(p * T(X))
    return e_p_T - simpson(q * torch.exp(T(X) - 1)), e_p_T - math.log(simpson(q * torch.exp(T(X))))


def test_quadrature_matches_torch_distributions_kl():
    from torch.distributions import Normal, kl_divergence

    assert KL == pytest.approx(kl_divergence(Normal(0.0, 1.0), Normal(1.0, 2.0)).item(), rel=1e-14)
    assert simpson(log_p(X).exp() * (log_p(X) - log_q(X))) == pytest.approx(KL, rel=1e-10)


def test_optimal_critics_attain_kl_and_other_constants_do_not():
    r1, r2 = r_by_quadrature(lambda x: 1 + log_p(x) - log_q(x))
    assert r1 == pytest.approx(KL, rel=1e-9)
    for c in (-1.0, 0.0, 2.5):
        r1, r2 = r_by_quadrature(lambda x: log_p(x) - log_q(x) + c)
        assert r2 == pytest.approx(KL, rel=1e-9)
        assert r1 == pytest.approx(KL + c - math.exp(c - 1), rel=1e-9)


def test_mc_estimates_match_quadrature_and_r1_le_r2_le_kl_for_random_critics():
    gen = torch.Generator().manual_seed(0)
    xp, xq = torch.randn(400_000, generator=gen), 1 + 2 * torch.randn(400_000, generator=gen)
    for _ in range(30):
        a, b, c = (torch.randn(3, generator=gen) * torch.tensor([0.3, 1.0, 1.0])).tolist()
        T = lambda x: a * x**2 + b * x + c                                    # noqa: E731
        r1, r2 = r_by_quadrature(T)
        assert r1 <= r2 + 1e-12 and r2 <= KL + 1e-12
        if a < 0.05:                                                          # E_q[e^T] finite with small MC error
            assert dv.kl_dual_r1(T(xp), T(xq)).item() == pytest.approx(r1, abs=0.05 * (1 + abs(r1)))
            assert dv.kl_dual_r2(T(xp), T(xq)).item() == pytest.approx(r2, abs=0.05 * (1 + abs(r2)))
        assert dv.kl_dual_r1(T(xp[:500]), T(xq[:500])).item() <= dv.kl_dual_r2(T(xp[:500]), T(xq[:500])).item() + 1e-12


def test_r2_is_stable_where_a_naive_log_mean_exp_overflows():
    t_p, t_q = torch.tensor([1000.0, 1001.0]), torch.tensor([1000.0, 1002.0, 999.0])
    naive = t_p.mean() - torch.log(torch.exp(t_q).mean())
    assert not torch.isfinite(naive)
    expected = 1000.5 - (1000 + math.log((1 + math.exp(2) + math.exp(-1)) / 3))
    assert dv.kl_dual_r2(t_p, t_q).item() == pytest.approx(expected, rel=1e-12)
    assert dv.kl_dual_r2(-t_p, -t_q).item() == pytest.approx(-1000.5 + 1000 - math.log((1 + math.exp(-2) + math.exp(1)) / 3))


def test_empty_samples_raise_value_error():
    for fn in (dv.kl_dual_r1, dv.kl_dual_r2):
        with pytest.raises(ValueError):
            fn(torch.tensor([]), torch.tensor([1.0]))
