"""The reference kernels give the same float64 results on CUDA as on CPU (skipped where no GPU is lent).

Every function with tensor inputs runs on its rubric-default case on both devices; results must
agree within rtol 1e-10 and atol 1e-12 (float64; only the reduction order may differ between devices).
"""
import pytest
import torch

from autograder.sandbox.callables import callable_name
from autograder.specs.base import Direct
from autograder.specs.registry import registry

CUDA = torch.cuda.is_available()
pytestmark = pytest.mark.skipif(not CUDA, reason="no CUDA device on this machine")


def _to(value, device):
    if isinstance(value, torch.Tensor):
        return value.to(device)
    if callable_name(value):                                     # a callable input (the VampPrior's encoder)
        return type(value)(*(_to(part, device) for part in value.parts()))
    if isinstance(value, (tuple, list)):
        return type(value)(_to(v, device) for v in value)
    return value


SPECS = [s for s in registry().values() if isinstance(s.checks["values"].run, Direct)]   # the reference called directly


@pytest.mark.parametrize("spec", SPECS, ids=[s.qualname for s in SPECS])
def test_reference_matches_on_cuda_and_cpu(spec):
    params = spec.params.model_validate({})
    call = spec.build(params, torch.Generator().manual_seed(0))
    if not any(isinstance(a, torch.Tensor) for a in call.args):
        pytest.skip("no tensor input: nothing runs on the device")
    cpu = spec.reference(*call.args, **call.kwargs)
    cuda = spec.reference(*_to(call.args, "cuda"), **_to(call.kwargs, "cuda"))
    torch.testing.assert_close(_to(cuda, "cpu"), cpu, rtol=1e-10, atol=1e-12)
