"""gan.py reference against Simpson integration on 1-D Gaussians, grid argmax, MC and limits."""
import math

import pytest
import torch

from reference import gan

torch.set_default_dtype(torch.float64)
X = torch.linspace(-12, 12, 24001)


def normal_pdf(x, m, s):
    return torch.exp(-0.5 * ((x - m) / s) ** 2) / (s * math.sqrt(2 * math.pi))


def simpson(y, x):
    h = (x[-1] - x[0]) / (len(x) - 1)
    return (h / 3 * (y[0] + y[-1] + 4 * y[1:-1:2].sum() + 2 * y[2:-1:2].sum())).item()


F0, F1 = normal_pdf(X, 0.0, 1.0), normal_pdf(X, 1.0, 1.5)


def test_optimal_discriminator_maximises_the_pointwise_objective_on_a_grid():
    d = torch.linspace(1e-4, 1 - 1e-4, 20001)
    for i in (3000, 12000, 15000, 20000):
        objective = F1[i] * torch.log(d) + F0[i] * torch.log1p(-d)
        assert gan.optimal_discriminator(F0[i], F1[i]).item() == pytest.approx(d[objective.argmax()].item(), abs=1e-4)


def test_density_from_optimal_discriminator_recovers_f1():
    D = gan.optimal_discriminator(F0, F1)
    inner = slice(6000, 18000)
    torch.testing.assert_close(gan.density_from_discriminator(F0, D)[inner], F1[inner], rtol=1e-10, atol=0)


def test_jsd_from_optimal_discriminator_equals_the_integral_definition():
    m = (F0 + F1) / 2
    jsd_integral = 0.5 * simpson(F0 * torch.log(F0 / m), X) + 0.5 * simpson(F1 * torch.log(F1 / m), X)
    D = gan.optimal_discriminator(F0, F1)
    log_1m_d = torch.log(F0) - torch.log(F0 + F1)                       # log(1 - D*) without rounding D* to 1
    value = simpson(F1 * torch.log(D), X) + simpson(F0 * log_1m_d, X)    # V(D*) by quadrature
    assert value / 2 + math.log(2) == pytest.approx(jsd_integral, rel=1e-8)
    # The MC form used by students: D on samples of p1 (real) and of p0 (fake).
    gen = torch.Generator().manual_seed(0)
    x1, x0 = 1.0 + 1.5 * torch.randn(400_000, generator=gen), torch.randn(400_000, generator=gen)
    d = lambda x: gan.optimal_discriminator(normal_pdf(x, 0.0, 1.0), normal_pdf(x, 1.0, 1.5))  # noqa: E731
    assert gan.jsd_from_discriminator(d(x1), d(x0)).item() == pytest.approx(jsd_integral, abs=3e-3)
    # Any other discriminator gives a lower bound.
    worse = lambda x: 0.8 * d(x) + 0.1                                              # noqa: E731
    assert gan.jsd_from_discriminator(worse(x1), worse(x0)).item() < jsd_integral - 1e-3


def test_discriminator_limits_at_0_and_1_are_infinite_not_clamped():
    assert gan.density_from_discriminator(torch.tensor([2.0]), torch.tensor([1.0])).item() == math.inf
    assert gan.density_from_discriminator(torch.tensor([2.0]), torch.tensor([0.0])).item() == 0.0
    assert gan.generator_loss_nonsaturating(torch.tensor([0.5, 0.0])).item() == math.inf
    assert gan.generator_loss_saturating(torch.tensor([0.5, 1.0])).item() == -math.inf
    assert gan.jsd_from_discriminator(torch.tensor([0.0]), torch.tensor([0.5])).item() == -math.inf
    tiny = torch.tensor([1e-300])
    assert gan.generator_loss_saturating(tiny).item() == pytest.approx(-1e-300)      # log1p keeps precision near 0
    assert gan.jsd_from_discriminator(torch.tensor([1.0]), tiny).item() == pytest.approx(math.log(2) - 5e-301)


def test_generator_loss_gradients_saturate_only_for_the_saturating_loss():
    """d loss / d logit as D(G(z)) -> 0: -1 + D for the non-saturating loss, -D for the saturating one."""
    logit = torch.tensor([-12.0], requires_grad=True)
    gan.generator_loss_nonsaturating(torch.sigmoid(logit)).backward()
    assert logit.grad.item() == pytest.approx(-1, abs=1e-4)
    logit.grad = None
    gan.generator_loss_saturating(torch.sigmoid(logit)).backward()
    assert abs(logit.grad.item()) < 1e-5


def test_jsd_is_bounded_symmetric_and_log_2_for_disjoint_supports():
    gen = torch.Generator().manual_seed(1)
    p, q = torch.rand(5, 7, generator=gen).softmax(-1), torch.rand(5, 7, generator=gen).softmax(-1)
    j = gan.jsd(p, q)
    assert j.shape == (5,) and bool((j >= 0).all()) and bool((j <= math.log(2)).all())
    torch.testing.assert_close(j, gan.jsd(q, p))
    m = (p + q) / 2
    torch.testing.assert_close(j, 0.5 * (p * (p / m).log()).sum(-1) + 0.5 * (q * (q / m).log()).sum(-1))
    assert gan.jsd(p, p).abs().max().item() < 1e-15
    disjoint = gan.jsd(torch.tensor([0.5, 0.5, 0.0, 0.0]), torch.tensor([0.0, 0.0, 0.3, 0.7]))
    assert disjoint.item() == pytest.approx(math.log(2), rel=1e-15)


@pytest.mark.parametrize("call", [
    lambda: gan.optimal_discriminator(torch.tensor([-1.0]), torch.tensor([1.0])),
    lambda: gan.density_from_discriminator(torch.tensor([1.0]), torch.tensor([1.5])),
    lambda: gan.jsd_from_discriminator(torch.tensor([-0.1]), torch.tensor([0.5])),
    lambda: gan.generator_loss_nonsaturating(torch.tensor([1.01])),
    lambda: gan.generator_loss_saturating(torch.tensor([])),
    lambda: gan.jsd(torch.tensor([0.5, 0.6]), torch.tensor([0.5, 0.5])),
    lambda: gan.jsd(torch.tensor([0.5, 0.5]), torch.tensor([1.0])),
])
def test_invalid_inputs_raise_value_error(call):
    with pytest.raises(ValueError):
        call()
