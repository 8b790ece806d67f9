"""Property judges accept what the math guarantees and reject values that break it, whatever the expected values."""
import torch

from autograder.grading import properties
from autograder.specs.base import Call, Comparison, Output, Tolerance
from reference import diffusion, divergences, simsiam, vae

torch.set_default_dtype(torch.float64)
TOL = Comparison(Tolerance(rtol=1e-8, atol=1e-10), (Output("result"),))
GEN = torch.Generator().manual_seed(0)


def moments():
    A, B = torch.randn(3, 3, generator=GEN), torch.randn(3, 3, generator=GEN)
    return torch.randn(2, 3, generator=GEN), torch.randn(2, 2, generator=GEN), A @ A.T, B @ B.T + 0.2 * torch.eye(3)


def test_nonnegative_rejects_a_negative_kl_and_accepts_exact_zeros():
    mu, sigma = torch.zeros(4, 3), torch.ones(4, 3)
    zero = vae.gkl(mu, sigma)                                     # GKL(0, 1) = 0: expected all zeros
    assert properties.nonnegative(zero, zero, Call((mu, sigma)), TOL) is None
    bad = properties.nonnegative(zero - 1e-3, zero, Call((mu, sigma)), TOL)
    assert bad.summary == "negative KL" and "-0.001" in bad.detail
    assert properties.nonnegative(zero[:2], zero, Call((mu, sigma)), TOL).summary == "wrong shape"
    assert properties.nonnegative(zero.long(), zero, Call((mu, sigma)), TOL).summary == "wrong type"


def test_symmetric_psd_checks_symmetry_and_the_eigenvalue_floor():
    W, Wp, X, Xp = moments()
    H = simsiam.simsiam_H(Wp, X, Xp)
    call = Call((Wp, X, Xp))
    assert properties.symmetric_psd(H, H, call, TOL) is None
    skew = H.clone()
    skew[0, 1] += 1.0
    assert properties.symmetric_psd(skew, H, call, TOL).summary == "not symmetric"
    lam_H, lam_Xp = torch.linalg.eigvalsh(H).min(), torch.linalg.eigvalsh(Xp).min()
    shifted = H - (lam_H - lam_Xp / 2) * torch.eye(6)             # symmetric, lambda_min = lambda_min(X') / 2
    assert properties.symmetric_psd(shifted, H, call, TOL).summary == "eigenvalue too small"


def test_ordered_pair_rejects_r1_above_r2():
    t_p, t_q = torch.randn(10, generator=GEN), torch.randn(12, generator=GEN)
    pair = (divergences.kl_dual_r1(t_p, t_q), divergences.kl_dual_r2(t_p, t_q))
    assert properties.ordered_pair(pair, pair, Call((t_p, t_q)), TOL) is None
    assert properties.ordered_pair(pair[::-1], pair, Call((t_p, t_q)), TOL).summary == "R1 > R2"
    assert properties.ordered_pair(pair[0], pair, Call((t_p, t_q)), TOL).summary == "wrong type"


def test_norm_bound_rejects_a_norm_above_the_exponential_envelope():
    W, Wp, X, Xp = moments()
    call = Call((W, Wp, X, Xp, 0.01, 100))
    norms = simsiam.simulate(*call.args)
    assert properties.norm_bound(norms, norms, call, TOL) is None
    grown = norms.clone()
    grown[50] = norms[0]                                          # no decay after 50 steps
    problem = properties.norm_bound(grown, norms, call, TOL)
    assert problem.summary == "norm bound violated" and "after 50 steps" in problem.detail


def test_degenerate_at_t1_needs_mean_x0_and_zero_variance():
    betas = torch.linspace(0.05, 0.3, 6)
    xt, x0 = torch.randn(4, 3, generator=GEN), torch.randn(4, 3, generator=GEN)
    call = Call((xt, x0, 1, betas))
    right = diffusion.q_posterior(*call.args)
    assert properties.degenerate_at_t1(right, right, call, TOL) is None
    assert properties.degenerate_at_t1((right[0], right[1] + 0.01), right, call, TOL).summary == "wrong values"
    assert properties.degenerate_at_t1((xt, right[1]), right, call, TOL).summary == "wrong values"
    assert properties.degenerate_at_t1(right[0], right, call, TOL).summary == "wrong type"
