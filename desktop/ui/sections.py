"""The desk's sections, each registered by its own module: the main window lists what is
registered and never names a section it does not build itself.

A new section is a module in ``desktop.ui.rooms`` that calls ``register`` at import time;
``registered()`` imports every module of that package once, so adding a section edits no
other file."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

# What a factory is given: the main window (typed loosely, so a section never needs to
# import it), for the store, the profile and its shared widgets.
SectionFactory = Callable[[QWidget], QWidget]


@dataclass(frozen=True)
class Section:
    """One entry of the navigation. ``title`` is a message id (``N_``), translated when
    shown; ``order`` places it (the complaints are 10, the synchronisation 90); ``factory``
    builds its widget the first time the section is shown; ``mnemonic`` is its keyboard
    shortcut (``Alt+<position>`` when empty); ``icon`` a freedesktop icon theme name."""

    key: str
    title: str
    order: int
    factory: SectionFactory
    mnemonic: str = ""
    icon: str = ""


_SECTIONS: dict[str, Section] = {}
_discovered = False


def register(section: Section) -> Section:
    """Add (or replace, by ``key``) a section."""
    _SECTIONS[section.key] = section
    return section


def registered() -> list[Section]:
    """Every section, in order; the modules of ``desktop.ui.rooms`` are imported first."""
    global _discovered
    if not _discovered:
        from desktop.ui import rooms

        for module in pkgutil.iter_modules(rooms.__path__):
            importlib.import_module(f"{rooms.__name__}.{module.name}")
        _discovered = True
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key))
