"""Whether every item checks the contract's global rules: inputs unmodified, no hidden randomness, tensors returned.

STUDENT_API.md asks every function to leave its inputs unchanged, to draw no hidden randomness,
and to return a tensor (a 0-dim one where the result is a number).  For each rule, a rule
breaker wraps the reference function: its values stay right, only the rule is broken.  The
reference, with the function replaced by the breaker, is graded on the value items whose
check calls the function and whose calls the rule applies to; one that keeps its points does
not check that rule.

| rule | the breaker | applies to an item whose calls |
|---|---|---|
| inputs unmodified | adds 1 to the first floating tensor argument, after computing the result | have one |
| no hidden randomness | multiplies each floating result by 1 + 1e-13 torch.rand(()) (the global generator; inside any tolerance) | return a nonzero one |
| a tensor returned | returns `.item()` of a 0-dim tensor result | return one |

Raises items are left out: their calls return nothing to judge.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import torch

from autograder import course
from autograder.commands.audit.regimes import Recorder
from autograder.commands.audit.variants import grade_variant, lost_points
from autograder.grading.mistakes import copies
from autograder.grading.runner import build_call
from autograder.grading.sides import ReferenceSide
from autograder.specs.registry import registry


def _floats(values: list) -> list[torch.Tensor]:
    """The floating tensors among `values`, tuples opened."""
    flat = [v for value in values for v in (value if isinstance(value, tuple) else (value,))]
    return [v for v in flat if isinstance(v, torch.Tensor) and v.is_floating_point() and v.numel()]


@dataclass(frozen=True)
class Rule:
    name: str                                       # as a report says it
    body: str                                       # the breaker's body: `out` is the reference's result, `t` torch
    applies: Callable[[list, list], bool]           # applies(arguments, results) of the reference's calls


RULES = (
    Rule("inputs unmodified",
         "    for value in (*args, *kwargs.values()):\n"
         "        if isinstance(value, t.Tensor) and value.is_floating_point() and value.numel():\n"
         "            value.add_(1.0)\n"
         "            break\n"
         "    return out\n",
         lambda arguments, results: bool(_floats(arguments))),
    Rule("no hidden randomness",
         "    noise = 1 + 1e-13 * t.rand((), dtype=t.float64)\n"
         "    if isinstance(out, tuple):\n"
         "        return tuple(o * noise if isinstance(o, t.Tensor) and o.is_floating_point() else o for o in out)\n"
         "    return out * noise if isinstance(out, t.Tensor) and out.is_floating_point() else out\n",
         lambda arguments, results: any(bool((r != 0).any()) for r in _floats(results))),
    Rule("a tensor returned (0-dim, not a Python float)",
         "    return out.item() if isinstance(out, t.Tensor) and out.dim() == 0 else out\n",
         lambda arguments, results: any(isinstance(r, torch.Tensor) and r.dim() == 0 for r in results)),
)


def breaker(source: str, name: str, rule: Rule) -> str:
    """The reference module `source` with its function `name` wrapped by `rule`'s breaker."""
    return (f"{source}\n\n_gm_rule_reference = {name}\n\n\ndef {name}(*args, **kwargs):\n"
            f"    import torch as t\n    out = _gm_rule_reference(*args, **kwargs)\n{rule.body}")


def _reference_calls(qualname: str, graded: Any) -> tuple[list, list]:
    """The arguments and results of every call of `qualname` the item's cases make on the reference."""
    spec = registry().get(qualname)
    recorder = Recorder(spec.reference if spec is not None else ReferenceSide().function(qualname))
    side = ReferenceSide({qualname: recorder})
    for params, seed in graded.cases:
        graded.check.run(side, copies(build_call(graded, params, seed)))
    return [value for call in recorder.calls for value in call.values()], recorder.results


def unchecked(zygote: Any, sub: Path, qualname: str, items: list, path: Path) -> dict[str, list[str]]:
    """item id -> the global rules it does not check, for the value items among `items` whose check calls `qualname`
    (an item that depends on it only through the reference's own calls grades another function), each rule judged
    on the items whose calls it applies to."""
    module, name = qualname.split(".")
    values = [g for g in items if not g.check.raises and qualname in g.check.run.uses(build_call(g, *g.cases[0]))]
    calls = {g.id: _reference_calls(qualname, g) for g in values}
    source = course.active().reference_path(module).read_text()
    out: dict[str, list[str]] = {}
    for rule in RULES:
        judged = [g for g in values if rule.applies(*calls[g.id])]
        if not judged:
            continue
        lost = set(lost_points(grade_variant(zygote, sub, module, breaker(source, name, rule), path, {g.id for g in judged})))
        for graded in judged:
            if graded.id not in lost:
                out.setdefault(graded.id, []).append(f"{qualname}: global rule not checked: {rule.name}")
    return out
