"""Grading the reference as a submission with one module replaced (a known mistake or a mutant pasted in),
and which items of a rubric depend on a given function."""
from __future__ import annotations

import ast
import shutil
from pathlib import Path
from typing import Any

from autograder import course



def reference_submission(dest: Path, items: list) -> Path:
    """The reference (the product's and the course's modules) as a submission, with an answers.yaml holding the
    rubric's own keys."""
    import yaml

    dest.mkdir(parents=True, exist_ok=True)
    active = course.active()
    for module in active.reference_modules():
        shutil.copy(active.reference_path(module), dest / f"{module}.py")
    keys = {g.cases[0][0].key: g.cases[0][0].accept[0] for g in items if g.spec.module == "answers"}
    (dest / "answers.yaml").write_text(yaml.safe_dump(keys))
    return dest


def grade_variant(zygote: Any, sub: Path, module: str, source: str, path: Path, only: set[str] | None = None) -> Any:
    """Grade the reference submission `sub` with `module`.py replaced by `source`, then put the reference back."""
    from autograder.grading import engine

    target = sub / f"{module}.py"
    target.write_text(source)
    try:
        return engine.grade(zygote, sub, path, only=only)
    finally:
        shutil.copy(course.active().reference_path(module), target)


def _calls(module: str) -> dict[str, set[str]]:
    """function -> names of the module's functions it uses, transitively (the reference's own call graph)."""
    tree = ast.parse(course.active().reference_path(module).read_text())
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    direct = {name: {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in functions} - {name}
              for name, node in functions.items()}
    closure = {}
    for name in functions:
        seen, stack = set(), list(direct[name])
        while stack:
            callee = stack.pop()
            if callee not in seen:
                seen.add(callee)
                stack.extend(direct[callee])
        closure[name] = seen
    return closure


def _depends(used: str, qualname: str) -> bool:
    """Whether a check or test that calls `used` depends on `qualname`: it is it, or calls it in the reference."""
    module, name = qualname.split(".")
    used_module, used_name = used.split(".")
    return used == qualname or (used_module == module and name in _calls(module).get(used_name, set()))


def dependents(items: list, qualname: str) -> list:
    """Items whose result depends on `qualname`: any function their check runs is it, or calls it in the reference."""
    from autograder.grading.runner import build_call

    return [graded for graded in items if graded.spec.module != "answers"
            and any(_depends(q, qualname) for q in graded.check.run.uses(build_call(graded, *graded.cases[0])))]


def dependent_tests(tests: list, qualname: str) -> list:
    """A course's Python tests whose result depends on `qualname` (the `student.<module>.<function>` they name)."""
    return [test for test in tests if any(_depends(f"{m}.{f}", qualname) for m, f in test.uses)]


def lost_points(graded: Any) -> list[str]:
    """Ids of the items and tests of a grading run that lost points."""
    return sorted([i for i, r in graded.results.items() if r.score < r.graded.item.points]
                  + [i for i, r in graded.test_results.items() if r.score < r.test.points])
