"""The known wrong answers really are wrong, and wrong in the way their hints say."""
import torch

from reference import diffusion, misconceptions, vae

torch.set_default_dtype(torch.float64)


def test_seed002_dsigma_differs_from_autograd_only_in_dsigma():
    gen = torch.Generator().manual_seed(0)
    args = [torch.randn(3, 4, generator=gen), torch.randn(3, 4, generator=gen), 0.5 + torch.rand(3, 4, generator=gen),
            torch.randn(3, 4, generator=gen)]
    right, wrong = vae.vae_loss_grads(*args), misconceptions.wrong_vae_dsigma_seed002(*args)
    torch.testing.assert_close(wrong[0], right[0])
    assert not torch.allclose(wrong[1], right[1])


def test_seed002_alpha_bar_has_one_factor_too_many_for_constant_beta():
    beta = 0.2
    wrong = misconceptions.wrong_alpha_bar_seed002(torch.full((5,), beta))
    torch.testing.assert_close(wrong, torch.tensor([(1 - beta) ** (t + 1) for t in range(6)]))
    assert not torch.allclose(wrong, diffusion.alpha_bars(torch.full((5,), beta)))


def test_every_misconception_differs_from_the_reference():
    gen = torch.Generator().manual_seed(1)
    mu, sigma, eps = torch.randn(2, 3, generator=gen), 0.5 + torch.rand(2, 3, generator=gen), torch.randn(2, 3, generator=gen)
    for m in misconceptions.MISCONCEPTIONS["vae.gkl"]:
        wrong, right = m.wrong(mu, sigma), vae.gkl(mu, sigma)
        assert wrong.shape != right.shape or not torch.allclose(wrong, right), m.name
    x0, t, betas = torch.randn(3, 2, generator=gen), torch.tensor([1, 2, 4]), torch.linspace(0.1, 0.3, 5)
    for m in misconceptions.MISCONCEPTIONS["diffusion.q_sample"]:
        noise = torch.randn(3, 2, generator=gen)
        assert not torch.allclose(m.wrong(x0, t, betas, noise), diffusion.q_sample(x0, t, betas, noise)), m.name
