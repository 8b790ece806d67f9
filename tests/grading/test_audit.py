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
    report = json.loads((tmp_path / "a.json").read_text())["cmu10417-f2023"]
    assert report["reference_score"] == report["total"] == 24 and report["stub_score"] == 0
    assert report["mutants"] == len(mutants("diffusion.alpha_bars")) and report["kill_rate"] == 1.0
    assert [m["mistake"] for m in report["mistakes"]] == ["t_plus_1_factors"] and report["mistakes"][0]["ok"]


@pytest.mark.skipif(os.geteuid() != 0, reason="grades submissions")
def test_audit_reports_the_survivors_of_a_weak_rubric_per_item_and_fails(tmp_path):
    proc = run_cli("audit", "cmu10417-f2023", "--rubric", str(FIXTURES / "weak-rubric.yaml"), "-q", "--json", str(tmp_path / "w.json"))
    assert proc.returncode == 1
    report = json.loads((tmp_path / "w.json").read_text())["cmu10417-f2023"]
    assert report["kill_rate"] < 0.95 and report["survivors"]["gkl-loose"]
    assert "| gkl-loose | vae.gkl:" in proc.stdout


STUDENT_MISTAKES = {                       # function -> mistakes students make in it that the operators must model
    "flows.planar_forward": {"abs dropped", "epsilon added inside log", "log argument clamped at 1e-12", "log -> log2",
                             "argument z updated in place (add_)", "right matrix operand transposed", "computed in float32"},
    "vae.iwae_bound": {"logsumexp -> naive formula", "computed in float32"},
    "gan.gan_value": {"log1p -> naive formula", "mean -> sum", "log -> log2"},
    "vae.gkl": {"sum -> mean", "reduced over every dimension"},
    "simsiam.simulate": {".clone() dropped"},
}


@pytest.mark.parametrize("qualname", [q for q in STUDENT_MISTAKES if STUDENT_MISTAKES[q]])
def test_student_like_operators_make_the_mistakes_students_make(qualname):
    found = {m.change: m for m in mutants(qualname)}
    assert STUDENT_MISTAKES[qualname] <= set(found), set(found)
    for change in STUDENT_MISTAKES[qualname]:
        ast.parse(found[change].source)
    assert found["computed in float32"].tolerated and not found[sorted(STUDENT_MISTAKES[qualname] - {"computed in float32"})[0]].tolerated


def test_a_sequential_update_is_made_by_swapping_the_steps_of_a_joint_one():
    swapped = [m for m in mutants("simsiam.simulate") if m.change.endswith("swapped (sequential update)")]
    assert swapped
    body = next(m for m in swapped if "103 and 105" in m.change).source
    loop = body[body.index("for _ in range(steps):"):]
    assert loop.index("W = W + dt * W_dot") < loop.index("Wp = Wp + dt * _wp_dot(W, Wp, X, Xp)")   # W first, then Wp reads it


def test_a_mutant_that_stops_raising_on_an_invalid_variant_no_item_grades_is_not_equivalent():
    """cmu10417-f2023's exact policy-gradient item has no invalid case; the spec's index_out_of_range variant
    (an index equal to n) still tells `idx >= n` -> `idx > n` apart from the reference."""
    _, items = load(find("cmu10417-f2023"))
    exact = [g for g in items if g.id == "policy-gradient-exact"]
    off_by_one = next(m for m in mutants("gcn.policy_gradient") if m.change == ">= -> >")
    assert not equivalent(off_by_one, exact)


def test_float32_is_judged_by_the_item_s_own_comparison_as_the_contract_allows():
    _, items = load(find("cmu10417-f2023"))
    gkl = [g for g in items if g.id == "gkl"]
    float32 = next(m for m in mutants("vae.gkl") if m.change == "computed in float32")
    assert equivalent(float32, gkl)
    strict = Mutant(float32.function, float32.line, float32.change, float32.source, tolerated=False)
    assert not equivalent(strict, gkl)


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="grades submissions")
def test_every_shipped_rubric_kills_98_percent_reaches_every_regime_and_checks_every_rule(tmp_path):
    proc = run_cli("audit", "-q", "--target", "0.98", "--json", str(tmp_path / "all.json"), timeout=1200)
    report = json.loads((tmp_path / "all.json").read_text())
    assert set(report) == {p.stem for p in (ROOT / "rubrics").glob("*.yaml")}
    rates = {a: r["kill_rate"] for a, r in report.items()}
    assert proc.returncode == 0 and min(rates.values()) >= 0.98, (rates, proc.stdout[-3000:])
    assert {a: r["uncovered"] for a, r in report.items() if r["uncovered"]} == {}
    assert "| assignment | calibration | mutants | equivalent | killed | kill rate | surviving | unreached |" in proc.stdout


def test_branch_coverage_names_the_validation_a_rubric_never_reaches():
    """gcn_layer's checks (A's shape, an isolated node) run only under cmu10417-f2023's invalid item."""
    from autograder.commands.audit.regimes import unreached

    _, items = load(find("cmu10417-f2023"))
    values = [g for g in items if g.id == "gcn-layer"]
    both = [g for g in items if g.id in ("gcn-layer", "gcn-layer-invalid")]
    source = (ROOT / "reference" / "gcn.py").read_text().splitlines()
    shape_raise = 1 + next(i for i, line in enumerate(source) if "A must be (N, N)" in line)
    isolated_raise = 1 + next(i for i, line in enumerate(source) if "every node needs degree >= 1" in line)
    missed = unreached("gcn.gcn_layer", values)
    assert {shape_raise, isolated_raise} <= set(missed.lines)
    assert f"gcn.gcn_layer:{shape_raise} never runs" in missed.describe()
    assert unreached("gcn.gcn_layer", both).describe() == []
