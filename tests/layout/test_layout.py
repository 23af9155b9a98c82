"""The layout rules of issue 17 #6, checked on the source itself (nothing is imported):

- no product module over 500 lines (tests and migrations excepted), save the few listed below as
  left to split, which may only shrink;
- dependencies point down: the lower layers never import the layers above them.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 500

# Still over the limit, each with its size when the list was written: it may shrink, never grow.
# Remove a line when its module is split (the test below fails while a line is out of date).
LEFT_TO_SPLIT: dict[str, int] = {}


def product_modules() -> list[Path]:
    modules = []
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in {"tests", "var", "node_modules"} or parts[0].startswith("."):
            continue
        if "migrations" in parts:
            continue
        modules.append(path)
    return sorted(modules)


def line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_product_module_exceeds_500_lines():
    too_long = {}
    for path in product_modules():
        name = path.relative_to(ROOT).as_posix()
        lines = line_count(path)
        if lines > LEFT_TO_SPLIT.get(name, MAX_LINES):
            too_long[name] = lines
    assert not too_long, f"modules over {MAX_LINES} lines (split them by sub-domain): {too_long}"


def test_the_list_of_modules_left_to_split_is_current():
    for name in LEFT_TO_SPLIT:
        path = ROOT / name
        assert path.exists(), f"{name}: gone, remove it from the list"
        assert line_count(path) > MAX_LINES, f"{name}: split, remove it from the list"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Every module `path` imports, at the top or inside a function, absolute or relative."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join([*base, node.module] if node.module else base)
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def modules_under(package: str) -> list[Path]:
    folder = ROOT.joinpath(*package.split("."))
    if folder.with_suffix(".py").exists():
        return [folder.with_suffix(".py")]
    return [p for p in sorted(folder.rglob("*.py")) if "migrations" not in p.parts]


def is_under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


UPPER_APPS = ["api", "sandbox", "support", "bench"]
INVOICE_EDGES = [
    "invoices.services",
    "invoices.views",
    "invoices.forms",
    "invoices.received",
    "invoices.flux",
    "invoices.tasks",
    "invoices.urls",
]

# (package, what it must not import): the domain never imports the apps built on it; the parsers
# and the rules (pure checks on data) never import the services, the views or the flux pipeline.
LAYERS = [
    ("accounts", UPPER_APPS),
    ("structures", UPPER_APPS),
    ("invoices", UPPER_APPS),
    ("invoices.formats", INVOICE_EDGES),
    ("invoices.rules", INVOICE_EDGES),
    ("invoices.models", INVOICE_EDGES),
    ("structures.models", ["structures.services", "structures.settings", "structures.views"]),
    ("api", ["invoices.views", "invoices.received", "invoices.forms"]),  # not the portal pages
    ("chorus.clock", ["sandbox", *UPPER_APPS, "invoices", "structures"]),
]


@pytest.mark.parametrize(("package", "forbidden"), LAYERS, ids=[layer[0] for layer in LAYERS])
def test_dependencies_point_down(package, forbidden):
    upward = sorted(
        f"{module_name(path)} → {name}"
        for path in modules_under(package)
        if "management" not in path.parts
        for name in imports_of(path)
        if any(is_under(name, prefix) for prefix in forbidden)
    )
    assert not upward, f"{package} imports a layer above it: {upward}"


def test_the_import_reader_sees_imports_inside_functions(tmp_path, monkeypatch):
    """The checks above would pass vacuously if the reader missed lazy or relative imports."""
    package = tmp_path / "pkg" / "sub"
    package.mkdir(parents=True)
    (package / "mod.py").write_text(
        "from . import sibling\ndef f():\n    from ..services.drafts import LineData\n"
    )
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    found = imports_of(package / "mod.py")
    assert "pkg.services.drafts.LineData" in found
    assert "pkg.sub.sibling" in found


def import_graph(package: str) -> dict[str, set[str]]:
    """Module → the modules of `package` it imports (lazy imports included; a parent package that
    Python loads on the way is not counted as a dependency)."""
    names = {module_name(path): path for path in modules_under(package)}

    def owner(name: str) -> str:
        while name and name not in names:
            name = name.rpartition(".")[0]
        return name

    graph = {}
    for name, path in names.items():
        targets = {owner(target) for target in imports_of(path)} - {"", name}
        graph[name] = {t for t in targets if not name.startswith(t + ".")}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_circle_inside_invoices():
    """Not even through a lazy import: the outbox gets its tasks from `InvoicesConfig.ready`."""
    assert cycles(import_graph("invoices")) == []


def test_the_circle_finder_finds_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
