"""A course's own functions, declared in YAML (`specs/<module>.yaml`), turned into FunctionSpecs like the built-in ones.

    module: ddpm
    functions:
      - name: reverse_step                   # ddpm.reverse_step; the reference is reference/ddpm.py's function
        dims: {B: 4, D: 3, T: 10}            # named sizes: their defaults; a rubric case sets them
        constraints: ["T >= 2"]              # must hold for every case
        args:                                # in call order
          xt: {shape: [B, D]}                # float64, standard normal (the default)
          t: {int: [1, T]}                   # a Python int in 1..T (with a shape: a LongTensor)
          betas: {shape: [T], uniform: [0.0001, 0.05]}
          noise: {shape: [B, D]}
        outputs: [x_prev]                    # or {name: var, broadcast_to: mean}
        tolerance: {rtol: 1.0e-6, atol: 1.0e-8}
        invalid:                             # variants that must raise ValueError (rubric `check: raises`)
          t_zero: {arg: t, value: 0}
          beta_one: {arg: betas, set_first: 1.0}
        hint: "x_{t-1} = (x_t - beta_t / sqrt(1 - abar_t) eps) / sqrt(alpha_t) + sqrt(beta_t) z"
        mistakes:                            # wrong formulas beside the reference, with the hint they earn
          - {name: no_noise, function: reverse_step_without_noise, hint: "add sigma_t z for t > 1"}
        regimes:                             # what the cases must reach (`audit` lists the rest): comparisons of
          "t = 1": "t == 1"                  # the sizes (read from the tensors' shapes) and the integer arguments
          "t = T": "t == T"

Draws: `normal: [mean, std]`, `uniform: [low, high]`, `positive: true` (uniform in 0.2..2),
`simplex: true` (probability vectors along the last dim), `psd: true` (symmetric positive
definite, the last two sizes equal), `int: [low, high]` (inclusive, bounds may be
expressions of the sizes), `choice: [...]` (one of these values), `value: ...` (a
constant).  `dtype` is float64 (default), float32, int64 or bool.  Shapes and bounds are
sizes, numbers, or arithmetic on them (`D - 1`).  Every problem is reported as
`file:line: key: message`, like a rubric's.
"""
from __future__ import annotations

import ast
import operator
from pathlib import Path
from typing import Annotated, Any, Callable, Literal

import torch
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator, model_validator

from autograder import yamlfile
from autograder.course import Course, python_problem
from autograder.specs.base import Call, CaseParams, FunctionSpec, Misconception, Output, Tolerance, normal, uniform
from autograder.specs.regimes import Regime
from autograder.yamlfile import YamlError

Expr = int | str                                  # a size, a number, or arithmetic on sizes: "D - 1"
IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_]*$"
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.FloorDiv: operator.floordiv}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Arg(Strict):
    """How one argument is drawn (exactly one way; a float tensor from a standard normal when none is given)."""

    shape: list[Expr] | None = Field(default=None, description="Sizes (names of dims, numbers, or arithmetic on them); "
                                     "no shape: a Python number.")
    dtype: Literal["float64", "float32", "int64", "bool"] = "float64"
    normal: tuple[float, float] | None = Field(default=None, description="[mean, std]")
    uniform: tuple[float, float] | None = Field(default=None, description="[low, high]")
    positive: bool = Field(default=False, description="uniform in 0.2..2")
    simplex: bool = Field(default=False, description="probability vectors along the last dim")
    psd: bool = Field(default=False, description="symmetric positive definite matrices (the last two sizes equal)")
    int: tuple[Expr, Expr] | None = Field(default=None, description="integers in [low, high], inclusive")
    choice: list[Any] | None = Field(default=None, min_length=1, description="one of these values")
    value: Any = Field(default=None, description="this constant")

    @model_validator(mode="after")
    def _one_way(self) -> Arg:
        ways = [w for w in ("normal", "uniform", "positive", "simplex", "psd", "int", "choice", "value")
                if getattr(self, w) not in (None, False)]
        if len(ways) > 1:
            raise ValueError(f"draw it one way only, not {' and '.join(ways)}")
        if (self.choice is not None or self.value is not None) and self.shape is not None:
            raise ValueError("choice and value give a Python value: no shape")
        if (self.simplex or self.psd) and not self.shape:
            raise ValueError("simplex and psd need a shape")
        return self


class Invalid(Strict):
    """An invalid-input variant: one argument replaced, with exactly one of value, set_first or shape."""

    arg: str
    value: Any = Field(default=None, description="the argument becomes this (a number, or arithmetic on sizes)")
    set_first: float | None = Field(default=None, description="the first entry of the tensor becomes this")
    shape: list[Expr] | None = Field(default=None, description="the argument is drawn with this shape instead")

    @model_validator(mode="after")
    def _one_change(self) -> Invalid:
        if sum(x is not None for x in (self.value, self.set_first, self.shape)) != 1:
            raise ValueError("give exactly one of value, set_first, shape")
        return self


