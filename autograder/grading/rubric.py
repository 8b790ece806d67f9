"""Rubric YAML: the pydantic schema, loading with line numbers, and errors an instructor can act on.

A rubric lists graded items.  Each item grades one function with one check on a list of
cases; points, visibility, tolerance, partial credit, timeout and seeds are per item
(with rubric-wide defaults).  Validation happens in two passes: the document's shape,
then each item's check (one of its function's `checks`) and its cases against the
parameters that check accepts.  A loaded item (`GradedItem`) holds its resolved check.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from autograder import course, yamlfile
from autograder.yamlfile import YamlError, suggest, where

from autograder.specs.base import CaseParams, Check, Comparison, FunctionSpec, Output, Tolerance
from autograder.specs.registry import registry

Visibility = Literal["visible", "hidden", "after_due_date", "after_published"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Defaults(Strict):
    visibility: Visibility = "visible"
    partial_credit: Literal["fraction", "all_or_nothing"] = "fraction"
    tolerance: Tolerance = Tolerance()
    timeout_s: float = Field(default=10.0, gt=0, le=300)
    total_budget_s: float = Field(default=480.0, gt=0, le=3600,
                                  description="Grading stops after this many seconds (Gradescope's default limit is 600).")


class Item(Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_.\-]+$", description="Stable identifier, unique in the rubric.")
    name: str | None = Field(default=None, description="Title shown on Gradescope; generated when omitted.")
    number: str | None = Field(default=None, pattern=r"^[0-9]+(\.[0-9]+)*$",
                               description="Gradescope's test number (\"1.2\"), which orders the tests; default: its position.")
    function: str = Field(description="Graded function as module.function, e.g. vae.gkl.")
    check: str = Field(default="values", pattern=r"^[a-z0-9_]+$",
                       description="values: match the reference; raises: ValueError on invalid input; or a named check of the function.")
    output: int | None = Field(default=None, ge=0, description="Grade only this element of a returned tuple.")
    points: float = Field(ge=0)
    visibility: Visibility | None = None
    partial_credit: Literal["fraction", "all_or_nothing"] | None = None
    tolerance: Tolerance | None = None
    timeout_s: float | None = Field(default=None, gt=0, le=300)
    hint: str | None = Field(default=None, description="Replaces the function's generic hint.")
    cases: list[dict[str, Any]] = Field(min_length=1)

    @field_validator("number", mode="before")
    @classmethod
    def _number_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


class AnswerKey(Strict):
    """A choice question as a handout describes it: its key in answers.yaml and the values it takes, never the answer."""

    key: str
    question: str
    choices: list[str | int] | None = None
    multiple: bool = False


class Handout(Strict):
    """Written by `build` into a handout's rubric: what the local check says about the tests it does not run."""

    torch: str = Field(description="The grader's torch version.")
    hidden_points: float = Field(default=0, ge=0, description="Points of the tests the handout leaves out.")
    answers: list[AnswerKey] = Field(default=[], description="The assignment's choice questions, for checking answers.yaml.")


class Rubric(Strict):
    assignment: str = Field(pattern=r"^[a-z0-9][a-z0-9\-]*$")
    title: str
    seed: int
    total_points: float | None = Field(default=None, ge=0, description="If set, must equal the sum of the items' points "
                                        "(Python tests, if any, add theirs).")
    student_packages: list[str] = Field(default=[], description="Packages besides torch and numpy that student code may "
                                        "import, as pip requirements (setup.sh installs them; the handout lists them).")
    tests: list[str] = Field(default=[], description="A course's Python test files graded with this assignment, as paths "
                             "in the course folder (tests/test_hw4.py); their points add to the items'.")
    defaults: Defaults = Defaults()
    handout: Handout | None = Field(default=None, description="Only in a handout's rubric (written by `build`).")
    items: list[Item] = Field(min_length=1)

    @field_validator("items")
    @classmethod
    def _unique_ids(cls, items: list[Item]) -> list[Item]:
        seen: set[str] = set()
        for item in items:
            if item.id in seen:
                raise ValueError(f"duplicate item id {item.id!r}; give each item its own id")
            seen.add(item.id)
        return items

    @model_validator(mode="after")
    def _total(self) -> Rubric:
        total = sum(item.points for item in self.items)
        if self.total_points is not None and abs(total - self.total_points) > 1e-9:
            raise ValueError(f"total_points={self.total_points!r} but the items add up to {total!r}")
        return self

    @property
    def total(self) -> float:
        return sum(item.points for item in self.items)


