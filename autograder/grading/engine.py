"""One grading run: rubric + submission -> item results, phase by phase, each item's check against a worker.

`start()` must be called first: it sets up torch and starts what makes workers before any
rubric, reference or input exists in this process: the zygote where it can run (Linux with
fork and /proc: confined forks, as on Gradescope), else a spawner (a fresh interpreter per
worker, for a student's own machine).  `grade()` then loads the rubric and grades the visible
items, then the others, each phase on a fresh copy of the submission in a private scratch
folder, with a fresh worker.
"""
from __future__ import annotations

import importlib.util
import os
import secrets
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path


def zygote_possible() -> bool:
    """Whether the zygote can run here: Linux, os.fork, the resource/fcntl/pwd modules, and a readable /proc."""
    return (sys.platform.startswith("linux") and hasattr(os, "fork") and os.access("/proc/self/status", os.R_OK)
            and all(importlib.util.find_spec(m) is not None for m in ("resource", "fcntl", "pwd")))


def start(sandbox_user: str | None = None, limits=None, *, portable: bool | None = None, account_required: bool = True):
    """Set up torch deterministically and start a launcher (use as a context manager); portable=None chooses.

    Root leases a sandbox account for the launcher's life (`sandbox_user`, or the first free one of the pool,
    created where missing: sandbox/accounts.py) and drops workers to it; `account_required=False` (a local
    check) runs them as root where no account exists, and creates none.
    """
    from autograder.sandbox.startup import prepare_torch

    portable = portable if portable is not None else not zygote_possible()
    if portable:
        from autograder.sandbox.spawner import Spawner

        launcher = Spawner()            # first: its interpreter imports torch while this one does
    prepare_torch()
    torch_ready = time.perf_counter()
    if not portable:
        from autograder.sandbox.accounts import lease
        from autograder.sandbox.confine import Limits
        from autograder.sandbox.zygote import Zygote

        launcher = Zygote(lease(sandbox_user, required=account_required, create=account_required), limits or Limits())
    from autograder.timings import mark     # only now: the zygote's memory holds the sandbox and nothing else

    mark("torch", at=torch_ready)
    mark("launcher")
    return launcher


@dataclass
class GradingRun:
    """Everything a grading run found, before it is written out for Gradescope (results.py) or a terminal (terminal.py)."""

    assignment: str
    title: str
    items: list                      # rubric.GradedItem, in rubric order
    results: dict                    # item id -> verdicts.ItemResult
    errors: dict[str, str]           # item id -> traceback of a test that crashed in the grader
    notes: list[str] = field(default_factory=list)
    layers: dict[str, dict] = field(default_factory=dict)
    seconds: float = 0.0
    answers: tuple[bool, str] | None = None   # (no problem, report) on answers.yaml as a whole, where there are questions
    tests: list = field(default_factory=list)          # course_tests.PythonTest, in file order
    test_results: dict = field(default_factory=dict)   # test id -> course_tests.PythonTestResult
    problems: list[str] = field(default_factory=list)  # 'file:line: ...' in the course's own files (instructors only)
    hidden_points: float = 0.0       # points of tests this run left out (a local check's hidden tests)
    grader_torch: str | None = None  # the grader's torch, where the rubric comes from a handout

    @property
    def score(self) -> float:
        return round(sum(r.score for r in (*self.results.values(), *self.test_results.values())), 6)

    @property
    def total(self) -> float:
        return sum(i.item.points for i in self.items) + sum(t.points for t in self.tests)


