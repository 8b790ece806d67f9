"""One grading run: rubric + submission -> item results, with the suite run by pytest.

`start()` must be called first: it imports torch, fixes determinism and forks the
zygote before any rubric, reference or input exists in this process.  `grade()` then
loads the rubric, lays out the submission once per phase (visible, hidden) in a private
scratch directory, and runs the grading suite under pytest with the grading plugin.
"""
from __future__ import annotations

import os
import secrets
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder.sandbox.confine import Limits

SUITE = Path(__file__).resolve().parent / "suite"
DEFAULT_SANDBOX_USER = "gm-sandbox"


def start(sandbox_user: str = DEFAULT_SANDBOX_USER, limits: Limits = Limits()):
    """Import torch deterministically and fork the zygote; returns it (use as a context manager)."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import torch

    torch.set_num_threads(1)
    # The public torch.use_deterministic_algorithms(True) also imports torch._inductor (about a
    # second) only to mirror the flag there; the grader never compiles, so set the flag itself.
    setter = getattr(torch._C, "_set_deterministic_algorithms", None)
    setter(True) if setter else torch.use_deterministic_algorithms(True)
    _warm_up(torch)
    from autograder.sandbox.zygote import Sandbox, Zygote

    return Zygote(Sandbox.resolve(sandbox_user), limits)


def _warm_up(torch) -> None:
    """Initialise torch's lazy CPU probes (cpuinfo, convolution backends) before the fork.

    A confined worker cannot read /proc/cpuinfo, so a first convolution there would print
    cpuinfo and NNPACK warnings into the student's output.  NNPACK is also switched off so
    every convolution takes the same (native) path wherever it runs.
    """
    torch.backends.nnpack.set_flags(False)
    for dtype in (torch.float32, torch.float64):
        torch.nn.functional.conv2d(torch.zeros(1, 1, 3, 3, dtype=dtype), torch.zeros(1, 1, 3, 3, dtype=dtype), padding=1)


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

    @property
    def score(self) -> float:
        return round(sum(r.score for r in self.results.values()), 6)

    @property
    def total(self) -> float:
        return sum(i.item.points for i in self.items)


def grade(zygote, submission: str | Path, rubric_path: str | Path, *, visible_only: bool = False, pytest_output: bool = False,
          only: set[str] | None = None) -> GradingRun:
    """Grade `submission` with the rubric (or its items in `only`); a rubric with a `.recorded` file beside it
    (a student handout) takes expected values from that recording instead of the reference."""
    import pytest

    from autograder.grading import rubric as rubric_mod
    from autograder.grading.plugin import GradingPlugin
    from autograder.grading.recording import RecordedValues
    from autograder.grading.runner import ReferenceValues, modules_used
    from autograder.sandbox.cleanup import remove_tree
    from autograder.sandbox.client import WorkerClient
    from autograder.submission.intake import hand_over, prepare

    begin = time.monotonic()
    rubric, items = rubric_mod.load(rubric_path)
    if visible_only:
        items = [i for i in items if i.visibility == "visible"]
    if only is not None:
        items = [i for i in items if i.id in only]
    recording = Path(rubric_path).with_suffix(".recorded")
    values = RecordedValues(recording) if recording.exists() else ReferenceValues()
    names = modules_used(items)
    base = Path(tempfile.mkdtemp(prefix=f"gm-grade-{os.getpid()}-"))   # the pid: whose scratch it is
    os.chmod(base, 0o711)                      # the sandbox user may traverse, not list
    deadline = begin + rubric.defaults.total_budget_s
    notes: list[str] = []

    def open_client(phase_items: list) -> WorkerClient:
        """A worker's client on a fresh copy, in a folder whose name says nothing (not even the phase),
        with the phase's modules imported before any call."""
        work = base / secrets.token_hex(4)
        sub = prepare(submission, work, names)
        if not notes:
            notes.extend(sub.notes or [])
        hand_over(work, zygote.sandbox.uid, zygote.sandbox.gid)
        client = WorkerClient(zygote, str(work), sub.modules, sub.search_path, deadline=deadline,
                              import_timeout_s=max(g.timeout_s for g in phase_items))
        client.prepare(modules_used(phase_items))
        return client

    plugin = GradingPlugin(items, open_client, deadline=deadline, values=values)
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    args = [str(SUITE / "test_rubric.py"), "-c", str(SUITE / "pytest.ini"), "--rootdir", str(SUITE)]
    args += ["-q", "--tb=no", "-p", "no:warnings"] if pytest_output else ["-p", "no:terminal"]
    try:
        pytest.main(args, plugins=[plugin])
    finally:
        plugin.close()
        zygote.clean_up()
        try:
            remove_tree(base)
        except OSError:
            pass
    layers = {"grader": _grader_layers(rubric_path, plugin.layers), **plugin.layers}
    return GradingRun(rubric.assignment, rubric.title, items, plugin.results, plugin.errors, notes, layers,
                  time.monotonic() - begin)


def _grader_layers(rubric_path: str | Path, workers: dict[str, dict]) -> dict:
    """The grader's side of the isolation record, with a warning where secrets rest on nothing."""
    import reference
    from autograder.sandbox.exposure import grader_layers

    protected = {"reference": Path(reference.__file__).parent, "rubric": rubric_path, "grader": Path(__file__).parents[1]}
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