class OutputDecl(Strict):
    name: str
    broadcast_to: str | None = Field(default=None, description="the output whose shape this one may broadcast to")


class Mistake(Strict):
    name: str
    function: str = Field(description="a wrong version of the function in the same reference module")
    hint: str


class Function(Strict):
    name: str = Field(pattern=IDENTIFIER)
    reference: str | None = Field(default=None, description="the reference function's name (default: name)")
    dims: dict[str, Annotated[int, Field(ge=1)]] = Field(default={}, description="named sizes and their defaults (>= 1)")
    constraints: list[str] = Field(default=[], description="conditions on the sizes every case must meet, like 'T >= 2'")
    args: dict[str, Arg] = Field(min_length=1)
    outputs: list[str | OutputDecl] = ["result"]
    tolerance: Tolerance | None = None
    invalid: dict[str, Invalid] = {}
    hint: str = ""
    mistakes: list[Mistake] = []
    regimes: dict[str, str] = Field(default={}, description="what the rubric's cases must reach, by name: a comparison of "
                                    "the sizes and the integer arguments, like 't == T' (`audit` lists those no case reaches)")

    @field_validator("dims", "args")
    @classmethod
    def _not_reserved(cls, named: dict) -> dict:
        reserved = set(CaseParams.model_fields)
        clash = sorted(set(named) & reserved)
        if clash:
            raise ValueError(f"{', '.join(clash)}: reserved for every case ({', '.join(sorted(reserved))}); rename")
        bad = [name for name in named if not name.isidentifier()]
        if bad:
            raise ValueError(f"{', '.join(bad)}: a name is a Python identifier")
        return named

    @model_validator(mode="after")
    def _names(self) -> Function:
        both = sorted(set(self.dims) & set(self.args))
        if both:
            raise ValueError(f"{', '.join(both)}: both a size and an argument; rename one")
        return self


class Module(Strict):
    module: str = Field(pattern=IDENTIFIER)
    functions: list[Function] = Field(min_length=1)


# -- arithmetic on sizes ---------------------------------------------------------------------
def evaluate(expr: Expr, dims: dict[str, int]) -> int:
    """An integer expression of the sizes: names, integers, + - * //, unary minus (nothing else is evaluated)."""
    if isinstance(expr, int):
        return expr

    def walk(node: ast.AST) -> int:
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.Name) and node.id in dims:
            return dims[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -walk(node.operand)
        raise ValueError(f"cannot evaluate {expr!r}: use sizes ({', '.join(dims) or 'none declared'}), integers, + - * //")

    try:
        return walk(ast.parse(str(expr), mode="eval").body)
    except SyntaxError:
        raise ValueError(f"cannot evaluate {expr!r}") from None


def holds(condition: str, dims: dict[str, int]) -> bool:
    """A constraint like 'T >= 2' or 'D <= B': two expressions and one comparison."""
    try:
        tree = ast.parse(condition, mode="eval").body
    except SyntaxError:
        raise ValueError(f"cannot read the constraint {condition!r}: write it like 'T >= 2'") from None
    compare = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Eq: operator.eq,
               ast.NotEq: operator.ne}
    if not isinstance(tree, ast.Compare) or len(tree.ops) != 1 or type(tree.ops[0]) not in compare:
        raise ValueError(f"a constraint compares two sizes, like 'T >= 2' (got {condition!r})")
    return compare[type(tree.ops[0])](evaluate(ast.unparse(tree.left), dims), evaluate(ast.unparse(tree.comparators[0]), dims))


# -- drawing ---------------------------------------------------------------------------------------
def _shape(arg_shape: list[Expr], dims: dict[str, int]) -> list[int]:
    sizes = [evaluate(e, dims) for e in arg_shape]
    if any(n < 0 for n in sizes):
        raise ValueError(f"a negative size in {arg_shape} for {dims}")
    return sizes


