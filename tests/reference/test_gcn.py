"""gcn.py reference against independent routes (float64)."""
import math

import pytest
import torch

from reference import gcn

torch.set_default_dtype(torch.float64)


def test_gcn_layer_matches_the_per_node_sum_of_eq_7():
    gen = torch.Generator().manual_seed(0)
    A = torch.tensor([[0, 1, 1, 0], [1, 0, 0, 1], [1, 0, 0, 0], [0, 1, 0, 0]], dtype=torch.float64)
    H, W = torch.randn(4, 3, generator=gen), torch.randn(3, 2, generator=gen)
    expected = torch.stack([torch.relu(sum(A[i, j] * H[j] @ W for j in range(4)) / A[i].sum()) for i in range(4)])
    torch.testing.assert_close(gcn.gcn_layer(A, H, W), expected)


def test_gcn_layer_rejects_isolated_node():
    A = torch.zeros(3, 3)
    A[1, 2] = A[2, 1] = 1
    with pytest.raises(ValueError, match="degree"):
        gcn.gcn_layer(A, torch.ones(3, 2), torch.ones(2, 2))


def test_sampled_layer_converges_to_full_layer_as_k_grows():
    gen = torch.Generator().manual_seed(1)
    A = torch.tensor([[0, 1, 1], [1, 0, 1], [1, 1, 0]], dtype=torch.float64)
    H, W = torch.randn(3, 2, generator=gen), torch.eye(2)          # identity W keeps relu out of the limit
    H = H.abs()
    picks = torch.multinomial(A, 200_000, replacement=True, generator=gen)
    torch.testing.assert_close(gcn.sampled_gcn_layer(H, W, picks), gcn.gcn_layer(A, H, W), rtol=0.01, atol=0.01)


def test_sampled_layer_rejects_out_of_range_indices():
    with pytest.raises(ValueError):
        gcn.sampled_gcn_layer(torch.ones(3, 2), torch.ones(2, 2), torch.tensor([[0, 3]] * 3))


def test_exact_policy_gradient_matches_autograd():
    gen = torch.Generator().manual_seed(2)
    theta = torch.randn(5, generator=gen, requires_grad=True)
    H, W, g = torch.randn(5, 4, generator=gen), torch.randn(4, 3, generator=gen), torch.randn(3, generator=gen)
    h_i = torch.softmax(theta, 0) @ H @ W          # E_q[h_j] W
    (h_i @ g).backward()                           # L linear in h_i with dL/dh_i = g
    torch.testing.assert_close(gcn.policy_gradient(theta.detach(), H, W, g), theta.grad)


def test_monte_carlo_policy_gradient_is_unbiased_within_5_standard_errors():
    gen = torch.Generator().manual_seed(3)
    theta = torch.randn(4, generator=gen)
    H, W, g = torch.randn(4, 3, generator=gen), torch.randn(3, 2, generator=gen), torch.randn(2, generator=gen)
    exact = gcn.policy_gradient(theta, H, W, g)
    S = 200_000
    idx = torch.multinomial(torch.softmax(theta, 0), S, replacement=True, generator=gen)
    estimate = gcn.policy_gradient(theta, H, W, g, idx)
    q, c = torch.softmax(theta, 0), H @ W @ g
    per_sample = (torch.nn.functional.one_hot(idx, 4) - q) * c[idx].unsqueeze(1)
    se = per_sample.std(0) / math.sqrt(S)
    assert bool(((estimate - exact).abs() < 5 * se).all())
