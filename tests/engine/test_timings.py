"""Where a run's time goes (AUTOGRADER_TIMINGS), and the start-up choices the speed rests on."""
import json
import os
import subprocess
import sys

import pytest

from autograder import yamlfile
from conftest import ROOT, make_submission, run_cli

PHASES = ["torch", "launcher", "grader modules", "rubric", "intake", "worker", "item", "worker stop", "clean-up",
          "results", "exit"]


def test_a_grading_writes_its_phases_in_order_where_asked_and_nothing_otherwise(tmp_path, monkeypatch):
    from autograder.grading.rubric import find, load

    sub = make_submission(tmp_path / "sub")
    marks = tmp_path / "marks.json"
    monkeypatch.setenv("AUTOGRADER_TIMINGS", str(marks))
    assert run_cli("grade", str(sub), "-a", "cmu10417-f2023", "-o", str(tmp_path / "r.json")).returncode == 0
    recorded = json.loads(marks.read_text())
    categories = [c for c, _, _ in recorded]
    assert [c for i, c in enumerate(categories) if c not in categories[:i]] == PHASES
    _, items = load(find("cmu10417-f2023"))
    assert sorted(d for c, d, _ in recorded if c == "item") == sorted(i.id for i in items)
    assert [d for c, d, _ in recorded if c in ("intake", "worker", "worker stop")] == ["visible"] * 3 + ["hidden"] * 3
    times = [t for _, _, t in recorded]
    assert times == sorted(times)
    monkeypatch.delenv("AUTOGRADER_TIMINGS")
    marks.unlink()
    assert run_cli("grade", str(sub), "-a", "cmu10417-f2023", "-o", str(tmp_path / "r.json")).returncode == 0
    assert not marks.exists()


def test_torch_s_objects_are_frozen_out_of_the_garbage_collector_before_any_fork():
    probe = "import gc\nfrom autograder.sandbox.startup import prepare_torch\nprepare_torch()\nprint(gc.get_freeze_count())"
    frozen = int(subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True).stdout)
    assert frozen > 100_000


@pytest.mark.skipif(yamlfile._LOADER is yamlfile.yaml.SafeLoader, reason="PyYAML without libyaml")
@pytest.mark.parametrize("path", sorted([*ROOT.glob("rubrics/*.yaml"), *ROOT.glob("examples/*/rubrics/*.yaml"),
                                         *ROOT.glob("examples/*/specs/*.yaml")]), ids=lambda p: p.name)
def test_libyaml_reads_every_shipped_file_as_the_pure_python_loader_does(path, monkeypatch):
    fast = yamlfile.read(path, "a mapping")
    monkeypatch.setattr(yamlfile, "_LOADER", yamlfile.yaml.SafeLoader)
    assert yamlfile.read(path, "a mapping") == fast


def test_the_portable_launcher_starts_its_worker_before_torch_is_imported():
    """Spawner() must come before the grader's own torch import, so the two interpreters load side by side."""
    probe = ("import sys\nfrom autograder.sandbox.spawner import Spawner\nprint('torch' in sys.modules)\n"
             "Spawner().close()\nprint('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]
