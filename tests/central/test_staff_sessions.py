"""Staff sessions in the store, on a clock the test moves (SQLite and PostgreSQL), and the
two dependencies staff pages take, on the real app in-process."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated

import pytest
from fastapi import Depends
from fastapi.testclient import TestClient

from central.app import create_app
from central.db import open_database
from central.staff_web import COOKIE, safe_next, signed_in_staff, staff_download
from central.store import SESSION_LIFETIME, CentralStore, ClientInfo


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(central_db_url: str, clock: Clock) -> Iterator[CentralStore]:
    store = CentralStore(open_database(central_db_url), clock=clock)
    yield store
    store.close()


def _staff(store: CentralStore, name: str = "Koordinator") -> int:
    store.create_client(name, "staff")
    return store.clients()[-1].id


def test_a_session_lasts_its_lifetime_then_is_pruned(store: CentralStore, clock: Clock) -> None:
    client_id = _staff(store)
    token = store.open_staff_session(client_id)
    found = store.staff_session(token)
    assert found is not None and found.id == client_id and found.name == "Koordinator"
    clock.now += SESSION_LIFETIME - timedelta(seconds=1)
    assert store.staff_session(token) is not None
    clock.now += timedelta(seconds=1)
    assert store.staff_session(token) is None
    assert store.prune_staff_sessions() == 1
    assert store.prune_staff_sessions() == 0


def test_revoking_closing_and_strangers(store: CentralStore) -> None:
    first, second = _staff(store, "A"), _staff(store, "B")
    a, b = store.open_staff_session(first), store.open_staff_session(second)
    assert a != b
    store.revoke_client(first)
    assert store.staff_session(a) is None  # revoked: at once
    assert store.staff_session(b) is not None  # the other client is untouched
    store.close_staff_session(b)
    store.close_staff_session(b)  # closing twice is harmless
    assert store.staff_session(b) is None
    for stranger in ("", "x", b + "x", "A" * 10_000):
        assert store.staff_session(stranger) is None
    # A session opened for an Open311 client opens no staff page.
    store.create_client("Dasbor", "open311")
    assert store.staff_session(store.open_staff_session(store.clients()[-1].id)) is None


def test_only_a_hash_of_the_token_is_stored(store: CentralStore) -> None:
    from sqlalchemy import select

    from central import models
    from central.security import digest

    token = store.open_staff_session(_staff(store))
    with store.session() as session:
        [stored] = session.scalars(select(models.StaffSession.token_hash)).all()
    assert stored == digest(token) and token not in stored


def test_the_dependencies_redirect_pages_and_refuse_downloads(central_store: CentralStore) -> None:
    app = create_app(central_store)

    @app.get("/staf/uji")
    def page(client: Annotated[ClientInfo, Depends(signed_in_staff)]) -> dict[str, str]:
        return {"name": client.name}

    @app.get("/staf/uji.csv")
    def download(client: Annotated[ClientInfo, Depends(staff_download)]) -> dict[str, str]:
        return {"name": client.name}

    key = central_store.create_client("Koordinator", "staff")
    with TestClient(app, base_url="http://127.0.0.1") as web:
        answer = web.get("/staf/uji?lang=en&dari=2026-12-01", follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == (
            "/staf/masuk?next=%2Fstaf%2Fuji%3Flang%3Den%26dari%3D2026-12-01&lang=en"
        )
        answer = web.get("/staf/uji.csv", follow_redirects=False)
        assert answer.status_code == 401 and "location" not in answer.headers
        assert answer.json()["error"] == "not_signed_in"
        signed = web.post("/staf/masuk", data={"key": key}, follow_redirects=False)
        assert signed.status_code == 303 and COOKIE in web.cookies
        assert web.get("/staf/uji").json() == {"name": "Koordinator"}
        assert web.get("/staf/uji.csv").json() == {"name": "Koordinator"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, "/staf"),
        ("/staf/statistik", "/staf/statistik"),
        ("/staf/statistik/", "/staf/statistik/"),
        ("/staf?lang=en", "/staf?lang=en"),
        ("/staf/keluar", "/staf"),
        ("/staf/masuk?next=//evil.example", "/staf"),
        ("/staf/uji.csv", "/staf"),  # a dot: not a page's path
        ("/staf/x?next=https://evil.example", "/staf"),  # ':' and '/' in the query
    ],
)
def test_safe_next(raw: str | None, expected: str) -> None:
    assert safe_next(raw) == expected
