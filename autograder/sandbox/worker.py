"""The worker: the only process that runs student code.

It is forked from the zygote, confines itself (`become`, with `confine.py`), then serves
call requests on a pipe until the grader closes it.  It imports student modules by file path, calls the
requested function (or a probe, `probes.py`, that calls several) and sends back the
result and the inputs as they are after the call, in the wire format.  answers.yaml is
parsed here too, never in the grader.  Nothing it sends is trusted: the grader checks it all.
"""
from __future__ import annotations

import fcntl
import functools
import importlib.util
import os
import signal
import sys
import traceback
from dataclasses import asdict
from types import ModuleType
from typing import Any, NoReturn

import torch
import yaml

from autograder.sandbox import probes, wire
from autograder.sandbox.capture import CappedOutput
from autograder.sandbox.confine import Layers, Limits, confine
from autograder.sandbox.wire import MAX_TEXT


class Failure(Exception):
    """A request that failed; `kind` is one of wire.ERROR_KINDS."""

    def __init__(self, kind: str, message: str, trace: str = "", raised: BaseException | None = None):
        super().__init__(message)
        self.kind, self.message, self.trace = kind, message, trace
        self.types = [c.__name__ for c in type(raised).__mro__] if raised is not None else []

    def reply(self) -> dict:
        return {"status": "error", "kind": self.kind, "message": self.message[:MAX_TEXT],
                "traceback": self.trace[-MAX_TEXT:], "types": self.types}


class Worker:
    def __init__(self, modules: dict[str, str], root: str):
        self.modules, self.root = modules, root
        self.loaded: dict[str, ModuleType | Failure] = {}

    def student_trace(self, exc: BaseException) -> str:
        """The traceback trimmed to frames in the student's own files, paths relative to the submission."""
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(self.root + os.sep)]
        for f in frames:
            f.filename = os.path.relpath(f.filename, self.root)
        return "".join(traceback.format_list(frames)) + _describe(exc)

    def module(self, name: str) -> ModuleType:
        if name not in self.loaded:
            self.loaded[name] = self._import(name)
        found = self.loaded[name]
        if isinstance(found, Failure):
            raise found
        return found

    def _import(self, name: str) -> ModuleType | Failure:
        path = self.modules.get(name)
        if path is None:
            return Failure("missing_module", f"{name}.py was not found in the submission")
        if name == "answers":
            return self._answers(path)
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except SyntaxError as exc:
            sys.modules.pop(name, None)
            return Failure("syntax_error", f"{exc.msg} ({os.path.relpath(path, self.root)}, line {exc.lineno})")
        except (ValueError, UnicodeDecodeError) as exc:   # NUL bytes, undecodable source
            sys.modules.pop(name, None)
            return Failure("syntax_error", f"{os.path.relpath(path, self.root)} cannot be compiled: {_text(exc)}")
        except BaseException as exc:  # noqa: BLE001 - SystemExit and KeyboardInterrupt included
            sys.modules.pop(name, None)
            return Failure("import_error", f"importing {name}.py raised {_describe(exc)}", self.student_trace(exc))
        return module

    def _answers(self, path: str) -> ModuleType | Failure:
        """answers.yaml as a module whose `values` is the parsed mapping (safe_load: data only)."""
        rel = os.path.relpath(path, self.root)
        try:
            with open(path, encoding="utf-8") as f:
                values = yaml.safe_load(f)
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            return Failure("syntax_error", f"{rel} is not valid YAML: {_text(exc)}")
        except BaseException as exc:  # noqa: BLE001
            return Failure("import_error", f"reading {rel} failed: {_describe(exc)}")
        if not isinstance(values, dict):
            return Failure("syntax_error", f"{rel} must be a mapping of question keys to answers, like `q4_1: b`")
        module = ModuleType("answers")
        module.values = values
        return module

    def function(self, qualname: str):
        """The student's function `module.name`; a Failure if the module or function is missing or broken."""
        module_name, name = qualname.split(".", 1)
        fn = getattr(self.module(module_name), name, None)
        if not callable(fn):
            raise Failure("missing_function", f"{module_name}.py defines no function {name}")
        return fn

    def answer(self, key: str) -> Any:
        values = self.module("answers").values
        if key not in values:
            raise Failure("missing_function", f"answers.yaml has no key {key}")
        return values[key]

    def call(self, request: dict) -> dict:
        if request.get("import_only"):
            self.module(request["module"])
            return {"status": "ok", "result": None, "inputs_after": [], "kwargs_after": {}}
        args, kwargs = request["args"], request["kwargs"]
        probe = probes.PROBES.get(request.get("probe") or "")
        fn = functools.partial(probe, self) if probe else self.function(f"{request['module']}.{request['function']}")
        try:
            result = fn(*args, **kwargs)
        except Failure:
            raise
        except NotImplementedError as exc:
            raise Failure("not_implemented", "raised NotImplementedError", self.student_trace(exc)) from None
        except BaseException as exc:  # noqa: BLE001
            raise Failure("exception", _describe(exc), self.student_trace(exc), raised=exc) from None
        return {"status": "ok", "result": _plain(result), "inputs_after": list(args), "kwargs_after": kwargs}


