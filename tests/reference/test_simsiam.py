"""simsiam.py reference: J by Monte Carlo, gradients by autograd, H by Kronecker/vec, simulation in closed form."""
import math

import pytest
import torch

from reference import simsiam as ss

torch.set_default_dtype(torch.float64)


def vec(W):
    return W.T.reshape(-1)             # column stacking


def setup(seed=0, n1=3, n2=2):
    gen = torch.Generator().manual_seed(seed)
    A, B = torch.randn(n1, n1, generator=gen), torch.randn(n1, n1, generator=gen)
    X, Xp = A @ A.T / n1, B @ B.T / n1 + 0.2 * torch.eye(n1)
    return torch.randn(n2, n1, generator=gen), torch.randn(n2, n2, generator=gen), X, Xp


def test_loss_matches_monte_carlo_of_the_two_view_objective():
    W, Wp, X, Xp = setup()
    gen = torch.Generator().manual_seed(1)
    n = 400_000
    xbar = torch.randn(n, 3, generator=gen) @ torch.linalg.cholesky(X + 1e-12 * torch.eye(3)).T
    noise = torch.linalg.cholesky(Xp)
    x1, x2 = xbar + torch.randn(n, 3, generator=gen) @ noise.T, xbar + torch.randn(n, 3, generator=gen) @ noise.T
    samples = 0.5 * ((x1 @ W.T @ Wp.T - x2 @ W.T) ** 2).sum(-1)
    J = ss.simsiam_loss(W, Wp, X, Xp)
    assert J.dim() == 0 and J.item() >= 0
    assert abs(samples.mean().item() - J.item()) < 5 * samples.std().item() / math.sqrt(n)


def test_updates_are_minus_the_autograd_gradients_with_and_without_stop_grad():
    W, Wp, X, Xp = setup(2)
    Wv, Wpv = W.clone().requires_grad_(), Wp.clone().requires_grad_()
    ss.simsiam_loss(Wv, Wpv, X, Xp).backward()
    torch.testing.assert_close(ss.predictor_update(W, Wp, X, Xp), -Wpv.grad, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(ss.encoder_update(W, Wp, X, Xp, stop_grad=False), -Wv.grad, rtol=1e-12, atol=1e-12)
    # Stop-grad: the target branch W x2 is detached, J = 1/2 E||Wp W x1 - sg(W) x2||^2 in moment form.
    Wv = W.clone().requires_grad_()
    A = X + Xp
    J = 0.5 * (torch.trace(Wp.T @ Wp @ Wv @ A @ Wv.T) - 2 * torch.trace(Wp @ Wv @ X @ W.T) + torch.trace(W @ A @ W.T))
    J.backward()
    torch.testing.assert_close(ss.encoder_update(W, Wp, X, Xp, stop_grad=True), -Wv.grad, rtol=1e-12, atol=1e-12)


def test_H_acts_on_column_stacked_vec_and_is_symmetric_psd():
    for seed in range(3):
        W, Wp, X, Xp = setup(seed, n1=3, n2=4)
        H = ss.simsiam_H(Wp, X, Xp)
        assert H.shape == (12, 12)
        torch.testing.assert_close(H @ vec(W), -vec(ss.encoder_update(W, Wp, X, Xp, False)), rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(H, H.T)
        eig = torch.linalg.eigvalsh(H)
        assert eig.min().item() >= torch.linalg.eigvalsh(Xp).min().item() - 1e-10
    rowmajor = torch.kron(Wp.T @ Wp + torch.eye(4), Xp) + torch.kron((Wp - torch.eye(4)).T @ (Wp - torch.eye(4)), X)
    assert not torch.allclose(H @ vec(W), rowmajor @ vec(W))                      # the layout matters
    torch.testing.assert_close(rowmajor @ W.reshape(-1), -ss.encoder_update(W, Wp, X, Xp, False).reshape(-1))


def test_no_predictor_simulation_is_the_closed_form_and_collapses():
    W, _, X, Xp = setup(3)
    dt, n = 0.05, 40
    norms = ss.simulate(W, torch.zeros(2, 2), X, Xp, dt, n, predictor=False)
    step = torch.eye(3) - 2 * dt * Xp
    closed = torch.stack([torch.linalg.matrix_norm(W @ torch.linalg.matrix_power(step, k)) for k in range(n + 1)])
    torch.testing.assert_close(norms, closed, rtol=1e-12, atol=1e-12)
    lam = torch.linalg.eigvalsh(Xp).min().item()
    continuous = torch.linalg.matrix_norm(W @ torch.linalg.matrix_exp(-2 * Xp * dt * n)).item()
    assert norms[-1].item() == pytest.approx(continuous, rel=0.1)
    assert bool((norms <= math.exp(0) * norms[0] * torch.exp(-2 * lam * dt * torch.arange(n + 1)) + 1e-12).all())


def test_trained_predictor_without_stop_grad_obeys_the_norm_bound_not_equality():
    W, Wp, X, Xp = setup(4)
    dt, n = 0.01, 600
    norms = ss.simulate(W, Wp, X, Xp, dt, n)
    lam0 = torch.linalg.eigvalsh(Xp).min().item()
    bound = norms[0] * torch.exp(-lam0 * dt * torch.arange(n + 1))
    assert norms.shape == (n + 1,) and bool((norms <= bound + 1e-12).all())
    assert (norms[-1] / bound[-1]).item() < 0.9                                 # strict: the seed's "=" is only "<="


def test_simulation_steps_w_and_wp_together_from_the_current_pair():
    W, Wp, X, Xp = setup(5)
    dt = 0.1
    W1 = W + dt * ss.encoder_update(W, Wp, X, Xp, True)
    Wp1 = Wp + dt * ss.predictor_update(W, Wp, X, Xp)
    W2 = W1 + dt * ss.encoder_update(W1, Wp1, X, Xp, True)
    norms = ss.simulate(W, Wp, X, Xp, dt, 2, stop_grad=True)
    torch.testing.assert_close(norms, torch.stack([torch.linalg.matrix_norm(m) for m in (W, W1, W2)]))


@pytest.mark.parametrize("bad", ["asymmetric", "not_psd", "W_shape"])
def test_invalid_second_moments_raise_value_error(bad):
    W, Wp, X, Xp = setup()
    if bad == "asymmetric":
        X = X + torch.triu(torch.ones(3, 3), 1)
    elif bad == "not_psd":
        Xp = -Xp
    else:
        W = W[:, :2]
    with pytest.raises(ValueError):
        ss.encoder_update(W, Wp, X, Xp, False)
    with pytest.raises(ValueError):
        ss.simulate(W, Wp, X, Xp, 0.1, 3)
