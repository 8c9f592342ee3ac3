"""Open311 GeoReport v2 on the central system, on SQLite and on PostgreSQL: answers checked
against the official JSON Schemas, XML against JSON, privacy, filters, errors, and an
independent Open311 client (the ``georeport`` package) against the real server."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import event

from central import open311
from central.app import create_app
from central.store import CentralStore, DeviceInfo
from posko import tracking, wire
from tests.central_support import CentralServer, complaint_record, enroll

# The official JSON Schemas, copied into the repository (see the folder's README).
SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "open311-schemas"
BASE = "/open311/v2"
PERSONAL = ("Budi Santoso", "+6281234567890", "081234567890", "budi@example.com", "Rahasia Dewi")


def _registry() -> Registry[Any]:
    resources = [
        (
            path.name,
            Resource.from_contents(
                json.loads(path.read_text(encoding="utf-8")), default_specification=DRAFT202012
            ),
        )
        for path in SCHEMAS.glob("*.json")
    ]
    return Registry().with_resources(resources)


REGISTRY = _registry()


def conforms(schema: str, data: object) -> None:
    """``data`` is valid under the official schema ``schema`` (e.g. ``requests.json``)."""
    contents = REGISTRY.contents(schema)
    validator = Draft202012Validator(contents, registry=REGISTRY, format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(data), key=str)
    assert not errors, "\n".join(str(e) for e in errors[:3])


def has_zone(text: str) -> bool:
    return datetime.fromisoformat(text).utcoffset() == timedelta(hours=7)


def xml_items(text: str, root: str, item: str) -> list[dict[str, Any]]:
    """The XML answer as a list of flat dicts of element texts ("" for an empty element)."""
    tree = ET.fromstring(text)
    assert tree.tag == root
    records = []
    for element in tree:
        assert element.tag == item
        records.append({child.tag: child.text or "" for child in element})
    return records


def same_value(json_value: object, xml_text: str) -> bool:
    if json_value is None:
        return xml_text == ""
    if isinstance(json_value, bool):
        return xml_text == ("true" if json_value else "false")
    if isinstance(json_value, int | float):
        return float(xml_text) == float(json_value)
    return xml_text == json_value


def assert_xml_matches(
    json_items: list[dict[str, Any]], xml_text: str, root: str, item: str
) -> None:
    records = xml_items(xml_text, root, item)
    assert len(records) == len(json_items)
    for from_json, from_xml in zip(json_items, records, strict=True):
        flat = {k: v for k, v in from_json.items() if not isinstance(v, list | dict)}
        assert set(flat) <= set(from_xml), set(flat) - set(from_xml)
        for key, value in flat.items():
            assert same_value(value, from_xml[key]), (key, value, from_xml[key])


class Answer(Protocol):
    """An HTTP answer, from httpx or from the TestClient."""

    @property
    def status_code(self) -> int: ...

    @property
    def text(self) -> str: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    def json(self) -> Any: ...


def errors_of(response: Answer, fmt: str = "json") -> list[str]:
    """The descriptions of an Open311 error answer, after checking its shape."""
    if fmt == "xml":
        assert response.headers["content-type"].startswith("text/xml")
        items = xml_items(response.text, "errors", "error")
        assert all(i["code"] == str(response.status_code) for i in items)
    else:
        items = response.json()
        assert isinstance(items, list) and items
        assert all(set(i) == {"code", "description"} for i in items)
        assert all(i["code"] == response.status_code for i in items)
    return [str(i["description"]) for i in items]


@pytest.fixture
def client(central_store: CentralStore) -> Iterator[TestClient]:
    # A limit no test here reaches; the limit itself is tested in test_hostile_lookups.
    with TestClient(create_app(central_store, rate_limit_per_minute=100_000)) as test_client:
        yield test_client


@pytest.fixture
def api_key(central_store: CentralStore) -> str:
    return central_store.create_client("Kanal Open311", "open311")


@pytest.fixture
def device(central_store: CentralStore) -> DeviceInfo:
    return enroll(central_store)[1]


def push(store: CentralStore, device: DeviceInfo, sequence: int, **overrides: Any) -> str:
    record = complaint_record(device.tracking_prefix, sequence, **overrides)
    [result] = store.push(device, [record])
    assert result.result == "accepted", result
    return str(record["tracking_id"])


def ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


def form(api_key: str | None, **fields: str) -> dict[str, str]:
    base = {"service_code": "TOL", "lat": "-6.405", "long": "107.452"}
    if api_key is not None:
        base["api_key"] = api_key
    return base | fields


# -- discovery and services ------------------------------------------------------------------


def test_discovery_announces_both_formats(client: TestClient) -> None:
    answer = client.get(f"{BASE}/discovery.json")
    assert answer.status_code == 200
    body = answer.json()
    assert {"changeset", "contact", "key_service", "endpoints"} <= set(body)
    [endpoint] = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["type"] == "production"
    assert endpoint["url"].endswith("/open311/v2")
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    assert has_zone(body["changeset"])

    xml = client.get(f"{BASE}/discovery.xml")
    assert xml.headers["content-type"] == "text/xml; charset=utf-8"
    tree = ET.fromstring(xml.text)
    assert tree.tag == "discovery"
    assert tree.findtext("key_service") == body["key_service"]
    formats = [f.text for f in tree.findall("endpoints/endpoint/formats/format")]
    assert formats == endpoint["formats"]


def test_services_come_from_the_categories(client: TestClient, central_store: CentralStore) -> None:
    answer = client.get(f"{BASE}/services.json")
    assert answer.status_code == 200
    services = answer.json()
    conforms("services.json", services)
    by_code = {s["service_code"]: s for s in services}
    assert set(by_code) == central_store.catalog.offered_codes()  # not the COVID-19 ones
    assert "PSBB" not in by_code and "SOSIAL" in by_code
    toll = by_code["TOL"]
    assert toll["service_name"] == "Jalan tol dan rest area"
    assert toll["group"] == "mudik" and by_code["SOSIAL"]["group"] == "umum"
    assert toll["metadata"] is True and toll["type"] == "realtime"
    assert "tol" in toll["keywords"].lower()

    assert_xml_matches(services, client.get(f"{BASE}/services.xml").text, "services", "service")
    english = client.get(f"{BASE}/services.json", params={"locale": "en"}).json()
    assert {s["service_code"]: s["service_name"] for s in english}["TOL"] == (
        "Toll roads and rest areas"
    )
    # Sent empty = left out.
    assert client.get(f"{BASE}/services.json", params={"locale": ""}).json() == services


def test_a_group_no_longer_offered_is_not_a_service_for_new_reports(
    client: TestClient, central_store: CentralStore, api_key: str
) -> None:
    """The COVID-19 categories: not listed and refused for a new report until a
    coordinator turns the group on; their definitions stay, for the reports filed before."""
    answer = client.post(f"{BASE}/requests.json", data=form(api_key, service_code="PSBB"))
    assert answer.status_code == 400
    assert any("no longer offered" in e for e in errors_of(answer, "json"))
    assert client.get(f"{BASE}/services/PSBB.json").status_code == 200

    central_store.switch_category_group("covid19", True, "koordinator")
    codes = {s["service_code"] for s in client.get(f"{BASE}/services.json").json()}
    assert {"PSBB", "HOAKS"} <= codes
    filed = client.post(f"{BASE}/requests.json", data=form(api_key, service_code="PSBB"))
    assert filed.status_code == 200, filed.text
    [created] = filed.json()
    [shown] = client.get(f"{BASE}/requests/{created['service_request_id']}.json").json()
    assert shown["service_code"] == "PSBB"

    central_store.switch_category_group("covid19", False, "koordinator")
    assert "PSBB" not in {s["service_code"] for s in client.get(f"{BASE}/services.json").json()}
    # The report filed while it was offered keeps its service.
    [still] = client.get(f"{BASE}/requests/{created['service_request_id']}.json").json()
    assert still["service_code"] == "PSBB"


def test_service_definition(client: TestClient) -> None:
    answer = client.get(f"{BASE}/services/TOL.json")
    assert answer.status_code == 200
    definition = answer.json()
    conforms("service-definition.json", definition)
    assert definition["service_code"] == "TOL"
    [attribute] = definition["attributes"]
    assert attribute["code"] == "complaint_type"
    assert attribute["datatype"] == "singlevaluelist" and attribute["required"] is False
    assert [v["key"] for v in attribute["values"]] == [
        "pengaduan",
        "aspirasi",
        "permintaan_informasi",
    ]

    tree = ET.fromstring(client.get(f"{BASE}/services/TOL.xml").text)
    assert tree.tag == "service_definition"
    assert tree.findtext("service_code") == "TOL"
    xml_attribute = tree.find("attributes/attribute")
    assert xml_attribute is not None
    for key in ("variable", "code", "datatype", "required", "order", "description"):
        assert same_value(attribute[key], xml_attribute.findtext(key) or ""), key
    assert [v.findtext("key") for v in xml_attribute.findall("values/value")] == [
        v["key"] for v in attribute["values"]
    ]

    for fmt in ("json", "xml"):
        missing = client.get(f"{BASE}/services/NOPE.{fmt}")
        assert missing.status_code == 404
        assert errors_of(missing, fmt)


def test_unknown_format_and_missing_resources_are_404(client: TestClient) -> None:
    for path in (
        "services.yaml",
        "requests.html",
        "requests/22222223E.txt",
        "requests/NOT-AN-ID.json",
        "requests/2222-2222-2.json",
        "tokens/not-a-token.json",
        f"tokens/{'0' * 8}-0000-4000-8000-{'0' * 12}.xml",
    ):
        answer = client.get(f"{BASE}/{path}")
        assert answer.status_code == 404, path
        assert errors_of(answer, "xml" if path.endswith(".xml") else "json")


# -- POST requests ---------------------------------------------------------------------------


def test_post_files_a_report_and_answers_id_and_token(
    client: TestClient, central_store: CentralStore, api_key: str
) -> None:
    description = (
        "Lubang besar di lajur kiri KM 57 arah Cikampek, sudah dua motor jatuh malam ini. "
        "Mohon segera ditambal sebelum puncak arus mudik."
    )
    answer = client.post(
        f"{BASE}/requests.json",
        data=form(
            api_key,
            description=description,
            first_name="Budi",
            last_name="Santoso",
            phone="0812-3456-7890",
            email="budi@example.com",
            account_id="akun-7",
            device_id="hp-1",
            **{"attribute[complaint_type]": "aspirasi"},
        ),
    )
    assert answer.status_code == 200, answer.text
    [created] = answer.json()
    assert set(created) == {"service_request_id", "token", "service_notice", "account_id"}
    assert created["account_id"] == "akun-7"
    tracking_id = created["service_request_id"]
    assert tracking.parse(tracking_id) == tracking_id  # the compact form
    stored = central_store.complaint(tracking_id)
    assert stored is not None
    assert stored.uuid == created["token"] and stored.channel == "open311"
    assert stored.type == "aspirasi" and stored.category == "TOL"
    assert stored.description == description
    assert stored.title.endswith("…") and len(stored.title) <= 80
    assert description.startswith(stored.title[:-1])
    assert (stored.lat, stored.long) == (-6.405, 107.452)
    assert stored.location == "-6.405000,107.452000"
    assert (stored.reporter_name, stored.phone, stored.email) == (
        "Budi Santoso",
        "+6281234567890",
        "budi@example.com",
    )

    token = client.get(f"{BASE}/tokens/{created['token']}.json")
    assert token.json() == [{"service_request_id": tracking_id, "token": created["token"]}]
    assert_xml_matches(
        token.json(),
        client.get(f"{BASE}/tokens/{created['token']}.xml").text,
        "service_requests",
        "request",
    )

    one = client.get(f"{BASE}/requests/{tracking_id}.json")
    assert one.status_code == 200
    conforms("requests.json", one.json())
    [request] = one.json()
    assert request["service_request_id"] == tracking_id
    assert request["status"] == "open" and request["service_code"] == "TOL"
    assert request["description"] == description
    assert (request["lat"], request["long"]) == (-6.405, 107.452)
    assert has_zone(request["requested_datetime"]) and has_zone(request["updated_datetime"])
    # Five working days from the day it was filed, to the end of that day in WIB.
    assert request["expected_datetime"].endswith("T23:59:59+07:00")
    assert has_zone(request["expected_datetime"])
    # The display form with dashes finds it too.
    dashed = client.get(f"{BASE}/requests/{tracking.display(tracking_id)}.json")
    assert dashed.json() == one.json()
    xml = client.get(f"{BASE}/requests/{tracking_id}.xml")
    assert_xml_matches(one.json(), xml.text, "service_requests", "request")
    # Whoever filed it, the reporter's contact never comes back out.
    for text in (answer.text, one.text, xml.text):
        for personal in (*PERSONAL, "Santoso"):
            assert personal not in text

    xml_post = client.post(
        f"{BASE}/requests.xml", data=form(api_key, address_string="Rest Area KM 57")
    )
    assert xml_post.status_code == 200
    [record] = xml_items(xml_post.text, "service_requests", "request")
    assert central_store.complaint(record["service_request_id"]) is not None
    assert record["token"] and record["account_id"] == ""


def test_post_needs_an_open311_api_key(
    client: TestClient, central_store: CentralStore, api_key: str
) -> None:
    staff = central_store.create_client("Petugas", "staff")
    for key in (None, "", "wrong-key", staff):
        for fmt in ("json", "xml"):
            answer = client.post(f"{BASE}/requests.{fmt}", data=form(key))
            assert answer.status_code == 403, (key, answer.text)
            assert any("api_key" in e for e in errors_of(answer, fmt))
    # A bad key is refused before the fields are even looked at.
    assert client.post(f"{BASE}/requests.json", data={"api_key": "x"}).status_code == 403
    assert central_store.count() == {"complaints": 0}
    assert client.post(f"{BASE}/requests.json", data=form(api_key)).status_code == 200
    assert central_store.count() == {"complaints": 1}


def test_post_takes_a_phone_abroad(
    client: TestClient, central_store: CentralStore, api_key: str
) -> None:
    """A traveller with a Singapore phone files through Open311 (before: 400, "not an
    Indonesian phone number")."""
    answer = client.post(
        f"{BASE}/requests.json",
        data=form(api_key, phone="+65 9123 4567", description="Antrean panjang di gerbang tol."),
    )
    assert answer.status_code == 200, answer.text
    stored = central_store.complaint(answer.json()[0]["service_request_id"])
    assert stored is not None and stored.phone == "+6591234567"


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"lat": "91"}, "lat"),
        ({"lat": "-90.5"}, "lat"),
        ({"long": "180.01"}, "long"),
        ({"long": "abc"}, "long"),
        ({"lat": "nan"}, "lat"),
        ({"lat": "1e999"}, "lat"),
        ({"lat": ""}, "lat, long"),
        ({"lat": "", "long": ""}, "location"),
        ({"service_code": ""}, "service_code"),
        ({"service_code": "NOPE"}, "service_code"),
        ({"description": "Tolong <b>segera</b>"}, "description"),
        ({"description": "<script>alert(1)</script>"}, "description"),
        ({"description": "x" * 4001}, "description"),
        ({"description": "nul\x00byte"}, "description"),
        ({"email": "bukan-email"}, "email"),
        ({"phone": "12345"}, "phone"),
        ({"phone": "+62 0812 3456 7890"}, "phone"),
        ({"phone": "+0 12 3456 7890"}, "phone"),
        ({"first_name": "a" * 60, "last_name": "b" * 60}, "first_name"),
        ({"media_url": "javascript:alert(1)"}, "media_url"),
        ({"address_string": "Jalan\x00Raya"}, "address_string"),
        ({"attribute[complaint_type]": "gugatan"}, "attribute[complaint_type]"),
        ({"attribute[warna]": "merah"}, "attribute[warna]"),
    ],
)
def test_post_refuses_bad_fields_with_400(
    client: TestClient,
    central_store: CentralStore,
    api_key: str,
    fields: dict[str, str],
    problem: str,
) -> None:
    for fmt in ("json", "xml"):
        answer = client.post(f"{BASE}/requests.{fmt}", data=form(api_key, **fields))
        assert answer.status_code == 400, answer.text
        assert any(e.startswith(problem) for e in errors_of(answer, fmt)), answer.text
    assert central_store.count() == {"complaints": 0}


