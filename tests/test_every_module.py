"""The newcomer's run, ``pytest`` alone (the inner loop, tests/conftest.py), imports every
module of the package: one of its test files imports it, or runs it (``python -m``,
a module named in a string), or a module so imported imports it as it loads.

Read from the source, not by running the run (a second or two, not minutes): a test
file's imports count wherever they are (in a test too); the package's own count as they
load (their module level, not a function's lazy import, which runs only if a test calls
that function: :data:`LAZY` names the test file that does). A test file is in the run
when one of its tests is (:data:`tests.conftest.TIERS`: a file, or every test of one,
can be in another tier; a sampled test keeps a sample in the run)."""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import NAMED_TESTS, SAMPLED, defined_tests, tier_of

TESTS = Path(__file__).parent
SRC = TESTS.parent / "src"
#: a string naming a module of the package (``python -m intacct.cli``, ``"intacct.cli.sync"``)
MODULE_NAME = re.compile(r"intacct(?:\.\w+)*")
#: the modules the package imports only when asked for (the commands the ``intacct``
#: group loads by name, intacct.cli.COMMANDS; a destination by its URL's kind), each with
#: the test file of the run that asks for it and the words it asks with; what they
#: import as they load counts too
LAZY = {
    "intacct.cli.doctor": ("cli/test_doctor_rest.py", 'invoke("doctor"'),
    "intacct.cli.explore": ("cli/test_explore.py", '"describe"'),
    "intacct.cli.profiles": ("cli/test_profiles.py", '"profiles", "add"'),
    "intacct.cli.state": ("cli/test_state.py", '"state", "show"'),
    "intacct.destinations.postgres": ("sync/test_postgres.py", "postgres_url"),
}


def test_the_newcomers_run_imports_every_module() -> None:
    run = newcomers_files()
    assert run and all(tier_of(f) == "inner" for f in run)
    missing = sorted(set(_modules()) - _reached(run))
    assert missing == [], (
        "no test file of `pytest` alone imports these; move a test that does back into "
        f"the inner loop (tests/conftest.py, TIERS) or write one: {missing}"
    )


def test_each_lazy_module_is_asked_for_by_a_test_of_the_run_and_by_nothing_else() -> None:
    """A lazy module's test file is in the run and asks for it; an entry whose module a
    test file imports anyway (or that names no module) is one to drop."""
    run = newcomers_files()
    for module, (test_file, asking) in LAZY.items():
        assert TESTS / test_file in run, f"{module}: {test_file} is not in the inner loop"
        assert asking in (TESTS / test_file).read_text(encoding="utf-8"), test_file
    assert set(LAZY) <= set(_modules())
    assert not set(LAZY) & _reached(run, lazy=False)


def test_a_module_only_a_function_imports_is_not_counted_as_imported(tmp_path: Path) -> None:
    """What the check stands on: a test's import inside a test counts, and so does what it
    imports as it loads; the package's lazy imports do not."""
    (tmp_path / "test_lazy.py").write_text(
        "import intacct.cli\n"
        "def test_it():\n"
        "    from intacct.cli import sync\n"
        "    run = ['python', '-m', 'intacct.cli']\n",
        encoding="utf-8",
    )
    reached = _reached([tmp_path / "test_lazy.py"], lazy=False)
    assert {"intacct", "intacct.cli", "intacct.cli.sync", "intacct.cli.__main__"} <= reached
    assert "intacct.cli.usage" in reached  # intacct.cli imports it as it loads
    # intacct.cli names intacct.cli.doctor only in a string, imported when asked for
    assert "intacct.cli.doctor" not in reached


def newcomers_files() -> list[Path]:
    """The test files of ``pytest`` alone: in the inner loop, and not every test of them
    named in another tier."""
    files = []
    for path in sorted(TESTS.rglob("test_*.py")):
        if tier_of(path) != "inner" or path == Path(__file__):  # this one names modules
            continue
        where = path.relative_to(TESTS).as_posix()
        tests = defined_tests(path)
        moved = {t for t in tests if NAMED_TESTS.get(f"{where}::{t}", SAMPLED) != SAMPLED}
        if tests and moved != tests:
            files.append(path)
    return files


def _reached(test_files: list[Path], *, lazy: bool = True) -> set[str]:
    """The package's modules the test files (their folders' conftest.py too) import, the
    :data:`LAZY` ones whose test file is among them, and what those import as they load."""
    files = set(test_files)
    for test in test_files:
        folder = test.parent
        while folder.is_relative_to(TESTS):
            files.add(folder / "conftest.py")
            folder = folder.parent
    todo = [f for f in files if f.exists()]
    if lazy:
        todo += [_file(m) for m, (t, _) in LAZY.items() if TESTS / t in files]
    seen: set[Path] = set()
    reached: set[str] = set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        if path.is_relative_to(SRC):
            reached.add(_name(path))
        todo += [f for f in map(_module, _imports(path)) if f is not None]
    return reached


def _file(module: str) -> Path:
    found = _module(module)
    assert found is not None, f"no module {module}"
    return found


@functools.cache
def _imports(path: Path) -> frozenset[str]:
    """What a file imports, each parent package too: a test file's or helper's every
    import and every string naming a module; a package module's imports as it loads."""
    ours = path.is_relative_to(SRC)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _name(path).rpartition(".")[0] if path.name != "__init__.py" else _name(path)
    names: set[str] = set()
    for node in _nodes(tree, loading_only=ours):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            names.add(base)
            names |= {f"{base}.{alias.name}" for alias in node.names}
        elif (
            not ours
            and isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and MODULE_NAME.fullmatch(node.value)
        ):
            names.add(node.value)  # run with python -m, a package by its __main__
            names.add(f"{node.value}.__main__")
    parents = set()
    for name in names:
        parts = name.split(".")
        parents |= {".".join(parts[:n]) for n in range(1, len(parts))}
    return frozenset(names | parents)


def _nodes(tree: ast.AST, *, loading_only: bool) -> Iterator[ast.AST]:
    """Every node that runs, left out: ``if TYPE_CHECKING:`` blocks (never run) and, with
    ``loading_only``, function bodies (run only when called)."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                todo += child.orelse
                continue
            if loading_only and isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                todo += child.decorator_list  # run as the module loads, the body is not
                continue
            if loading_only and isinstance(child, ast.Lambda):
                continue
            todo.append(child)


def _name(path: Path) -> str:
    """The dotted name of a module file of the package or of the tests (else its stem)."""
    root = next((r for r in (SRC, TESTS.parent) if path.is_relative_to(r)), path.parent)
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module(name: str) -> Path | None:
    """The file of a module of the package or of the tests, or None (another's, a name)."""
    root = SRC if name.split(".")[0] == "intacct" else TESTS.parent
    if name.split(".")[0] not in ("intacct", "tests"):
        return None
    base = root.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _modules() -> list[str]:
    """Every module of the package."""
    return sorted(_name(p) for p in (SRC / "intacct").rglob("*.py"))
