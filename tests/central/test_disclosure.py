"""Every public route, for every audience and every kind of report, shows exactly what the
table in ``docs/disclosure.md`` says: the test reads the table itself, so the document and
the code cannot drift apart.

The real server on 127.0.0.1 (SQLite and PostgreSQL). Four reports (plain, anonim, rahasia,
both), each with its own unmistakable values in every field, forwarded to an agency with a
public and an internal note; then every surface of each audience is fetched and searched."""

from __future__ import annotations

import itertools
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from central.db import open_database
from central.store import CentralStore
from posko import tracking, wire
from tests.central_support import complaint_record, enroll, start_server, stop_process

TABLE = Path(__file__).resolve().parents[2] / "docs" / "disclosure.md"
KINDS = {"plain": (False, False), "anonim": (True, False), "rahasia": (False, True)}
KINDS["both"] = (True, True)
O311 = "/open311/v2"


def read_table() -> dict[str, dict[str, str]]:
    """``{row title: {"Public: plain": "✓", …}}`` from the document's first table (the
    second, staff by role, is ``tests/central/test_staff_roles.py``'s)."""
    lines = list(
        itertools.takewhile(
            lambda line: line.startswith("|"),
            itertools.dropwhile(
                lambda line: not line.startswith("|"),
                TABLE.read_text(encoding="utf-8").splitlines(),
            ),
        )
    )
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = {}
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0]] = dict(zip(header[1:], cells[1:], strict=True))
    return rows


@dataclass
class Report:
    kind: str
    record: dict[str, Any]
    tag: str = ""
    surfaces: dict[str, dict[str, str]] = field(default_factory=dict)  # audience → name → text

    @property
    def tracking_id(self) -> str:
        return str(self.record["tracking_id"])


def markers(report: Report) -> dict[str, list[str]]:
    """For each row of the table, the strings that show it (any one of them is enough)."""
    tag = report.tag
    return {
        "That the report exists: its status and the time of each status change": [
            "Diteruskan ke instansi",  # the forwarded status, page and SMS
            '"status":"forwarded"',
            '"status":"open"',  # Open311
            "<status>open</status>",
            '"external_status_code":"forwarded"',
        ],
        "Type and category": [
            "Jalan tol dan rest area",
            '"TOL"',
            ">TOL<",
            "Aspirasi",
            '"aspirasi"',
        ],
        "Agency responsible": [f"Balai {tag}"],
        "Answer deadline": [
            "Batas waktu tanggapan",
            "Batas tanggapan",
            '"expected_at":"',
            '"expected_datetime":"',
            "<expected_datetime>2",
        ],
        "Title, description, place": [f"Judul{tag}", f"Uraian{tag}", f"Tempat{tag}"],
        "Staff's public note (written for the citizen)": [f"Publik{tag}"],
        "Staff's internal note": [f"Internal{tag}"],
        "Reporter's name, phone, e-mail": [f"Pelapor{tag}", "81299887700", f"pel{tag.lower()}@"],
        "Post the report was made at": ["QXPST"],
    }


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, CentralStore]]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_cluster").new_database()
    store = CentralStore(open_database(url))
    # The look-up limit is not what is tested here.
    process, base = start_server(url, tmp_path / "server.log", "--rate-limit", "100000")
    try:
        yield base, store
    finally:
        stop_process(process)
        store.close()


def _item(listing: str, tracking_id: str, fmt: str) -> str:
    """The part of a list answer that is about one report ("" if it is not listed)."""
    if fmt == "json":
        return "\n".join(
            json.dumps(item, ensure_ascii=False)
            for item in json.loads(listing)
            if item.get("service_request_id") == tracking_id
        )
    root = ET.fromstring(listing)
    return "\n".join(
        ET.tostring(item, encoding="unicode")
        for item in root
        if item.findtext("service_request_id") == tracking_id
    )


