"""Whether a mutant that kept full marks is equivalent to the reference: run both, in this process, on fresh cases.

The cases are those of every shipped rubric grading the same function with the same check
(`broader`), each on EXTRA_SEEDS fresh seeds, and every invalid-input variant the
function's spec declares (whether or not a rubric item grades it), on INVALID_SEEDS seeds:
a mutant that only a case the audited rubric lacks could expose, or that stops raising
ValueError where the contract says it must, is a survivor, not an equivalent.
"""
from __future__ import annotations

import math
import signal
from typing import Any

import torch

from autograder.commands.audit.mutants import Mutant
from autograder import course
from autograder.grading import rubric as rubric_mod
from autograder.grading.mistakes import copies
from autograder.grading.runner import build_call
from autograder.grading.sides import ReferenceSide
from autograder.specs.registry import registry

EXTRA_SEEDS = 24
INVALID_SEEDS = 4


class _Slow(Exception):
    pass


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        return a.shape == b.shape and a.dtype == b.dtype and torch.allclose(a.double(), b.double(), rtol=1e-9, atol=1e-12,
                                                                            equal_nan=True)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) or (math.isnan(a) and math.isnan(b))
    return type(a) is type(b) and a == b


def shipped_items() -> list:
    """Every item of every rubric in rubrics/."""
    return [g for path in sorted(rubric_mod.rubric_dir().glob("*.yaml")) for g in rubric_mod.load(path)[1]]


def broader(items: list, others: list) -> list:
    """`items`, each with the cases of the `others` (shipped_items()) grading the same function the same way.

    Equivalence is judged on this wider set, not on the audited rubric's own cases: a mutant
    that only a case the rubric lacks could expose is a survivor, not an equivalent.
    """
    pooled = []
    for graded in items:
        cases = list(graded.cases) + [c for g in others if (g.spec.qualname, g.check.name) == (graded.spec.qualname, graded.check.name)
                                      for c in g.cases]
        pooled.append(graded.model_copy(update={"cases": cases}))
    return pooled


def equivalent(mutant: Mutant, items: list) -> bool:
    """No output of the mutated module differs from the reference's on fresh cases of `items` (run here, trusted code);
    for a mutant the contract tolerates (float32), none fails the item's own judge."""
    import types

    module_name = mutant.function.split(".")[0]
    reference = course.active().reference_module(module_name)
    mutated = types.ModuleType(reference.__name__)
    mutated.__file__ = str(course.active().reference_path(module_name))
    exec(compile(mutant.source, mutated.__file__, "exec"), mutated.__dict__)  # noqa: S102 - the reference, mutated

    def side(module: types.ModuleType) -> ReferenceSide:
        return ReferenceSide({f"{module_name}.{f}": getattr(module, f) for f in dir(module) if callable(getattr(module, f))})

    def run(check, module, call):
        try:
            return "ok", check.run(side(module), copies(call))
        except _Slow:
            raise
        except Exception as exc:  # noqa: BLE001 - a mutant may raise where the reference does not
            return "raised", type(exc).__name__

    previous = signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(_Slow()))
    try:
        for graded in items:
            for params, _ in graded.cases:
                for seed in range(10_000, 10_000 + EXTRA_SEEDS):
                    call = build_call(graded, params, seed)
                    signal.alarm(5)
                    try:
                        ours, theirs = run(graded.check, reference, call), run(graded.check, mutated, call)
                    finally:
                        signal.alarm(0)
                    if ours[0] != theirs[0]:
                        return False
                    if mutant.tolerated:             # allowed by the contract: only a failing case tells it apart
                        if ours[0] == "ok" and graded.check.judge(theirs[1], ours[1], call, graded.comparison) is not None:
                            return False
                    elif not _same(ours[1], theirs[1]):
                        return False
        spec = registry().get(mutant.function)
        raises = spec.checks.get("raises") if spec is not None else None
        for variant in spec.invalid if raises is not None else ():
            for seed in range(10_000, 10_000 + INVALID_SEEDS):
                call = raises.build(spec.params(invalid=variant), torch.Generator().manual_seed(seed))
                signal.alarm(5)
                try:
                    ours, theirs = run(raises, reference, call), run(raises, mutated, call)   # ("raised", "ValueError")
                    if theirs[0] != "raised" or theirs[1] != ours[1]:
                        return False
                finally:
                    signal.alarm(0)
    except _Slow:
        return False
    finally:
        signal.signal(signal.SIGALRM, previous)
    return True