class GradedItem(BaseModel):
    """An item with defaults applied and its cases expanded and validated, ready to run."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    item: Item
    number: str
    spec: FunctionSpec
    check: Check
    visibility: Visibility
    partial_credit: Literal["fraction", "all_or_nothing"]
    tolerance: Tolerance
    timeout_s: float
    cases: list[tuple[CaseParams, int]]        # (parameters, seed)

    @property
    def id(self) -> str:
        return self.item.id

    @property
    def outputs(self) -> tuple[Output, ...]:
        return self.check.outputs

    @property
    def comparison(self) -> Comparison:
        return Comparison(self.tolerance, self.check.outputs, self.item.output)

    @property
    def title(self) -> str:
        if self.item.name:
            return self.item.name
        part = f" [{self.outputs[self.item.output].name}]" if self.item.output is not None else ""
        return f"{self.spec.qualname}{part}: {self.check.title}"


def case_seed(rubric_seed: int, item_id: str, index: int) -> int:
    digest = hashlib.sha256(f"{rubric_seed}/{item_id}/{index}".encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def load(path: str | Path) -> tuple[Rubric, list[GradedItem]]:
    """Parse and validate a rubric file; raises YamlError listing every problem found."""
    path = Path(path)
    data, lines = yamlfile.read(path, "a rubric is a mapping with keys assignment, title, seed, items")
    try:
        rubric = Rubric.model_validate(data)
    except ValidationError as exc:
        raise YamlError(path, yamlfile.problems(exc, lines, (), Rubric)) from None
    graded, problems = _expand(rubric, lines)
    for k, test in enumerate(rubric.tests):
        file = course.active().root / test
        if not (file.is_file() and file.name.startswith("test_") and file.suffix == ".py"):
            problems.append(f"{where(('tests', k), lines)}: tests[{k}]: {test!r} is not a test_*.py file of the course "
                            f"{course.active().root}")
    if problems:
        raise YamlError(path, problems)
    return rubric, graded


def _expand(rubric: Rubric, lines: dict[tuple, int]) -> tuple[list[GradedItem], list[str]]:
    specs, graded, problems = registry(), [], []
    d = rubric.defaults
    for i, item in enumerate(rubric.items):
        spec = specs.get(item.function)
        if spec is None:
            problems.append(f"{where(('items', i, 'function'), lines)}: items[{i}].function: unknown function "
                            f"{item.function!r}" + suggest(item.function, sorted(specs)))
            continue
        check = spec.checks.get(item.check)
        if check is None:
            problems.append(f"{where(('items', i, 'check'), lines)}: items[{i}].check: {item.function} has no check "
                            f"{item.check!r}" + suggest(item.check, list(spec.checks)) + f" (known: {', '.join(spec.checks)})")
            continue
        if item.output is not None and item.output >= len(check.outputs):
            problems.append(f"{where(('items', i, 'output'), lines)}: items[{i}].output: {item.function} returns "
                            f"{len(check.outputs)} value(s); output must be below {len(check.outputs)}")
        cases: list[tuple[CaseParams, int]] = []
        for j, raw in enumerate(item.cases):
            try:
                params = check.params.model_validate(raw)
            except ValidationError as exc:
                problems += yamlfile.problems(exc, lines, ("items", i, "cases", j), check.params)
                continue
            problem = check.problem(params, spec.invalid)
            if problem:
                problems.append(f"{where(('items', i, 'cases', j), lines)}: items[{i}].cases[{j}].invalid: {problem}")
                continue
            if params.invalid is not None and params.invalid not in spec.invalid:
                problems.append(f"{where(('items', i, 'cases', j, 'invalid'), lines)}: items[{i}].cases[{j}].invalid: "
                                f"{item.function} has no invalid variant {params.invalid!r}"
                                + suggest(params.invalid, list(spec.invalid)) + f" (known: {', '.join(spec.invalid)})")
                continue
            for r in range(params.repeat):
                index = len(cases)
                cases.append((params, params.seed + r if params.seed is not None else case_seed(rubric.seed, item.id, index)))
        graded.append(GradedItem(
            item=item, number=item.number or str(i + 1), spec=spec, check=check, visibility=item.visibility or d.visibility,
            partial_credit=item.partial_credit or d.partial_credit, tolerance=item.tolerance or spec.tolerance or d.tolerance,
            timeout_s=item.timeout_s or d.timeout_s, cases=cases))
    return graded, problems


def rubric_dir() -> Path:
    """The active course's rubrics/ folder (the product's own by default)."""
    return course.active().rubrics


def find(assignment: str, directory: Path | None = None) -> Path:
    directory = directory or rubric_dir()
    path = directory / f"{assignment}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in directory.glob("*.yaml"))
        raise YamlError(path, [f"1: assignment: no rubric for {assignment!r}" + suggest(assignment, known)
                                 + f" (known: {', '.join(known) or 'none'})"])
    return path


def json_schema() -> dict:
    """The JSON Schema of the rubric format (schemas/rubric.schema.json), for editors and CI.

    On top of the pydantic models: `function` is one of the graded functions, and the cases
    of an item follow the parameter model of its check of that function.
    """
    from pydantic.json_schema import models_json_schema

    specs = registry()
    models = sorted({check.params for spec in specs.values() for check in spec.checks.values()},
                    key=lambda m: (m.__module__, m.__name__))
    keys, schema = models_json_schema([(Rubric, "validation"), *((m, "validation") for m in models)],
                                      ref_template="#/$defs/{model}", title="gm-autograder rubric")
    schema |= {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": keys[(Rubric, "validation")]["$ref"]}
    item = schema["$defs"]["Item"]
    item["properties"]["function"]["enum"] = sorted(specs)
    item["allOf"] = [{"if": {"properties": {"function": {"const": name}, "check": {"const": check.name}},
                             "required": ["function"] + ([] if check.name == "values" else ["check"])},
                      "then": {"properties": {"cases": {"items": keys[(check.params, "validation")]}}}}
                     for name, spec in sorted(specs.items()) for check in spec.checks.values()]
    return schema
