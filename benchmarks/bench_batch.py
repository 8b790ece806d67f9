"""Batch regrade throughput on a synthetic Gradescope export, beside the torch import.

200 submissions of cmu10417-f2023 (every test): 100 correct, 40 blank stubs, 40 with the
example's two mistakes, 20 hostile (a segfault, exits, input mutation, a fork bomb, a memory
bomb, a flood of output, a forged frame, a lying tensor subclass, files in /tmp, snooping).
Regraded from scratch at -j 1 and at -j 2; reports wall time, submissions per second and
the cost per submission in units of `python -c "import torch"` (median of 7) measured in the same run.

    python benchmarks/bench_batch.py [SUBMISSIONS] [--against CHECKOUT]

--against CHECKOUT regrades the same export from that other checkout too, right after each
of this checkout's runs, as rows "before".
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ("vae.py", "gcn.py", "diffusion.py")
HOSTILE = ("segfault", "exit_in_call", "os_exit_in_call", "mutate_inputs", "fork_bomb", "memory_bomb", "output_flood",
           "forged_frame", "lying_subclass", "file_flood", "read_secrets", "daemon", "threads", "kill_grader", "network",
           "proc_snoop", "inherited_fds", "results_at_import", "nan_output", "pickle_reduce")


def submission(dest: Path, kind: int) -> None:
    dest.mkdir(parents=True)
    if kind % 10 < 5:                                        # 50 %: correct
        for name in MODULES:
            shutil.copy(ROOT / "reference" / name, dest / name)
    elif kind % 10 < 7:                                      # 20 %: blank stubs
        for name in MODULES:
            shutil.copy(ROOT / "student_template" / name, dest / name)
    elif kind % 10 < 9:                                      # 20 %: the example's mistakes
        for path in (ROOT / "examples" / "cmu10417-f2023" / "submission").glob("*.py"):
            shutil.copy(path, dest / path.name)
    else:                                                    # 10 %: hostile
        for name in MODULES:
            shutil.copy(ROOT / "reference" / name, dest / name)
        attack = HOSTILE[(kind // 10) % len(HOSTILE)]
        with open(dest / "vae.py", "a") as f:
            f.write("\n\n" + (ROOT / "tests" / "fixtures" / "hostile" / f"{attack}.py").read_text())


def timed(argv: list[str], cwd: Path = ROOT) -> float:
    begin = time.perf_counter()
    subprocess.run(argv, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - begin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", type=int, nargs="?", default=200, help="submissions (default: %(default)s)")
    parser.add_argument("--against", type=Path, metavar="CHECKOUT", help="also regrade from this checkout")
    args = parser.parse_args()
    count = args.count
    trees = [("this", ROOT)] + ([("before", args.against.resolve())] if args.against else [])
    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    export = work / "assignment_1_export"
    metadata = {}
    for i in range(count):
        submission(export / f"submission_{i}", i)
        metadata[f"submission_{i}"] = {":submitters": [{":name": f"S{i}", ":sid": str(i), ":email": f"{i}@u.edu"}]}
    (export / "submission_metadata.yml").write_text(json.dumps(metadata))
    torch_s = statistics.median(timed([sys.executable, "-c", "import torch"]) for _ in range(7))
    print(f"python -c 'import torch': {torch_s:.2f} s (median of 7)")
    print("| tree | jobs | wall s | submissions/s | s per submission | x import torch |\n|---|---|---|---|---|---|")
    for jobs in (1, 2):
        for label, tree in trees:
            out = work / f"out-{label}-j{jobs}"
            wall = timed([sys.executable, "-m", "autograder", "batch", str(export), "-a", "cmu10417-f2023", "-j", str(jobs),
                          "--out", str(out), "--csv", str(work / f"{label}-j{jobs}.csv"), "-q"], cwd=tree)
            print(f"| {label} | {jobs} | {wall:.1f} | {count / wall:.2f} | {wall / count:.3f} | {wall / count / torch_s:.3f} |")
    for label, _ in trees:
        same = (work / f"{label}-j1.csv").read_text() == (work / f"{label}-j2.csv").read_text()
        print(f"{label}: -j 1 and -j 2 CSVs identical: {same}")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
