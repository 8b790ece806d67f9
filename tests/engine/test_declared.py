"""Function specs declared in YAML (specs/declared.py): every way to draw an argument, sizes and constraints,
invalid variants, case-fixed arguments, the JSON Schema, and errors that name the file and the line."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import torch
import yaml

from autograder import course
from autograder.specs import declared
from autograder.yamlfile import YamlError
from conftest import ROOT

EXAMPLE = ROOT / "examples" / "gm101-s2027"
DRAWS = """\
module: draws
functions:
  - name: every_draw
    dims: {B: 64, D: 4, K: 5}
    constraints: ["K > D", "B >= 2 * D"]
    args:
      x: {shape: [B, D]}
      n: {shape: [B], normal: [3.0, 0.5]}
      u: {shape: [B, D], uniform: [-2, -1]}
      pos: {shape: [B], positive: true}
      p: {shape: [B, K], simplex: true}
      cov: {shape: [B, D, D], psd: true}
      idx: {shape: [B], int: [0, K - 1]}
      mask: {shape: [B, D], dtype: bool}
      single: {shape: [D], dtype: float32}
      t: {int: [1, K]}
      scale: {positive: true}
      mode: {choice: [sum, mean]}
      fixed: {value: 7}
    invalid:
      zero_t: {arg: t, value: 0}
      big_t: {arg: t, value: "K + 1"}
      bad_p: {arg: p, set_first: -1.0}
      wrong_shape: {arg: x, shape: [B, D + 1]}
    regimes: {"t = K": "t == K", "the smallest batch (B = 2 D)": "B == 2 * D"}
