"""Graph convolution with neighbour sampling and the score-function gradient (CMU 10-417 F2023 HW3 P2).

Node embeddings are rows: H is (N, D), W is (D, D').
"""
from __future__ import annotations

import torch
from torch import Tensor


def gcn_layer(A: Tensor, H: Tensor, W: Tensor) -> Tensor:
    r"""h_i' = relu( (1/N(i)) sum_j a_ij h_j W ) = relu(D^{-1} A H W)   (CMU 10-417 F2023 HW3 eq. 7).

    A: (N, N) 0/1 adjacency, every node of degree >= 1; H: (N, D); W: (D, D').  Returns (N, D').
    """
    if A.dim() != 2 or A.shape[0] != A.shape[1] or A.shape[0] != H.shape[0]:
        raise ValueError(f"A must be (N, N) with N = H.shape[0], got A {tuple(A.shape)}, H {tuple(H.shape)}")
    degree = A.sum(dim=1)                                        # (N,)
    if bool((degree <= 0).any()):
        node = int((degree <= 0).nonzero()[0])
        raise ValueError(f"every node needs degree >= 1, node {node} has degree 0")
    return torch.relu((A @ H @ W) / degree.unsqueeze(1))


def sampled_gcn_layer(H: Tensor, W: Tensor, neighbors: Tensor) -> Tensor:
    r"""h_i' = relu( (1/k) sum_s h_{j_s} W ) over sampled neighbour indices   (CMU 10-417 F2023 HW3 eq. 9).

    H: (N, D); W: (D, D'); neighbors: (N, k) LongTensor of indices into H.  Returns (N, D').
    """
    if neighbors.dtype not in (torch.int64, torch.int32) or neighbors.dim() != 2 or neighbors.shape[1] < 1:
        raise ValueError(f"neighbors must be an (N, k) integer tensor with k >= 1, got {neighbors.dtype} {tuple(neighbors.shape)}")
    if bool((neighbors < 0).any()) or bool((neighbors >= H.shape[0]).any()):
        raise ValueError(f"neighbors must index rows of H in 0..{H.shape[0] - 1}")
    return torch.relu(H[neighbors].mean(dim=1) @ W)


def policy_gradient(theta: Tensor, H_nbrs: Tensor, W: Tensor, g: Tensor, idx: Tensor | None = None) -> Tensor:
    r"""Score-function gradient of L wrt the softmax logits theta of q(j|i)   (CMU 10-417 F2023 HW3 eq. 11).

    With q = softmax(theta), h_i = E_{j~q}[h_j] W, g = dL/dh_i and c_j = <g, h_j W>:
      exact (idx None):  grad = sum_j q_j (e_j - q) c_j = q * (c - <q, c>)
      Monte Carlo:       grad = (1/S) sum_s (e_{j_s} - q) c_{j_s}

    theta: (n,); H_nbrs: (n, D); W: (D, D'); g: (D',); idx: (S,) LongTensor or None.  Returns (n,).
    """
    n = theta.shape[-1]
    if theta.dim() != 1 or H_nbrs.shape[0] != n:
        raise ValueError(f"theta must be (n,) and H_nbrs (n, D), got {tuple(theta.shape)} and {tuple(H_nbrs.shape)}")
    q = torch.softmax(theta, dim=0)                              # (n,)
    c = H_nbrs @ W @ g                                           # (n,)
    if idx is None:
        return q * (c - (q * c).sum())
    if idx.dim() != 1 or idx.numel() < 1 or bool((idx < 0).any()) or bool((idx >= n).any()):
        raise ValueError(f"idx must be a non-empty (S,) tensor of indices in 0..{n - 1}")
    e = torch.nn.functional.one_hot(idx, n).to(theta.dtype)      # (S, n)
    return ((e - q) * c[idx].unsqueeze(1)).mean(dim=0)