def _text(exc: BaseException) -> str:
    try:
        return str(exc)[:MAX_TEXT]
    except Exception:  # noqa: BLE001 - a hostile __str__
        return "<unprintable>"


def _describe(exc: BaseException) -> str:
    name = type(exc).__name__ if isinstance(type(exc).__name__, str) else "Exception"
    text = _text(exc)
    return f"{name}: {text}" if text else name


def _plain(value: Any) -> Any:
    """The returned value as plain tensors and numbers; anything else becomes a description."""
    if type(value) is torch.Tensor or type(value) is torch.nn.Parameter:
        if value.device.type != "cpu":
            return {"_bad": f"a tensor on device {value.device.type!s:.20}"}
        if value.is_sparse or value.is_quantized or value.is_complex():
            return {"_bad": f"a {value.layout} {value.dtype} tensor"}
        return value.detach()
    if isinstance(value, torch.Tensor):
        return {"_bad": f"a torch.Tensor subclass ({type(value).__name__:.60})"}
    if type(value) in (tuple, list):
        return type(value)(_plain(v) for v in value)
    if type(value) in (bool, int, float, str) or value is None:
        return value[:200] if type(value) is str else value
    return {"_bad": f"a {type(value).__name__:.60}"}


def serve(read_fd: int, write_fd: int, modules: dict[str, str], root: str) -> NoReturn:
    """Answer call requests until the grader closes the pipe."""
    worker, read = Worker(modules, root), wire.exact_reader(read_fd)
    while True:
        try:
            request = wire.read_frame(read)
        except (EOFError, OSError, wire.WireError):
            os._exit(0)
        getattr(sys.stdout, "reset", lambda: None)()
        try:
            reply = worker.call(request)
            frame = wire.pack(reply)
        except Failure as failure:
            frame = wire.pack(failure.reply())
        except wire.WireError as exc:
            frame = wire.pack(Failure("bad_return", f"the returned value cannot be graded: {exc}").reply())
        except BaseException as exc:  # noqa: BLE001 - e.g. a hostile object raising in conversion
            frame = wire.pack(Failure("bad_return", f"the returned value cannot be graded: {_describe(exc)}").reply())
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001
                pass
        try:
            wire.write_all(write_fd, frame)
        except OSError:
            os._exit(0)


def become(request: dict, fds: list[int], uid: int | None, gid: int | None, limits: Limits) -> NoReturn:  # pragma: no cover - child
    """In a fresh fork of the zygote: become a confined worker and serve; never returns into the zygote.

    `fds` are the request pipe, the reply pipe and the output file the grader passed.
    """
    status = 70
    try:
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 100) for fd in fds]
        devnull = os.open("/dev/null", os.O_RDONLY)
        for target, fd in ((0, devnull), (1, high[2]), (2, high[2]), (3, high[0]), (4, high[1])):
            os.dup2(fd, target)
        os.closerange(5, os.sysconf("SC_OPEN_MAX") if os.sysconf("SC_OPEN_MAX") > 0 else 1024)
        for sig in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_DFL)
        layers = _confine(request, uid, gid, limits)
        wire.write_all(4, wire.pack({"layers": asdict(layers)}))
        serve(3, 4, request["modules"], request["scratch"])
    except BaseException:  # noqa: BLE001
        status = 71
    finally:
        os._exit(status)


def _confine(request: dict, uid: int | None, gid: int | None, limits: Limits) -> Layers:  # pragma: no cover - child
    layers = confine(request["scratch"], uid, gid, limits)
    os.chdir(request["scratch"])
    os.environ.clear()
    os.environ.update({"HOME": request["scratch"], "TMPDIR": request["scratch"], "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
                       "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""})
    sys.stdin = open(0, closefd=False)
    sys.stdout = sys.stderr = CappedOutput(1)
    sys.dont_write_bytecode = True
    sys.path.extend(request["search_path"])
    return layers
