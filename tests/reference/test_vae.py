"""vae.py reference against independent routes (float64)."""
import itertools
import math

import pytest
import torch
from torch.distributions import MultivariateNormal, Normal, kl_divergence

from reference import vae

torch.set_default_dtype(torch.float64)


def _gauss(gen, *shape):
    return torch.randn(*shape, generator=gen), 0.3 + 1.7 * torch.rand(*shape, generator=gen)


def test_gkl_matches_torch_distributions():
    gen = torch.Generator().manual_seed(0)
    mu, sigma = _gauss(gen, 5, 3, 4)
    expected = kl_divergence(Normal(mu, sigma), Normal(torch.zeros_like(mu), torch.ones_like(sigma))).sum(-1)
    torch.testing.assert_close(vae.gkl(mu, sigma), expected, rtol=1e-12, atol=1e-12)


def test_gkl_is_zero_only_at_standard_normal_and_positive_elsewhere():
    assert vae.gkl(torch.zeros(3), torch.ones(3)).item() == 0.0
    gen = torch.Generator().manual_seed(1)
    mu, sigma = _gauss(gen, 100, 3)
    assert bool((vae.gkl(mu, sigma) > 0).all())


def test_gkl_near_zero_sigma_is_finite_and_dominated_by_log():
    sigma = torch.full((4,), 1e-8)
    value = vae.gkl(torch.zeros(4), sigma)
    assert math.isfinite(value.item())
    assert value.item() == pytest.approx(4 * (-math.log(1e-8) - 0.5), rel=1e-12)


@pytest.mark.parametrize("bad", [0.0, -1.0])
def test_gkl_rejects_nonpositive_sigma(bad):
    with pytest.raises(ValueError, match="sigma"):
        vae.gkl(torch.zeros(3), torch.tensor([1.0, bad, 1.0]))


def test_gkl_rejects_shape_mismatch():
    with pytest.raises(ValueError, match="same shape"):
        vae.gkl(torch.zeros(3), torch.ones(2))


