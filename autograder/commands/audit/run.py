"""The whole audit: calibration, then mutation testing with equivalence judged for survivors, and its report.

Mutation testing grades each mutant of every graded reference function (`mutants.py`) as a
submission on the items that depend on the function, and calls it killed when some item
loses points.  A mutant that keeps full marks is run beside the reference on fresh cases
(`equivalence.py`): if no output differs it is counted as equivalent (listed, for a human
to confirm), otherwise it is a survivor, reported per item.  A change the contract allows
(float32; student_mistakes.TOLERATED) is judged by the items' own comparison on fresh seeds
of the audited rubric's own cases: it is a mistake only where such a case would fail it.
What the items' cases leave unreached in each function (`regimes.py`: branches, operation
sites, declared regimes) and the global rules an item does not check (`rules.py`) are listed
per item.
A course's Python tests count as killers like items; a function only they check has no cases to judge equivalence on, so
its mutants that keep full marks are all survivors.  The score is killed / non-equivalent
mutants.
"""
from __future__ import annotations

import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from autograder.commands.audit.calibration import Calibration, calibrate
from autograder.commands.audit.equivalence import broader, equivalent, shipped_items
from autograder.commands.audit.mutants import mutants
from autograder.commands.audit.regimes import unreached
from autograder.commands.audit.rules import unchecked
from autograder import course
from autograder.commands.audit.variants import dependent_tests, dependents, grade_variant, lost_points, reference_submission
from autograder.grading import course_tests, rubric as rubric_mod


@dataclass(frozen=True)
class MutantRef:
    """Which mutant: its function, the line of the change in the reference module, and the change."""

    function: str
    line: int
    change: str


@dataclass
class AuditReport:
    assignment: str
    total: float = 0.0
    calibration: Calibration = field(default_factory=Calibration)
    mutants: int = 0
    killed: int = 0
    equivalents: list[MutantRef] = field(default_factory=list)              # for a human to confirm
    survivors: dict[str, list[MutantRef]] = field(default_factory=dict)     # item id -> survivors
    uncovered: dict[str, list[str]] = field(default_factory=dict)           # item id -> regimes no case reaches, rules unchecked

    @property
    def kill_rate(self) -> float:
        real = self.mutants - len(self.equivalents)
        return self.killed / real if real else 1.0

    def to_json(self) -> dict:
        data = asdict(self)
        calibration = data.pop("calibration")
        return data | calibration | {"equivalent": len(self.equivalents), "kill_rate": round(self.kill_rate, 4)}


def audit(assignment: str, rubric_path: Path | None = None, functions: set[str] | None = None, progress: bool = True,
          sandbox_user: str | None = None) -> AuditReport:
    from tqdm import tqdm

    from autograder.grading import engine

    path = rubric_path or rubric_mod.find(assignment)
    zygote = engine.start(sandbox_user)
    rubric, items = rubric_mod.load(path)
    root = course.active().root
    tests = course_tests.collect([root / t for t in rubric.tests], root).tests
    report = AuditReport(assignment, total=sum(g.item.points for g in items) + sum(t.points for t in tests))
    graded_functions = sorted({g.spec.qualname for g in items if g.spec.module != "answers"}
                              | {f"{m}.{f}" for t in tests for m, f in t.uses})
    if functions:
        graded_functions = [f for f in graded_functions if f in functions]
    others = shipped_items()
    work = Path(tempfile.mkdtemp(prefix="gm-audit-"))
    try:
        with zygote:
            report.calibration = calibrate(zygote, path, items, tests, graded_functions, work)
            sub = reference_submission(work / "mutant", items)
            for qualname in graded_functions:
                module = qualname.split(".")[0]
                affected, affected_tests = dependents(items, qualname), dependent_tests(tests, qualname)
                only = {g.id for g in affected} | {t.id for t in affected_tests}
                wider = broader(affected, others)
                missed = unreached(qualname, affected).describe() if affected else []
                for graded in affected if missed else ():
                    report.uncovered.setdefault(graded.id, []).extend(missed)
                for graded_id, rules in unchecked(zygote, sub, qualname, affected, path).items():
                    report.uncovered.setdefault(graded_id, []).extend(rules)
                for mutant in tqdm(mutants(qualname), desc=qualname, unit="mutant", disable=not progress, leave=False):
                    result = grade_variant(zygote, sub, module, mutant.source, path, only)
                    report.mutants += 1
                    ref = MutantRef(qualname, mutant.line, mutant.change)
                    if lost_points(result):
                        report.killed += 1
                    elif affected and equivalent(mutant, affected if mutant.tolerated else wider):   # tests have no cases
                        report.equivalents.append(ref)
                    else:
                        for graded_id in sorted(only):
                            report.survivors.setdefault(graded_id, []).append(ref)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report
