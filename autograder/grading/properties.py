"""Property checks: judges that accept an output by what must hold of it, not by equality.

Each judge is `judge(got, expected, call, comparison) -> Mismatch | None`, like
`compare.compare_value`, and is attached to a function as a named `specs.base.Check`.  They add power where a
wrong answer can come close in value but break a law the math guarantees.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

from autograder.grading.compare import Mismatch, compare_tensor

if TYPE_CHECKING:
    from autograder.specs.base import Call, Comparison


def _shaped(got: Any, expected: torch.Tensor, name: str) -> Mismatch | None:
    """A finite floating tensor of the expected shape, or why not (values are the property's business)."""
    if not isinstance(got, torch.Tensor) or not got.is_floating_point():
        what = f"a {got.dtype} tensor" if isinstance(got, torch.Tensor) else f"a {type(got).__name__}"
        return Mismatch("wrong type", f"`{name}` is {what}, expected a floating-point torch.Tensor")
    if got.shape != expected.shape:
        return Mismatch("wrong shape", f"`{name}` has shape {tuple(got.shape)}, expected {tuple(expected.shape)}")
    if not bool(torch.isfinite(got).all()):
        return Mismatch("non-finite values", f"`{name}` has non-finite entries")
    return None


def nonnegative(got: Any, expected: torch.Tensor, call: Call, comparison: Comparison) -> Mismatch | None:
    """A KL divergence is >= 0 (up to atol)."""
    tol = comparison.tolerance
    problem = _shaped(got, expected, "result")
    if problem:
        return problem
    worst = got.double().min().item()
    if worst < -tol.atol:
        return Mismatch("negative KL", f"the result has a negative entry ({worst:.6g}); a KL divergence is never negative")
    return None


def symmetric_psd(got: Any, expected: torch.Tensor, call: Call, comparison: Comparison) -> Mismatch | None:
    """H = H^T, and lambda_min(H) >= lambda_min(X') >= 0 (call args: Wp, X, Xp)."""
    tol = comparison.tolerance
    problem = _shaped(got, expected, "H")
    if problem:
        return problem
    H = got.double()
    scale = max(H.abs().max().item(), 1.0)
    asym = (H - H.T).abs().max().item()
    if asym > tol.atol + tol.rtol * scale:
        return Mismatch("not symmetric", f"H is not symmetric: max |H - H^T| = {asym:.6g}")
    lam, floor = torch.linalg.eigvalsh(H).min().item(), torch.linalg.eigvalsh(call.args[2]).min().item()
    if lam < floor - tol.atol - tol.rtol * scale:
        return Mismatch("eigenvalue too small", f"lambda_min(H) = {lam:.6g}, but H must satisfy lambda_min(H) >= "
                        f"lambda_min(X') = {floor:.6g} (H is X' kron (Wp^T Wp + I) plus a PSD term)")
    return None


def ordered_pair(got: Any, expected: tuple, call: Call, comparison: Comparison) -> Mismatch | None:
    """(R1, R2) with R1 <= R2 (IFT6135 H2019 Q6.3), both finite where the reference is."""
    tol = comparison.tolerance
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return Mismatch("wrong type", "expected the two values (kl_dual_r1, kl_dual_r2)")
    for value, ref, name in zip(got, expected, ("kl_dual_r1", "kl_dual_r2")):
        problem = _shaped(value, ref, name)
        if problem:
            return problem
    r1, r2 = got[0].double().item(), got[1].double().item()
    if r1 > r2 + tol.atol + tol.rtol * abs(r2):
        return Mismatch("R1 > R2", f"kl_dual_r1 = {r1:.6g} > kl_dual_r2 = {r2:.6g} on the same critic values, but "
                        "R1[T] <= R2[T] for every T (R2 - R1 = m/e - log m >= 0 with m = E_q[e^T])")
    return None


def norm_bound(got: Any, expected: torch.Tensor, call: Call, comparison: Comparison) -> Mismatch | None:
    """||W_k|| <= e^{-lambda0 k dt} ||W_0|| with lambda0 = lambda_min(X') (IFT6135 W2023 Q4.3, an inequality)."""
    tol = comparison.tolerance
    problem = _shaped(got, expected, "norms")
    if problem:
        return problem
    W0, _, _, Xp, dt = call.args[:5]
    lam0 = torch.linalg.eigvalsh(Xp).min().item()
    bound = torch.linalg.matrix_norm(W0).item() * torch.exp(-lam0 * dt * torch.arange(got.numel(), dtype=torch.float64))
    excess = got.double() - bound - tol.atol - tol.rtol * bound
    if bool((excess > 0).any()):
        k = int(excess.argmax())
        return Mismatch("norm bound violated", f"after {k} steps ||W|| = {got[k].item():.6g} exceeds the bound "
                        f"e^(-lambda0 k dt) ||W0|| = {bound[k].item():.6g} that holds without stop-gradient")
    return None


def degenerate_at_t1(got: Any, expected: tuple, call: Call, comparison: Comparison) -> Mismatch | None:
    """q(x_0 | x_1, x_0) is a point mass: beta_tilde_1 = 0 and mu_tilde_1 = x0."""
    tol = comparison.tolerance
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return Mismatch("wrong type", "expected a tuple (mu_tilde, beta_tilde)")
    x0 = call.args[1]
    problem = compare_tensor(got[0], x0, tol, "mu_tilde") or compare_tensor(got[1], torch.zeros(()), tol, "beta_tilde", tuple(x0.shape))
    if problem:
        return Mismatch(problem.summary, problem.detail + " (at t = 1: beta_tilde_1 = 0 and mu_tilde_1 = x0)")
    return None
