"""YAML files instructors write (rubrics, course function specs): read with line numbers, problems they can act on.

`read` parses a file into plain data and a map from each key path to its line, refusing
what YAML would silently get wrong: aliases (they can recurse or expand exponentially),
duplicate keys (YAML keeps the last), control characters, text that is not UTF-8.
`problems` turns a pydantic ValidationError into lines `line: key: message`, with a
suggestion for an unknown key.  A `YamlError` holds every problem of one file, each printed
as `file:line: key: message`.
"""
from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

# libyaml's parser where PyYAML has it (its wheels do): the same safe constructor, about 5x faster than the
# pure-Python one on a rubric; every grading reads one.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlError(Exception):
    """Every problem found in one file, each as 'file:line: key: message'."""

    def __init__(self, path: Path, problems: list[str]):
        super().__init__("\n".join(f"{path}:{p}" for p in problems))
        self.path, self.problems = path, problems


def line_map(node: yaml.Node, path: tuple = (), lines: dict | None = None) -> dict[tuple, int]:
    """(key, index, ...) path -> 1-based line, for every node of a composed YAML document."""
    lines = {} if lines is None else lines
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):          # other keys are refused by _duplicate_keys
                line_map(value, path + (key.value,), lines)
                lines[path + (key.value,)] = key.start_mark.line + 1      # a key's own line, not its value's
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            line_map(value, path + (i,), lines)
    return lines


def _aliases(root: yaml.Node) -> list[str]:
    """Nodes reached twice, i.e. YAML aliases: refused, since they can recurse or expand exponentially."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, tuple]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            return [f"{node.start_mark.line + 1}: {key_path(path)}: anchors and aliases (&name, *name) are not supported "
                    "in rubrics; write the values out"]
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack += [(value, path + (str(key.value),)) for key, value in node.value]
        elif isinstance(node, yaml.SequenceNode):
            stack += [(value, path + (i,)) for i, value in enumerate(node.value)]
    return []


def _duplicate_keys(node: yaml.Node, path: tuple = ()) -> list[str]:
    """Keys given twice in one mapping (YAML silently keeps the last), as 'line: key: message'."""
    out = []
    if isinstance(node, yaml.MappingNode):
        first: dict[str, int] = {}
        for key, value in node.value:
            line = key.start_mark.line + 1
            if not isinstance(key, yaml.ScalarNode):
                out.append(f"{line}: {key_path(path)}: a key is a plain name, not a list or a mapping")
                continue
            if key.value in first:
                out.append(f"{line}: {key_path(path + (key.value,))}: duplicate key (first on line {first[key.value]}); "
                           "YAML would silently keep only the last one")
            first.setdefault(key.value, line)
            out += _duplicate_keys(value, path + (key.value,))
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            out += _duplicate_keys(value, path + (i,))
    return out


def where(loc: tuple, lines: dict[tuple, int]) -> str:
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in lines:
            return str(lines[loc[:cut]])
    return "1"


def key_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


def suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def problems(exc: ValidationError, lines: dict[tuple, int], prefix: tuple, model: type[BaseModel]) -> list[str]:
    out = []
    for err in exc.errors():
        loc = prefix + tuple(err["loc"])
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            owner = model
            for part in err["loc"][:-1]:
                field = owner.model_fields.get(part) if isinstance(part, str) else None
                ann = getattr(field, "annotation", None) if field else None
                owner = next((a for a in getattr(ann, "__args__", (ann,)) if isinstance(a, type) and issubclass(a, BaseModel)), owner)
            msg = f"unknown key {err['loc'][-1]!r}" + suggest(str(err["loc"][-1]), list(owner.model_fields))
            msg += f" (allowed: {', '.join(owner.model_fields)})"
        elif "input" in err and not isinstance(err["input"], (dict, list)):
            msg += f" (got {err['input']!r})"
        out.append(f"{where(loc, lines)}: {key_path(loc)}: {msg}")
    return out


def _syntax_problem(exc: yaml.YAMLError, text: str) -> str:
    """One line 'line: (syntax): message' for any YAML error."""
    if isinstance(exc, yaml.reader.ReaderError):          # a character YAML refuses (NUL, control characters)
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        return f"{text[: exc.position].count(chr(10)) + 1}: (syntax): character U+{code:04X} is not allowed in YAML; delete it"
    mark = getattr(exc, "problem_mark", None)
    problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
    return f"{mark.line + 1 if mark else 1}: (syntax): {problem}; check indentation and quoting"


def read(path: str | Path, shape: str) -> tuple[dict, dict[tuple, int]]:
    """A YAML mapping and its line map; `shape` says what the document must be, for the error when it is not one."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlError(path, [f"1: (file): not UTF-8 ({exc.reason} at byte {exc.start}); save the file as UTF-8"]) from None
    except OSError as exc:
        raise YamlError(path, [f"1: (file): cannot read: {exc.strerror}"]) from None
    try:
        loader = _LOADER(text)
        try:
            node = loader.get_single_node()
            structural = (_aliases(node) or _duplicate_keys(node)) if node is not None else []
            if structural:
                raise YamlError(path, structural)
            data = loader.construct_document(node) if node is not None else None   # safe: no aliases, so no expansion
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise YamlError(path, [_syntax_problem(exc, text)]) from None
    if not isinstance(data, dict):
        raise YamlError(path, [f"1: (document): {shape}"])
    return data, line_map(node)
