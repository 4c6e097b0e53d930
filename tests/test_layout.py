"""The code's layout rules, checked: no import circle, no import running up a floor, no engine named or imported
outside adapters/, no module named like the standard library's, short functions."""

import ast
from pathlib import Path

import pytest

from adapters.registry import engine_names

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("vectorscout", "adapters", "views")
TOP_MODULES = ("app.py", "dashboard_ui.py")
MAX_FUNCTION_LINES = 60


def project_files() -> dict[str, Path]:
    """Module name -> file, for every module of the project (tests and benchmarks aside)."""
    files = {path.stem: ROOT / path for path in map(Path, TOP_MODULES)}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return files


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules a module imports anywhere (inside functions too: a lazy import is still a circle)."""
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle():
    files = project_files()
    graph = {name: imports_of(name, path, set(files)) for name, path in files.items()}
    # a package's __init__ importing its own modules is not a circle with them
    for name in graph:
        graph[name] = {target for target in graph[name] if not target.startswith(name + ".")}
    assert cycles(graph) == []


# The floors of the house, lowest first: a module imports from its own floor and the floors below, never above.
# Shared types at the bottom (contract), workers and their limits above them, then the engines, what results
# are, the data measured on, the measuring, the decision built on it, the reports, and the faces (CLI, pages).
FLOORS = (
    ("vectorscout", "vectorscout.contract", "vectorscout.home", "vectorscout.redaction", "vectorscout.glossary"),
    ("vectorscout.process",),
    ("adapters",),
    ("vectorscout.results",),
    ("vectorscout.data",),
    ("vectorscout.benchmarking",),
    ("vectorscout.decision",),
    ("vectorscout.reporting",),
    ("vectorscout.cli", "vectorscout.__main__", "vectorscout.serve", "dashboard_ui", "views", "app"),
)


def floor_of(module: str) -> int:
    """The floor of a module: that of the longest package or module in FLOORS it belongs to. The root package
    stands for its __init__ only (the version), so a new module under it must be given a floor."""
    matches = [(len(unit), number) for number, units in enumerate(FLOORS) for unit in units
               if module == unit or (module.startswith(unit + ".") and unit != "vectorscout")]
    assert matches, f"{module} is on no floor: add it to FLOORS"
    return max(matches)[1]


def arrows_up(graph: dict[str, set[str]]) -> list[str]:
    return sorted(f"{source} (floor {floor_of(source)}) imports {target} (floor {floor_of(target)})"
                  for source, targets in graph.items() for target in targets if floor_of(target) > floor_of(source))


def test_no_import_runs_up_a_floor():
    """Packages that import each other are one knot even without a module circle: the shared types then live
    in two places that depend on each other, and neither can be read or changed alone."""
    files = project_files()
    graph = {name: imports_of(name, path, set(files)) for name, path in files.items()}
    assert arrows_up(graph) == []


def test_the_floor_check_sees_an_arrow_up():
    assert floor_of("vectorscout.contract.filters") == 0 and floor_of("vectorscout.cli") == len(FLOORS) - 1
    with pytest.raises(AssertionError, match="on no floor"):
        floor_of("vectorscout.unplaced")
    assert arrows_up({"vectorscout.data.datasets": {"vectorscout.benchmarking.specs", "vectorscout.contract"}}) == [
        "vectorscout.data.datasets (floor 4) imports vectorscout.benchmarking.specs (floor 5)"]


def test_nothing_outside_adapters_names_an_engine():
    names = set(engine_names())
    offenders = []
    for module, path in project_files().items():
        if module.startswith("adapters"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    assert offenders == []


# Modules outside adapters/ that may import an engine's package, and why: FAISS's brute-force kernel (a BLAS
# product with heaps, no index) computes the exact ground truth every engine is scored against.
ENGINE_IMPORTS_ALLOWED = {("vectorscout.data.groundtruth", "faiss"): "exact ground truth with faiss.knn"}
SHARED_FORMATS = {"pyarrow"}  # an engine's requirement that is also a file format the importers read (Parquet)


def engine_packages() -> set[str]:
    """The packages adapters import engines from (their declared requirements), shared formats aside."""
    from adapters.registry import adapter_class

    return {module.split(".")[0] for name in engine_names() for module in adapter_class(name).requirements} - SHARED_FORMATS


def imported_packages(path: Path) -> dict[str, int]:
    """Top-level package -> line of every import in a file: import statements anywhere (lazy ones included) and
    importlib.import_module / __import__ calls with a constant name."""
    found: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module or ""]
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and ast.unparse(node.func) in ("importlib.import_module", "import_module", "__import__")):
            names = [node.args[0].value]
        else:
            continue
        for name in names:
            found.setdefault(name.split(".")[0], node.lineno)
    return found


def test_no_module_outside_adapters_imports_an_engine():
    """A string constant naming an engine is caught above; an import of the engine's package (import faiss,
    importlib.import_module("qdrant_edge")) is caught here, with the one use allowed and said why."""
    engines = engine_packages()
    assert {"faiss", "qdrant_edge", "pymilvus", "chromadb", "psycopg"} <= engines
    offenders = []
    for module, path in project_files().items():
        if module.startswith("adapters"):
            continue
        for package, line in imported_packages(path).items():
            if package in engines and (module, package) not in ENGINE_IMPORTS_ALLOWED:
                offenders.append(f"{path.relative_to(ROOT)}:{line} imports {package}")
    assert offenders == []


def test_the_engine_import_check_sees_every_form_of_import(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("import os\ndef f():\n    import faiss.contrib\n    from qdrant_edge import X\n"
                      "    importlib.import_module('pymilvus')\n    __import__('chromadb')\n")
    assert set(imported_packages(source)) == {"os", "faiss", "qdrant_edge", "pymilvus", "chromadb"}


def test_no_module_shadows_the_standard_library():
    """A module named like a standard one (secrets.py, warnings.py) is imported in its place by a script run
    beside it, and misleads a reader of `import secrets`."""
    import sys

    clashes = [str(path.relative_to(ROOT)) for path in project_files().values()
               if path.stem in sys.stdlib_module_names]
    assert clashes == []


def test_functions_are_short():
    long = []
    for path in project_files().values():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)")
    assert long == []


def test_the_readme_layout_names_every_module():
    """The README's layout section is where a newcomer looks first: every module and package of the core and
    every engine module is named there."""
    readme = (ROOT / "README.md").read_text()
    layout = readme.split("## How the code is laid out", 1)[1].split("```")[1]
    missing = []
    for path in sorted([*(ROOT / "vectorscout").rglob("*.py"), *(ROOT / "adapters").glob("*.py")]):
        if path.name in ("__init__.py", "__main__.py") or "knowledge" in path.parts:
            continue
        if path.parent.name == "adapters" and path.stem in set(engine_names()) | {"registry", "base"}:
            continue  # "one module per engine" names them as a group
        if path.name not in layout:
            missing.append(str(path.relative_to(ROOT)))
    packages = [path.name + "/" for path in (ROOT / "vectorscout").iterdir() if (path / "__init__.py").exists()]
    missing += [name for name in packages if name not in layout]
    assert not missing, missing


STRICT_FLAGS = {"disallow_untyped_defs", "disallow_incomplete_defs", "disallow_untyped_calls", "disallow_any_generics",
                "warn_return_any", "disallow_subclassing_any", "strict_equality"}
STRICT_PACKAGES = {"vectorscout.benchmarking.*", "adapters.*", "vectorscout.contract.*", "vectorscout.process.*"}


def test_mypy_is_strict_where_the_runner_meets_the_engines():
    """`make typecheck` runs mypy with pyproject's settings: the runner and the adapters keep strict mode's parts
    (mypy takes `strict` only globally), so a runner call with the wrong arguments fails the build."""
    import tomllib

    overrides = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]["overrides"]
    strict = [set(o["module"]) for o in overrides if all(o.get(flag) is True for flag in STRICT_FLAGS)]
    assert any(modules >= STRICT_PACKAGES for modules in strict)


def test_the_runner_names_the_adapter_type():
    """Every `db` the benchmarking code takes is a VectorAdapter, never Any: mypy then sees its calls."""
    untyped = []
    for module, path in project_files().items():
        if not module.startswith("vectorscout.benchmarking"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            annotation = ast.unparse(node.annotation) if isinstance(node, ast.arg) and node.annotation else ""
            if isinstance(node, ast.arg) and node.arg == "db" and annotation != "VectorAdapter":
                untyped.append(f"{module}:{node.lineno}")
    assert untyped == []
