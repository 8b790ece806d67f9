"""The comparison: no broadcasting, dtype rules, tolerance, and messages that say where."""
import torch

from autograder.grading.compare import compare, compare_tensor
from autograder.specs.base import Output, Tolerance

TOL = Tolerance()


def test_a_broadcastable_wrong_shape_is_not_accepted():
    assert compare_tensor(torch.zeros(1), torch.zeros(5), TOL, "x").summary == "wrong shape"


def test_float32_within_tolerance_passes_and_integer_dtypes_do_not():
    expected = torch.randn(10, dtype=torch.float64)
    assert compare_tensor(expected.float(), expected, TOL, "x") is None
    assert "dtype torch.int64" in compare_tensor(expected.long(), expected, TOL, "x").detail


def test_mismatch_reports_the_worst_index_and_errors():
    expected = torch.zeros(2, 3, dtype=torch.float64)
    got = expected.clone()
    got[1, 2] = 0.5
    detail = compare_tensor(got, expected, TOL, "x").detail
    assert "at 1 of 6 entries" in detail and "index (1, 2)" in detail and "got 0.5, expected 0" in detail


def test_infinities_must_match_and_nan_never_passes_for_finite_expectations():
    assert compare_tensor(torch.tensor([float("inf")]), torch.tensor([float("inf")], dtype=torch.float64), TOL, "x") is None
    assert compare_tensor(torch.tensor([float("-inf")]), torch.tensor([float("inf")], dtype=torch.float64), TOL, "x")
    assert compare_tensor(torch.tensor([float("nan")]), torch.tensor([1.0], dtype=torch.float64), TOL, "x").summary == "non-finite values"


def test_variance_may_broadcast_against_the_mean_only_when_declared():
    outputs = (Output("mean"), Output("var", broadcast_to=0))
    mean = torch.zeros(4, 3, dtype=torch.float64)
    expected = (mean, torch.tensor(0.5, dtype=torch.float64))
    assert compare((mean, torch.full((4, 1), 0.5)), expected, TOL, outputs, None) is None
    assert compare((mean, torch.full((5, 1), 0.5)), expected, TOL, outputs, None).summary == "wrong shape"


def test_mutation_is_detected_by_content():
    a = torch.ones(3)
