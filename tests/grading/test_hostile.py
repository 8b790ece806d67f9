"""Hostile submissions (shared/spec/THREATS.md): honest score, no leak, valid results.json, nothing left running."""
import json
import os
import time

import pytest

from conftest import FIXTURES, ROOT, SCHEMA, hostile, make_submission, run_cli, sandbox_processes

import jsonschema

RUBRIC = FIXTURES / "small-rubric.yaml"
ITEMS = ["gkl", "reparameterize", "grads", "gcn", "alpha-bars", "q-sample-hidden"]

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="privilege separation needs root")


def grade_small(sub, out):
    proc = run_cli("grade", str(sub), "--assignment", "cmu10417-f2023", "--rubric", str(RUBRIC), "--output", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads(out.read_text())
    jsonschema.validate(results, SCHEMA)
    assert not sandbox_processes(), "a sandbox process outlived grading"
    assert results["extra_data"]["isolation"]["visible"]["uid_drop"] is True
    return {item: t for item, t in zip(ITEMS, results["tests"])}, results, proc.stdout


def scores(tests):
    return {item: t["score"] for item, t in tests.items()}


FULL = dict.fromkeys(ITEMS, 1.0)


def test_attack1_results_overwrite_from_import_and_atexit_is_ignored(tmp_path):
    out = tmp_path / "results" / "results.json"
    sub = make_submission(tmp_path / "sub", base="template", append={"vae.py": hostile("results_overwrite")})
    tests, results, _ = grade_small(sub, out)
    assert results["score"] == 0 and "pwned" not in out.read_text()
    assert not (tmp_path / "sub" / "results.json").exists()        # the grader's copy, not the original, was used


def test_attack2_patching_comparisons_and_runner_changes_nothing(tmp_path):
    sub = make_submission(tmp_path / "sub", base="template", append={"vae.py": hostile("patch_runner")})
    tests, _, _ = grade_small(sub, tmp_path / "r.json")
    assert tests["gkl"]["score"] == 0 and tests["reparameterize"]["score"] == 0
    assert "differs" in tests["gkl"]["output"]


def test_attack3_lying_tensor_subclass_is_refused(tmp_path):
    sub = make_submission(tmp_path / "sub", base="template", append={"vae.py": hostile("lying_tensor")})
    tests, _, _ = grade_small(sub, tmp_path / "r.json")
    assert tests["gkl"]["score"] == 0 and "subclass" in tests["gkl"]["output"]


def test_attack5_frames_memory_reference_and_rubric_are_out_of_reach(tmp_path):
    sub = make_submission(tmp_path / "sub", base="template", append={"vae.py": hostile("snoop")})
    (sub / "link.py").symlink_to(ROOT / "reference" / "vae.py")
    tests, results, stdout = grade_small(sub, tmp_path / "r.json")
    text = json.dumps(results) + stdout
    assert "LEAKED" not in text and "imported reference" not in text
    assert "no reference import" in tests["gkl"]["output"]         # the attempt ran, and failed
    assert "modules reference" not in tests["gkl"]["output"]
    assert "link.py: skipped" in results["output"]


def test_attack6_in_place_mutation_loses_the_item_even_with_a_right_answer(tmp_path):
    sub = make_submission(tmp_path / "sub", append={"vae.py": hostile("mutate_inputs")})
    tests, _, _ = grade_small(sub, tmp_path / "r.json")
    assert scores(tests) == {**FULL, "gkl": 0.0}
    assert "modified its input `mu`, `sigma` in place" in tests["gkl"]["output"]


def test_attack7_nan_broadcastable_shape_int_dtype_and_meta_device_fail_clearly(tmp_path):
    sub = make_submission(tmp_path / "sub", append={"vae.py": hostile("bad_outputs"), "gcn.py": hostile("bad_outputs_gcn")})
    tests, _, _ = grade_small(sub, tmp_path / "r.json")
    assert scores(tests) == {**FULL, "gkl": 0.0, "reparameterize": 0.0, "grads": 0.0, "gcn": 0.0}
    assert "got nan" in tests["gkl"]["output"]
    assert "has shape (3, 1), expected (3, 2)" in tests["reparameterize"]["output"]
    assert "dtype torch.int64, expected a floating tensor" in tests["grads"]["output"]
    assert "device meta" in tests["gcn"]["output"]


def test_attack10_exit_and_interrupts_cost_only_their_items(tmp_path):
    sub = make_submission(tmp_path / "sub", append={"vae.py": hostile("exits"), "gcn.py": hostile("exits_at_import")})
    tests, _, _ = grade_small(sub, tmp_path / "r.json")
    assert scores(tests) == {**FULL, "gkl": 0.0, "reparameterize": 0.0, "grads": 0.0, "gcn": 0.0}
    assert "SystemExit" in tests["gkl"]["output"] and "KeyboardInterrupt" in tests["reparameterize"]["output"]
    assert "died during the call" in tests["grads"]["output"]
    assert "importing `gcn.py` failed" in tests["gcn"]["output"] and "bye from gcn.py" in tests["gcn"]["output"]


def test_attack12_infinite_loop_ignoring_signals_and_sleep_time_out(tmp_path):
    sub = make_submission(tmp_path / "sub", append={"vae.py": hostile("loops")})
    tests, results, _ = grade_small(sub, tmp_path / "r.json")
    assert scores(tests) == {**FULL, "gkl": 0.0, "reparameterize": 0.0}
    assert "timed out" in tests["gkl"]["output"] and "timed out" in tests["reparameterize"]["output"]
    assert results["execution_time"] < 30


def test_attack12_import_that_never_finishes_costs_one_diagnosis_not_a_timeout_per_item(tmp_path):
    sub = make_submission(tmp_path / "sub", append={"vae.py": hostile("slow_import")})
    begin = time.monotonic()
    tests, results, _ = grade_small(sub, tmp_path / "r.json")
    assert scores(tests) == {**FULL, "gkl": 0.0, "reparameterize": 0.0, "grads": 0.0}
    for item in ("gkl", "reparameterize", "grads"):
        assert "importing vae.py did not finish within 3 s" in tests[item]["output"]
    assert time.monotonic() - begin < 3 * 3 + 10              # one timeout and one import check, not one per case


def test_attack16_slow_but_correct_code_gets_partial_credit_within_the_total_budget(tmp_path):
    sub = make_submission(tmp_path / "sub", append={"vae.py": hostile("slow_but_correct")})
    out = tmp_path / "r.json"
    begin = time.monotonic()
    proc = run_cli("grade", str(sub), "--assignment", "cmu10417-f2023", "--rubric", str(FIXTURES / "budget-rubric.yaml"),
                   "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    results = json.loads(out.read_text())
    jsonschema.validate(results, SCHEMA)
    assert all(t["name"] != "Grader errors (instructors only)" for t in results["tests"])
    gkl, more, hidden, alpha = results["tests"]
    assert gkl["score"] == 2.0 and "Passed 2 of 3 cases" in gkl["output"] and "timed out" in gkl["output"]
    assert "**Hint:**" not in gkl["output"] and "**Hint:**" not in more["output"]   # no formula hint for a timeout
    assert more["score"] == 0 and "time budget" in more["output"]
    assert hidden["score"] == 0 and "time budget" in hidden["output"]          # shown even in a hidden test
    assert alpha["score"] == 0 and "time budget" in alpha["output"]
    assert results["score"] == 2.0 and time.monotonic() - begin < 4 + 8      # budget plus start-up, never the 30 s sleeps
    assert sandbox_processes() == []


def test_attack11_segfault_and_deep_recursion_cost_only_their_items(tmp_path):
    sub = make_submission(tmp_path / "sub", append={"vae.py": hostile("crashes")})
    tests, _, _ = grade_small(sub, tmp_path / "r.json")
    assert scores(tests) == {**FULL, "gkl": 0.0, "reparameterize": 0.0}
    assert "died during the call" in tests["gkl"]["output"]
    assert any(what in tests["reparameterize"]["output"] for what in ("RecursionError", "died during the call", "timed out"))


def test_attack13_fork_bomb_daemons_and_threads_are_killed_and_right_answers_still_count(tmp_path):
    sub = make_submission(tmp_path / "sub", append={"vae.py": hostile("spawns")})
    tests, _, _ = grade_small(sub, tmp_path / "r.json")          # grade_small asserts no sandbox process is left
    assert scores(tests) == FULL


def test_attack14_memory_output_and_file_floods_are_capped(tmp_path):
    sub = make_submission(tmp_path / "sub", append={"vae.py": hostile("floods")})
    out = tmp_path / "r.json"
    tests, _, _ = grade_small(sub, out)
    assert scores(tests) == {**FULL, "gkl": 0.0}
    assert "raised" in tests["gkl"]["output"] or "died" in tests["gkl"]["output"]
    assert tests["reparameterize"]["output"].count("spam") < 2000 and "[...]" in tests["reparameterize"]["output"]
    assert "write stopped: File too large" in tests["grads"]["output"]
    assert out.stat().st_size < 200_000


def test_attack17_18_network_signals_and_parent_proc_are_denied(tmp_path):
    sub = make_submission(tmp_path / "sub", append={"vae.py": hostile("host")})
    tests, results, stdout = grade_small(sub, tmp_path / "r.json")
    assert scores(tests) == FULL
    output = tests["gkl"]["output"]
    for label in ("environ", "mem", "kill", "kill 1"):
        assert f"{label}: denied" in output, output
    if results["extra_data"]["isolation"]["visible"]["landlock_abi"] >= 4:
        assert "tcp: denied (PermissionError)" in output
    assert "LEAKED" not in json.dumps(results) + stdout


def test_attack4_19_forged_frame_and_inherited_fds_do_not_score(tmp_path):
    sub = make_submission(tmp_path / "sub", append={"vae.py": hostile("channel")})
    tests, _, _ = grade_small(sub, tmp_path / "r.json")
    assert scores(tests) == {**FULL, "gkl": 0.0}                 # the fd writes reached nothing that matters
    assert "interfered with the grader's channel" in tests["gkl"]["output"]


def test_attack8_inputs_remembered_in_hidden_calls_never_reach_visible_output(tmp_path):
    sub = make_submission(tmp_path / "sub", append={"vae.py": hostile("remember"), "diffusion.py": hostile("remember_hidden")})
    tests, results, stdout = grade_small(sub, tmp_path / "r.json")
    assert scores(tests) == FULL
    assert "VISIBLE-CALL" in tests["gkl"]["output"]               # the student's own printing works
    assert "HIDDEN-CALL" not in json.dumps(results) + stdout


def test_attack15_20_shadowing_files_and_broken_sources_are_inert(tmp_path):
    sub = make_submission(tmp_path / "sub")
    payload = "open('/tmp/PWNED', 'w').write('x')\nraise SystemExit('PWNED')\n"
    for name in ("conftest.py", "sitecustomize.py", "usercustomize.py", "torch.py", "json.py", "numpy.py", "pytest.py"):
        (sub / name).write_text(payload)
    (sub / "evil.pth").write_text("import os; os.system('touch /tmp/PWNED')\n")
    (sub / "pytest.ini").write_text("[pytest]\naddopts = -p conftest\n")
    (sub / "gcn.py").write_bytes(b"\xff\xfe not utf-8 \x00\n")
    tests, results, stdout = grade_small(sub, tmp_path / "r.json")
    assert scores(tests) == {**FULL, "gcn": 0.0}
    assert "gcn.py" in tests["gcn"]["output"] and "cannot be compiled" in tests["gcn"]["output"]
    assert "PWNED" not in json.dumps(results) + stdout and not os.path.exists("/tmp/PWNED")
