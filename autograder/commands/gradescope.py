"""The Gradescope entry point: /autograder in, /autograder/results/results.json out, always.

Layout (root defaults to /autograder): source/ (this product, locked to root),
submission/ (the student's files), submission_metadata.json, results/.  Whatever
happens, a valid results.json is written, once, at the end.
"""
from __future__ import annotations

import os
import signal
import time
import traceback
from pathlib import Path

from autograder.grading.results import Results, crashed
from autograder.timings import mark
from autograder.yamlfile import YamlError


def assignment_of(source: Path) -> str:
    """AUTOGRADER_ASSIGNMENT, else source/ASSIGNMENT, else the only rubric in source/rubrics."""
    if os.environ.get("AUTOGRADER_ASSIGNMENT"):
        return os.environ["AUTOGRADER_ASSIGNMENT"].strip()
    if (source / "ASSIGNMENT").is_file():
        return (source / "ASSIGNMENT").read_text().strip()
    rubrics = sorted((source / "rubrics").glob("*.yaml"))
    if len(rubrics) == 1:
        return rubrics[0].stem
    raise RuntimeError(f"cannot tell which assignment to grade: set AUTOGRADER_ASSIGNMENT or write {source / 'ASSIGNMENT'} "
                       f"(rubrics present: {', '.join(p.stem for p in rubrics) or 'none'})")


def run(root: Path) -> int:
    begin = time.monotonic()
    results: Results | None = None
    terminated: list[int] = []

    def on_terminate(signum: int, frame: object) -> None:
        terminated.append(signum)
        raise KeyboardInterrupt     # the one exception pytest lets end its session (it swallows the rest)

    signal.signal(signal.SIGTERM, on_terminate)
    try:
        from autograder import course
        from autograder.grading import engine

        if (root / "source" / "course").is_dir():      # a course's zip (`build --course`)
            course.use(root / "source" / "course")
        zygote = engine.start()    # first: the zygote's memory holds nothing but torch and the worker
        from autograder.grading import results as results_json, rubric, terminal

        with zygote:
            path = rubric.find(assignment_of(root / "source"), course.active().rubrics)
            graded = engine.grade(zygote, root / "submission", path)
        if terminated:
            raise RuntimeError("grading was stopped before it finished")
        results = results_json.to_results(graded)
        print(terminal.table(graded), flush=True)
        print("isolation layers:", graded.layers, flush=True)
        return 0
    except YamlError as exc:      # the course's rubric or specs: the instructor's to fix, said as file:line
        print(exc, flush=True)
        results = crashed(str(exc), title="Problems in the course's files (instructors only)")
        return 1
    except BaseException:  # noqa: BLE001 - a valid results.json must be written whatever happened
        trace = traceback.format_exc()
        if terminated:
            trace = f"terminated by signal {terminated[0]} (a time limit?) while grading\n\n{trace}"
        print(trace, flush=True)
        results = crashed(trace)
        return 1
    finally:
        if results is None:
            results = crashed("grading was interrupted")
        results.execution_time = round(time.monotonic() - begin, 3)
        results.write(root / "results" / "results.json")       # never raises for what the results hold
        mark("results")
