"""Calibration: the reference scores full marks, the stubs zero, and each known mistake loses points on its items only.

A known mistake of a graded function (`reference/misconceptions.py`, or a course spec's
`mistakes`) is pasted over the reference module, renamed to the function it shadows, with
the imports of its own file; it must lose points, and only on items that depend on that
function.
"""
from __future__ import annotations

import ast
import inspect
import shutil
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder import course
from autograder.commands.audit.variants import dependent_tests, dependents, grade_variant, lost_points, reference_submission


@dataclass
class Calibration:
    reference_score: float = 0.0
    stub_score: float = 0.0
    mistakes: list[dict] = field(default_factory=list)      # {function, mistake, lost: [item ids], ok}

    def ok(self, total: float) -> bool:
        return self.reference_score == total and self.stub_score == 0 and all(m["ok"] for m in self.mistakes)


def calibrate(zygote: Any, path: Path, items: list, tests: list, functions: list[str], work: Path) -> Calibration:
    """Grade the reference, the stubs, and every known mistake of `functions` (scratch space under `work`); a mistake
    may lose points on the `items` and Python `tests` that depend on its function only."""
    from autograder.grading import engine
    from autograder.specs.registry import registry

    active = course.active()
    result = Calibration()
    result.reference_score = engine.grade(zygote, reference_submission(work / "reference", items), path).score
    stubs = work / "stubs"
    stubs.mkdir()
    for module in active.reference_modules():
        if active.template_path(module).is_file():
            shutil.copy(active.template_path(module), stubs / f"{module}.py")
    result.stub_score = engine.grade(zygote, stubs, path).score
    sub = reference_submission(work / "mistake", items)
    for qualname in functions:
        module, name = qualname.split(".")
        only = {g.id for g in dependents(items, qualname)} | {t.id for t in dependent_tests(tests, qualname)}
        reference = active.reference_path(module).read_text()
        spec = registry().get(qualname)
        for known in spec.mistakes if spec is not None else ():
            lost = lost_points(grade_variant(zygote, sub, module, reference + pasted(known.wrong, name), path))
            result.mistakes.append({"function": qualname, "mistake": known.name, "lost": lost, "ok": bool(lost) and set(lost) <= only})
    return result


def _prelude(source: Path) -> str:
    """The imports of the file a known mistake comes from, as a submission's module sees them (`from reference
    import x` is `import x`)."""
    tree = ast.parse(source.read_text())
    lines = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "reference":
            lines.append("import " + ", ".join(alias.name for alias in node.names))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("__future__", "autograder"):
            continue                                  # the grader's own types are not a submission's to import
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            lines.append(ast.unparse(node))
    return "\n".join(lines) + "\n"


def pasted(wrong: Any, name: str) -> str:
    """A known wrong function's source, renamed to the graded function, with the imports of its own file (the
    product's misconceptions.py, or the course reference module it sits in beside the reference)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(wrong)))
    tree.body[0].name = name
    return "\n\n" + _prelude(Path(inspect.getsourcefile(wrong))) + ast.unparse(tree) + "\n"
