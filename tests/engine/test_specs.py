"""Every function spec, in process: the reference passes each of its own checks and raises on each invalid variant."""
import pytest
import torch

from autograder.grading.rubric import GradedItem, Item
from autograder.grading.runner import expected_value
from autograder.grading.sides import ReferenceSide
from autograder.specs.base import Probe, Tolerance
from autograder.specs.registry import registry

SPECS = registry()
REFERENCE_SIDE_SKIP = {"answers.choice"}         # the key lives in the rubric, not in a reference


def graded(spec, check: str, params) -> GradedItem:
    item = Item(id="x", function=spec.qualname, check=check, points=1, cases=[{}])
    return GradedItem(item=item, number="1", spec=spec, check=spec.checks[check], visibility="visible",
                      partial_credit="fraction", tolerance=Tolerance(rtol=1e-10, atol=1e-12), timeout_s=10, cases=[(params, 0)])


CASES = [(q, name) for q, spec in SPECS.items() if q not in REFERENCE_SIDE_SKIP for name, c in spec.checks.items() if not c.raises]


@pytest.mark.parametrize("qualname,check", CASES, ids=[f"{q}:{c}" for q, c in CASES])
def test_reference_passes_its_own_check_on_default_parameters(qualname, check):
    spec = SPECS[qualname]
    params = spec.checks[check].params.model_validate({})
    g = graded(spec, check, params)
    call = g.check.build(params, torch.Generator().manual_seed(0))
    expected = expected_value(g, params, call)
    got = g.check.run(ReferenceSide(), call)            # what a perfect student gives
    assert g.check.judge(got, expected, call, g.comparison) is None


INVALID = [(q, kind) for q, spec in SPECS.items() for kind in spec.invalid]


@pytest.mark.parametrize("qualname,kind", INVALID, ids=[f"{q}:{k}" for q, k in INVALID])
def test_every_invalid_variant_makes_the_reference_raise_value_error(qualname, kind):
    spec = SPECS[qualname]
    params = spec.params.model_validate({"invalid": kind})
    call = spec.checks["raises"].build(params, torch.Generator().manual_seed(0))
    with pytest.raises(ValueError):
        spec.reference(*call.args, **call.kwargs)


def test_every_function_lists_values_and_raises_exactly_where_it_has_invalid_variants():
    for qualname, spec in SPECS.items():
        assert spec.checks["values"].name == "values" and not spec.checks["values"].raises, qualname
        assert ("raises" in spec.checks) == bool(spec.invalid), qualname
        for name, check in spec.checks.items():
            assert check.name == name and check.run is not None and check.outputs, (qualname, name)


PROBES = [(q, name) for q, spec in SPECS.items() for name, c in spec.checks.items() if isinstance(c.run, Probe) and not c.expected]


@pytest.mark.parametrize("qualname,check", PROBES, ids=[f"{q}:{c}" for q, c in PROBES])
def test_a_probe_declares_exactly_the_functions_it_calls_in_order(qualname, check):
    spec_check = SPECS[qualname].checks[check]
    side = ReferenceSide()
    spec_check.run(side, spec_check.build(spec_check.params.model_validate({}), torch.Generator().manual_seed(0)))
    assert list(dict.fromkeys(side.used)) == spec_check.run.uses(None)
