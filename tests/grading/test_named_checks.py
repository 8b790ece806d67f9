"""Named checks end to end: probes that drive the student's functions in the worker, answers.yaml, grids."""
import json

from conftest import FIXTURES, make_submission, run_cli

RUBRIC = FIXTURES / "probe-rubric.yaml"


def grade_small(submission, out) -> dict[str, dict]:
    proc = run_cli("grade", str(submission), "--assignment", "probe-checks", "--rubric", str(RUBRIC), "--output", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    tests = json.loads(out.read_text())["tests"]
    return dict(zip(["field-autograd", "field", "h-consistent", "q4-1", "q2-2"], tests))


def test_reference_passes_every_named_check(tmp_path):
    tests = grade_small(make_submission(tmp_path / "sub"), tmp_path / "r.json")
    assert all(t["score"] == t["max_score"] == 1 for t in tests.values()), tests


def test_a_field_is_read_off_the_students_own_layers_whatever_they_compute_it_with(tmp_path):
    """The probe runs in the grader on the values the student's masked_conv2d returns: detached or numpy-backed
    code that computes the right values passes."""
    sub = make_submission(tmp_path / "sub", append={
        "autoregressive.py": "def masked_conv2d(x, weight, bias, mask_type):\n"
                             "    mask = pixelcnn_mask(mask_type, weight.shape[-1])\n"
                             "    return F.conv2d(x.detach(), weight * mask, bias, padding=1)\n"})
    assert grade_small(sub, tmp_path / "r.json")["field-autograd"]["score"] == 1


def test_probe_failures_and_answer_problems_get_clear_messages(tmp_path):
    sub = make_submission(tmp_path / "sub", append={
        "autoregressive.py": "def masked_conv2d(x, weight, bias, mask_type):\n"
                             "    return F.conv2d(x, weight, bias, padding=1)\n\n"
                             "def receptive_field(mask_types, size=5, pixel=(3, 3)):\n"
                             "    field = torch.zeros(size, size, dtype=torch.bool)\n    field[0] = True\n    return field\n"})
    (sub / "answers.yaml").write_text("q4_1: e\n")
    tests = grade_small(sub, tmp_path / "r.json")
    from reference.misconceptions import MISCONCEPTIONS

    unmasked = next(m.hint for m in MISCONCEPTIONS["autoregressive.masked_conv2d"] if m.name == "unmasked")
    assert tests["field-autograd"]["score"] == 0 and f"**Hint:** {unmasked}" in tests["field-autograd"]["output"]
    assert "yours" in tests["field-autograd"]["output"]               # the field drawn beside the expected one
    assert "cpuinfo" not in tests["field-autograd"]["output"] and "NNPACK" not in tests["field-autograd"]["output"]
    field = tests["field"]["output"]
    assert "yours" in field and "expected" in field and " 1 # # # # #      1 # # # # #" in field
    assert "missing: 21 22 23 31" in field and "extra:   none" in field
    assert "not one of the allowed values (a, b, c, d)" in tests["q4-1"]["output"] and "you answered `'e'`" in tests["q4-1"]["output"]
    assert "accept" not in tests["q4-1"]["output"]                   # the key is never described, even in visible tests
    hidden = tests["q2-2"]["output"]
    assert hidden == "answers.yaml has no key q2_2_scenario1: add it to `answers.yaml`."     # module-level: shown everywhere
    assert "reverse" not in hidden                                   # the key is never shown


def test_missing_function_behind_a_probe_and_missing_answers_file(tmp_path):
    sub = make_submission(tmp_path / "sub", append={"autoregressive.py": "del masked_conv2d\n",
                                                    "simsiam.py": "def simsiam_H(Wp, X, Xp):\n    return Wp.flatten()\n"})
    (sub / "answers.yaml").unlink()
    tests = grade_small(sub, tmp_path / "r.json")
    assert "does not define a function `masked_conv2d`" in tests["field-autograd"]["output"]
    assert "simsiam_H returned shape (4,) (torch.float64), expected a floating tensor of shape (6, 6)" in tests["h-consistent"]["output"]
    assert "`answers.yaml` was not found in your submission." in tests["q4-1"]["output"]
    assert tests["field"]["score"] == 1                              # a missing function costs only its items