"""
REFERENCE = "def every_draw(*args):\n    return args[0]\n"


def course_with(tmp_path: Path, spec: str, reference: str = REFERENCE, name: str = "draws") -> course.Course:
    (tmp_path / "rubrics").mkdir(exist_ok=True)
    (tmp_path / "specs").mkdir(exist_ok=True)
    (tmp_path / "reference").mkdir(exist_ok=True)
    (tmp_path / "specs" / f"{name}.yaml").write_text(spec)
    (tmp_path / "reference" / f"{name}.py").write_text(reference)
    return course.Course(tmp_path)


def drawn(tmp_path: Path, spec: str = DRAWS, **case) -> tuple:
    found = declared.load(course_with(tmp_path, spec))[0]
    params = found.params(**case)
    return found, found.build(params, torch.Generator().manual_seed(1)).args


def test_every_draw_gives_what_it_says(tmp_path):
    spec, (x, n, u, pos, p, cov, idx, mask, single, t, scale, mode, fixed) = drawn(tmp_path)
    assert x.shape == (64, 4) and x.dtype == torch.float64
    assert abs(float(n.mean()) - 3.0) < 0.3 and 0.3 < float(n.std()) < 0.7
    assert float(u.min()) >= -2 and float(u.max()) <= -1
    assert float(pos.min()) >= 0.2 and float(pos.max()) <= 2.0
    assert p.shape == (64, 5) and torch.allclose(p.sum(-1), torch.ones(64, dtype=torch.float64)) and float(p.min()) > 0
    assert torch.allclose(cov, cov.transpose(-1, -2)) and float(torch.linalg.eigvalsh(cov).min()) > 0
    assert idx.dtype == torch.int64 and 0 <= int(idx.min()) and int(idx.max()) <= 4
    assert mask.dtype == torch.bool and single.dtype == torch.float32
    assert isinstance(t, int) and 1 <= t <= 5 and isinstance(scale, float) and mode in ("sum", "mean") and fixed == 7
    assert spec.arg_names[:2] == ["x", "n"]


def test_a_case_sets_sizes_and_fixes_number_arguments(tmp_path):
    _, args = drawn(tmp_path, B=8, D=2, K=3, t=3, mode="mean", scale=0.5)
    assert args[0].shape == (8, 2) and args[9] == 3 and args[10] == 0.5 and args[11] == "mean"
    found = declared.load(course_with(tmp_path, DRAWS))[0]
    for bad in ({"t": 6}, {"K": 4}, {"mode": "max"}, {"B": 0}):           # out of range, a constraint, a choice, a size
        with pytest.raises(Exception):
            found.params(**bad)


def test_invalid_variants_change_one_argument(tmp_path):
    found = declared.load(course_with(tmp_path, DRAWS))[0]
    gen = lambda: torch.Generator().manual_seed(1)  # noqa: E731
    args = {key: found.invalid[key](found.params(invalid=key), gen()).args for key in found.invalid}
    assert args["zero_t"][9] == 0 and args["big_t"][9] == 6
    assert float(args["bad_p"][4].view(-1)[0]) == -1.0
    assert args["wrong_shape"][0].shape == (64, 5)
    assert "raises" in found.checks


def test_declared_regimes_read_the_sizes_from_the_shapes_and_the_integer_arguments(tmp_path):
    found = declared.load(course_with(tmp_path, DRAWS))[0]
    gen = lambda: torch.Generator().manual_seed(1)  # noqa: E731

    def reached(**case) -> list[str]:
        arguments = dict(zip(found.arg_names, found.build(found.params(**case), gen()).args))
        return [regime.name for regime in found.regimes if regime.reached(arguments)]

    assert reached(t=5) == ["t = K"] and reached(t=2) == []
    assert reached(B=4, D=2, K=3, t=1) == ["the smallest batch (B = 2 D)"]          # B and D from x's shape [B, D]


def test_size_arithmetic_evaluates_only_sizes_and_integers():
    assert declared.evaluate("2 * D - 1", {"D": 3}) == 5
    for bad in ("__import__('os').getcwd()", "D ** 100", "E", "open('x')"):
        with pytest.raises(ValueError):
            declared.evaluate(bad, {"D": 3})


BAD = {   # edit of DRAWS -> what the error says, on the line of `needle`
    "unknown draw key": ("      x: {shape: [B, D]}", "      x: {shape: [B, D], nomral: [0, 1]}", "unknown key 'nomral'"),
    "two ways to draw": ("      pos: {shape: [B], positive: true}", "      pos: {shape: [B], positive: true, uniform: [0, 1]}",
                         "draw it one way only"),
    "an unknown size": ("      x: {shape: [B, D]}", "      x: {shape: [B, E]}", "cannot evaluate 'E'"),
    "a constraint the defaults miss": ('    constraints: ["K > D", "B >= 2 * D"]', '    constraints: ["K > D", "B >= 20 * D"]',
                                       "do not meet 'B >= 20 * D'"),
    "a constraint that is not one": ('    constraints: ["K > D", "B >= 2 * D"]', '    constraints: ["K >> D"]',
                                     "a constraint compares two sizes"),
    "psd on a non-square shape": ("      cov: {shape: [B, D, D], psd: true}", "      cov: {shape: [B, D, K], psd: true}",
                                  "psd needs square matrices"),
    "an invalid variant of no argument": ("      zero_t: {arg: t, value: 0}", "      zero_t: {arg: tt, value: 0}",
                                          "no argument 'tt'"),
    "a reserved name": ("      fixed: {value: 7}", "      seed: {value: 7}", "reserved for every case", "    args:"),
    "a missing reference function": ("  - name: every_draw", "  - name: every_draws", "defines no function every_draws"),
    "a regime of an unknown size": ('    regimes: {"t = K": "t == K", "the smallest batch (B = 2 D)": "B == 2 * D"}',
                                    '    regimes: {"t = Q": "t == Q"}', "cannot evaluate 'Q'"),
}


@pytest.mark.parametrize("name", BAD)
def test_a_bad_spec_names_the_file_the_line_and_the_key(tmp_path, name):
    old, new, says, *needle = BAD[name]
    text = DRAWS.replace(old, new)
    assert text != DRAWS
    with pytest.raises(YamlError) as err:
        declared.load(course_with(tmp_path, text))
    line = text[: text.index(needle[0] if needle else new)].count("\n") + 1
    message = str(err.value)
    assert f"{tmp_path / 'specs' / 'draws.yaml'}:{line}: functions[0]" in message and says in message, message


def test_the_spec_schema_in_the_repo_is_current_and_accepts_the_example():
    assert json.loads((ROOT / "schemas" / "spec.schema.json").read_text()) == declared.json_schema(), \
        "regenerate: python -m autograder validate --spec-schema > schemas/spec.schema.json"
    validator = jsonschema.Draft202012Validator(declared.json_schema())
    assert not list(validator.iter_errors(yaml.safe_load(DRAWS)))
    assert not list(validator.iter_errors(yaml.safe_load((EXAMPLE / "specs" / "ddpm.yaml").read_text())))
    assert list(validator.iter_errors(yaml.safe_load(DRAWS.replace("positive: true}", "positive: true, colour: red}"))))


def test_the_example_course_rubric_schema_is_current(tmp_path):
    from autograder.grading.rubric import json_schema

    previous = course.active()
    try:
        course.use(shutil.copytree(EXAMPLE, tmp_path / "course"))
        assert json.loads((EXAMPLE / "schemas" / "rubric.schema.json").read_text()) == json_schema(), \
            "regenerate: python -m autograder validate --course examples/gm101-s2027 --schema > " \
            "examples/gm101-s2027/schemas/rubric.schema.json"
    finally:
        course.use(previous.root)