def test_every_surface_shows_what_the_table_says(server: tuple[str, CentralStore]) -> None:
    base, store = server
    table = read_table()
    token, device = enroll(store, "QXPST")
    staff = store.create_client("Petugas Uji", "staff")
    reports = []
    for number, (kind, (anonymous, confidential)) in enumerate(KINDS.items(), start=1):
        tag = f"Q{kind[:3].upper()}X"
        record = complaint_record(
            device.tracking_prefix,
            number,
            type="aspirasi",
            category="TOL",
            title=f"Judul{tag} antrean",
            description=f"Uraian{tag} panjang sekali",
            location=f"Tempat{tag}",
            reporter_name=f"Pelapor{tag}",
            phone="+6281299887700",
            email=f"pel{tag.lower()}@contoh.id",
            anonymous=anonymous,
            confidential=confidential,
            post_code="QXPST",
        )
        [result] = store.push(device, [record])
        assert result.result == wire.RecordOutcome.ACCEPTED, result.reason
        store.set_status(
            record["tracking_id"],
            wire.CentralStatus.FORWARDED,
            actor="petugas",
            agency=f"Balai {tag}",
            public_note=f"Publik{tag}: sudah diteruskan",
            internal_note=f"Internal{tag}: hubungi pelapor",
        )
        reports.append(Report(kind, record, tag))

    with httpx.Client(base_url=base, timeout=30) as client:
        lists = {
            (name, fmt): client.get(f"{O311}/{name}.{fmt}").text
            for name in ("requests", "servicerequestupdates")
            for fmt in ("json", "xml")
        }
        pulled = client.get("/api/v1/sync/pull", headers={"authorization": f"Bearer {token}"})
        for report in reports:
            tid, secret = report.tracking_id, report.record["secret"]
            report.surfaces["Public"] = {
                "page": client.get(f"/t/{tid}").text,
                "page (wrong secret)": client.get(f"/t/{tid}", params={"k": "2" * 12}).text,
                "json": client.get(f"/api/v1/track/{tid}").text,
                "sms": client.get(f"/api/v1/track/{tid}/sms").text,
                "open311 one json": client.get(f"{O311}/requests/{tid}.json").text,
                "open311 one xml": client.get(f"{O311}/requests/{tid}.xml").text,
                "open311 ids": client.get(
                    f"{O311}/requests.json", params={"service_request_id": tid}
                ).text,
                **{
                    f"open311 {name} {fmt}": _item(text, tid, fmt)
                    for (name, fmt), text in lists.items()
                },
            }
            report.surfaces["Holder"] = {
                "page": client.get(f"/t/{tid}", params={"k": secret}).text,
                "json": client.get(f"/api/v1/track/{tid}", params={"k": secret}).text,
                "desk pull": json.dumps(
                    [c for c in pulled.json()["changes"] if c["tracking_id"] == tid],
                    ensure_ascii=False,
                ),
            }
            report.surfaces["Staff"] = {
                "staff api": client.get(
                    f"/api/v1/staff/complaints/{tid}", headers={"authorization": f"Bearer {staff}"}
                ).text
            }

    checked = 0
    for report in reports:
        found = markers(report)
        assert set(found) | {
            "Named in public lists (Open311 `requests`, `servicerequestupdates`)"
        } == set(table)
        for row, cells in table.items():
            for column, cell in cells.items():
                audience, _sep, kind = column.partition(": ")
                if cell == "n/a" or (kind and kind != report.kind):
                    continue
                surfaces = report.surfaces[audience]
                if row.startswith("Named in public lists"):
                    listed = {
                        name: text
                        for name, text in surfaces.items()
                        if "servicereq" in name or "open311 requests" in name
                    }
                    shown_in = [name for name, text in listed.items() if report.tracking_id in text]
                    if cell == "✓":
                        assert len(shown_in) == len(listed), (report.kind, row, shown_in)
                    else:
                        assert shown_in == [], (report.kind, row, shown_in)
                    checked += 1
                    continue
                shown_in = [
                    name
                    for name, text in surfaces.items()
                    if any(marker in text for marker in found[row])
                ]
                if cell == "✓":
                    assert shown_in, (report.kind, audience, row)
                else:
                    assert cell == "—", cell
                    assert shown_in == [], (report.kind, audience, row, shown_in)
                checked += 1
    # Each report: every row for the public; every row but the lists' for holder and staff.
    assert checked == len(KINDS) * (len(table) + 2 * (len(table) - 1))
    # Where the report exists for the audience, every surface names it, not just one.
    exists = "That the report exists: its status and the time of each status change"
    for report in reports:
        for audience, surfaces in report.surfaces.items():
            kind = "" if audience == "Staff" else f": {report.kind}"
            if table[exists][f"{audience}{kind}"] != "✓":
                continue
            for name, text in surfaces.items():
                if "open311 requests" in name or "servicereq" in name or name == "desk pull":
                    continue
                pattern = f"{report.tracking_id}|{re.escape(tracking.display(report.tracking_id))}"
                assert re.search(pattern, text), (audience, name)
