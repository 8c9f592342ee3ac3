"""The coordinators' web sign-in (``/staf/masuk``) attacked as an attacker would, through
the real server on 127.0.0.1 (SQLite and PostgreSQL): wrong, empty and enormous keys,
guessing, keys of the wrong kind, sessions that should be dead, redirects to elsewhere,
forms sent from another site, and the server's own log searched for the secrets."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from sqlalchemy import func, select, update

from central import models
from central.db import open_database
from central.i18n import translator
from central.staff_web import FAILURES_PER_MINUTE
from central.store import CentralStore
from tests.central_support import CentralServer, enroll, start_server, stop_process

_ = translator("id")
NOT_VALID = _("This staff key is not valid, or it has been revoked.")
EVIL = "https://evil.example"


def sign_in(
    client: httpx.Client, key: str, next_page: str | None = None, **headers: str
) -> httpx.Response:
    fields = {"key": key, "lang": "id", **({"next": next_page} if next_page is not None else {})}
    return client.post("/staf/masuk", data=fields, headers=headers)


def signed_in(client: httpx.Client) -> bool:
    answer = client.get("/staf")
    if answer.status_code == 303:
        assert answer.headers["location"].startswith("/staf/masuk?next=%2Fstaf")
        return False
    assert answer.status_code == 200, answer.text
    return True


def test_wrong_and_empty_keys_get_a_plain_refusal(central_server: CentralServer) -> None:
    key = central_server.store.create_client("Koordinator", "staff")
    with central_server.client() as client:
        for empty in ("", "   "):
            answer = sign_in(client, empty)
            assert answer.status_code == 401
            assert _("Type your staff key.") in answer.text
        for wrong in (key[:-1], key + "x", key.swapcase(), "KunciTebakan"):
            answer = sign_in(client, wrong)
            assert answer.status_code == 401
            assert NOT_VALID in answer.text
            assert wrong not in answer.text  # the key is never typed back into the page
            assert "posko_staf" not in answer.headers.get("set-cookie", "")
        assert not signed_in(client)


def test_enormous_and_strange_keys_are_wrong_keys(central_server: CentralServer) -> None:
    central_server.store.create_client("Koordinator", "staff")
    with central_server.client() as client:
        for strange in ("K" * 1_000, "K" * 100_000, "\x00' OR '1'='1", "kunci🔑\u202e"):
            answer = sign_in(client, strange)
            assert answer.status_code == 401, answer.status_code
            assert NOT_VALID in answer.text
            for leak in ("Traceback", "sqlalchemy", "psycopg", "sqlite", "open311", strange):
                assert leak not in answer.text
        # Not a form at all: JSON, or a field twice.
        answer = client.post("/staf/masuk", json={"key": "x"})
        assert answer.status_code == 401 and NOT_VALID in answer.text
        assert not signed_in(client)


def test_device_tokens_and_open311_keys_do_not_sign_in(central_server: CentralServer) -> None:
    store = central_server.store
    device_token, _device = enroll(store)
    open311_key = store.create_client("Dasbor", "open311")
    with central_server.client() as client:
        for key in (device_token, open311_key):
            answer = sign_in(client, key)
            assert answer.status_code == 401 and NOT_VALID in answer.text
        assert not signed_in(client)


@pytest.fixture
def proxied(central_db_url: str, tmp_path: Path) -> Iterator[CentralServer]:
    """The real server behind a (pretend) proxy on 127.0.0.1: X-Forwarded-For names the
    client's address, X-Forwarded-Proto says https."""
    store = CentralStore(open_database(central_db_url))
    log = tmp_path / "server.log"
    process, url = start_server(central_db_url, log, "--forwarded-allow-ips", "127.0.0.1")
    try:
        yield CentralServer(url, central_db_url, store, process, log)
    finally:
        stop_process(process)
        store.close()


