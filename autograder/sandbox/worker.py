"""The worker: the only process that runs student code.

It is started by the zygote (a confined fork: `forked.py`) or as a fresh interpreter where
fork is not available (`spawned.py`), then serves requests on a pipe until the grader
closes it.  This module runs on any operating system.  There are two requests, and every reply
carries the id of the request it answers:

- import: load one student module (answers.yaml is parsed as data, never in the grader)
  before any input exists in this process; the reply lists the module's top-level
  callables and which of them are stubs (a body that only raises NotImplementedError),
  or, for answers.yaml, its mapping as plain data;
- call: run one function on inputs that are views of the arena (memory the grader shares,
  so it sees for itself what a call did to its inputs); the reply holds the result, and names
  the global random generators (torch's, numpy's, Python's) the result depends on: a call
  that changed a generator's state runs once more from other states, and a different result
  is hidden randomness (building an nn.Conv2d draws its initial weights, but a function that
  overwrites them returns the same).  The states are put back after every call.

Nothing it sends is trusted: the grader checks it all, and decides from its own facts what
a hidden test may show.
"""
from __future__ import annotations

import ast
import importlib.util
import operator
import os
import re
import sys
import traceback
from types import ModuleType
from typing import Any, NoReturn

import torch
import yaml

from autograder.sandbox import wire
from autograder.sandbox.wire import MAX_TEXT

MAX_NAMES = 1000


class Failure(Exception):
    """A request that failed; `kind` is one of wire.IMPORT_ERRORS or wire.CALL_ERRORS."""

    def __init__(self, kind: str, message: str, trace: str = "", raised: BaseException | None = None):
        super().__init__(message)
        self.kind, self.message, self.trace = kind, message, trace
        self.value_error = isinstance(raised, ValueError)

    def reply(self) -> dict:
        return {"status": "error", "kind": self.kind, "message": self.message[:MAX_TEXT],
                "traceback": self.trace[-MAX_TEXT:], "value_error": self.value_error}


class Worker:
    def __init__(self, modules: dict[str, str], root: str):
        self.modules, self.root = modules, root
        self.loaded: dict[str, ModuleType] = {}
        self.random_states: dict | None = None   # what the last call put back: where the next one starts

    def student_trace(self, exc: BaseException) -> str:
        """The traceback trimmed to frames in the student's own files, paths relative to the submission."""
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(self.root + os.sep)]
        for f in frames:
            f.filename = os.path.relpath(f.filename, self.root)
        return "".join(traceback.format_list(frames)) + _describe(exc)

    # -- import ----------------------------------------------------------------------------------
    def import_module(self, name: str) -> dict:
        path = self.modules.get(name)
        if path is None:
            raise Failure("import_error", f"{name} is not part of the submission")
        if name == "answers":
            return {"status": "ok", "answers": self._answers(path)}
        module = self.loaded.get(name) or self._import(name, path)
        self.loaded[name] = module
        functions = [n for n, v in vars(module).items() if callable(v) and not n.startswith("__")][:MAX_NAMES]
        return {"status": "ok", "functions": [n[:100] for n in functions], "stubs": _stubs(module, path)}

    def _import(self, name: str, path: str) -> ModuleType:
        self.random_states = None                   # module-level code may draw
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        rel = os.path.relpath(path, self.root)
        try:
            spec.loader.exec_module(module)
        except SyntaxError as exc:
            sys.modules.pop(name, None)
            raise Failure("syntax_error", f"{exc.msg} ({rel}, line {exc.lineno})") from None
        except (ValueError, UnicodeDecodeError) as exc:   # NUL bytes, undecodable source
            sys.modules.pop(name, None)
            raise Failure("syntax_error", f"{rel} cannot be compiled: {_text(exc)}") from None
        except BaseException as exc:  # noqa: BLE001 - SystemExit and KeyboardInterrupt included
            sys.modules.pop(name, None)
            raise Failure("import_error", f"importing {rel} raised {_describe(exc)}", self.student_trace(exc)) from None
        return module

    def _answers(self, path: str) -> dict:
        """answers.yaml as a mapping of plain values (safe_load: data only); errors give the line, never a path."""
        rel = os.path.relpath(path, self.root)
        try:
            with open(path, encoding="utf-8-sig") as f:
                values = yaml.safe_load(f.read())
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}: " if mark is not None else ""
            raise Failure("syntax_error", f"{rel} is not valid YAML: {where}{getattr(exc, 'problem', None) or _text(exc)}") from None
        except UnicodeDecodeError:
            raise Failure("syntax_error", f"{rel} is not UTF-8 text: save it as UTF-8") from None
        except BaseException as exc:  # noqa: BLE001
            raise Failure("import_error", f"reading {rel} failed: {_describe(exc)}") from None
        if not isinstance(values, dict):
            raise Failure("syntax_error", f"{rel} must be a mapping of question keys to answers, like `q4_1: b`")
        return {str(k)[:100]: _data(v) for k, v in list(values.items())[:MAX_NAMES]}

    # -- call ------------------------------------------------------------------------------------
    def call(self, request: dict) -> dict:
        name = request["module"]
        module = self.loaded.get(name) or self._import(name, self.modules[name])
        self.loaded[name] = module
        fn = getattr(module, request["function"])
        args, kwargs = request["args"], request["kwargs"]
        generators = _generators()
        if self.random_states is None or set(self.random_states) != set(generators):
            self.random_states = _random_states(generators)     # the first call, or a module (or a generator) loaded since
        states = self.random_states
        moved = list(states)                        # the generators to put back: all, until the call is known to return
        try:
            result = fn(*args, **kwargs)
            moved = drew = _changed(states)
            if drew:
                moved = list(states)
                _reseed(states)
                drew = [] if _same_value(result, fn(*args, **kwargs)) else drew
        except BaseException as exc:  # noqa: BLE001 - whatever student code raises is its own exception
            raise Failure("exception", _describe(exc), self.student_trace(exc), raised=exc) from None
        finally:
            for generator in moved:
                before, _, put, _ = states[generator]
                put(before)
        return {"status": "ok", "result": _plain(result), "drew": drew}

    def handle(self, request: dict) -> dict:
        if request.get("op") == "import":
            return self.import_module(request["module"])
        return self.call(request)


