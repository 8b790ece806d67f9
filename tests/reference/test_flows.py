"""flows.py reference: log-dets by finite differences and autograd slogdet, densities by 1-D integration."""
import math

import pytest
import torch

from reference import flows

torch.set_default_dtype(torch.float64)


def params(seed, K=3, D=2):
    gen = torch.Generator().manual_seed(seed)
    us, ws, bs = torch.randn(K, D, generator=gen), torch.randn(K, D, generator=gen), torch.randn(K, generator=gen)
    us = us + ((-1 + torch.nn.functional.softplus((ws * us).sum(-1)) - (ws * us).sum(-1)) / (ws**2).sum(-1)).unsqueeze(-1) * ws
    return us, ws, bs                                      # u_hat (Rezende & Mohamed): w^T u >= -1, invertible


def test_planar_log_det_matches_finite_differences_and_autograd():
    us, ws, bs = params(0, K=1, D=3)
    z = torch.randn(5, 3, generator=torch.Generator().manual_seed(1))
    f, logdet = flows.planar_forward(z, us[0], ws[0], bs[0])
    for i in range(5):
        jac = torch.autograd.functional.jacobian(lambda v: flows.planar_forward(v, us[0], ws[0], bs[0])[0], z[i])
        assert logdet[i].item() == pytest.approx(torch.linalg.slogdet(jac).logabsdet.item(), rel=1e-12)
        h = 1e-6
        fd = torch.stack([(flows.planar_forward(z[i] + h * e, us[0], ws[0], bs[0])[0]
                           - flows.planar_forward(z[i] - h * e, us[0], ws[0], bs[0])[0]) / (2 * h) for e in torch.eye(3)], 1)
        assert logdet[i].item() == pytest.approx(torch.linalg.slogdet(fd).logabsdet.item(), abs=1e-8)
    torch.testing.assert_close(f, z + torch.tanh(z @ ws[0] + bs[0]).unsqueeze(-1) * us[0])


def test_log_q_K_matches_slogdet_of_the_composed_map():
    us, ws, bs = params(2)
    z0 = torch.randn(4, 2, generator=torch.Generator().manual_seed(3))
    log_q0 = -0.5 * (z0**2).sum(-1) - math.log(2 * math.pi)
    zK, log_qK = flows.planar_flow_log_prob(z0, log_q0, us, ws, bs)

    def composed(v):
        for k in range(3):
            v = flows.planar_forward(v, us[k], ws[k], bs[k])[0]
        return v

    for i in range(4):
        jac = torch.autograd.functional.jacobian(composed, z0[i])
        assert log_qK[i].item() == pytest.approx(log_q0[i].item() - torch.linalg.slogdet(jac).logabsdet.item(), rel=1e-12)
        torch.testing.assert_close(zK[i], composed(z0[i]))


def test_one_dimensional_flow_density_integrates_to_the_base_cdf():
    """In 1-D, q_K(z_K) dz_K = q_0(z_0) dz_0: integrating q_K up to F(a) gives Phi(a)."""
    us, ws, bs = params(4, K=2, D=1)
    z0 = torch.linspace(-9, 9, 90001).unsqueeze(-1)
    log_q0 = -0.5 * z0[:, 0] ** 2 - 0.5 * math.log(2 * math.pi)
    zK, log_qK = flows.planar_flow_log_prob(z0, log_q0, us, ws, bs)
    x, q = zK[:, 0], log_qK.exp()
    assert bool((x[1:] > x[:-1]).all())                    # monotone: invertible
    mass = torch.cat([torch.zeros(1), torch.cumsum((q[1:] + q[:-1]) / 2 * (x[1:] - x[:-1]), 0)])
    for i in (30000, 45000, 60000):
        phi = 0.5 * (1 + math.erf(z0[i, 0].item() / math.sqrt(2)))
        assert mass[i].item() == pytest.approx(phi, abs=1e-6)


def test_flow_elbo_is_e_log_p_minus_log_qK_and_opposite_to_seed_004_eq_12():
    us, ws, bs = params(5)
    gen = torch.Generator().manual_seed(6)
    z0 = torch.randn(1000, 2, generator=gen)
    log_q0 = -0.5 * (z0**2).sum(-1) - math.log(2 * math.pi)
    zK, log_qK = flows.planar_flow_log_prob(z0, log_q0, us, ws, bs)
    log_p = -0.5 * ((zK - 0.3) ** 2).sum(-1) - math.log(2 * math.pi)            # some log p(x, z_K)
    sum_logdet = log_q0 - log_qK
    elbo = flows.flow_elbo(log_p, log_q0, sum_logdet)
    assert elbo.item() == pytest.approx((log_p - log_qK).mean().item(), rel=1e-12)
    eq12 = log_q0.mean() - log_p.mean() - sum_logdet.mean()                      # CSC 6137 HW2 eq. (12) taken literally
    assert eq12.item() == pytest.approx(-elbo.item(), rel=1e-12)


def test_bad_shapes_raise_value_error():
    with pytest.raises(ValueError):
        flows.planar_forward(torch.zeros(3, 2), torch.zeros(3), torch.zeros(2), 0.0)
    with pytest.raises(ValueError):
        flows.planar_flow_log_prob(torch.zeros(3, 2), torch.zeros(3), torch.zeros(2, 2), torch.zeros(2, 2), torch.zeros(3))
    with pytest.raises(ValueError):
        flows.flow_elbo(torch.zeros(3), torch.zeros(3), torch.zeros(4))
