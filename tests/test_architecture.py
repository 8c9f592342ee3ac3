"""The core never imports Qt: the central server and the CLI reuse it, and its tests need
no display. Checked in a fresh interpreter so nothing imported by other tests hides it."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import desktop

# Modules allowed to use Qt: widgets, receipt painting, and the wiring that starts the GUI.
QT_MODULES = ("desktop.ui", "desktop.printing", "desktop.app")


def core_modules() -> list[str]:
    names = [
        info.name
        for info in pkgutil.walk_packages(desktop.__path__, "desktop.")
        if not info.name.startswith(QT_MODULES)
        and ".migrations" not in info.name
        and info.name != "desktop.__main__"
    ]
    assert "desktop.store.repo" in names and "desktop.tracking" in names
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
        and path.parent.name != "ui"
        and path.name != "app.py"
    ]
    assert offenders == []


def test_central_imports_no_qt_and_the_desk_never_imports_central() -> None:
    """The central system reuses the desk's Qt-free core (wire protocol, tracking IDs,
    categories) and runs on servers without Qt; the desk never depends on the server."""
    import central

    modules = sorted(
        info.name
        for info in pkgutil.walk_packages(central.__path__, "central.")
        if ".migrations" not in info.name
    )
    assert "central.app" in modules and "central.store" in modules
    qt = qt_pulled_in_by(modules)
    assert qt == "", f"central pulled in Qt: {qt}"

    from pathlib import Path

    root = Path(desktop.__file__).parent
    importers = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if any(
            line.lstrip().startswith(("import central", "from central"))
            for line in path.read_text(encoding="utf-8").splitlines()
        )
    ]
    assert importers == []