def test_failed_sign_ins_are_limited_per_address(proxied: CentralServer) -> None:
    key = proxied.store.create_client("Koordinator", "staff")
    guesser = {"x-forwarded-for": "203.0.113.7"}
    with proxied.client() as client:
        for n in range(FAILURES_PER_MINUTE):
            assert sign_in(client, f"tebakan-{n}", **guesser).status_code == 401
        # Locked out now, even with the right key: guessing cannot go on.
        answer = sign_in(client, key, **guesser)
        assert answer.status_code == 429
        assert 1 <= int(answer.headers["retry-after"]) <= 60
        assert "posko_staf" not in answer.headers.get("set-cookie", "")
        assert answer.headers["retry-after"] in answer.text  # "try again in N seconds"
        # Another address has its own budget; a signed-in session is not locked out.
        answer = sign_in(client, key, **{"x-forwarded-for": "198.51.100.2"})
        assert answer.status_code == 303
        assert signed_in(client)


def test_guesses_sent_all_at_once_get_no_more_tries(proxied: CentralServer) -> None:
    """Forty wrong keys from one address at the same moment: no more than the budget of
    them is even checked (each attempt pays before its key is looked at, not after it
    failed), the rest are told to wait."""
    proxied.store.create_client("Koordinator", "staff")
    guesser = {"x-forwarded-for": "203.0.113.9"}
    barrier = threading.Barrier(40)

    def guess(n: int) -> int:
        with proxied.client() as client:
            barrier.wait()
            return sign_in(client, f"tebakan-serentak-{n}", **guesser).status_code

    with ThreadPoolExecutor(max_workers=40) as pool:
        codes = Counter(pool.map(guess, range(40)))
    assert set(codes) <= {401, 429}, codes
    assert codes[401] <= FAILURES_PER_MINUTE, codes


def test_the_cookie_is_httponly_strict_and_limited_to_staf(proxied: CentralServer) -> None:
    key = proxied.store.create_client("Koordinator", "staff")
    with proxied.client() as client:
        plain = sign_in(client, key).headers["set-cookie"]
        secure = sign_in(client, key, **{"x-forwarded-proto": "https"}).headers["set-cookie"]
    for cookie in (plain, secure):
        flags = [part.strip().lower() for part in cookie.split(";")]
        assert flags[0].startswith("posko_staf=")
        assert len(flags[0]) > len("posko_staf=") + 40  # a 256-bit token
        assert {"httponly", "samesite=strict", "path=/staf", "max-age=28800"} <= set(flags)
    assert "secure" not in plain.lower().split("; ")
    assert "secure" in [part.strip().lower() for part in secure.split(";")]


def test_a_revoked_clients_session_stops_at_once(central_server: CentralServer) -> None:
    store = central_server.store
    key = store.create_client("Koordinator", "staff")
    [client_info] = store.clients()
    with central_server.client() as client:
        assert sign_in(client, key).status_code == 303
        assert signed_in(client)
        store.revoke_client(client_info.id)
        assert not signed_in(client)
        assert sign_in(client, key).status_code == 401  # and the key no longer signs in


def test_an_expired_session_is_refused_and_pruned(central_server: CentralServer) -> None:
    store = central_server.store
    key = store.create_client("Koordinator", "staff")
    with central_server.client() as client:
        assert sign_in(client, key).status_code == 303
        assert signed_in(client)
        with store.session() as session, session.begin():
            session.execute(
                update(models.StaffSession).values(
                    expires_at=datetime.now(UTC) - timedelta(seconds=1)
                )
            )
        assert not signed_in(client)
    with central_server.client() as other:
        assert sign_in(other, key).status_code == 303  # opening a session prunes
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(models.StaffSession)) == 1


def test_sign_out_ends_the_session_for_good(central_server: CentralServer) -> None:
    key = central_server.store.create_client("Koordinator", "staff")
    with central_server.client() as client:
        assert sign_in(client, key).status_code == 303
        token = client.cookies["posko_staf"]
        answer = client.post("/staf/keluar")
        assert answer.status_code == 303 and answer.headers["location"] == "/staf/masuk?lang=id"
        assert "max-age=0" in answer.headers["set-cookie"].lower()
    # The old token, replayed (say, from a copied cookie), opens nothing.
    with central_server.client(cookies={"posko_staf": token}) as replay:
        assert not signed_in(replay)


