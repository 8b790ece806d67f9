"""Every function spec, in process: the reference passes each of its own checks and raises on each invalid variant."""
import pytest
import torch

from autograder.checks import ReferenceSide, _verdict, expected_value
from autograder.functions import registry
from autograder.rubric import GradedItem, Item, Tolerance

SPECS = registry()
REFERENCE_SIDE_SKIP = {"answers.choice"}         # the key lives in the rubric, not in a reference


def graded(spec, check: str, params) -> GradedItem:
    item = Item(id="x", function=spec.qualname, check=check, points=1, cases=[{}])
    return GradedItem(item=item, number="1", spec=spec, visibility="visible", partial_credit="fraction",
                      tolerance=Tolerance(rtol=1e-10, atol=1e-12), timeout_s=10, cases=[(params, 0)])


def student_side_value(g: GradedItem, call):
    """What a perfect student returns: the reference function, or the probe run on the reference."""
    named = g.named_check
    if named and named.probe:
        return named.probe(ReferenceSide(), *call.args, **call.kwargs)
    return g.spec.reference(*call.args, **call.kwargs)


CASES = [(q, check) for q, spec in SPECS.items() if q not in REFERENCE_SIDE_SKIP for check in ["values", *spec.checks]]


@pytest.mark.parametrize("qualname,check", CASES, ids=[f"{q}:{c}" for q, c in CASES])
def test_reference_passes_its_own_check_on_default_parameters(qualname, check):
    spec = SPECS[qualname]
    named = spec.checks.get(check)
    params = (named.params if named else spec.params).model_validate({})
    g = graded(spec, check, params)
    call = (named.build if named else spec.build)(params, torch.Generator().manual_seed(0))
    expected = expected_value(g, params, call)
    assert _verdict(g, student_side_value(g, call), expected, call) is None


INVALID = [(q, kind) for q, spec in SPECS.items() for kind in spec.invalid]


@pytest.mark.parametrize("qualname,kind", INVALID, ids=[f"{q}:{k}" for q, k in INVALID])
def test_every_invalid_variant_makes_the_reference_raise_value_error(qualname, kind):
    spec = SPECS[qualname]
    params = spec.params.model_validate({"invalid": kind})
    call = spec.invalid[kind](params, torch.Generator().manual_seed(0))
    with pytest.raises(ValueError):
        spec.reference(*call.args, **call.kwargs)
