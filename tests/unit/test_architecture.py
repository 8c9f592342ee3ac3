"""The house's rules: the shared core ``posko`` and the desk's Qt-free parts never import
Qt (the central server and the CLI reuse them, and their tests need no display); the desk
and the central system meet only in the core. Qt is looked for in a fresh interpreter, so
nothing imported by other tests hides it."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import desktop
import posko

# Modules allowed to use Qt: widgets, receipt painting, and the wiring that starts the GUI.
QT_MODULES = ("desktop.ui", "desktop.printing", "desktop.app")


def core_modules() -> list[str]:
    names = [
        info.name
        for package in (posko, desktop)
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")
        if not info.name.startswith(QT_MODULES)
        and ".migrations" not in info.name
        and info.name != "desktop.__main__"
    ]
    assert "desktop.store.repo" in names and "posko.tracking" in names
    return sorted(names)


def qt_pulled_in_by(modules: list[str]) -> str:
    """The Qt modules a fresh interpreter has loaded after importing ``modules``."""
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "qt = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6')))\n"
        "print(','.join(qt))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_core_imports_no_qt() -> None:
    qt = qt_pulled_in_by(core_modules())
    assert qt == "", f"core pulled in Qt: {qt}"


def test_widgets_live_only_in_ui() -> None:
    """QtWidgets appears only under desktop/ui and in the GUI wiring."""
    from pathlib import Path

    root = Path(desktop.__file__).parent
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "QtWidgets" in path.read_text(encoding="utf-8")
        and path.relative_to(root).parts[0] != "ui"  # desktop/ui and its section folders
        and path.name != "app.py"
    ]
    assert offenders == []


def test_central_imports_no_qt() -> None:
    """The central system runs on servers without Qt."""
    import central

    modules = sorted(
        info.name
        for info in pkgutil.walk_packages(central.__path__, "central.")
        if ".migrations" not in info.name
    )
    assert "central.app" in modules and "central.store" in modules
    qt = qt_pulled_in_by(modules)
    assert qt == "", f"central pulled in Qt: {qt}"


ROOT = Path(__file__).resolve().parents[2]
# Which top-level packages each package may import from this repository: the shared core
# stands alone, and the desk and the central system meet only in it.
ALLOWED = {
    "posko": {"posko"},
    "desktop": {"posko", "desktop"},
    "central": {"posko", "central"},
}


def imported_roots(path: Path) -> list[tuple[int, str]]:
    """Every import in ``path`` (function-level ones too) whose top-level name is one of the
    repository's packages or Qt, with its line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [(node.lineno, name.split(".")[0]) for name in names]
    return [(line, root) for line, root in found if root in {*ALLOWED, "PySide6", "shiboken6"}]


def test_packages_import_only_what_the_house_allows() -> None:
    """No ``central -> desktop`` or ``desktop -> central`` arrow, and no Qt in the core or
    the central system, read from the source so a lazy import cannot hide one."""
    offenders = []
    for package, allowed in ALLOWED.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            for line, root in imported_roots(path):
                qt_ok = package == "desktop"
                if root not in allowed and not (qt_ok and root in {"PySide6", "shiboken6"}):
                    offenders.append(f"{path.relative_to(ROOT)}:{line} imports {root}")
    assert offenders == []


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    """The reader above finds a lazy import inside a function (so the test can fail)."""
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from desktop.store import repo\n", encoding="utf-8")
    assert imported_roots(module) == [(2, "desktop")]
