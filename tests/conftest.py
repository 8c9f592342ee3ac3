import atexit
import os
import shutil
import sys
import tempfile

# First thing: without a display, pytest-qt aborts (exit 134) unless Qt goes offscreen.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("POSKO_DATA_DIR", None)
os.environ.pop("POSKO_LANG", None)
# A central system a test starts without a data directory (``serve`` with a database URL)
# makes its bundle key here, never in the user's own data directory.
os.environ["POSKO_CENTRAL_BUNDLE_KEY"] = os.path.join(
    tempfile.mkdtemp(prefix="posko-tests-"), "bundle-key.pem"
)

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

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

# The desk keeps its database key in the OS keyring; a headless test machine has none, so
# the tests' desks (and the programs they start) use tests/keyring_standin.py.
_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.environ["PYTHON_KEYRING_BACKEND"] = "tests.keyring_standin.FileKeyring"
os.environ["POSKO_TEST_KEYRING"] = os.path.join(
    os.path.dirname(os.environ["POSKO_CENTRAL_BUNDLE_KEY"]), "keyring"
)
os.environ["PYTHONPATH"] = os.pathsep.join([_REPO, *filter(None, [os.environ.get("PYTHONPATH")])])

atexit.register(shutil.rmtree, os.path.dirname(os.environ["POSKO_CENTRAL_BUNDLE_KEY"]), True)

# In CI the property tests and the API fuzz draw the same examples every run, so a landing
# never depends on luck; locally they explore afresh each time (and keep what they find).
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

# A test is ``gui`` when it asks for a Qt fixture, or when its module holds (at module level)
# anything from Qt or from the desk's Qt side, directly or through a support module of ours.
GUI_FIXTURES = {"qtbot", "qapp", "qtmodeltester", "window", "form"}
QT_MODULES = ("PySide6", "shiboken6", "desktop.ui", "desktop.printing", "desktop.app")


def _from_qt(name: str) -> bool:
    return any(name == root or name.startswith(root + ".") for root in QT_MODULES)


def _qt_facing(module: ModuleType, seen: dict[str, bool]) -> bool:
    """Whether a module's globals include Qt, found through its objects, not its text: a
    module that only mentions Qt in a string (tests/unit/test_architecture.py) is not Qt."""
    if module.__name__ in seen:
        return seen[module.__name__]
    seen[module.__name__] = False  # a cycle does not make a module Qt
    found = False
    for value in vars(module).values():
        origin = (
            value.__name__ if isinstance(value, ModuleType) else getattr(value, "__module__", None)
        )
        if not isinstance(origin, str):
            continue
        if _from_qt(origin):
            found = True
            break
        if origin.startswith("tests.") and origin != module.__name__:
            support = sys.modules.get(origin)
            if support is not None and _qt_facing(support, seen):
                found = True
                break
    seen[module.__name__] = found
    return found


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every Qt test ``gui`` so ``pytest -m 'not gui'`` runs the core alone."""
    seen: dict[str, bool] = {}
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        module = getattr(item, "module", None)
        qt_module = isinstance(module, ModuleType) and _qt_facing(module, seen)
        if fixtures & GUI_FIXTURES or qt_module:
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


@pytest.fixture(autouse=True)
def times_shown_in_wib() -> Iterator[None]:
    """A window sets the zone the screens show times in (``desktop.when``) from its post:
    the next test starts from the default again."""
    yield
    from desktop.when import show_times_in

    show_times_in("WIB")


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
