"""What a student reads: clear one-line messages, got vs expected, hints, snippets that reproduce."""
import subprocess
import sys

from conftest import ROOT, by_id, grade, make_submission, run_cli


def test_missing_module_function_and_syntax_error_each_get_one_clear_line(tmp_path):
    sub = make_submission(tmp_path / "sub")
    (sub / "gcn.py").unlink()
    (sub / "diffusion.py").write_text("import torch\ndef alpha_bars(betas)\n    return betas\n")
    (sub / "vae.py").write_text((ROOT / "reference" / "vae.py").read_text().replace("def gkl(", "def gkl_renamed("))
    tests = by_id(grade(sub, tmp_path / "r.json"))
    assert tests["gcn-layer"]["output"] == "`gcn.py` was not found in your submission; it must define `gcn_layer`."
    assert "syntax error" in tests["alpha-bars"]["output"] and "line 2" in tests["alpha-bars"]["output"]
    assert "does not define a function `gkl`" in tests["gkl"]["output"]
    assert tests["reparameterize"]["score"] == 1.5                    # the rest of vae.py still counts


def test_visible_failure_shows_got_expected_where_and_a_snippet_that_reproduces(tmp_path):
    results = grade(ROOT / "examples" / "cmu10417-f2023" / "submission", tmp_path / "r.json")
    output = by_id(results)["vae-grad-sigma"]["output"]
    assert "`dl_dsigma` differs" in output and "got " in output and "expected " in output and "index (" in output
    snippet = output.split("```python\n", 1)[1].split("```", 1)[0]
    work = tmp_path / "work"
    work.mkdir()
    (work / "vae.py").write_text((ROOT / "examples" / "cmu10417-f2023" / "submission" / "vae.py").read_text())
    proc = subprocess.run([sys.executable, "-c", snippet], cwd=work, capture_output=True, text=True)
    assert proc.returncode != 0 and "Tensor-likes are not close" in proc.stderr   # fails for the wrong answer...
    (work / "vae.py").write_text((ROOT / "reference" / "vae.py").read_text())
    proc = subprocess.run([sys.executable, "-c", snippet], cwd=work, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr                                          # ...and passes for the right one


def test_tracebacks_are_trimmed_to_the_students_own_frames(tmp_path):
    code = "def gkl(mu, sigma):\n    return helper(mu)\ndef helper(x):\n    return x.nonexistent()"
    tests = by_id(grade(make_submission(tmp_path / "sub", append={"vae.py": code}), tmp_path / "r.json"))
    output = tests["gkl"]["output"]
    assert 'File "vae.py"' in output and "in helper" in output and "AttributeError" in output
    assert "autograder" not in output and "site-packages" not in output


def test_check_runs_visible_tests_only_and_agrees_with_full_grading(tmp_path):
    example = ROOT / "examples" / "cmu10417-f2023" / "submission"
    proc = run_cli("check", str(example), "--assignment", "cmu10417-f2023")
    assert proc.returncode == 1                                     # a visible test fails
    lines = [line for line in proc.stdout.splitlines() if line.startswith(("PASS", "FAIL"))]
    full = grade(example, tmp_path / "r.json")
    visible = [t for t in full["tests"] if t["visibility"] == "visible"]
    assert len(lines) == len(visible)
    for line, test in zip(lines, visible):
        assert line.startswith("PASS" if test["status"] == "passed" else "FAIL") and test["name"] in line
    assert "hidden" not in proc.stdout
    ok = run_cli("check", str(make_submission(tmp_path / "good")), "--assignment", "cmu10417-f2023")
    assert ok.returncode == 0, ok.stdout


def test_grading_twice_gives_identical_results_apart_from_execution_time(tmp_path):
    example = ROOT / "examples" / "cmu10417-f2023" / "submission"
    first, second = grade(example, tmp_path / "a.json"), grade(example, tmp_path / "b.json")
    first.pop("execution_time")
    second.pop("execution_time")
    assert first == second


def test_a_raises_check_wants_the_real_value_error_not_a_class_of_that_name(tmp_path):
    sub = make_submission(tmp_path / "sub", append={"vae.py": (
        "class ValueError(Exception):\n    pass\n\n_right = gkl\n"
        "def gkl(mu, sigma):\n    if (sigma <= 0).any():\n        raise ValueError('not the built-in one')\n    return _right(mu, sigma)\n")})
    tests = by_id(grade(sub, tmp_path / "r.json"))
    assert tests["gkl-invalid"]["score"] == 0 and "raised an exception other than ValueError" in tests["gkl-invalid"]["output"]
    assert tests["gkl"]["score"] == tests["gkl"]["max_score"]
