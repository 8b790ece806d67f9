"""priors.py reference: mass 1 by 2-D Simpson integration, torch.distributions mixtures, Gibbs' inequality."""
import math

import pytest
import torch
from torch.distributions import Categorical, Independent, MixtureSameFamily, Normal

from reference import priors

torch.set_default_dtype(torch.float64)


def components(seed, C=3, K=2):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(C, K, generator=gen), 0.3 + torch.rand(C, K, generator=gen), torch.rand(C, generator=gen).softmax(0)


def test_mixture_matches_torch_distributions_with_and_without_weights():
    means, sigmas, w = components(0)
    z = torch.randn(2, 5, 2, generator=torch.Generator().manual_seed(1))
    for weights in (None, w):
        mix = MixtureSameFamily(Categorical(probs=torch.full((3,), 1 / 3) if weights is None else weights),
                                Independent(Normal(means, sigmas), 1))
        got = priors.log_mog_prior(z, means, sigmas, weights)
        assert got.shape == (2, 5)
        torch.testing.assert_close(got, mix.log_prob(z), rtol=1e-12, atol=1e-12)


def test_mixture_integrates_to_one_in_2d():
    means, sigmas, w = components(2)
    g = torch.linspace(-8, 8, 801)
    zz = torch.stack(torch.meshgrid(g, g, indexing="ij"), -1)
    dens = priors.log_mog_prior(zz, means, sigmas, w).exp()
    wts = torch.ones(801)
    wts[1:-1:2], wts[2:-1:2] = 4, 2
    h = (g[1] - g[0]).item()
    assert (h / 3) ** 2 * (wts[:, None] * wts[None, :] * dens).sum().item() == pytest.approx(1.0, abs=1e-9)


def test_single_standard_component_is_the_standard_normal_and_far_points_do_not_underflow():
    z = torch.tensor([[0.3, -1.2], [40.0, -35.0]])
    expected = (-0.5 * z**2 - 0.5 * math.log(2 * math.pi)).sum(-1)
    torch.testing.assert_close(priors.log_mog_prior(z, torch.zeros(1, 2), torch.ones(1, 2)), expected)
    assert math.isfinite(priors.log_mog_prior(torch.tensor([60.0, 60.0]), *components(3)[:2]).item())


def test_vamp_prior_is_the_mixture_of_encoded_pseudo_inputs_and_passes_gradients():
    gen = torch.Generator().manual_seed(4)
    A, B = torch.randn(3, 2, generator=gen), torch.randn(3, 2, generator=gen)
    u = torch.randn(4, 3, generator=gen, requires_grad=True)
    encoder = lambda x: (x @ A, torch.nn.functional.softplus(x @ B) + 0.1)      # noqa: E731
    z = torch.randn(6, 2, generator=gen)
    got = priors.log_vamp_prior(z, u, encoder)
    mu, sigma = encoder(u)
    torch.testing.assert_close(got, priors.log_mog_prior(z, mu, sigma))
    got.sum().backward()
    assert u.grad is not None and bool((u.grad != 0).any())


def test_aggregated_posterior_is_the_optimal_prior_by_gibbs_inequality():
    """E_{q(z)}[log q(z)] >= E_{q(z)}[log p(z)] for any other prior p: checked by MC against perturbations."""
    mus, sigmas, _ = components(5, C=4)
    gen = torch.Generator().manual_seed(6)
    n = 200_000
    idx = torch.randint(0, 4, (n,), generator=gen)
    z = mus[idx] + sigmas[idx] * torch.randn(n, 2, generator=gen)
    own = priors.log_aggregated_posterior(z, mus, sigmas).mean().item()
    for scale in (0.8, 1.2):
        assert priors.log_mog_prior(z, mus * scale, sigmas).mean().item() < own
    assert priors.log_mog_prior(z, torch.zeros(1, 2), torch.ones(1, 2)).mean().item() < own


@pytest.mark.parametrize("bad", ["sigma_zero", "weights", "shape"])
def test_invalid_inputs_raise_value_error(bad):
    means, sigmas, w = components(7)
    z = torch.zeros(4, 2)
    if bad == "sigma_zero":
        sigmas = sigmas.clone()
        sigmas[0, 0] = 0
    with pytest.raises(ValueError):
        if bad == "weights":
            priors.log_mog_prior(z, means, sigmas, w * 2)
        elif bad == "shape":
            priors.log_mog_prior(z, means[:, :1], sigmas[:, :1])
        else:
            priors.log_aggregated_posterior(z, means, sigmas)
