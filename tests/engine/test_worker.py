"""The worker's call: a result that depends on a global random generator is reported, its state put back."""
import numpy as np
import torch

from autograder.sandbox.worker import Worker

MODULE = '''
import random
import numpy as np
import numpy.random
import torch

def noisy(x):
    return x + torch.randn_like(x)

def numpy_noisy(x):
    return x + float(np.random.rand())

def python_noisy(x):
    return x + random.random()

def builds_a_layer(x):
    layer = torch.nn.Linear(x.shape[-1], x.shape[-1], dtype=x.dtype)     # draws its initial weights ...
    with torch.no_grad():
        layer.weight.copy_(torch.eye(x.shape[-1]))                        # ... which the result never sees
        layer.bias.zero_()
    return layer(x)

def quiet(x):
    return 2 * x
'''


def _call(tmp_path, function: str) -> dict:
    (tmp_path / "m.py").write_text(MODULE)
    worker = Worker({"m": str(tmp_path / "m.py")}, str(tmp_path))
    return worker.call({"module": "m", "function": function, "args": [torch.ones(3, dtype=torch.float64)], "kwargs": {}})


def test_a_result_drawn_from_a_global_generator_is_reported_by_name(tmp_path):
    assert _call(tmp_path, "noisy")["drew"] == ["torch"]
    assert _call(tmp_path, "numpy_noisy")["drew"] == ["numpy"]
    assert _call(tmp_path, "python_noisy")["drew"] == ["random"]


def test_a_draw_the_result_does_not_depend_on_is_no_hidden_randomness(tmp_path):
    """nn.Linear draws its initial weights; a function that overwrites them returns the same from any state."""
    reply = _call(tmp_path, "builds_a_layer")
    assert reply["drew"] == [] and torch.equal(reply["result"], torch.ones(3, dtype=torch.float64))
    assert _call(tmp_path, "quiet")["drew"] == []


def test_the_generators_are_put_back_so_one_call_never_shifts_the_next(tmp_path):
    torch_state, numpy_state = torch.random.get_rng_state(), np.random.get_state()[1].copy()
    first = _call(tmp_path, "noisy")["result"]
    assert torch.equal(torch.random.get_rng_state(), torch_state) and (np.random.get_state()[1] == numpy_state).all()
    assert torch.equal(_call(tmp_path, "noisy")["result"], first)
