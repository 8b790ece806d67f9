"""Calibration: the reference scores full marks, the stubs zero, and each known mistake loses points on its items only.

A known mistake (`reference/misconceptions.py`) of a graded function is pasted over the
reference module, renamed to the function it shadows, with the imports misconceptions.py
itself uses; it must lose points, and only on items that depend on that function.
"""
from __future__ import annotations

import ast
import inspect
import shutil
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.commands.audit.variants import ROOT, dependents, grade_variant, reference_submission


@dataclass
class Calibration:
    reference_score: float = 0.0
    stub_score: float = 0.0
    mistakes: list[dict] = field(default_factory=list)      # {function, mistake, lost: [item ids], ok}

    def ok(self, total: float) -> bool:
        return self.reference_score == total and self.stub_score == 0 and all(m["ok"] for m in self.mistakes)


def calibrate(zygote: Any, path: Path, items: list, functions: list[str], work: Path) -> Calibration:
    """Grade the reference, the stubs, and every known mistake of `functions` (scratch space under `work`)."""
    from autograder.grading import engine
    from reference.misconceptions import MISCONCEPTIONS

    result = Calibration()
    result.reference_score = engine.grade(zygote, reference_submission(work / "reference", items), path).score
    result.stub_score = engine.grade(zygote, shutil.copytree(ROOT / "student_template", work / "stubs"), path).score
    sub = reference_submission(work / "mistake", items)
    for qualname in functions:
        module, name = qualname.split(".")
        only = {g.id for g in dependents(items, qualname)}
        reference = (ROOT / "reference" / f"{module}.py").read_text()
        for known in MISCONCEPTIONS.get(qualname, ()):
            graded = grade_variant(zygote, sub, module, reference + pasted(known.wrong, name), path)
            lost = sorted(i for i, r in graded.results.items() if r.score < r.graded.item.points)
            result.mistakes.append({"function": qualname, "mistake": known.name, "lost": lost, "ok": bool(lost) and set(lost) <= only})
    return result


def _prelude() -> str:
    """misconceptions.py's own imports, as a submission's module sees them (`from reference import x` is `import x`)."""
    tree = ast.parse((ROOT / "reference" / "misconceptions.py").read_text())
    lines = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "reference":
            lines.append("import " + ", ".join(alias.name for alias in node.names))
        elif isinstance(node, (ast.Import, ast.ImportFrom)) and not (isinstance(node, ast.ImportFrom) and node.module == "__future__"):
            lines.append(ast.unparse(node))
    return "\n".join(lines) + "\n"


def pasted(wrong: Any, name: str) -> str:
    """A known wrong function's source, renamed to the graded function, with the imports it relies on."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(wrong)))
    tree.body[0].name = name
    return "\n\n" + _prelude() + ast.unparse(tree) + "\n"
