"""Which submitted file is each graded module, found forgivingly, and what the modules import.

A module is `<name>.py` wherever it sits (the shallowest wins), else a file whose name
differs only in case (`VAE.py`), else a notebook `<name>.ipynb` (its definitions, see
`notebooks.py`); a .py beside a notebook of the same module wins.  A module still missing
is looked for by content: when exactly one submitted file defines all of its graded
functions (`hw3.py` with everything), that file is used; when several do, none is
guessed.  Every such decision is a note for the student, naming files as code.

The grader reads these files only as text and syntax trees: nothing of the student's runs here.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

from autograder.safe_text import code
from autograder.submission import notebooks

ANSWERS = ("answers.yaml", "answers.yml")
MAX_PARSED_BYTES = 1 << 20
ALWAYS_AVAILABLE = ("torch", "numpy")
IMPORT_NAMES = {"scikit-learn": "sklearn", "pillow": "PIL", "opencv-python": "cv2", "pyyaml": "yaml",
                "beautifulsoup4": "bs4"}


def _read(path: Path) -> str | None:
    try:
        data = path.read_bytes()
        return data.decode("utf-8-sig") if len(data) <= MAX_PARSED_BYTES else None
    except (OSError, UnicodeDecodeError):
        return None


def _tree(path: Path) -> ast.Module | None:
    text = _read(path)
    try:
        return ast.parse(text) if text is not None else None
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def defined(path: Path) -> set[str]:
    """The top-level functions a source file defines (nothing where it cannot be parsed)."""
    tree = _tree(path)
    return {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))} if tree else set()


def _shallowest(paths: list[Path], root: Path) -> Path:
    return min(paths, key=lambda p: (len(p.relative_to(root).parts), str(p)))


def locate(root: Path, files: list[Path], wanted: dict[str, set[str]]) -> tuple[dict[str, str], list[str]]:
    """(module -> file to import, notes) for the modules `wanted` (module -> its graded functions)."""
    rel = lambda p: code(str(p.relative_to(root)))  # noqa: E731
    found: dict[str, Path] = {}
    notes: list[str] = []
    for module in sorted(wanted):
        if module == "answers":
            exact = [p for p in files if p.name in ANSWERS]
            loose = [p for p in files if p.name.lower() in ANSWERS and p not in exact]
            notebook = []
        else:
            exact = [p for p in files if p.name == f"{module}.py"]
            loose = [p for p in files if p.name.lower() == f"{module}.py" and p not in exact]
            notebook = [p for p in files if p.name.lower() == f"{module}.ipynb"]
        if exact or loose:
            found[module] = _shallowest(exact or loose, root)
            if not exact:
                notes.append(f"{rel(found[module])} is used as {code(ANSWERS[0] if module == 'answers' else module + '.py')} "
                             "(file names are matched ignoring case)")
            for other in exact + loose + notebook:
                if other != found[module] and (other.suffix == ".ipynb" or other.name.lower() == found[module].name.lower()):
                    notes.append(f"{rel(other)}: ignored, {rel(found[module])} is used")
        elif notebook:
            module_file = _from_notebook(_shallowest(notebook, root), module, rel, notes)
            if module_file is not None:
                found[module] = module_file
    missing = [m for m in sorted(wanted) if m not in found and m != "answers"]
    sources = [p for p in files if p.suffix == ".py" and p not in found.values()]
    not_found = []
    for module in missing:
        holders = [p for p in sources if wanted[module] <= defined(p)]
        if len(holders) == 1:
            found[module] = holders[0]
            notes.append(f"{code(module + '.py')} was not found; {rel(holders[0])} defines "
                         f"{', '.join(code(f) for f in sorted(wanted[module]))}, so it is used for them")
        elif holders:
            notes.append(f"{code(module + '.py')} was not found, and {', '.join(rel(p) for p in holders)} all define its functions: "
                         f"rename the one to grade to {code(module + '.py')}")
        else:
            not_found.append(module)
    if not_found:
        seen = sorted(p for p in files if p.suffix in (".py", ".ipynb"))
        notes.append(f"{', '.join(code(m + '.py') for m in not_found)} {'was' if len(not_found) == 1 else 'were'} not found "
                     f"(your files: {', '.join(rel(p) for p in seen) or 'none'}; expected: "
                     f"{', '.join(code(m + '.py') for m in sorted(wanted) if m != 'answers')})")
    return {m: str(p) for m, p in found.items()}, notes


def _from_notebook(path: Path, module: str, rel, notes: list[str]) -> Path | None:
    """The module made from a notebook's definitions, written beside it as <module>.py."""
    text = _read(path)
    try:
        extract = notebooks.extract(text if text is not None else "")
    except ValueError as exc:
        notes.append(f"{rel(path)}: could not be read ({exc})")
        return None
    except ImportError:
        notes.append(f"{rel(path)}: reading notebooks needs nbformat (pip install nbformat)")
        return None
    target = path.with_name(f"{module}.py")
    target.write_text(extract.source, encoding="utf-8")
    notes.append(extract.note(rel(path)))
    return target


def import_names(packages: list[str]) -> set[str]:
    """The top-level import names of pip requirements ("scipy>=1.10" -> scipy, "scikit-learn" -> sklearn)."""
    names = set()
    for requirement in packages:
        name = requirement.split(";")[0].strip()
        for sep in "<>=!~[ ":
            name = name.split(sep)[0]
        names.add(IMPORT_NAMES.get(name.lower(), name.lower().replace("-", "_")))
    return names


def _optional(handlers: list[ast.ExceptHandler]) -> bool:
    """An `except` that catches a failed import (ImportError, ModuleNotFoundError, Exception, or anything)."""
    caught = lambda t: isinstance(t, ast.Name) and t.id in ("ImportError", "ModuleNotFoundError", "Exception", "BaseException")  # noqa: E731
    return any(h.type is None or caught(h.type) or (isinstance(h.type, ast.Tuple) and any(map(caught, h.type.elts)))
               for h in handlers)


def unavailable(path: Path, available: set[str]) -> list[str]:
    """Top-level packages `path` imports that are not `available` (an import guarded by `except ImportError` is optional)."""
    tree = _tree(path)
    if tree is None:
        return []
    names, stack = set(), [(tree, False)]
    while stack:
        node, guarded = stack.pop()
        if isinstance(node, ast.Import) and not guarded:
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and not guarded and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        inner = guarded or (isinstance(node, ast.Try) and _optional(node.handlers))
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))
    return sorted(n for n in names if n not in available and n not in sys.stdlib_module_names)


def offered(packages: list[str]) -> list[str]:
    """The packages student code may import on the grader: torch, numpy, and the rubric's (by import name)."""
    return [*ALWAYS_AVAILABLE, *sorted(import_names(packages) - set(ALWAYS_AVAILABLE))]


def available_imports(files: list[Path], packages: list[str]) -> set[str]:
    """What student code may import: the offered packages, the standard library, and the submission's own modules."""
    return set(offered(packages)) | {p.stem for p in files if p.suffix in (".py", ".ipynb")}
