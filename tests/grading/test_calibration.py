"""Calibration of cmu10417-f2023: full marks for the reference, zero for the stubs, exact losses for known mistakes."""
import re

from conftest import ROOT, by_id, grade, make_submission

ALPHA_BAR_ITEMS = {"alpha-bars", "q-sample", "q-sample-hidden", "constant-beta", "constant-beta-hidden"}


def test_reference_submitted_as_a_student_scores_full_marks(reference_results):
    assert reference_results["score"] == 24
    assert all(t["score"] == t["max_score"] and t["status"] == "passed" for t in reference_results["tests"])
    assert sum(t["max_score"] for t in reference_results["tests"]) == 24


def test_untouched_template_scores_zero_with_not_implemented_messages(tmp_path):
    results = grade(make_submission(tmp_path / "sub", base="template"), tmp_path / "r.json")
    assert results["score"] == 0
    assert sum(t["max_score"] for t in results["tests"]) == 24
    for test in results["tests"]:
        assert test["score"] == 0 and "not implemented yet" in test["output"], test["name"]


def test_seed002_dsigma_mistake_loses_exactly_that_item_with_a_targeted_hint(tmp_path):
    results = grade(ROOT / "examples" / "cmu10417-f2023" / "submission", tmp_path / "r.json")
    tests = by_id(results)
    lost = {item for item, t in tests.items() if t["score"] < t["max_score"]}
    assert lost == {"vae-grad-sigma"} | ALPHA_BAR_ITEMS
    assert tests["vae-grad-mu"]["score"] == 1.5
    assert "instead of eps_j" in tests["vae-grad-sigma"]["output"]
    assert results["score"] == 24 - 1.5 - 1 - 1.5 - 1.5 - 1.5 - 1.5


def test_alpha_bar_with_one_factor_too_many_loses_exactly_the_dependent_items(tmp_path):
    wrong = ("def alpha_bars(betas):\n    _check_betas(betas)\n    alphas = 1 - betas\n"
             "    return torch.cat([alphas[:1], alphas[0] * torch.cumprod(alphas, dim=0)])\n")
    results = grade(make_submission(tmp_path / "sub", append={"diffusion.py": wrong}), tmp_path / "r.json")
    tests = by_id(results)
    lost = {item for item, t in tests.items() if t["score"] < t["max_score"]}
    assert lost == {"alpha-bars", "q-sample", "q-sample-hidden"}          # q_sample calls the student's alpha_bars
    assert "one factor too many" in tests["alpha-bars"]["output"]
    assert "one factor too many" in tests["q-sample"]["output"]
    assert tests["q-sample-hidden"]["output"].startswith("Passed 0 of 3 cases. (a hidden test")


def test_float32_implementation_passes_every_item(tmp_path):
    cast = "\n".join(
        f"_f64_{name} = {name}\n"
        f"def {name}(*args, **kwargs):\n"
        f"    args = [a.float() if torch.is_tensor(a) and a.is_floating_point() else a for a in args]\n"
        f"    return _f64_{name}(*args, **kwargs)"
        for name in ("reparameterize", "gkl", "vae_loss_grads"))
    results = grade(make_submission(tmp_path / "sub", append={"vae.py": cast}), tmp_path / "r.json")
    assert results["score"] == 24, [t["output"] for t in results["tests"] if t["status"] == "failed"]


def test_hidden_tests_show_pass_counts_and_never_values(tmp_path):
    results = grade(ROOT / "examples" / "cmu10417-f2023" / "submission", tmp_path / "r.json")
    for test in results["tests"]:
        if test["visibility"] == "hidden":
            assert not re.search(r"\d\.\d{3}", test["output"]), test["output"]
            assert "torch.tensor" not in test["output"] and "Reproduce" not in test["output"]
