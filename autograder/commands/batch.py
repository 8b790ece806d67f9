"""Regrade a Gradescope "Export Submissions" folder: every submission isolated as in single grading.

Layout (shared/spec/GRADESCOPE.md): EXPORT/submission_metadata.yml, keyed by
`submission_<id>` with Ruby-style symbol keys (`:submitters` [{`:name`, `:sid`, `:email`}],
`:created_at`, ...), and one folder EXPORT/submission_<id>/ per submission.

N job processes each import torch once and fork their own zygote under a sandbox account
each leases for its life (sandbox/accounts.py: a kill as one uid never reaches another job,
nor another grading on the machine), then grade submission after submission with
`engine.grade`, which lays each out in a fresh scratch folder and ends by killing every
process and deleting every temp file of its sandbox user, so no submission sees another's
data.  Each submission's results.json
is written atomically to OUT/submission_<id>/results.json; a rerun skips those already
there, so an interrupted batch resumes.  The CSV is rebuilt from all of them at the end.
"""
from __future__ import annotations

import csv
import json
import multiprocessing
import traceback
from dataclasses import dataclass
from pathlib import Path
from queue import Empty

import yaml


@dataclass(frozen=True)
class Submission:
    id: str                      # "submission_<id>", the export's folder name
    folder: Path
    names: str
    sids: str
    emails: str


def read_export(export: Path) -> list[Submission]:
    """The submissions of an export, in the metadata's order (folders without metadata last)."""
    metadata_path = export / "submission_metadata.yml"
    metadata = yaml.safe_load(metadata_path.read_text()) if metadata_path.exists() else {}
    if not isinstance(metadata, dict):
        raise ValueError(f"{metadata_path}: expected a mapping of submission_<id> to metadata")
    folders = sorted(p.name for p in export.iterdir() if p.is_dir() and p.name.startswith("submission_"))
    ordered = [key for key in metadata if key in folders] + [f for f in folders if f not in metadata]
    out = []
    for key in ordered:
        meta = metadata.get(key) or {}
        people = [p for p in (meta.get(":submitters") or meta.get("submitters") or []) if isinstance(p, dict)]
        field = lambda name: "; ".join(str(p.get(f":{name}", p.get(name, "")) or "") for p in people)  # noqa: E731
        out.append(Submission(key, export / key, field("name"), field("sid"), field("email")))
    return out


def _job(rubric_path: str, todo: multiprocessing.Queue, done: multiprocessing.Queue, out: str) -> None:
    """One job process: torch and a zygote once, then submissions until the queue says stop."""
    from autograder.grading import engine
    from autograder.grading.results import crashed, to_results

    with engine.start() as zygote:
        while (item := todo.get()) is not None:
            sid, folder = item
            try:
                results = to_results(engine.grade(zygote, folder, rubric_path))
            except Exception:  # noqa: BLE001 - one broken submission never stops the batch
                results = crashed(traceback.format_exc())
            results.write(Path(out) / sid / "results.json")
            done.put((sid, results.score))


def _next_result(done: multiprocessing.Queue, workers: list) -> tuple[str, float]:
    """The next (submission id, score) a job reports; stops the batch if every job has died."""
    while True:
        try:
            return done.get(timeout=1)
        except Empty:
            if not any(w.is_alive() for w in workers):
                raise SystemExit("every grading job has stopped; rerun the same command to resume") from None


def regrade(export: Path, rubric_path: Path, out: Path, jobs: int = 1, progress: bool = True) -> tuple[list[Submission], int]:
    """Grade every submission of `export` not yet graded in `out`; returns (all submissions, how many were skipped)."""
    from tqdm import tqdm

    submissions = read_export(export)
    todo = [s for s in submissions if not (out / s.id / "results.json").exists()]
    skipped = len(submissions) - len(todo)
    if todo:
        jobs = max(1, min(jobs, len(todo)))
        context = multiprocessing.get_context("fork")   # the jobs import torch themselves, after the fork
        pending, done = context.Queue(), context.Queue()
        for s in todo:
            pending.put((s.id, str(s.folder)))
        for _ in range(jobs):
            pending.put(None)
        workers = [context.Process(target=_job, args=(str(rubric_path), pending, done, str(out)), daemon=True)
                   for _ in range(jobs)]
        for w in workers:
            w.start()
        with tqdm(total=len(submissions), initial=skipped, unit="sub", disable=not progress, desc="grading") as bar:
            for _ in todo:
                sid, score = _next_result(done, workers)
                bar.set_postfix_str(f"{sid}: {score:g}")
                bar.update()
        for w in workers:
            w.join()
    return submissions, skipped


def write_csv(submissions: list[Submission], out: Path, path: Path) -> None:
    """One row per submission: who, the total, and every test's score (columns in rubric order)."""
    rows, columns = [], []
    for s in submissions:
        results = json.loads((out / s.id / "results.json").read_text())
        scores = {f'{t["number"]} {t["name"]}': t["score"] for t in results["tests"]}
        columns += [name for name in scores if name not in columns]
        rows.append((s, results["score"], scores))
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["submission_id", "name", "sid", "email", "score", *columns])
        for s, score, scores in rows:
            writer.writerow([s.id.removeprefix("submission_"), s.names, s.sids, s.emails, f"{score:g}",
                             *(f"{scores[c]:g}" if c in scores else "" for c in columns)])