def grade(launcher, submission: str | Path, rubric_path: str | Path, *, visible_only: bool = False,
          only: set[str] | None = None) -> GradingRun:
    """Grade `submission` with the rubric's items and the course's Python tests it lists (or those, by id, in
    `only`); a rubric with a `.recorded` file beside it (a student handout) takes expected values from that
    recording instead of the reference.

    Visible items and tests run first, then the others on a fresh worker and a fresh copy, so nothing from a
    call they make can reach a visible test.  An item or test whose grading fails in the grader is recorded in
    `errors`; a course test file that cannot be used, in `problems`.
    """
    from autograder import course
    from autograder.grading import answer_sheet, course_tests, rubric as rubric_mod
    from autograder.grading.recording import RecordedValues
    from autograder.grading.runner import ReferenceValues, functions_used, run_item
    from autograder.safe_text import code
    from autograder.sandbox.cleanup import remove_tree, scratch_prefix
    from autograder.sandbox.client import WorkerClient
    from autograder.submission.intake import hand_over, prepare
    from autograder.submission.locate import offered
    from autograder.timings import mark

    mark("grader modules")
    begin = time.monotonic()
    rubric, items = rubric_mod.load(rubric_path)
    questions = answer_sheet.keys(rubric, items)
    hidden_points = rubric.handout.hidden_points if rubric.handout else 0.0
    root = course.active().root
    collection = course_tests.collect([root / t for t in rubric.tests], root)
    tests = collection.tests if only is None else [t for t in collection.tests if t.id in only]
    if visible_only:
        hidden_points += sum(i.item.points for i in items if i.visibility != "visible")
        hidden_points += sum(t.points for t in tests)                 # they need the reference: Gradescope runs them
        items, tests = [i for i in items if i.visibility == "visible"], []
    if only is not None:
        items = [i for i in items if i.id in only]
    recording = Path(rubric_path).with_suffix(".recorded")
    values = RecordedValues(recording) if recording.exists() else ReferenceValues()
    wanted = functions_used(items) | ({"answers": {"choice"}} if questions else {})
    for test in tests:
        for module, function in test.uses:
            wanted.setdefault(module, set()).add(function)
    base = Path(tempfile.mkdtemp(prefix=scratch_prefix(os.getpid())))   # the pid: whose scratch it is
    if launcher.sandbox.uid is not None:
        os.chmod(base, 0o711)                  # the sandbox user may traverse, not list
    deadline = begin + rubric.defaults.total_budget_s
    mark("rubric")
    notes: list[str] = []
    results, errors, layers, sheet, test_results = {}, {}, {}, None, {}
    phases = {phase: ([g for g in items if (g.visibility == "visible") == visible], [t for t in tests if (t.visibility == "visible") == visible])
              for phase, visible in (("visible", True), ("hidden", False))}
    try:
        for phase, (phase_items, phase_tests) in phases.items():
            if not phase_items and not phase_tests:
                continue
            work = base / secrets.token_hex(4)       # a name that says nothing, not even the phase
            sub = prepare(submission, work, wanted, rubric.student_packages)
            if not notes:
                notes.extend(sub.notes)
            hand_over(work, launcher.sandbox.uid, launcher.sandbox.gid)
            mark("intake", phase)
            client = WorkerClient(launcher, str(work), sub.modules, sub.search_path, deadline=deadline,
                                  import_timeout_s=max([g.timeout_s for g in phase_items] + [rubric.defaults.timeout_s]))
            for module, packages in sub.unavailable.items():
                client.refuse(module, f"your code imports {', '.join(code(p) for p in packages)} (in `{module}.py`), which "
                                      f"{'is' if len(packages) == 1 else 'are'} not available on the grader (available: "
                                      f"{', '.join(offered(rubric.student_packages))}).")
            try:
                client.prepare(set(functions_used(phase_items)) | {m for t in phase_tests for m, _ in t.uses})
                if questions and sheet is None:           # answers.yaml as a whole, read before any input exists
                    sheet = answer_sheet.report(client.answers(), questions)
                mark("worker", phase)
                for graded in phase_items:
                    try:
                        results[graded.id] = run_item(graded, client, deadline, values)
                    except Exception:  # noqa: BLE001 - one item's grader failure is that item's, and instructors'
                        errors[graded.id] = traceback.format_exc()
                    mark("item", graded.id)
                for test in phase_tests:
                    test_results[test.id] = course_tests.run(test, client, deadline, rubric.defaults.timeout_s)
                    if test_results[test.id].error:
                        collection.problems.append(test_results[test.id].error)
                    mark("test", test.id)
            finally:
                if client.layers:
                    layers[phase] = client.layers
                client.stop()
                mark("worker stop", phase)
    finally:
        launcher.clean_up()
        try:
            remove_tree(base)
        except OSError:
            pass
    mark("clean-up")
    layers = {"grader": _grader_layers(rubric_path, layers), **layers}
    return GradingRun(rubric.assignment, rubric.title, items, results, errors, notes, layers, time.monotonic() - begin,
                      sheet, tests, test_results, collection.problems, hidden_points,
                      rubric.handout.torch if rubric.handout else None)


def _grader_layers(rubric_path: str | Path, workers: dict[str, dict]) -> dict:
    """The grader's side of the isolation record, with a warning where secrets rest on nothing."""
    import reference
    from autograder.sandbox.exposure import grader_layers

    from autograder import course

    protected = {"reference": Path(reference.__file__).parent, "rubric": rubric_path, "grader": Path(__file__).parents[1]}
    if not course.active().is_product:       # its reference, specs and tests
        protected["course"] = course.active().root
    checkout = _editable_checkout()
    if checkout is not None:        # a worker's `import reference` reaches it through the install's finder
        protected |= {f"editable checkout's {name}": checkout / folder
                      for name, folder in (("reference", "reference"), ("rubrics", "rubrics"), ("grader", "autograder"))}
    layers = grader_layers(protected)
    if layers["readable_by_sandbox"] and not all(w.get("landlock_abi") for w in workers.values()):
        layers["warning"] = (f"{', '.join(layers['readable_by_sandbox'])} readable by the sandbox user and Landlock is off: "
                             "lock the source dir (`chmod -R go-rwx`, as setup.sh does)"
                             + (f" and {checkout}, or install without -e" if checkout is not None else ""))
    return layers


def _editable_checkout() -> Path | None:
    """The source tree an editable install (`pip install -e`, as `make venv` does) maps this package to.

    Read from the install's PEP 610 record, `direct_url.json`: {"dir_info": {"editable": true},
    "url": "file:///path"}.  None for a plain install, as on Gradescope, or when not installed.
    """
    import json
    from importlib import metadata
    from urllib.parse import urlparse
    from urllib.request import url2pathname

    for dist in metadata.distributions(name="gm-autograder"):    # a checkout's own egg-info may come first
        try:
            record = json.loads(dist.read_text("direct_url.json") or "{}")
        except ValueError:
            continue
        if record.get("dir_info", {}).get("editable") and record.get("url", "").startswith("file:"):
            return Path(url2pathname(urlparse(record["url"]).path))
    return None
