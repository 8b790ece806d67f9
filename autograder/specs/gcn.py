"""Inputs for gcn.py: random graphs where every node has a neighbour, softmax sampling policies."""
from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field

from autograder.specs.base import Call, CaseParams, FunctionSpec, normal
from reference import gcn


class Graph(CaseParams):
    nodes: int = Field(default=6, ge=1)
    features: int = Field(default=4, ge=1)
    out_features: int = Field(default=3, ge=1)
    edge_prob: float = Field(default=0.4, ge=0, le=1)
    samples: int = Field(default=3, ge=1, description="Sampled neighbours per node (sampled_gcn_layer).")
    invalid: Literal["isolated_node", "index_out_of_range"] | None = None


def adjacency(p: Graph, gen: torch.Generator) -> torch.Tensor:
    """Symmetric 0/1 adjacency without self-loops; a node left alone is joined to a random other one."""
    n = p.nodes
    upper = (torch.rand(n, n, generator=gen, dtype=torch.float64) < p.edge_prob).triu(1)
    A = (upper | upper.T).to(torch.float64)
    for i in range(n):
        if A[i].sum() == 0:
            j = (i + 1 + int(torch.randint(max(n - 1, 1), (1,), generator=gen))) % n
            A[i, j] = A[j, i] = 1.0     # with n == 1 this is a self-loop
    return A


def _layer(p: Graph, gen: torch.Generator) -> Call:
    A = adjacency(p, gen)
    return Call((A, normal(gen, p.nodes, p.features), normal(gen, p.features, p.out_features)))


def _isolated(p: Graph, gen: torch.Generator) -> Call:
    A, H, W = _layer(p, gen).args
    A = A.clone()
    A[0, :] = 0.0
    A[:, 0] = 0.0
    return Call((A, H, W))


def _sampled(p: Graph, gen: torch.Generator, out_of_range: bool = False) -> Call:
    A = adjacency(p, gen)
    picks = torch.multinomial(A, p.samples, replacement=True, generator=gen)    # (N, k), iid from each row
    if out_of_range:
        picks = picks.clone()
        picks[0, 0] = p.nodes
    return Call((normal(gen, p.nodes, p.features), normal(gen, p.features, p.out_features), picks))


class Policy(CaseParams):
    neighbours: int = Field(default=5, ge=1)
    features: int = Field(default=4, ge=1)
    out_features: int = Field(default=3, ge=1)
    samples: int | None = Field(default=None, ge=1, description="Monte Carlo samples S; omit for the exact gradient.")
    invalid: Literal["index_out_of_range"] | None = None


def _policy(p: Policy, gen: torch.Generator, out_of_range: bool = False) -> Call:
    theta = normal(gen, p.neighbours)
    args = (theta, normal(gen, p.neighbours, p.features), normal(gen, p.features, p.out_features), normal(gen, p.out_features))
    if p.samples is None and not out_of_range:
        return Call(args)
    idx = torch.multinomial(torch.softmax(theta, 0), p.samples or 4, replacement=True, generator=gen)
    if out_of_range:
        idx = idx.clone()
        idx[0] = p.neighbours
    return Call(args, {"idx": idx})


SPECS = (
    FunctionSpec("gcn.gcn_layer", gcn.gcn_layer, Graph, _layer, {"isolated_node": _isolated},
                 hint="relu(D^{-1} A H W): average the neighbours' rows (divide by each node's degree), then apply W."),
    FunctionSpec("gcn.sampled_gcn_layer", gcn.sampled_gcn_layer, Graph, _sampled,
                 {"index_out_of_range": lambda p, gen: _sampled(p, gen, out_of_range=True)},
                 hint="For node i average H[neighbors[i, s]] over the k samples s, multiply by W, then relu."),
    FunctionSpec("gcn.policy_gradient", gcn.policy_gradient, Policy, _policy,
                 {"index_out_of_range": lambda p, gen: _policy(p, gen, out_of_range=True)},
                 hint="With q = softmax(theta), grad_theta log q_j = e_j - q; weight it by <g, h_j W> "
                      "and average over j ~ q (exactly) or over the sampled idx (Monte Carlo)."),
)
