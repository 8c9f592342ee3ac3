"""The SKM survey on a traveller's phone (``/survei/{post}/{service}``): filled in Debian's
Chromium at a phone's size against the real ``posko-central serve`` (SQLite and PostgreSQL),
and attacked over HTTP as a hand-made request would: whatever arrives malformed is refused
and stores nothing, a form sent twice counts once, and no answer text reaches the log.

Set ``POSKO_SCREENSHOT_DIR`` (e.g. ``docs``) to keep the page's screenshot."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from central import models
from tests.central.test_central_tracking_browser import Phone, browser  # noqa: F401 (fixture)
from tests.central_support import CentralServer, enroll

PATH = "/survei/MRK-01/PELABUHAN"
FORM = "application/x-www-form-urlencoded"
SARAN = "Toilet dermaga tiga kotor sekali"


@pytest.fixture
def server(central_server: CentralServer) -> CentralServer:
    enroll(central_server.store, "MRK-01")  # the post exists: a desk was enrolled for it
    return central_server


def stored(server: CentralServer) -> list[models.SkmResponse]:
    with server.store.session() as session:
        return list(session.scalars(select(models.SkmResponse).order_by(models.SkmResponse.id)))


def form_id(page: str) -> str:
    found = re.search(r'name="id" value="([0-9a-f-]{36})"', page)
    assert found, "the page carries its questionnaire number"
    return found.group(1)


def all_answered(identity: str, **more: str) -> dict[str, str]:
    return {"id": identity, **{f"U{n}": "3" for n in range(1, 10)}, **more}


@pytest.fixture
def phone(browser: object, server: CentralServer) -> Iterator[Phone]:  # noqa: F811
    phone = Phone(browser, server.url)  # type: ignore[arg-type]
    try:
        yield phone
    finally:
        phone.context.close()
    assert phone.errors == [], phone.errors  # a CSP violation would show here


@pytest.mark.slow
def test_a_traveller_fills_it_on_a_phone(phone: Phone, server: CentralServer) -> None:
    page = phone.open(PATH)
    assert "Seberapa puas Anda dengan Pelabuhan penyeberangan?" in phone.text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    page.get_by_text("Perempuan", exact=True).click()  # a tap on the words picks the answer
    page.get_by_text("26–35 tahun", exact=True).click()
    for name, wording in [
        ("U1", "Sesuai"), ("U2", "Mudah"), ("U3", "Cepat"), ("U4", "Gratis"),
        ("U5", "Sangat sesuai"), ("U6", "Kompeten"), ("U7", "Sopan dan ramah"),
        ("U8", "Dikelola dengan baik"), ("U9", "Baik"),
    ]:  # fmt: skip
        page.locator(f"input[name={name}]").locator("xpath=..").get_by_text(
            wording, exact=True
        ).click()
    height = page.locator(".survey__choice").first.bounding_box()
    assert height is not None and height["height"] >= 48  # a finger's target
    page.fill("#saran", SARAN)
    if os.environ.get("POSKO_SCREENSHOT_DIR"):
        page.locator("input[name=U1]").first.scroll_into_view_if_needed()
        page.screenshot(path=str(Path(os.environ["POSKO_SCREENSHOT_DIR"]) / "phone-survey.png"))
    page.get_by_role("button", name="Kirim jawaban saya").click()
    page.wait_for_load_state("load")
    assert "Terima kasih!" in phone.text()

    (row,) = stored(server)
    assert (row.origin, row.self_filled, row.device_id) == ("phone", True, None)
    assert (row.post_code, row.service_code, row.sex, row.age_band) == (
        "MRK-01",
        "PELABUHAN",
        "P",
        "26-35",
    )
    assert [row.u1, row.u2, row.u3, row.u4, row.u5, row.u6, row.u7, row.u8, row.u9] == [
        3, 3, 3, 4, 4, 3, 3, 4, 3,
    ]  # fmt: skip
    assert row.suggestion == SARAN

    # The same phone today: thanked, not asked again.
    phone.open(PATH)
    assert "Sudah diisi hari ini" in phone.text()
    assert page.locator("form").count() == 0
    assert len(stored(server)) == 1
    # Another service of the post is another survey.
    phone.open("/survei/MRK-01/TERMINAL")
    assert "Seberapa puas Anda dengan Terminal" in phone.text()
    assert SARAN not in server.log_text()


def test_nothing_answered_comes_back_as_it_was_filled(server: CentralServer) -> None:
    with server.client() as client:
        identity = form_id(client.get(PATH).text)
        answer = client.post(
            PATH, data={"id": identity, "sex": "L", "education": "SMA", "saran": SARAN}
        )
        assert answer.status_code == 422
        assert "Jawab paling sedikit satu dari sembilan pertanyaan" in answer.text
        assert 'name="sex" value="L" checked' in answer.text  # nothing chosen is lost
        assert f">{SARAN}</textarea>" in answer.text
        assert form_id(answer.text) == identity
        assert stored(server) == []
        sent = client.post(PATH, data=all_answered(identity, sex="L"))
        assert sent.status_code == 200 and "Terima kasih!" in sent.text


def test_a_form_sent_twice_counts_once(server: CentralServer) -> None:
    identity = form_id(httpx.get(server.url + PATH).text)
    for _ in range(2):  # two phones' worth of clients, no cookies: the number decides
        with server.client() as client:
            assert client.post(PATH, data=all_answered(identity)).status_code == 200
    assert len(stored(server)) == 1
    with server.client() as client:  # a new page, a new number: a new questionnaire
        assert client.post(PATH, data=all_answered(str(uuid.uuid4()))).status_code == 200
    assert len(stored(server)) == 2


def test_one_answer_per_phone_per_service_per_day(server: CentralServer) -> None:
    with server.client() as client:
        first = client.post(PATH, data=all_answered(str(uuid.uuid4())))
        cookie = first.headers["set-cookie"]
        assert "HttpOnly" in cookie and "Path=/survei/MRK-01/PELABUHAN" in cookie
        assert re.search(r"=\d{4}-\d{2}-\d{2};", cookie)  # only the day: nothing of the phone
        again = client.post(PATH, data=all_answered(str(uuid.uuid4())))
        assert again.status_code == 200 and "Sudah diisi hari ini" in again.text
        other = client.post("/survei/MRK-01/TERMINAL", data=all_answered(str(uuid.uuid4())))
        assert "Terima kasih!" in other.text
    assert len(stored(server)) == 2


@pytest.mark.parametrize(
    "attack",
    [
        {"U1": "5"},
        {"U1": "0"},
        {"U1": "3.0"},
        {"U1": "-1"},
        {"U1": "3\x00"},
        {"sex": "X"},
        {"education": "' OR 1=1 --"},
        {"saran": "x" * 2001},
        {"saran": "tolong\x07\x1b[31m"},
        {"id": "not-a-uuid"},
        {"id": ""},
    ],
)
def test_malformed_forms_are_refused_and_store_nothing(
    server: CentralServer, attack: dict[str, str]
) -> None:
    data = all_answered(str(uuid.uuid4())) | attack
    with server.client() as client:
        answer = client.post(PATH, data=data)
    assert answer.status_code == 400, attack
    assert "Jawaban tidak dapat dibaca" in answer.text
    assert stored(server) == []
    assert "tolong" not in server.log_text() and "OR 1=1" not in server.log_text()


def test_hand_made_requests_are_refused(server: CentralServer) -> None:
    identity = str(uuid.uuid4())
    body = "&".join(f"{k}={v}" for k, v in all_answered(identity).items())
    with server.client() as client:
        refusals = [
            client.post(PATH, content=body, headers={"content-type": "application/json"}),
            client.post(PATH, content=body + "&U1=4", headers={"content-type": FORM}),  # twice
            client.post(PATH, content=body + "&x=" + "y" * 17_000, headers={"content-type": FORM}),
            client.post(PATH, content=b"U1=\xff\xfe", headers={"content-type": FORM}),
            client.post(PATH, content="&".join(["a=1"] * 50), headers={"content-type": FORM}),
        ]
        assert [r.status_code for r in refusals] == [400] * 5
        unknown = [
            client.get("/survei/XYZ-99/PELABUHAN"),  # no desk was ever enrolled for it
            client.get("/survei/MRK-01/KOLAM_RENANG"),
            client.get("/survei/%27%3B--/PELABUHAN"),
            client.get("/survei/" + "M" * 300 + "/PELABUHAN"),
            client.post("/survei/XYZ-99/PELABUHAN", data=all_answered(identity)),
        ]
        assert [r.status_code for r in unknown] == [404] * 5
        assert all("Tidak ada survei di sini" in r.text for r in unknown)
        english = client.get(PATH, params={"lang": "en"})
        assert "How satisfied are you with Ferry port?" in english.text
        odd = client.get(PATH, params={"lang": "<script>alert(1)</script>"})
        assert odd.status_code == 200 and "<script>alert" not in odd.text
    assert stored(server) == []


def test_the_board_counts_what_phones_sent(server: CentralServer) -> None:
    with server.client() as client:
        for score in ("4", "4", "3", "4", "4"):
            data = {"id": str(uuid.uuid4()), **{f"U{n}": score for n in range(1, 10)}}
            assert client.post(PATH, data=data).status_code == 200
            client.cookies.clear()  # five phones
        board = client.get("/ikm", params={"post": "MRK-01"})
    assert ("Responden: 5" in board.text and "95,00" in board.text) or "95.00" in board.text
    with server.store.session() as session:
        phones = session.scalar(select(func.count()).where(models.SkmResponse.origin == "phone"))
    assert phones == 5
