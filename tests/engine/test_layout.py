"""The layout holds: no import cycle among the project's modules, and the zygote (whose memory every worker
inherits) has loaded nothing but the sandbox and the engine's start-up."""
import ast
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, env_without_checkout

PACKAGES = ("autograder", "reference")


def project_modules() -> dict[str, Path]:
    """Dotted name -> file, for every module of the project's own packages."""
    out = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _type_checking_only(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (getattr(test, "id", None) == "TYPE_CHECKING" or getattr(test, "attr", None) == "TYPE_CHECKING")


def imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """Project modules `path` imports anywhere (functions included, `if TYPE_CHECKING:` excluded), with the
    packages whose __init__ such an import runs."""
    found: set[str] = set()
    stack = [ast.parse(path.read_text())]
    while stack:
        node = stack.pop()
        if _type_checking_only(node):
            stack.extend(node.orelse)
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in modules else node.module
                     for alias in node.names]
        for name in names:
            parts = name.split(".")
            found |= {".".join(parts[:i]) for i in range(1, len(parts) + 1)} & set(modules)
        stack.extend(ast.iter_child_nodes(node))
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module, or a module importing itself (Tarjan)."""
    index, low, on_stack, stack, out, counter = {}, {}, set(), [], [], [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph[v]:
                out.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imports(path, modules) - {name} for name, path in modules.items()}


def test_no_import_cycle_among_the_projects_modules_counting_imports_inside_functions():
    assert cycles(import_graph()) == []


def test_the_cycle_finder_sees_a_cycle_through_a_function_level_import_and_a_package_init(tmp_path):
    """The finder itself, on a tiny tree: a -> b at top level, b -> a inside a function, c's __init__ -> a."""
    graph = {"a": {"b"}, "b": {"a"}, "c": {"a"}, "d": set()}
    assert cycles(graph) == [["a", "b"]]
    (tmp_path / "b.py").write_text("def f():\n    import autograder.cli\n")
    assert "autograder.cli" in imports(tmp_path / "b.py", project_modules()) and "autograder" in imports(tmp_path / "b.py", project_modules())
    (tmp_path / "t.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import autograder.cli\n")
    assert imports(tmp_path / "t.py", project_modules()) == set()


def test_package_inits_hold_no_imports_so_importing_a_submodule_runs_nothing_else():
    modules = project_modules()
    for name, path in modules.items():
        if path.name == "__init__.py" and name != "reference":
            assert imports(path, modules) == set(), name


ZYGOTE_MEMORY = """
import sys
from autograder.grading import engine
with engine.start() as zygote:
    print(sorted(m for m in sys.modules if m.split(".")[0] in ("autograder", "reference")))
"""


def test_the_zygote_is_forked_with_only_the_sandbox_and_the_engine_start_loaded():
    """Everything loaded before the fork is in every worker's memory: no rubric, spec, reference or grading code."""
    proc = subprocess.run([sys.executable, "-c", ZYGOTE_MEMORY], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env=env_without_checkout())
    assert proc.returncode == 0, proc.stderr
    loaded = set(ast.literal_eval(proc.stdout.strip().splitlines()[-1]))
    allowed = {"autograder", "autograder.grading", "autograder.grading.engine",
               "autograder.timings"}     # marks of the clock, imported once the zygote is forked
    assert loaded - allowed and all(m in allowed or m.startswith("autograder.sandbox") for m in loaded), loaded
    assert {"autograder.sandbox.worker", "autograder.sandbox.zygote"} <= loaded
    assert not {"autograder.sandbox.client", "autograder.sandbox.exposure"} & loaded     # grader side: not needed yet
