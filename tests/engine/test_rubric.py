"""Rubric validation: every error names the file, the line, the key, and how to fix it."""
from pathlib import Path

import pytest

from autograder.grading import rubric
from autograder.yamlfile import YamlError
from conftest import ROOT, run_cli

GOOD = """\
assignment: demo
title: Demo
seed: 1
items:
  - id: gkl
    function: vae.gkl
    points: 2
    cases:
      - {batch: [3], k: 2}
"""


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "demo.yaml"
    (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)
    return path


def problems(tmp_path, text) -> str:
    with pytest.raises(YamlError) as err:
        rubric.load(write(tmp_path, text))
    return str(err.value)


def test_good_rubric_expands_cases_with_stable_derived_seeds(tmp_path):
    r, items = rubric.load(write(tmp_path, GOOD))
    assert r.total == 2 and items[0].visibility == "visible" and len(items[0].cases) == 1
    assert items[0].cases[0][1] == rubric.case_seed(1, "gkl", 0) == rubric.load(write(tmp_path, GOOD))[1][0].cases[0][1]


def test_unknown_key_names_file_line_key_and_suggests_the_fix(tmp_path):
    text = GOOD.replace("    points: 2", "    point: 2")
    message = problems(tmp_path, text)
    assert f"{tmp_path / 'demo.yaml'}:7: items[0].point: unknown key 'point'; did you mean 'points'?" in message


def test_unknown_function_suggests_the_closest(tmp_path):
    message = problems(tmp_path, GOOD.replace("vae.gkl", "vae.gkll"))
    assert ":6: items[0].function: unknown function 'vae.gkll'; did you mean 'vae.gkl'?" in message


def test_an_unknown_check_lists_exactly_the_checks_the_function_has(tmp_path):
    message = problems(tmp_path, GOOD.replace("    points: 2", "    check: nonnegativ\n    points: 2"))
    assert ":7: items[0].check: vae.gkl has no check 'nonnegativ'; did you mean 'nonnegative'? (known: values, raises, nonnegative)" in message
    choice = GOOD.replace("vae.gkl", "answers.choice").replace("    points: 2", "    check: raises\n    points: 2")
    assert "answers.choice has no check 'raises' (known: values)" in problems(tmp_path, choice)


def test_the_cases_of_a_named_check_follow_that_checks_own_parameters(tmp_path):
    field = GOOD.replace("vae.gkl", "autoregressive.masked_conv2d").replace("    points: 2", "    check: receptive_field\n    points: 2")
    assert ":10: items[0].cases[0].batch: unknown key 'batch'" in problems(tmp_path, field)
    _, items = rubric.load(write(tmp_path, field.replace("{batch: [3], k: 2}", "{mask_types: AB}")))
    assert items[0].check.name == "receptive_field" and items[0].check.params.__name__ == "FieldCase"


def test_unknown_case_parameter_is_reported_at_its_line(tmp_path):
    message = problems(tmp_path, GOOD.replace("{batch: [3], k: 2}", "{batch: [3], kk: 2}"))
    assert ":9: items[0].cases[0].kk: unknown key 'kk'; did you mean 'k'?" in message


@pytest.mark.parametrize("edit, expected", [
    (("points: 2", "points: -1"), "greater than or equal to 0"),
    (("seed: 1", "seed: one"), "seed"),
    (("    points: 2", "    points: 2\n    tolerance: {rtol: -1.0e-5}"), ":8: items[0].tolerance.rtol: Input should be greater than or equal to 0"),
    (("    points: 2", "    points: 2\n    timeout_s: 0"), ":8: items[0].timeout_s: Input should be greater than 0"),
    (("    points: 2", "    points: [2]"), ":7: items[0].points: Input should be a valid number"),
    (("{batch: [3], k: 2}", "{batch: [3], k: 2, invalid: sigma_zero}"), "only raises checks take invalid cases"),
])
def test_wrong_values_are_reported(tmp_path, edit, expected):
    assert expected in problems(tmp_path, GOOD.replace(*edit))


