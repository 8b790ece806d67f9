"""Batch regrade throughput on a synthetic Gradescope export, beside the torch import.

200 submissions of cmu10417-f2023 (every test): 100 correct, 40 blank stubs, 40 with the
example's two mistakes, 20 hostile (a segfault, exits, input mutation, a fork bomb, a memory
bomb, a flood of output, a forged frame, a lying tensor subclass, files in /tmp, snooping).
Regraded from scratch at -j 1 and at -j 2; reports wall time, submissions per second and
the cost per submission in units of `python -c "import torch"` measured in the same run.

    python benchmarks/bench_batch.py [SUBMISSIONS]
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COUNT = int(sys.argv[1]) if len(sys.argv) > 1 else 200
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


def timed(argv: list[str]) -> float:
    begin = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - begin


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    export = work / "assignment_1_export"
    metadata = {}
    for i in range(COUNT):
        submission(export / f"submission_{i}", i)
        metadata[f"submission_{i}"] = {":submitters": [{":name": f"S{i}", ":sid": str(i), ":email": f"{i}@u.edu"}]}
    (export / "submission_metadata.yml").write_text(json.dumps(metadata))
    torch_s = min(timed([sys.executable, "-c", "import torch"]) for _ in range(3))
    print(f"python -c 'import torch': {torch_s:.2f} s (best of 3)")
    print(f"| jobs | wall s | submissions/s | s per submission | x import torch |\n|---|---|---|---|---|")
    for jobs in (1, 2):
        out = work / f"out-j{jobs}"
        wall = timed([sys.executable, "-m", "autograder", "batch", str(export), "-a", "cmu10417-f2023", "-j", str(jobs),
                      "--out", str(out), "--csv", str(work / f"j{jobs}.csv"), "-q"])
        print(f"| {jobs} | {wall:.1f} | {COUNT / wall:.2f} | {wall / COUNT:.3f} | {wall / COUNT / torch_s:.3f} |")
    same = (work / "j1.csv").read_text() == (work / "j2.csv").read_text()
    print(f"-j 1 and -j 2 CSVs identical: {same}")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
