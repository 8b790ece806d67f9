"""Cold grading cost beside the torch import it is dominated by, and where the rest of the time goes.

Each run is a fresh process (the page cache is warm, as on Gradescope after the first
submission).  Over RUNS rounds, alternating every command in each round so that drift hits
all alike, it measures `python -c "import torch"`, `grade` of the reference submission for
every assignment in rubrics/ (every test), the Gradescope path (`run_autograder` in a
scratch /autograder root) for each, and `check` (visible tests only) of the largest, on the
Linux path (the zygote) and on the portable one (a fresh interpreter per worker, as on
macOS and Windows).  It reports the median wall time, its ratio to the import, and the
median peak RSS (the largest process of the tree: wait4 folds in reaped descendants).

Then, from the marks each run writes where AUTOGRADER_TIMINGS points (autograder/timings.py),
the median time of every phase: the interpreter with torch, the launcher (lease + zygote
fork), the grader's own modules, the rubric (load and validation), the intake, the first
worker of each phase (fork, confinement, student imports), the items, the workers' stop,
the clean-up, writing the results, and the interpreter's exit; and each item's median.

    python benchmarks/bench_grading.py [RUNS] [--against CHECKOUT]     (RUNS: default 7)

--against CHECKOUT runs every command from that other checkout too (say a worktree of the
commit before a change), alternated in the same rounds, as rows "before: ..." beside the
others; a checkout older than autograder/timings.py shows no phases.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMPORT = 'python -c "import torch"'
PHASES = ("torch", "launcher", "grader modules", "rubric", "intake", "worker", "item", "test", "worker stop", "clean-up",
          "results", "exit")


def measure(argv: list[str], env: dict[str, str], marks: Path, cwd: Path = ROOT) -> tuple[float, float, list]:
    """(wall seconds, peak RSS in MiB, [[category, detail, seconds], ...] from the run's own marks)."""
    marks.unlink(missing_ok=True)
    begin = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, **env, "AUTOGRADER_TIMINGS": str(marks)})
    _, status, usage = os.wait4(proc.pid, 0)
    end = time.perf_counter()
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{argv} failed")
    intervals, previous = [], begin
    if marks.exists():
        for category, detail, at in json.loads(marks.read_text()):
            intervals.append([category, detail, at - previous])
            previous = at
        intervals.append(["exit", "", end - previous])       # os._exit and the parent's wait
    return end - begin, usage.ru_maxrss / 1024, intervals


def gradescope_root(work: Path, assignment: str, submission: Path, source: Path) -> Path:
    """A scratch /autograder: source (the checkout), submission, metadata, results."""
    root = work / f"autograder-{assignment}-{source.name}"
    (root / "results").mkdir(parents=True)
    (root / "source").symlink_to(source)
    shutil.copytree(submission, root / "submission")
    (root / "submission_metadata.json").write_text('{"id": 1, "created_at": "2026-11-20T10:00:00Z", "users": []}')
    return root


def commands(work: Path, sub: Path, source: Path) -> dict[str, tuple[list[str], dict[str, str]]]:
    """Every command measured, as run from the checkout `source`."""
    py = sys.executable
    cases = {}
    assignments = sorted(p.stem for p in (ROOT / "rubrics").glob("*.yaml"))
    for a in assignments:
        cases[f"grade {a}"] = ([py, "-m", "autograder", "grade", str(sub), "-a", a, "-o", str(work / "r.json")], {})
    for a in assignments:
        root = gradescope_root(work, a, sub, source)
        cases[f"run_autograder {a}"] = (["bash", str(source / "run_autograder")],
                                        {"AUTOGRADER_ROOT": str(root), "AUTOGRADER_VENV": sys.prefix, "AUTOGRADER_ASSIGNMENT": a})
    cases["check ift6135-w2023"] = ([py, "-m", "autograder", "check", str(sub), "-a", "ift6135-w2023"], {})
    cases["check --portable ift6135-w2023"] = ([py, "-m", "autograder", "check", str(sub), "-a", "ift6135-w2023", "--portable"], {})
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("runs", type=int, nargs="?", default=7, help="rounds (default: %(default)s)")
    parser.add_argument("--against", type=Path, metavar="CHECKOUT", help="also run every command from this checkout")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-grading-"))
    os.chmod(work, 0o755)
    sub = work / "submission"
    sub.mkdir()
    for path in (ROOT / "reference").glob("*.py"):
        if path.stem not in ("__init__", "misconceptions"):
            shutil.copy(path, sub / path.name)
    shutil.copy(ROOT / "tests" / "fixtures" / "answers" / "ift6135-f2023.yaml", sub / "answers.yaml")
    cases = {IMPORT: ([sys.executable, "-W", "ignore", "-c", "import torch"], {}, ROOT)}
    cases |= {name: (argv, env, ROOT) for name, (argv, env) in commands(work, sub, ROOT).items()}
    if args.against:
        against = args.against.resolve()
        cases |= {f"before: {name}": (argv, env, against) for name, (argv, env) in commands(work, sub, against).items()}
    marks = work / "marks.json"
    measure(cases[IMPORT][0], {}, marks)                      # warm the page cache once
    rows: dict[str, list] = {}
    for _ in range(args.runs):                                     # interleaved, so drift hits every case alike
        for name, (argv, env, cwd) in cases.items():
            rows.setdefault(name, []).append(measure(argv, env, marks, cwd))
    base = statistics.median(w for w, _, _ in rows[IMPORT])
    base_rss = statistics.median(r for _, r, _ in rows[IMPORT])
    print(f"{'command':40} {'median wall s':>14} {'x import torch':>15} {'peak RSS MiB':>13} {'x RSS':>6}   (n={args.runs})")
    for name, samples in rows.items():
        wall, rss = statistics.median(w for w, _, _ in samples), statistics.median(r for _, r, _ in samples)
        print(f"{name:40} {wall:14.3f} {wall / base:15.2f} {rss:13.0f} {rss / base_rss:6.2f}")

    print(f"\nwhere the time goes: median ms per phase (n={args.runs})")
    print(f"{'command':40} " + " ".join(f"{p[:9]:>9}" for p in PHASES))
    items: dict[str, dict[str, list[float]]] = {}
    for name, samples in rows.items():
        if name == IMPORT or not any(intervals for _, _, intervals in samples):
            continue
        totals = {p: [] for p in PHASES}
        for _, _, intervals in samples:
            run = dict.fromkeys(PHASES, 0.0)
            for category, detail, seconds in intervals:
                run[category] += seconds
                if category in ("item", "test") and name.startswith("grade "):
                    items.setdefault(name, {}).setdefault(detail, []).append(seconds)
            for p in PHASES:
                totals[p].append(run[p])
        print(f"{name:40} " + " ".join(f"{1000 * statistics.median(totals[p]):9.1f}" for p in PHASES))

    print(f"\neach item: median ms (n={args.runs}), slowest first")
    for name, by_item in items.items():
        medians = sorted(((statistics.median(v), item) for item, v in by_item.items()), reverse=True)
        cells = [f"{item} {1000 * m:.1f}" for m, item in medians]
        print(f"{name} ({len(cells)} items, {1000 * sum(m for m, _ in medians):.0f} ms): " + ", ".join(cells))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