def test_duplicate_ids_and_wrong_total_are_reported(tmp_path):
    doubled = GOOD + GOOD.split("items:\n", 1)[1]
    assert "duplicate item id 'gkl'" in problems(tmp_path, doubled)
    assert "total_points=3.0 but the items add up to 2.0" in problems(tmp_path, "total_points: 3\n" + GOOD)


def test_yaml_syntax_error_and_non_utf8_are_reported_not_raised(tmp_path):
    assert ":6: (syntax)" in problems(tmp_path, GOOD.replace("  - id: gkl", "  - id: [gkl"))
    assert "not UTF-8" in problems(tmp_path, GOOD.encode() + b"\xff\xfe")


def test_raises_check_needs_a_known_invalid_variant(tmp_path):
    text = GOOD.replace("    points: 2", "    check: raises\n    points: 2").replace("{batch: [3], k: 2}", "{invalid: sigma_zer}")
    assert "sigma_zer" in problems(tmp_path, text)


def test_every_shipped_rubric_is_valid():
    for path in rubric.rubric_dir().glob("*.yaml"):
        rubric.load(path)


def test_duplicate_yaml_keys_are_reported_instead_of_silently_dropped(tmp_path):
    message = problems(tmp_path, GOOD.replace("    points: 2", "    points: 2\n    points: 3"))
    assert ":8: items[0].points: duplicate key (first on line 7)" in message


def test_control_characters_and_aliases_found_by_the_fuzzer_get_one_line_errors(tmp_path):
    assert ":1: (syntax): character U+0000 is not allowed in YAML" in problems(tmp_path, "\x00" + GOOD)
    recursive = GOOD.replace("      - {batch: [3], k: 2}", "      - &a [*a]")
    assert ":9: items[0].cases[0][0]: anchors and aliases (&name, *name) are not supported" in problems(tmp_path, recursive)
    laughs = "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b]\n" + GOOD
    assert "anchors and aliases" in problems(tmp_path, laughs)


# --- Fuzz: malformed rubrics always end in 'file:line: key: message', never a traceback ---------------------
import re  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SHIPPED = sorted(rubric.rubric_dir().glob("*.yaml"))
JUNK_VALUES = ["-1", "-0.5", "x", "[]", "{}", "null", "1e309", "'5'", "true", "[1, [2]]", "{a: 1}", "-1.0e-5", "vae.nope",
               "*anchor", "&a [*a]", "!!python/object:os.system", "\"\\x00\"", "999999999999999999999999"]
JUNK_CHARS = [":", "{", "}", "[", "]", "-", " ", "\t", "\"", "'", "#", "&", "*", "!", "|", ">", "%", "@", "`", "\\"]


@st.composite
def malformed(draw) -> bytes:
    """A shipped rubric with one or more edits of the kinds instructors make: values, keys, indentation, bytes."""
    lines = SHIPPED[draw(st.integers(0, len(SHIPPED) - 1))].read_text().splitlines()
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        line = lines[i]
        kind = draw(st.sampled_from(["value", "key", "char", "indent", "duplicate", "delete"]))
        if kind == "value" and ":" in line:
            head = line.split(":", 1)[0]
            lines[i] = f"{head}: {draw(st.sampled_from(JUNK_VALUES))}"
        elif kind == "key" and ":" in line:
            head, tail = line.split(":", 1)
            lines[i] = f"{head.rstrip()[:-1] or 'x'}{draw(st.sampled_from(['', 's', '_', 'X']))}:{tail}"
        elif kind == "char":
            at = draw(st.integers(0, len(line)))
            lines[i] = line[:at] + draw(st.sampled_from(JUNK_CHARS)) + line[at:]
        elif kind == "indent":
            lines[i] = draw(st.sampled_from(["", " ", "   ", "\t"])) + line.lstrip()
        elif kind == "duplicate":
            lines.insert(i, line)
        else:
            del lines[i]
    data = ("\n".join(lines) + "\n").encode()
    if draw(st.booleans()) and draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\x00", b"\xe2\x82"])) + data[at:]
    return data


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=malformed())
def test_fuzzed_rubrics_fail_with_file_line_and_key_never_a_traceback(tmp_path, text):
    path = write(tmp_path, text)
    try:
        rubric.load(path)
    except YamlError as err:
        n_lines = text.count(b"\n") + 1
        assert err.problems
        for problem in str(err).splitlines():
            match = re.match(rf"^{re.escape(str(path))}:(\d+): \S.*?: \S", problem)
            assert match, problem
            assert 1 <= int(match.group(1)) <= n_lines, problem