def draw(arg: Arg, dims: dict[str, int], gen: torch.Generator, shape: list[Expr] | None = None) -> Any:
    """One argument's value for these sizes, from the generator."""
    if arg.value is not None:
        return arg.value
    if arg.choice is not None:
        return arg.choice[int(torch.randint(len(arg.choice), (1,), generator=gen))]
    sizes = _shape(shape if shape is not None else arg.shape, dims) if (shape or arg.shape) is not None else None
    if arg.int is not None:
        low, high = evaluate(arg.int[0], dims), evaluate(arg.int[1], dims)
        if low > high:
            raise ValueError(f"the integer range [{low}, {high}] is empty")
        if sizes is None:
            return int(torch.randint(low, high + 1, (1,), generator=gen))
        return torch.randint(low, high + 1, sizes, generator=gen)
    if sizes is None:                                             # a Python float
        low, high = arg.uniform or ((0.2, 2.0) if arg.positive else (None, None))
        if low is not None:
            return float(uniform(gen, low, high, 1))
        mean, std = arg.normal or (0.0, 1.0)
        return float(mean + std * normal(gen, 1))
    if arg.psd:
        if len(sizes) < 2 or sizes[-1] != sizes[-2]:
            raise ValueError(f"psd needs square matrices, got shape {sizes}")
        a = normal(gen, *sizes)
        value = a @ a.transpose(-1, -2) / sizes[-1] + 0.1 * torch.eye(sizes[-1], dtype=torch.float64)
    elif arg.simplex:
        value = uniform(gen, 0.1, 1.0, *sizes)
        value = value / value.sum(-1, keepdim=True)
    elif arg.uniform or arg.positive:
        value = uniform(gen, *(arg.uniform or (0.2, 2.0)), *sizes)
    else:
        mean, std = arg.normal or (0.0, 1.0)
        value = mean + std * normal(gen, *sizes)
    return value > 0 if arg.dtype == "bool" else value.to(getattr(torch, arg.dtype))


def _builder(function: Function, replace: tuple[str, Invalid] | None = None) -> Callable[[Any, torch.Generator], Call]:
    def build(params: Any, gen: torch.Generator) -> Call:
        dims = {name: getattr(params, name) for name in function.dims}
        values = []
        for name, arg in function.args.items():
            change = replace[1] if replace is not None and replace[1].arg == name else None
            value = draw(arg, dims, gen, change.shape if change is not None else None)
            if name in _settable(function) and getattr(params, name) is not None:   # a rubric case fixed it
                value = getattr(params, name)
            if change is not None and change.value is not None:
                value = evaluate(change.value, dims) if isinstance(change.value, str) else change.value
            elif change is not None and change.set_first is not None:
                value = value.clone()
                value.view(-1)[0] = change.set_first
            values.append(value)
        return Call(tuple(values))
    return build


# -- loading ----------------------------------------------------------------------------------------
def _settable(function: Function) -> dict[str, Any]:
    """Arguments a rubric case may fix (`{t: 1}`): the Python numbers and choices, each with the type it takes."""
    out: dict[str, Any] = {}
    for name, arg in function.args.items():
        if arg.shape is not None or arg.value is not None:
            continue
        out[name] = Literal[tuple(arg.choice)] if arg.choice is not None else (int if arg.int is not None else float)
    return out


def _params_model(module: str, function: Function) -> type[CaseParams]:
    """The rubric cases' parameters: each size (its default), each Python-number argument (drawn unless a case fixes
    it), and the invalid variants' names."""
    fields: dict[str, Any] = {name: (int, Field(default=default, ge=1)) for name, default in function.dims.items()}
    fields |= {name: (kind | None, Field(default=None, description=f"fix the argument {name} (drawn when omitted)"))
               for name, kind in _settable(function).items()}
    if function.invalid:
        fields["invalid"] = (Literal[tuple(function.invalid)] | None, None)

    def _constraints(self: Any) -> Any:
        dims = {name: getattr(self, name) for name in function.dims}
        for condition in function.constraints:
            if not holds(condition, dims):
                raise ValueError(f"the sizes {dims} do not meet the constraint {condition!r}")
        for name, arg in function.args.items():
            fixed = getattr(self, name, None) if name in _settable(function) else None
            if fixed is not None and arg.int is not None:
                low, high = evaluate(arg.int[0], dims), evaluate(arg.int[1], dims)
                if not low <= fixed <= high:
                    raise ValueError(f"{name} = {fixed} is outside its range [{low}, {high}] (an invalid input is an "
                                     "`invalid:` variant of the spec)")
        return self

    name = "".join(part.capitalize() for part in f"{module}_{function.name}".split("_")) + "Case"
    return create_model(name, __base__=CaseParams, __module__=f"course.{module}",
                        __validators__={"_constraints": model_validator(mode="after")(_constraints)}, **fields)


