"""`audit`: mutants are real one-change mutants, equivalence is decided by running them, survivors are reported per item."""
import ast
import json
import os

import pytest

from autograder.commands.audit.equivalence import equivalent
from autograder.commands.audit.mutants import Mutant, mutants
from autograder.commands.audit.variants import dependents
from autograder.grading.rubric import find, load
from conftest import FIXTURES, ROOT, run_cli


def test_mutants_are_distinct_one_change_variants_that_parse_and_leave_messages_alone():
    reference = (ROOT / "reference" / "diffusion.py").read_text()
    found = mutants("diffusion.alpha_bars")
    assert {"- -> +", "1 -> 2", "left operand dropped", "right operand dropped"} <= {m.change for m in found}
    assert len({m.source for m in found}) == len(found) and all(m.source != ast.unparse(ast.parse(reference)) for m in found)
    for m in found:
        ast.parse(m.source)
    for m in mutants("vae.gkl"):                         # error messages and docstrings are never mutated
        assert ast.get_docstring(next(n for n in ast.parse(m.source).body if getattr(n, "name", "") == "gkl"))


def test_an_item_depends_on_the_functions_its_reference_calls():
    _, items = load(find("cmu10417-f2023"))
    ids = {g.id for g in dependents(items, "diffusion.alpha_bars")}
    assert {"alpha-bars", "q-sample"} <= ids                  # q_sample uses alpha_bars
    assert not any(i.startswith(("gkl", "gcn")) for i in ids)


def test_equivalence_is_decided_by_running_the_mutant_beside_the_reference():
    _, items = load(find("cmu10417-f2023"))
    affected = [g for g in dependents(items, "diffusion.alpha_bars") if g.id == "alpha-bars"]
    source = (ROOT / "reference" / "diffusion.py").read_text()
    same = source.replace("torch.cumprod(1 - betas, dim=0)", "torch.cumprod(-(betas - 1), dim=0)")
    assert same != source
    assert equivalent(Mutant("diffusion.alpha_bars", 0, "rewritten", same), affected)
    wrong = next(m for m in mutants("diffusion.alpha_bars") if m.change == "- -> +")
    assert not equivalent(wrong, affected)


@pytest.mark.skipif(os.geteuid() != 0, reason="grades submissions")
def test_audit_kills_every_mutant_of_a_function_a_strong_rubric_grades(tmp_path):
    proc = run_cli("audit", "cmu10417-f2023", "--function", "diffusion.alpha_bars", "-q", "--json", str(tmp_path / "a.json"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads((tmp_path / "a.json").read_text())
    assert report["reference_score"] == report["total"] == 24 and report["stub_score"] == 0
    assert report["mutants"] == len(mutants("diffusion.alpha_bars")) and report["kill_rate"] == 1.0
    assert [m["mistake"] for m in report["mistakes"]] == ["t_plus_1_factors"] and report["mistakes"][0]["ok"]


@pytest.mark.skipif(os.geteuid() != 0, reason="grades submissions")
def test_audit_reports_the_survivors_of_a_weak_rubric_per_item_and_fails(tmp_path):
    proc = run_cli("audit", "cmu10417-f2023", "--rubric", str(FIXTURES / "weak-rubric.yaml"), "-q", "--json", str(tmp_path / "w.json"))
    assert proc.returncode == 1
    report = json.loads((tmp_path / "w.json").read_text())
    assert report["kill_rate"] < 0.95 and report["survivors"]["gkl-loose"]
    assert "| gkl-loose | vae.gkl:" in proc.stdout
