"""Rubric validation: every error names the file, the line, the key, and how to fix it."""
from pathlib import Path

import pytest

from autograder import rubric

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
    with pytest.raises(rubric.RubricError) as err:
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


def test_unknown_case_parameter_is_reported_at_its_line(tmp_path):
    message = problems(tmp_path, GOOD.replace("{batch: [3], k: 2}", "{batch: [3], kk: 2}"))
    assert ":9: items[0].cases[0].kk: unknown key 'kk'; did you mean 'k'?" in message


@pytest.mark.parametrize("edit, expected", [
    (("points: 2", "points: -1"), "greater than or equal to 0"),
    (("seed: 1", "seed: one"), "items" if False else "seed"),
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