def _generators() -> dict[str, tuple[Any, Any, Any]]:
    """The global random generators loaded now: name -> (get_state, set_state, same(state, state)).

    numpy.random is watched only once something imported it: touching `np.random` would import it, in a
    confined worker, on every call."""
    found = {"torch": (torch.random.get_rng_state, torch.random.set_rng_state, torch.equal)}
    if "numpy.random" in sys.modules:
        random = sys.modules["numpy.random"]
        found["numpy"] = (random.get_state, random.set_state,           # ('MT19937', key array, pos, has_gauss, gauss)
                          lambda a, b: a[2:] == b[2:] and bool((a[1] == b[1]).all()))
    if "random" in sys.modules:
        found["random"] = (sys.modules["random"].getstate, sys.modules["random"].setstate, operator.eq)
    return found


def _random_states(generators: dict[str, tuple[Any, Any, Any]]) -> dict[str, tuple[Any, Any, Any, Any]]:
    """name -> (state now, get_state, set_state, same)."""
    return {name: (get(), get, put, same) for name, (get, put, same) in generators.items()}


def _changed(states: dict[str, tuple[Any, Any, Any, Any]]) -> list[str]:
    """The generators whose state differs from `states`."""
    return [name for name, (before, get, _, same) in states.items() if not same(before, get())]


def _reseed(states: dict[str, tuple[Any, Any, Any, Any]]) -> None:
    """Put every generator in a state other than the call started from."""
    torch.manual_seed((torch.initial_seed() + 1) % 2**63)
    if "numpy" in states:
        sys.modules["numpy.random"].seed(12345)
    if "random" in states:
        sys.modules["random"].seed(12345)


def _same_value(a: Any, b: Any) -> bool:
    """Whether two results of the same call agree exactly (NaN where NaN); what cannot be compared counts as agreeing."""
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        both_nan = a.isnan() & b.isnan() if a.is_floating_point() else torch.zeros_like(a, dtype=torch.bool)
        return bool(((a == b) | both_nan).all())
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b or (a != a and b != b)
    return True


