"""The public IKM board (``/ikm``) against the real central server on 127.0.0.1, on SQLite
and on PostgreSQL: the figures per post and service, never a questionnaire; hostile query
parameters get a clean page."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from central.ikm_board import MIN_RESPONDENTS
from tests.central_support import CentralServer, enroll, skm_record

ALL = ("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9")
SUGGESTION = "Toilet kotor sekali, petugas Pak Darmo membentak"


def _push(client: httpx.Client, token: str, records: list[dict[str, Any]]) -> None:
    answer = client.post(
        "/api/v1/sync/push",
        json={"protocol": 2, "records": records},
        headers={"authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["outcomes"] == "a" * len(records)


@pytest.fixture
def board(central_server: CentralServer) -> CentralServer:
    """MRK: five rest-area questionnaires (all 4), two at the bus terminal (too few to
    score); BKH: five at the ferry port (all 1). Every one carries a suggestion."""
    mrk, _device = enroll(central_server.store, "MRK")
    bkh, _device = enroll(central_server.store, "BKH")
    n = MIN_RESPONDENTS

    def made(post: str, service: str, score: int, count: int) -> list[dict[str, Any]]:
        return [
            skm_record(
                post_code=post,
                service_code=service,
                answers=dict.fromkeys(ALL, score),
                suggestion=f"{SUGGESTION} {i}",
            )
            for i in range(count)
        ]

    with central_server.client() as client:
        _push(client, mrk, made("MRK", "REST-AREA", 4, n) + made("MRK", "TERMINAL", 3, 2))
        _push(client, bkh, made("BKH", "PELABUHAN", 1, n))
    return central_server


def test_the_board_shows_each_post_and_service(board: CentralServer) -> None:
    with board.client() as client:
        page = client.get("/ikm")
        english = client.get("/ikm", params={"lang": "en", "post": "bkh"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="id">' in html
    assert "Rest area jalan tol" in html and "100.00" in html and "Sangat Baik" in html
    assert "Pelabuhan penyeberangan" in html and "25.00" in html and "Tidak Baik" in html
    # The bus terminal's two questionnaires: counted, not scored (they would be two people's).
    assert re.search(r"Terminal bus · [^<]*\b2</dt>\s*<dd class=\"muted\">", html)
    # MRK as a whole: its seven respondents, the IKM of the services scored only (the
    # terminal's figures would follow by subtraction otherwise: (20 + 6) / 7 per element).
    assert re.search(r"· [^<]*\b7</dt>\s*<dd>[^<]*100\.00", html)
    assert f"{26 / 7 * 25:.2f}" not in html
    assert SUGGESTION not in html
    assert english.status_code == 200 and '<html lang="en">' in english.text
    assert "Ferry port" in english.text and "Not good" in english.text
    assert "Rest area" not in english.text and "Toll road rest area" not in english.text
    assert SUGGESTION not in board.log_text()


HOSTILE = [
    {"post": "X" * 5000},
    {"post": "'; DROP TABLE skm_responses; --"},
    {"post": "MRK' OR '1'='1"},
    {"post": "ПОСТ-é😀"},
    {"post": "MRK\x00"},
    {"post": "<script>alert(1)</script>"},
    {"post": ""},
    {"post": "   "},
    {"lang": "<script>alert(1)</script>"},
    {"lang": "en" * 3000},
    {"post": "MRK", "lang": "zz", "extra": "1" * 2000},
]


def test_odd_parameters_get_a_clean_page(board: CentralServer) -> None:
    with board.client() as client:
        for params in HOSTILE:
            answer = client.get("/ikm", params=params)
            assert answer.status_code == 200, (params, answer.status_code)
            assert "<script>alert" not in answer.text
            assert SUGGESTION not in answer.text
        # The same parameter twice, and a query string far beyond any code.
        twice = client.get("/ikm?post=MRK&post=BKH")
        assert twice.status_code == 200 and "Pelabuhan penyeberangan" in twice.text
        huge = client.get("/ikm", params={"post": "A" * 60_000})
        assert huge.status_code < 500
        assert client.get("/ikm").status_code == 200  # still there, nothing dropped
    assert board.store.count(["skm_responses"]) == {"skm_responses": 2 * MIN_RESPONDENTS + 2}
    assert SUGGESTION not in board.log_text()