def test_vae_loss_grads_match_autograd_through_a_gaussian_decoder():
    gen = torch.Generator().manual_seed(2)
    mu, sigma = _gauss(gen, 6, 4)
    eps, x = torch.randn(6, 4, generator=gen), torch.randn(6, 5, generator=gen)
    A = torch.randn(4, 5, generator=gen)
    mu.requires_grad_(True)
    sigma.requires_grad_(True)
    h = mu + sigma * eps
    recon = ((x - torch.tanh(h @ A)) ** 2).sum()         # -log p(x|h) up to constants
    loss = recon + vae.gkl(mu, sigma).sum()
    loss.backward()
    dlrecon_dh = torch.autograd.functional.jacobian(lambda hh: ((x - torch.tanh(hh @ A)) ** 2).sum(), h.detach())
    dmu, dsigma = vae.vae_loss_grads(dlrecon_dh, mu.detach(), sigma.detach(), eps)
    torch.testing.assert_close(dmu, mu.grad, rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(dsigma, sigma.grad, rtol=1e-10, atol=1e-10)


def test_reparameterize_moments_match_by_monte_carlo():
    gen = torch.Generator().manual_seed(3)
    mu, sigma = torch.tensor([0.5, -1.0]), torch.tensor([0.3, 2.0])
    h = vae.reparameterize(mu, sigma, torch.randn(400_000, 2, generator=gen))
    se = sigma / math.sqrt(400_000)
    assert bool(((h.mean(0) - mu).abs() < 5 * se).all())
    torch.testing.assert_close(h.std(0), sigma, rtol=0.01, atol=0)


def test_reparameterize_full_and_log_density_match_multivariate_normal():
    gen = torch.Generator().manual_seed(4)
    K = 3
    S = torch.randn(K, K, generator=gen) + 2 * torch.eye(K)
    mu, z = torch.randn(K, generator=gen), torch.randn(2, 5, K, generator=gen)
    expected = MultivariateNormal(mu, S @ S.T).log_prob(z)
    torch.testing.assert_close(vae.log_density_full(z, mu, S), expected, rtol=1e-10, atol=1e-10)
    z0 = torch.randn(200_000, K, generator=gen)
    samples = vae.reparameterize_full(mu, S, z0)
    torch.testing.assert_close(torch.cov(samples.T), S @ S.T, rtol=0.03, atol=0.03)


def test_log_density_depends_on_S_only_through_S_S_transpose():
    gen = torch.Generator().manual_seed(5)
    S = torch.randn(3, 3, generator=gen) + 2 * torch.eye(3)
    Q, _ = torch.linalg.qr(torch.randn(3, 3, generator=gen))
    z, mu = torch.randn(4, 3, generator=gen), torch.zeros(3)
    torch.testing.assert_close(vae.log_density_full(z, mu, S), vae.log_density_full(z, mu, S @ Q))


def test_singular_S_is_rejected():
    S = torch.eye(3)
    S[2] = 0
    with pytest.raises(ValueError, match="non-singular"):
        vae.log_density_full(torch.zeros(3), torch.zeros(3), S)


def _linear_gaussian(gen, k=2, d=3, s=0.7):
    """p(z) = N(0, I), p(x|z) = N(Az + c, s^2 I): exact log p(x) and posterior."""
    A, c, x = torch.randn(d, k, generator=gen), torch.randn(d, generator=gen), torch.randn(d, generator=gen)
    marginal = MultivariateNormal(c, A @ A.T + s**2 * torch.eye(d))
    prec = torch.eye(k) + A.T @ A / s**2
    cov = torch.linalg.inv(prec)
    post_mean = cov @ A.T @ (x - c) / s**2
    return A, c, x, s, marginal.log_prob(x), post_mean, cov


def test_elbo_forms_agree_and_bound_log_px_on_linear_gaussian_model():
    gen = torch.Generator().manual_seed(6)
    A, c, x, s, log_px, post_mean, post_cov = _linear_gaussian(gen)
    mu, sigma = post_mean + 0.3, post_cov.diagonal().sqrt() * 1.2
    z = mu + sigma * torch.randn(200_000, 2, generator=gen)
    log_px_z = Normal(z @ A.T + c, s).log_prob(x).sum(-1)
    log_pz = Normal(0.0, 1.0).log_prob(z).sum(-1)
    log_qz = Normal(mu, sigma).log_prob(z).sum(-1)
    joint = vae.elbo_joint(log_px_z, log_pz, log_qz)
    entropy = vae.elbo_entropy(log_px_z, log_pz, sigma)
    kl = vae.elbo_kl(log_px_z, mu, sigma)
    se = (log_px_z + log_pz - log_qz).std() / math.sqrt(z.shape[0])
    assert abs(joint - kl) < 5 * se and abs(entropy - kl) < 5 * se
    assert kl < log_px


def test_iwae_bound_matches_exact_enumeration_and_tightens_in_expectation():
    """Finite latent space with M states: E[L_k] by enumerating all M^k tuples."""
    gen = torch.Generator().manual_seed(7)
    M = 3
    log_p_xz = torch.randn(M, generator=gen) - 1.0
    q = torch.softmax(torch.randn(M, generator=gen), 0)
    log_px = torch.logsumexp(log_p_xz, 0)
    previous = -math.inf
    for k in (1, 2, 3, 4):
        expectation = 0.0
        for combo in itertools.product(range(M), repeat=k):
            idx = torch.tensor(combo)
            weight = q[idx].prod()
            expectation += weight * vae.iwae_bound((log_p_xz[idx] - q[idx].log()).unsqueeze(0))[0]
        if k == 1:
            torch.testing.assert_close(expectation, (q * (log_p_xz - q.log())).sum())   # L_1 = ELBO
        assert previous - 1e-12 <= expectation <= log_px + 1e-12
        previous = expectation


@pytest.mark.parametrize("offset", [1000.0, -1000.0])
def test_iwae_bound_stays_finite_at_large_log_weights(offset):
    log_w = offset + torch.tensor([[0.0, math.log(3.0)]])
    assert vae.iwae_bound(log_w).item() == pytest.approx(offset + math.log(2.0), abs=1e-9)


def test_iwae_bound_rejects_empty_groups():
    with pytest.raises(ValueError):
        vae.iwae_bound(torch.zeros(2, 0))


def test_beta_vae_loss_is_negative_elbo_at_beta_one_and_rejects_negative_beta():
    mu, sigma, nll = torch.zeros(2, 3) + 0.5, torch.ones(2, 3) * 0.8, torch.tensor([1.0, 2.0])
    torch.testing.assert_close(vae.beta_vae_loss(nll, mu, sigma, 1.0), nll + vae.gkl(mu, sigma))
    torch.testing.assert_close(vae.beta_vae_loss(nll, mu, sigma, 0.0), nll)
    with pytest.raises(ValueError, match="beta"):
        vae.beta_vae_loss(nll, mu, sigma, -0.1)


def test_reference_never_modifies_inputs():
    gen = torch.Generator().manual_seed(8)
    mu, sigma = _gauss(gen, 3, 2)
    eps = torch.randn(3, 2, generator=gen)
    copies = [t.clone() for t in (mu, sigma, eps)]
    vae.vae_loss_grads(eps, mu, sigma, eps)
    vae.gkl(mu, sigma)
    vae.reparameterize(mu, sigma, eps)
    assert all(torch.equal(a, b) for a, b in zip((mu, sigma, eps), copies))
