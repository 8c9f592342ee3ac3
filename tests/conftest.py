import os

# First thing: without a display, pytest-qt aborts (exit 134) unless Qt goes offscreen.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("POSKO_DATA_DIR", None)
os.environ.pop("POSKO_LANG", None)

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from desktop.paths import Profile
from desktop.store.repo import Store
from posko.i18n import set_language
from tests.central_support import (  # noqa: F401  (fixtures)
    central_db_url,
    central_server,
    central_store,
    pg_cluster,
)

# In CI the property tests and the API fuzz draw the same examples every run, so a landing
# never depends on luck; locally they explore afresh each time (and keep what they find).
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

GUI_FIXTURES = {"qtbot", "qapp", "qtmodeltester", "window", "form"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every Qt test ``gui`` so ``pytest -m 'not gui'`` runs the core alone."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        source = Path(str(item.fspath)).read_text(encoding="utf-8")
        if fixtures & GUI_FIXTURES or "PySide6" in source:
            item.add_marker(pytest.mark.gui)


@pytest.fixture(autouse=True)
def indonesian() -> Iterator[None]:
    """Tests run in the default language, Indonesian, unless they switch."""
    set_language("id")
    yield
    set_language("id")


@pytest.fixture(autouse=True)
def installed_routing_rules() -> Iterator[None]:
    """A desk started in a test points the router at its profile's rules: undo it, so the
    next test routes with the installed rules."""
    yield
    from posko.routing import use_profile_rules

    use_profile_rules(None)


@pytest.fixture
def profile(tmp_path: Path) -> Profile:
    return Profile(tmp_path / "profile")


@pytest.fixture
def store(profile: Profile) -> Iterator[Store]:
    store = Store.open(profile)
    store.setup(
        post_code="MRK",
        post_name="Posko Pelabuhan Merak",
        operator="Siti Rahmawati",
        central_url="https://pelacakan.posko.test",
    )
    yield store
    store.close()