def _stubs(module: ModuleType, path: str) -> list[str]:
    """Top-level functions whose whole body (after the docstring) is `raise NotImplementedError...`."""
    try:
        with open(path, "rb") as f:
            tree = ast.parse(f.read())
    except Exception:  # noqa: BLE001 - it imported, so this is rare; no stubs then
        return []
    out = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        body = node.body[1:] if node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant) \
            else node.body
        raised = body[0].exc if len(body) == 1 and isinstance(body[0], ast.Raise) else None
        target = raised.func if isinstance(raised, ast.Call) else raised
        first_line = node.decorator_list[0].lineno if node.decorator_list else node.lineno
        code = getattr(getattr(module, node.name, None), "__code__", None)
        if isinstance(target, ast.Name) and target.id == "NotImplementedError" and getattr(code, "co_firstlineno", None) == first_line:
            out.append(node.name)
    return out[:MAX_NAMES]


def _text(exc: BaseException) -> str:
    try:
        return str(exc)[:MAX_TEXT]
    except Exception:  # noqa: BLE001 - a hostile __str__
        return "<unprintable>"


def _describe(exc: BaseException) -> str:
    name = type(exc).__name__ if isinstance(type(exc).__name__, str) else "Exception"
    text = _text(exc)
    return f"{name}: {text}" if text else name


def type_name(value: Any) -> str:
    """A type's name reduced to identifier characters (it is student-controlled text)."""
    return re.sub(r"[^A-Za-z0-9_.]", "", str(getattr(type(value), "__name__", "")))[:60] or "?"


def _plain(value: Any) -> Any:
    """The returned value as plain tensors and numbers; anything else becomes a {"_bad": ...} description."""
    if type(value) is torch.Tensor or type(value) is torch.nn.Parameter:
        if value.device.type != "cpu":
            return {"_bad": "device", "name": re.sub(r"[^a-z0-9_]", "", str(value.device.type))[:20]}
        if value.is_sparse or value.is_quantized or value.is_complex():
            return {"_bad": "layout", "name": re.sub(r"[^A-Za-z0-9_.]", "", f"{value.layout}.{value.dtype}")[:60]}
        return value.detach()
    if isinstance(value, torch.Tensor):
        return {"_bad": "subclass", "name": type_name(value)}
    if type(value) in (tuple, list):
        return type(value)(_plain(v) for v in value)
    if type(value) in (bool, int, float, str) or value is None:
        return value[:200] if type(value) is str else value
    return {"_bad": "object", "name": type_name(value)}


def _data(value: Any, depth: int = 0) -> Any:
    """A YAML value as plain data for the wire: strings, numbers, booleans, None, lists and mappings of them."""
    if value is None or type(value) in (bool, int, float):
        return value
    if isinstance(value, (list, tuple)) and depth < 4:
        return [_data(v, depth + 1) for v in value[:100]]
    if isinstance(value, dict) and depth < 4:
        return {str(k)[:100]: _data(v, depth + 1) for k, v in list(value.items())[:100]}
    return str(value)[:200]


def serve(read_fd: int, write_fd: int, arena: memoryview, modules: dict[str, str], root: str) -> NoReturn:
    """Answer requests until the grader closes the pipe."""
    worker, read = Worker(modules, root), wire.exact_reader(read_fd)
    while True:
        try:
            request = wire.read_frame(read, arena, callables=True)
        except (EOFError, OSError, wire.WireError):
            os._exit(0)
        getattr(sys.stdout, "reset", lambda: None)()
        ident = request.get("id") if isinstance(request, dict) else None
        try:
            reply = worker.handle(request)
        except Failure as failure:
            reply = failure.reply()
        del request
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001
                pass
        printed = getattr(sys.stdout, "take", lambda: None)()     # output kept in memory (a spawned worker)
        extra = {"id": ident} | ({"stdout": printed} if printed is not None else {})
        try:
            frame = wire.pack(reply | extra)
        except BaseException as exc:  # noqa: BLE001 - e.g. a value that cannot cross, a hostile object raising in conversion
            frame = wire.pack(Failure("bad_return", f"the returned value cannot be graded: {_describe(exc)}").reply() | extra)
        try:
            wire.write_all(write_fd, frame)
        except OSError:
            os._exit(0)