def test_post_reports_every_problem_and_refuses_other_bodies(
    client: TestClient, central_store: CentralStore, api_key: str
) -> None:
    answer = client.post(
        f"{BASE}/requests.json",
        data={"api_key": api_key, "service_code": "NOPE", "email": "x", "lat": "99"},
    )
    assert answer.status_code == 400
    problems = errors_of(answer)
    assert {p.split(":")[0] for p in problems} >= {"service_code", "email", "lat, long"}
    as_json = client.post(f"{BASE}/requests.json", json=form(api_key))
    assert as_json.status_code == 400
    not_utf8 = client.post(
        f"{BASE}/requests.json",
        content=b"api_key=" + api_key.encode() + b"&description=%FF%FE",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert not_utf8.status_code == 400
    assert central_store.count() == {"complaints": 0}


def test_post_empty_optional_fields_count_as_left_out(
    client: TestClient, central_store: CentralStore, api_key: str
) -> None:
    answer = client.post(
        f"{BASE}/requests.json",
        data={
            "api_key": api_key,
            "service_code": "PUNGLI",
            "lat": "",
            "long": "",
            "address_string": "Pelabuhan Merak dermaga 3",
            "address_id": "",
            "email": "",
            "phone": "",
            "first_name": "",
            "last_name": "",
            "account_id": "",
            "media_url": "",
            "description": "",
            "attribute[complaint_type]": "",
            "jurisdiction_id": "",
        },
    )
    assert answer.status_code == 200, answer.text
    [created] = answer.json()
    assert created["account_id"] is None
    stored = central_store.complaint(created["service_request_id"])
    assert stored is not None
    assert stored.location == "Pelabuhan Merak dermaga 3"
    assert (stored.lat, stored.long, stored.email, stored.phone) == (None, None, "", "")
    assert stored.type == "pengaduan"
    assert stored.title == "Pungutan liar"  # no description: the service's name
    by_id = client.post(
        f"{BASE}/requests.json", data=form(api_key, lat="", long="", address_id="A-9")
    )
    assert by_id.status_code == 200
    stored = central_store.complaint(by_id.json()[0]["service_request_id"])
    assert stored is not None and stored.location == "A-9"


# -- GET requests ----------------------------------------------------------------------------


@pytest.fixture
def reports(central_store: CentralStore, device: DeviceInfo) -> dict[str, str]:
    """Desk reports of different ages, categories and statuses: name → tracking ID."""
    ids = {
        "old": push(central_store, device, 1, created_at=ago(120)),
        "toll": push(central_store, device, 2, created_at=ago(10)),
        "levy": push(central_store, device, 3, category="PUNGLI", created_at=ago(5)),
        "fixed": push(central_store, device, 4, created_at=ago(2)),
        "new": push(central_store, device, 5, category="HARGA", created_at=ago(1)),
    }
    central_store.set_status(
        ids["fixed"], wire.CentralStatus.RESOLVED, actor="staff", public_note="Sudah ditambal."
    )
    central_store.set_status(
        ids["old"], wire.CentralStatus.ARCHIVED, actor="staff", public_note="Diarsipkan."
    )
    return ids


def listed(client: TestClient, **params: str) -> list[str]:
    answer = client.get(f"{BASE}/requests.json", params=params)
    assert answer.status_code == 200, answer.text
    conforms("requests.json", answer.json())
    return [r["service_request_id"] for r in answer.json()]


def test_requests_default_is_last_90_days_newest_first(
    client: TestClient, reports: dict[str, str]
) -> None:
    r = reports
    assert listed(client) == [r["new"], r["fixed"], r["levy"], r["toll"]]
    answer = client.get(f"{BASE}/requests.json")
    assert_xml_matches(
        answer.json(), client.get(f"{BASE}/requests.xml").text, "service_requests", "request"
    )
    # Every optional parameter sent empty: as if left out.
    empty = {
        k: "" for k in ("service_request_id", "service_code", "start_date", "end_date", "status")
    }
    assert listed(client, **empty, locale="") == listed(client)


def test_requests_filters(client: TestClient, reports: dict[str, str]) -> None:
    r = reports
    assert listed(client, service_code="TOL") == [r["fixed"], r["toll"]]
    assert listed(client, service_code="PUNGLI,HARGA") == [r["new"], r["levy"]]
    assert listed(client, service_code="NOPE") == []
    assert listed(client, status="closed") == [r["fixed"]]
    assert listed(client, status="open") == [r["new"], r["levy"], r["toll"]]
    assert listed(client, status="open,closed") == listed(client)
    assert listed(client, status="closed", service_code="PUNGLI") == []
    # The old report: only inside a window that reaches it.
    assert listed(client, start_date=ago(130), end_date=ago(100)) == [r["old"]]
    assert listed(client, start_date=ago(130)) == [r["old"]]  # 90 days from the start
    assert r["old"] not in listed(client, end_date=ago(0))  # 90 days up to the end
    assert listed(client, start_date=ago(3), end_date=ago(1.5)) == [r["fixed"]]
    # A "+" a client forgot to escape arrives as a space; naive times are WIB.
    start = (datetime.now(UTC) - timedelta(days=3)).astimezone(open311.WIB)
    unescaped = start.isoformat(timespec="seconds").replace("+", " ")
    assert client.get(f"{BASE}/requests.json?start_date={unescaped}").status_code == 200
    naive = start.replace(tzinfo=None).isoformat(timespec="seconds")
    assert listed(client, start_date=naive) == listed(client, start_date=start.isoformat())
    # The ID list overrides every other filter, old or closed or of another service.
    ids = f"{r['old']}, {tracking.display(r['levy'])},{r['fixed']},BOGUS"
    assert listed(client, service_request_id=ids, service_code="HARGA", status="open") == [
        r["fixed"],
        r["levy"],
        r["old"],
    ]
    assert listed(client, service_request_id="BOGUS") == []


def test_requests_refuses_bad_filters_with_400(client: TestClient, reports: dict[str, str]) -> None:
    for params in (
        {"start_date": ago(100), "end_date": ago(5)},  # more than 90 days
        {"start_date": ago(1), "end_date": ago(2)},  # end before start
        {"start_date": "kemarin"},
        {"end_date": "2026-13-45"},
        {"start_date": " "},  # not empty, and not a date
        {"status": "open,pending"},
        {"status": "pending"},
        {"service_request_id": ",".join(["X"] * 1001)},
    ):
        for fmt in ("json", "xml"):
            answer = client.get(f"{BASE}/requests.{fmt}", params=params)
            assert answer.status_code == 400, (params, answer.text)
            assert errors_of(answer, fmt)
    both = client.get(f"{BASE}/requests.json", params={"start_date": "x", "status": "y"})
    assert len(errors_of(both)) == 2
    # A list of IDs overrides the filters, but bad filters are still refused.
    with_ids = {"service_request_id": reports["toll"], "start_date": "x"}
    assert client.get(f"{BASE}/requests.json", params=with_ids).status_code == 400
    # The ends of the calendar are dates like any other.
    assert listed(client, start_date="0001-01-01T00:00:00+07:00") == []
    assert listed(client, end_date="9999-12-31T23:59:59-23:59") == []


def test_request_fields_and_latest_note(
    client: TestClient, central_store: CentralStore, reports: dict[str, str]
) -> None:
    tid = reports["toll"]
    central_store.set_status(
        tid, wire.CentralStatus.FORWARDED, actor="staff", public_note="Diteruskan.", agency="BPJT"
    )
    central_store.set_status(
        tid, wire.CentralStatus.IN_PROGRESS, actor="staff", public_note="Petugas menuju lokasi."
    )
    [request] = client.get(f"{BASE}/requests/{tid}.json").json()
    assert request["status"] == "open"
    assert request["status_notes"] == "Petugas menuju lokasi."
    assert request["agency_responsible"] == "Badan Pengatur Jalan Tol (Kementerian PU)"
    assert request["address"] == "Gerbang Tol Cikampek Utama"
    assert request["service_name"] == "Jalan tol dan rest area"
    assert request["lat"] is None and request["long"] is None  # desks send no position
    assert request["address_id"] == "" and request["zipcode"] == ""
    assert datetime.fromisoformat(request["updated_datetime"]) > datetime.fromisoformat(
        request["requested_datetime"]
    )
    [closed] = client.get(f"{BASE}/requests/{reports['fixed']}.json").json()
    assert closed["status"] == "closed" and closed["status_notes"] == "Sudah ditambal."


def test_requests_list_reads_notes_in_one_query(
    client: TestClient, central_store: CentralStore, device: DeviceInfo
) -> None:
    for sequence in range(1, 31):
        tid = push(central_store, device, sequence, created_at=ago(sequence / 10))
        central_store.set_status(
            tid, wire.CentralStatus.VERIFIED, actor="s", public_note=f"n{sequence}"
        )
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(central_store.engine, "before_cursor_execute", count)
    try:
        answer = client.get(f"{BASE}/requests.json")
    finally:
        event.remove(central_store.engine, "before_cursor_execute", count)
    assert len(answer.json()) == 30
    assert {r["status_notes"] for r in answer.json()} == {f"n{i}" for i in range(1, 31)}
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 2


# -- privacy ---------------------------------------------------------------------------------


def test_confidential_reports_and_personal_data_never_leave(
    client: TestClient, central_store: CentralStore, device: DeviceInfo
) -> None:
    secret_text = "Oknum petugas meminta uang tambahan di loket tiga"
    secret = push(
        central_store,
        device,
        1,
        category="PUNGLI",
        title="Oknum minta uang loket",
        description=secret_text,
        location="Loket 3 Terminal Pulo Gebang",
        reporter_name="Rahasia Dewi",
        email="budi@example.com",
        confidential=True,
    )
    anonymous = push(central_store, device, 2, anonymous=True, email="budi@example.com")
    plain = push(central_store, device, 3)
    for tid in (secret, anonymous, plain):
        central_store.set_status(
            tid, wire.CentralStatus.IN_PROGRESS, actor="staff", public_note=f"Catatan staf {tid}"
        )

    texts = []
    for fmt in ("json", "xml"):
        for path in (
            f"requests.{fmt}",
            f"requests/{secret}.{fmt}",
            f"requests/{anonymous}.{fmt}",
            f"servicerequestupdates.{fmt}",
            f"requests.{fmt}?service_request_id={secret},{anonymous},{plain}",
        ):
            answer = client.get(f"{BASE}/{path}")
            # A rahasia report does not exist for the public: 404, as an unknown number.
            assert answer.status_code == (404 if f"/{secret}." in path else 200), path
            texts.append(answer.text)
    everything = "\n".join(texts)
    hidden = (
        secret_text,
        "Oknum minta uang loket",
        "Loket 3",
        "PUNGLI",  # a rahasia report's category and service name are content too
        "Pungutan liar",
        f"Catatan staf {secret}",
        f"Catatan staf {anonymous}",  # a note to an anonymous reporter can name them
    )
    for text in hidden:
        assert text not in everything, text
    for personal in PERSONAL:
        assert personal not in everything
    assert f"Catatan staf {plain}" in everything  # notes of ordinary reports do show

    assert secret not in everything  # not even its number: not in lists, not by ID
    # Rahasia reports are in no public list; anonymous ones are, without the note.
    listed = {r["service_request_id"] for r in client.get(f"{BASE}/requests.json").json()}
    assert secret not in listed and {anonymous, plain} <= listed
    updates = client.get(f"{BASE}/servicerequestupdates.json").json()
    assert secret not in {u["service_request_id"] for u in updates}
    assert {u["description"] for u in updates if u["service_request_id"] == anonymous} == {""}


# -- servicerequestupdates -------------------------------------------------------------------


def test_service_request_updates(
    client: TestClient, central_store: CentralStore, reports: dict[str, str]
) -> None:
    central_store.set_status(
        reports["new"],
        wire.CentralStatus.NOT_AUTHORITY,
        actor="staff",
        public_note="Bukan wewenang.",
    )
    answer = client.get(f"{BASE}/servicerequestupdates.json")
    assert answer.status_code == 200
    updates = answer.json()
    # Five "received" at ingest, then three changes by staff; oldest first.
    assert len(updates) == 8
    # Opaque and unique: a running number would count the changes of unlisted reports.
    assert all(isinstance(u["update_id"], str) for u in updates)
    assert len({u["update_id"] for u in updates}) == len(updates)
    assert not any(u["update_id"].isdigit() for u in updates)
    again = client.get(f"{BASE}/servicerequestupdates.json").json()
    assert [u["update_id"] for u in again] == [u["update_id"] for u in updates]  # stable
    last = updates[-1]
    assert last == {
        "update_id": last["update_id"],
        "service_request_id": reports["new"],
        "status": "open",
        "updated_datetime": last["updated_datetime"],
        "description": "Bukan wewenang.",
        "media_url": "",
        "external_status_code": "not_authority",
    }
    assert has_zone(last["updated_datetime"])
    resolved = [u for u in updates if u["external_status_code"] == "resolved"]
    assert [(u["service_request_id"], u["status"]) for u in resolved] == [
        (reports["fixed"], "closed")
    ]
    assert_xml_matches(
        updates,
        client.get(f"{BASE}/servicerequestupdates.xml").text,
        "service_requests_updates",
        "request_update",
    )
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert (
        client.get(f"{BASE}/servicerequestupdates.json", params={"start_date": future}).json() == []
    )
    bad = client.get(
        f"{BASE}/servicerequestupdates.xml", params={"start_date": ago(200), "end_date": ago(0)}
    )
    assert bad.status_code == 400 and errors_of(bad, "xml")


# -- garbage in, 4xx out ---------------------------------------------------------------------

GARBAGE = (
    "\x00",
    "%00",
    "' OR 1=1 --",
    "<x>",
    "9" * 400,
    "-1e309",
    "2026-02-30",
    "9999-12-31T23:59:59-23:59",
    "ÿ",
    ",,,",
)


@pytest.mark.parametrize("value", GARBAGE)
def test_garbage_parameters_never_cause_a_server_error(
    client: TestClient, api_key: str, value: str
) -> None:
    encoded = quote(value, safe="")
    for path in (
        "requests.json",
        "servicerequestupdates.xml",
        "services.json",
        f"services/{encoded}.json",
        f"requests/{encoded}.xml",
        f"tokens/{encoded}.json",
        f"{encoded}.json",
    ):
        for name in ("service_request_id", "service_code", "start_date", "end_date", "status"):
            answer = client.get(f"{BASE}/{path}?{name}={encoded}&locale={encoded}")
            assert answer.status_code in (200, 400, 404), (path, name, answer.text)
    # Bytes that are not UTF-8, in the path and in the query.
    assert client.get(f"{BASE}/requests/%ED%A0%80.json").status_code == 404
    assert client.get(f"{BASE}/requests.json?start_date=%FF%ED%A0%80").status_code == 400
    for name in ("service_code", "lat", "long", "address_string", "email", "phone", "api_key"):
        answer = client.post(f"{BASE}/requests.json", data=form(api_key) | {name: value})
        assert answer.status_code in (200, 400, 403), (name, answer.text)


# -- the real server and an independent client -----------------------------------------------


def test_real_server_with_an_independent_open311_client(central_server: CentralServer) -> None:
    from georeport import GeoReport

    store = central_server.store
    key = store.create_client("Kanal uji", "open311")
    _token, device = enroll(store)
    desk = push(store, device, 1, created_at=ago(3))
    store.set_status(desk, wire.CentralStatus.VERIFIED, actor="staff", public_note="Terverifikasi.")
    with central_server.client() as http:
        posted = http.post(
            f"{BASE}/requests.xml",
            data=form(key, description="Antrean SPBU KM 62 mengular sampai bahu jalan."),
        )
        assert posted.status_code == 200, posted.text
        [created] = xml_items(posted.text, "service_requests", "request")
        filed = created["service_request_id"]
        assert http.post(f"{BASE}/requests.json", data=form("salah")).status_code == 403

    for output_format in ("json", "xml"):
        client = GeoReport(central_server.url + BASE, output_format=output_format)
        services = client.get_service_list()
        assert "TOL" in {s["service_code"] for s in services}
        definition = client.get_service_definition("TOL")
        assert "complaint_type" in json.dumps(definition)
        found = client.get_service_requests()
        assert {r["service_request_id"] for r in found} == {desk, filed}
        one = client.get_service_request(desk)
        assert one["service_request_id"] == desk
        assert one["status"] == "open" and one["status_notes"] == "Terverifikasi."
        assert client.get_service_request(filed)["service_code"] == "TOL"
        by_code = client.get_service_requests(service_code="TOL", status="open")
        assert len(by_code) == 2
    json_list = GeoReport(central_server.url + BASE).get_service_requests()
    conforms("requests.json", json_list)


def test_real_server_names_the_agency_responsible(central_server: CentralServer) -> None:
    """As on the tracking page, a citizen reads the agency's name from the routing rules'
    catalog, in the requested language, not the code staff chose; a value the catalog
    does not know (typed before agencies were codes) is shown as it is."""
    store = central_server.store
    _token, device = enroll(store)
    named = push(store, device, 1, created_at=ago(2))
    store.set_status(named, wire.CentralStatus.FORWARDED, actor="staff", agency="BPJT")
    typed = push(store, device, 2, created_at=ago(1))
    store.set_status(typed, wire.CentralStatus.FORWARDED, actor="staff", agency="Dinas lama")
    with central_server.client() as http:
        answer = http.get(f"{BASE}/requests.json")
        assert answer.status_code == 200, answer.text
        agencies = {r["service_request_id"]: r["agency_responsible"] for r in answer.json()}
        english = http.get(f"{BASE}/requests.json", params={"locale": "en"}).json()
        xml = http.get(f"{BASE}/requests.xml").text
    assert agencies == {named: "Badan Pengatur Jalan Tol (Kementerian PU)", typed: "Dinas lama"}
    assert {r["service_request_id"]: r["agency_responsible"] for r in english}[named] == (
        "Toll Road Regulatory Agency (Ministry of Public Works)"
    )
    by_id = {r["service_request_id"]: r for r in xml_items(xml, "service_requests", "request")}
    assert by_id[named]["agency_responsible"] == "Badan Pengatur Jalan Tol (Kementerian PU)"
