"""HW4's checks that are not one function against its reference: written as any Gradescope autograder's tests.

Each call `student.<module>.<function>(...)` runs the student's code in the grader's sandboxed
worker; `reference.<module>.<function>` is this course's reference, run here.  Expected values
never reach the student's code.
"""
import torch
from gradescope_utils.autograder_utils.decorators import leaderboard, number, partial_credit, visibility, weight

from autograder.instructor import assert_close, assert_raises_value_error, check, reference, student


def _batch(seed: int, shape=(8, 2, 3)):
    gen = torch.Generator().manual_seed(seed)
    return (torch.randn(*shape, generator=gen, dtype=torch.float64),
            torch.randn(*shape, generator=gen, dtype=torch.float64))


@weight(3)
@number("2.1")
def test_dsm_loss_matches_the_definition():
    """Q2.1: dsm_loss on a batch of images"""
    score, eps = _batch(1)
    assert_close(student.score.dsm_loss(score, eps, 0.5), reference.score.dsm_loss(score, eps, 0.5), name="loss")


@weight(1)
@number("2.2")
def test_dsm_loss_vanishes_at_the_true_score():
    """Q2.2: the loss is zero at the perturbation kernel's score -eps / sigma"""
    _, eps = _batch(2)
    assert_close(student.score.dsm_loss(-eps / 0.3, eps, 0.3), 0.0, name="loss at s = -eps / sigma", atol=1e-10)


@weight(1)
@number("2.3")
def test_dsm_loss_rejects_a_nonpositive_sigma():
    """Q2.3: sigma = 0 raises ValueError"""
    score, eps = _batch(3)
    assert_raises_value_error(student.score.dsm_loss, score, eps, 0.0)


@partial_credit(4)
@number("2.4")
@visibility("after_due_date")
def test_dsm_loss_across_noise_levels(set_score=None):
    """Q2.4: dsm_loss from sigma = 0.01 to 100 (a point per level, out of five)"""
    sigmas = (0.01, 0.1, 1.0, 10.0, 100.0)
    right = 0
    for k, sigma in enumerate(sigmas):
        score, eps = _batch(10 + k, (16, 5))
        got = student.score.dsm_loss(score, eps, sigma)
        expected = reference.score.dsm_loss(score, eps, sigma)
        right += isinstance(got, torch.Tensor) and got.shape == () and bool(torch.isclose(got.double(), expected, rtol=1e-6))
    set_score(4 * right / len(sigmas))
    check(right == len(sigmas), f"{right} of {len(sigmas)} noise levels match")


@weight(2)
@number("1.5")
@visibility("after_due_date")
def test_reverse_steps_chain_into_a_sampler():
    """Q1.5: fifty reverse_step calls from x_T to x_0 land where the reference sampler does"""
    gen = torch.Generator().manual_seed(4)
    T = 50
    betas = torch.linspace(1e-4, 0.05, T, dtype=torch.float64)
    x = theirs = torch.randn(6, 2, generator=gen, dtype=torch.float64)
    for t in range(T, 0, -1):
        eps = 0.1 * torch.randn(6, 2, generator=gen, dtype=torch.float64)
        z = torch.randn(6, 2, generator=gen, dtype=torch.float64)
        x = reference.ddpm.reverse_step(x, t, betas, eps, z)
        theirs = student.ddpm.reverse_step(theirs, t, betas, eps, z)
    assert_close(theirs, x, name="x_0", rtol=1e-6, atol=1e-9)


@leaderboard("dsm_loss error (float64)", "asc")
@weight(0)
@number("2.5")
def test_dsm_loss_precision(set_leaderboard_value=None):
    """Leaderboard: how far your dsm_loss is from the exact value, at sigma = 1e-3"""
    score, eps = _batch(5)
    score = -eps / 1e-3 + 1e-3 * score             # close to the optimum: cancellation shows
    got = student.score.dsm_loss(score, eps, 1e-3)
    exact = reference.score.dsm_loss(score, eps, 1e-3)
    set_leaderboard_value(float((got.double() - exact).abs()) if isinstance(got, torch.Tensor) and got.numel() == 1 else 1.0)
