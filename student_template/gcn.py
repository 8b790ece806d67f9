"""Graph convolution with neighbour sampling (CMU 10-417 F2023 HW3 P2).  Implement each function; keep the signatures.

Conventions: node embeddings are rows (H is (N, D), W is (D, D')); arguments are torch
tensors; never modify inputs; raise ValueError on invalid input (a node of degree 0, ...).
"""
import torch


def gcn_layer(A, H, W):
    """Return relu(D^-1 A H W) (eq. 7).  A: (N, N) 0/1 adjacency, H: (N, D), W: (D, D') -> (N, D')."""
    raise NotImplementedError


def sampled_gcn_layer(H, W, neighbors):
    """Return relu(mean_s H[neighbors[i, s]] W) (eq. 9).  neighbors: (N, k) LongTensor of sampled indices -> (N, D')."""
    raise NotImplementedError


def policy_gradient(theta, H_nbrs, W, g, idx=None):
    """Gradient of L with respect to the softmax logits theta (n_i,) of the sampling policy over node i's neighbours.

    h_i = E_{j~q}[h_j] W with q = softmax(theta) (eq. 10-11, no activation), and g = dL/dh_i (D',).
    H_nbrs: (n_i, D), W: (D, D').  Exact when idx is None, else the Monte Carlo estimate over the
    sampled indices idx (S,).  Returns (n_i,).
    """
    raise NotImplementedError