def _spec(course: Course, declared: Module, index: int, function: Function, lines: dict, problems: list[str]) -> FunctionSpec | None:
    where = lambda *key: f"{yamlfile.where(('functions', index, *key), lines)}: functions[{index}]" + "".join(  # noqa: E731
        f".{k}" for k in key)
    if not (course.reference / f"{declared.module}.py").is_file():
        problems.append(f"{where('name')}: the course has no reference/{declared.module}.py to take {function.name} from")
        return None
    try:
        module = course.reference_module(declared.module)
    except Exception as exc:  # noqa: BLE001 - a syntax error or a failing import in the course's own reference
        problems.append(f"{where('name')}: {python_problem(exc, course.reference / f'{declared.module}.py')}")
        return None
    reference = getattr(module, function.reference or function.name, None)
    if not callable(reference):
        problems.append(f"{where('reference' if function.reference else 'name')}: reference/{declared.module}.py defines no "
                        f"function {function.reference or function.name}")
        return None
    outputs = [o if isinstance(o, OutputDecl) else OutputDecl(name=o) for o in function.outputs]
    names = [o.name for o in outputs]
    bad = [o.broadcast_to for o in outputs if o.broadcast_to is not None and o.broadcast_to not in names]
    if bad:
        problems.append(f"{where('outputs')}: broadcast_to names no output: {', '.join(bad)}")
        return None
    for key, invalid in function.invalid.items():
        if invalid.arg not in function.args:
            problems.append(f"{where('invalid', key, 'arg')}: no argument {invalid.arg!r} (arguments: {', '.join(function.args)})")
    try:
        bad = [condition for condition in function.constraints if not holds(condition, function.dims)]
    except ValueError as exc:
        problems.append(f"{where('constraints')}: {exc}")
        return None
    if bad:
        problems.append(f"{where('constraints')}: the default sizes {function.dims} do not meet {', '.join(map(repr, bad))}; "
                        "change dims so that every constraint holds")
        return None
    params = _params_model(declared.module, function)
    gen = torch.Generator().manual_seed(0)
    for name, arg in function.args.items():                   # every argument drawable with the default sizes
        try:
            draw(arg, function.dims, gen)
        except ValueError as exc:
            problems.append(f"{where('args', name)}: cannot be drawn with the default sizes {function.dims}: {exc}")
    invalid = {key: _builder(function, (key, variant)) for key, variant in function.invalid.items()}
    for key, make in invalid.items():
        try:
            make(params(invalid=key), gen)
        except (ValidationError, ValueError) as exc:
            problems.append(f"{where('invalid', key)}: cannot be made with the default sizes {function.dims}: {exc}")
    for name, condition in function.regimes.items():
        try:
            holds(condition, function.dims | {n: 1 for n, a in function.args.items() if a.int})
        except ValueError as exc:
            problems.append(f"{where('regimes', name)}: {exc}")
    if problems:
        return None
    mistakes = []
    for j, mistake in enumerate(function.mistakes):
        wrong = getattr(module, mistake.function, None)
        if not callable(wrong):
            problems.append(f"{where('mistakes', j, 'function')}: reference/{declared.module}.py defines no function "
                            f"{mistake.function}")
            continue
        mistakes.append(Misconception(mistake.name, wrong, mistake.hint))
    return FunctionSpec(f"{declared.module}.{function.name}", reference, params, _builder(function), invalid,
                        tuple(Output(o.name, names.index(o.broadcast_to) if o.broadcast_to else None) for o in outputs),
                        function.hint, tolerance=function.tolerance, mistakes=tuple(mistakes), arguments=tuple(function.args),
                        regimes=tuple(Regime(name, lambda a, c=condition: holds(c, _sizes(function, a)))
                                      for name, condition in function.regimes.items()))


def _sizes(function: Function, arguments: dict[str, Any]) -> dict[str, int]:
    """The sizes and integer arguments of one call, by name: a dim from the tensor whose declared shape names it
    (betas: [T] gives T), an integer argument as it was passed."""
    sizes = {}
    for name, value in arguments.items():
        arg = function.args.get(name)
        if isinstance(value, torch.Tensor) and arg is not None and arg.shape:
            sizes |= {dim: value.shape[i] for i, dim in enumerate(arg.shape) if isinstance(dim, str) and dim.isidentifier()
                      and i < value.dim()}
        elif isinstance(value, int) and not isinstance(value, bool):
            sizes[name] = value
    return sizes


def load(course: Course) -> list[FunctionSpec]:
    """Every function the course declares; YamlError for the first file with problems (all of its problems)."""
    specs = []
    for path in course.specs:
        data, lines = yamlfile.read(path, "a function spec file is a mapping with keys module, functions")
        try:
            declared = Module.model_validate(data)
        except ValidationError as exc:
            raise YamlError(path, yamlfile.problems(exc, lines, (), Module)) from None
        problems: list[str] = []
        found = [_spec(course, declared, i, f, lines, problems) for i, f in enumerate(declared.functions)]
        if problems:
            raise YamlError(path, problems)
        specs += found
    return specs


def json_schema() -> dict:
    """The JSON Schema of a function spec file (schemas/spec.schema.json), for editors."""
    return Module.model_json_schema() | {"$schema": "https://json-schema.org/draft/2020-12/schema",
                                         "title": "gm-autograder function specs"}
