"""Cold grading cost beside the torch import it is dominated by.

Each run is a fresh process (the page cache is warm, as on Gradescope after the first
submission).  Reports the median wall time and the median peak RSS of the top process
over RUNS runs of: `python -c "import torch"`, `grade` on the reference submission of
every assignment in rubrics/ (every test), and `check` (visible tests only) of the largest,
on the Linux path (the zygote) and on the portable one (a fresh interpreter per worker, as on
macOS and Windows).

    python benchmarks/bench_grading.py [RUNS]
"""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 5


def measure(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS of that process in MiB)."""
    begin = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - begin
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{argv} failed")
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    work = Path(tempfile.mkdtemp())
    sub = work / "submission"
    sub.mkdir()
    for path in (ROOT / "reference").glob("*.py"):
        if path.stem not in ("__init__", "misconceptions"):
            shutil.copy(path, sub / path.name)
    shutil.copy(ROOT / "tests" / "fixtures" / "answers" / "ift6135-f2023.yaml", sub / "answers.yaml")
    py = sys.executable
    cases = {'python -c "import torch"': [py, "-W", "ignore", "-c", "import torch"]}
    for rubric in sorted((ROOT / "rubrics").glob("*.yaml")):
        cases[f"grade {rubric.stem}"] = [py, "-m", "autograder", "grade", str(sub), "-a", rubric.stem, "-o", str(work / "r.json")]
    cases["check ift6135-w2023"] = [py, "-m", "autograder", "check", str(sub), "-a", "ift6135-w2023"]
    cases["check --portable ift6135-w2023"] = [py, "-m", "autograder", "check", str(sub), "-a", "ift6135-w2023", "--portable"]
    measure(cases['python -c "import torch"'])            # warm the page cache once
    rows = {}
    for _ in range(RUNS):                                   # interleaved, so drift hits every case alike
        for name, argv in cases.items():
            rows.setdefault(name, []).append(measure(argv))
    base = statistics.median(w for w, _ in rows['python -c "import torch"'])
    print(f"{'command':32} {'median wall s':>14} {'x import torch':>15} {'peak RSS MiB':>13}   (n={RUNS})")
    for name, samples in rows.items():
        wall = statistics.median(w for w, _ in samples)
        rss = statistics.median(r for _, r in samples)
        print(f"{name:32} {wall:14.3f} {wall / base:15.2f} {rss:13.0f}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
