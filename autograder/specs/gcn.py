"""Inputs for gcn.py: random graphs where every node has a neighbour, softmax sampling policies."""
from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field

from autograder.specs.base import Call, CaseParams, FunctionSpec, normal
from autograder.specs.regimes import forms, is_none, is_tensor, non_square, size_one
from reference import gcn


class Graph(CaseParams):
    nodes: int = Field(default=6, ge=1)
    features: int = Field(default=4, ge=1)
    out_features: int = Field(default=3, ge=1)
    edge_prob: float = Field(default=0.4, ge=0, le=1)
    samples: int = Field(default=3, ge=1, description="Sampled neighbours per node (sampled_gcn_layer).")
    invalid: Literal["isolated_node", "rows_mismatch", "index_out_of_range", "float_indices"] | None = None


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


def _rows_mismatch(p: Graph, gen: torch.Generator) -> Call:
    A, H, W = _layer(p, gen).args
    return Call((A, torch.cat([H, H[:1]]), W))             # one row of H more than A has nodes


def _sampled(p: Graph, gen: torch.Generator, bad: str | None = None) -> Call:
    A = adjacency(p, gen)
    picks = torch.multinomial(A, p.samples, replacement=True, generator=gen)    # (N, k), iid from each row
    if bad == "index_out_of_range":
        picks = picks.clone()
        picks[0, 0] = p.nodes
    elif bad == "float_indices":
        picks = picks.to(torch.float64)
    return Call((normal(gen, p.nodes, p.features), normal(gen, p.features, p.out_features), picks))


class Policy(CaseParams):
    neighbours: int = Field(default=5, ge=1)
    features: int = Field(default=4, ge=1)
    out_features: int = Field(default=3, ge=1)
    samples: int | None = Field(default=None, ge=1, description="Monte Carlo samples S; omit for the exact gradient.")
    logit_offset: float = Field(default=0.0, description="Added to every theta: q = softmax(theta) is unchanged, and 1000 "
                                                         "overflows a naive exp(theta) / sum(exp(theta)).")
    invalid: Literal["index_out_of_range", "rows_mismatch"] | None = None


def _policy(p: Policy, gen: torch.Generator, out_of_range: bool = False, rows_mismatch: bool = False) -> Call:
    theta = p.logit_offset + normal(gen, p.neighbours)
    args = (theta, normal(gen, p.neighbours + rows_mismatch, p.features), normal(gen, p.features, p.out_features),
            normal(gen, p.out_features))
    if p.samples is None and not out_of_range:
        return Call(args)
    idx = torch.multinomial(torch.softmax(theta, 0), p.samples or 4, replacement=True, generator=gen)
    if out_of_range:
        idx = idx.clone()
        idx[0] = p.neighbours
    return Call(args, {"idx": idx})


SPECS = (
    FunctionSpec("gcn.gcn_layer", gcn.gcn_layer, Graph, _layer, {"isolated_node": _isolated, "rows_mismatch": _rows_mismatch},
                 hint="relu(D^{-1} A H W): average the neighbours' rows (divide by each node's degree), then apply W.",
                 regimes=(non_square("H", "N different from F"), non_square("W", "F different from F'"))),
    FunctionSpec("gcn.sampled_gcn_layer", gcn.sampled_gcn_layer, Graph, _sampled,
                 {kind: (lambda kind: lambda p, gen: _sampled(p, gen, bad=kind))(kind)
                  for kind in ("index_out_of_range", "float_indices")},
                 hint="For node i average H[neighbors[i, s]] over the k samples s, multiply by W, then relu.",
                 regimes=(size_one("neighbors", -1, "one sampled neighbour per node"), non_square("W", "F different from F'"))),
    FunctionSpec("gcn.policy_gradient", gcn.policy_gradient, Policy, _policy,
                 {"index_out_of_range": lambda p, gen: _policy(p, gen, out_of_range=True),
                  "rows_mismatch": lambda p, gen: _policy(p, gen, rows_mismatch=True)},
                 hint="With q = softmax(theta), grad_theta log q_j = e_j - q; weight it by <g, h_j W> "
                      "and average over j ~ q (exactly) or over the sampled idx (Monte Carlo).",
                 regimes=(*forms("idx", {"a LongTensor": is_tensor, "None": is_none}),
                          size_one("idx", 0, "one Monte Carlo sample (S = 1)"), non_square("W", "D different from D'"))),
)