def test_signing_in_again_replaces_the_session(central_server: CentralServer) -> None:
    """A token planted in the browser beforehand (session fixation) or a stale one is
    closed when the browser signs in: the session that opens is always a new one."""
    key = central_server.store.create_client("Koordinator", "staff")
    with central_server.client() as client:
        assert sign_in(client, key).status_code == 303
        first = client.cookies["posko_staf"]
        assert sign_in(client, key).status_code == 303
        second = client.cookies["posko_staf"]
        assert second != first and signed_in(client)
    with central_server.client(cookies={"posko_staf": first}) as stale:
        assert not signed_in(stale)


OPEN_REDIRECTS = (
    "//evil.example",
    "https://evil.example",
    "http:evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/staf/../x",
    "/staf/./../x",
    "/staf/%2e%2e/x",
    "/staf/..%2fx",
    "/staf%2f..%2fx",
    "%2F%2Fevil.example",
    "/%2F%2Fevil.example",
    "/staf//evil.example",
    "/staf/\\evil.example",
    "/staf@evil.example",
    "/staf.evil.example",
    "/stafevil",
    "/%09/evil.example",
    "/staf/\r\nLocation: https://evil.example",
    "/staf\x00//evil.example",
    " //evil.example",
    "javascript:alert(1)",
    "/staf#//evil.example",
    "/staf/masuk",
    "/staf/" + "a" * 1000,
)


def test_next_always_lands_on_a_staff_page(central_server: CentralServer) -> None:
    key = central_server.store.create_client("Koordinator", "staff")
    with central_server.client() as client:
        for target in OPEN_REDIRECTS:
            answer = sign_in(client, key, target)
            assert answer.status_code == 303, target
            location = answer.headers["location"]
            assert location == "/staf", (target, location)
            landed = urlsplit(urljoin(central_server.url, location))
            assert landed.netloc == urlsplit(central_server.url).netloc
            form = client.get("/staf/masuk", params={"next": target})
            assert 'name="next" value="/staf"' in form.text, target
        # A staff page, and its query, is where it goes.
        answer = sign_in(client, key, "/staf/statistik?lang=en&dari=2026-12-01")
        assert answer.headers["location"] == "/staf/statistik?lang=en&dari=2026-12-01"


def test_forms_from_another_site_are_refused(central_server: CentralServer) -> None:
    key = central_server.store.create_client("Koordinator", "staff")
    foreign = (
        {"origin": EVIL},
        {"origin": "null"},
        {"origin": central_server.url + ".evil.example"},
        {"referer": f"{EVIL}/halaman"},
        {"referer": "not a url ["},
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site", "origin": central_server.url},
    )
    with central_server.client() as client:
        for headers in foreign:
            answer = sign_in(client, key, **headers)
            assert answer.status_code == 403, headers
            assert "posko_staf" not in answer.headers.get("set-cookie", "")
        own = {"origin": central_server.url, "sec-fetch-site": "same-origin"}
        assert sign_in(client, key, **own).status_code == 303
        for headers in foreign:  # sign-out is a form too: someone else's page cannot send it
            assert client.post("/staf/keluar", headers=headers).status_code == 403, headers
            assert signed_in(client)
        referer = {"referer": f"{central_server.url}/staf"}
        assert client.post("/staf/keluar", headers=referer).status_code == 303
        assert not signed_in(client)


def test_the_log_holds_neither_key_nor_session_token(central_server: CentralServer) -> None:
    key = central_server.store.create_client("Koordinator", "staff")
    wrong = "SalahKunciQzx" + key[:10]
    with central_server.client() as client:
        assert sign_in(client, wrong, "/staf/statistik").status_code == 401
        assert sign_in(client, key, "/staf/statistik").status_code == 303
        token = client.cookies["posko_staf"]
        assert signed_in(client)
        client.post("/staf/keluar")
    with central_server.client(cookies={"posko_staf": token}) as replay:
        assert not signed_in(replay)
    log = central_server.log_text()
    assert "POST /staf/masuk" in log  # the log is the server's, and it is written
    for secret in (key, key[:12], token, token[:12], wrong[:13]):
        assert secret not in log