def test_the_json_schema_in_the_repo_is_current_and_every_shipped_rubric_says_where_it_is():
    import json

    from autograder.grading.rubric import json_schema

    assert json.loads((ROOT / "schemas" / "rubric.schema.json").read_text()) == json_schema(), \
        "regenerate: python -m autograder validate --schema > schemas/rubric.schema.json"
    for path in (ROOT / "rubrics").glob("*.yaml"):
        assert path.read_text().startswith("# yaml-language-server: $schema=../schemas/rubric.schema.json\n"), path


def test_the_json_schema_accepts_the_shipped_rubrics_and_rejects_what_load_rejects():
    import jsonschema
    import yaml

    from autograder.grading.rubric import json_schema

    validator = jsonschema.Draft202012Validator(json_schema())
    for path in (ROOT / "rubrics").glob("*.yaml"):
        assert not list(validator.iter_errors(yaml.safe_load(path.read_text()))), path
    good = yaml.safe_load((ROOT / "rubrics" / "cmu10417-f2023.yaml").read_text())
    for break_it in (lambda r: r["items"][0].update(function="vae.gkll"),            # unknown function
                     lambda r: r["items"][0]["cases"][0].update(batchsize=[3]),      # unknown case parameter
                     lambda r: r["items"][0].update(points=-1),                      # negative points
                     lambda r: r.update(colour="red")):                              # unknown key
        bad = yaml.safe_load(yaml.safe_dump(good))
        break_it(bad)
        assert list(validator.iter_errors(bad)), bad


def test_validate_reports_every_rubric_and_exits_1_on_a_bad_one(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("assignment: x\ntitle: t\nseed: 1\nitems:\n  - {id: a, function: vae.gkll, points: 1, cases: [{}]}\n")
    proc = run_cli("validate", str(ROOT / "rubrics" / "cmu10417-f2023.yaml"), str(bad))
    assert proc.returncode == 1
    assert "ok      " in proc.stdout and "cmu10417-f2023, 24 items" in proc.stdout
    assert f"{bad}:5: items[0].function: unknown function 'vae.gkll'; did you mean 'vae.gkl'?" in proc.stderr
    assert run_cli("validate").returncode == 0


def test_validate_warns_when_a_rubric_hides_graded_items_as_gradescope_then_hides_the_total(tmp_path):
    hidden = write(tmp_path, GOOD.replace("    points: 2", "    points: 2\n    visibility: hidden"))
    proc = run_cli("validate", str(hidden))
    assert proc.returncode == 0 and "gkl is hidden with points, so Gradescope hides the total from students" in proc.stderr
    assert "warning" not in run_cli("validate").stderr                   # the shipped rubrics never do


def test_no_shipped_rubric_hides_an_item_with_points_outright():
    for path in sorted((ROOT / "rubrics").glob("*.yaml")):
        assert not [g.id for g in rubric.load(path)[1] if g.visibility == "hidden" and g.item.points], path


def test_a_key_that_is_a_list_or_a_mapping_is_a_problem_not_a_crash(tmp_path):
    """Found by the fuzzer above: `{!batch: [6]}` and `{[1, 2]: 3}` made PyYAML keys no dict can hold."""
    text = GOOD.replace("      - {batch: [3], k: 2}", "      - {!batch: [6], k: 2}\n      - {[1, 2]: 3}")
    message = problems(tmp_path, text)
    assert f"{tmp_path / 'demo.yaml'}:9: items[0].cases[0]: a key is a plain name" in message
    assert f"{tmp_path / 'demo.yaml'}:10: items[0].cases[1]: a key is a plain name" in message
