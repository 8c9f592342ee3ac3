"""The central SKM report (``posko-central survey report``) over what the desks sent, on
SQLite and on a real PostgreSQL cluster, checked against the IKM worked out by hand."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import pytest

from central import sync_push
from central.store import CentralStore, DeviceInfo, SkmSelection
from tests.central_support import enroll, run_central, skm_record

ALL = ("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9")
SECRET = "Petugas kasar sekali"  # a suggestion: it never reaches the text report


def _push(store: CentralStore, device: DeviceInfo, *records: dict[str, Any]) -> None:
    results = sync_push.push(store, device, list(records), protocol=2)
    assert {r.result for r in results} == {"accepted"}, results


@pytest.fixture
def stored(central_store: CentralStore) -> CentralStore:
    """Three questionnaires at MRK's rest area on 20 March (WIB), one at BKH's port, one at
    MRK a month earlier."""
    _token, mrk = enroll(central_store, "MRK")
    _token, bkh = enroll(central_store, "BKH")
    day = "2026-03-19T18:30:00+00:00"  # 01:30 WIB on 20 March
    _push(
        central_store,
        mrk,
        skm_record(service_code="REST-AREA", answers=dict.fromkeys(ALL, 4), created_at=day),
        skm_record(service_code="REST-AREA", answers=dict.fromkeys(ALL, 3), created_at=day),
        skm_record(
            service_code="REST-AREA",
            answers={"U1": 2, "U2": 1},
            suggestion=SECRET,
            created_at="2026-03-20T10:00:00+07:00",
        ),
        skm_record(service_code="REST-AREA", answers={"U1": 1}, created_at="2026-02-20T10:00Z"),
    )
    _push(
        central_store,
        bkh,
        skm_record(
            post_code="BKH",
            service_code="PELABUHAN",
            answers=dict.fromkeys(ALL, 1),
            created_at=day,
        ),
    )
    return central_store


def _by_hand(answers: list[dict[str, int]]) -> float:
    """skm.md: NRR per element = sum / number answered; weighted NRR = NRR x 1/9; IKM = the
    sum of the weighted NRRs x 25, to two decimals."""
    weighted = Fraction(0)
    for code in ALL:
        given = [a[code] for a in answers if code in a]
        weighted += Fraction(sum(given), len(given)) * Fraction(1, 9)
    return round(float(weighted * 25), 2)


def _report(url: str, *options: str) -> dict[str, Any]:
    done = run_central("--database-url", url, "survey", "report", "--json", *options)
    assert done.returncode == 0, done.stderr
    figures: dict[str, Any] = json.loads(done.stdout)
    return figures


def test_the_report_recomputes_the_ikm_by_hand(stored: CentralStore, central_db_url: str) -> None:
    rest_area = [dict.fromkeys(ALL, 4), dict.fromkeys(ALL, 3), {"U1": 2, "U2": 1}]
    figures = _report(central_db_url, "--from", "2026-03-20", "--to", "2026-03-20", "--post", "mrk")
    assert figures["respondents"] == 3
    assert figures["ikm"] == _by_hand(rest_area) == 83.80
    assert (figures["grade"], figures["grade_label"]) == ("B", "Baik")
    assert figures["nrr"]["U1"] == 3.0 and figures["nrr"]["U2"] == 2.667
    assert figures["nrr"]["U9"] == 3.5
    assert list(figures["services"]) == ["REST-AREA"]
    assert figures["suggestions"] == ["Antrean diperpendek."] * 2 + [SECRET]  # oldest first
    assert figures["grid"][2] == [2, 1, None, None, None, None, None, None, None]
    assert figures["self_filled"] == 3
    assert figures["selection"] == {
        "from": "2026-03-20",
        "to": "2026-03-20",
        "service": None,
        "post": "MRK",
    }
    # Every post: BKH's port joins, its own figures beside the rest area's.
    everything = _report(central_db_url, "--from", "2026-03-20")
    assert everything["respondents"] == 4
    assert everything["ikm"] == _by_hand([*rest_area, dict.fromkeys(ALL, 1)])
    assert everything["services"]["PELABUHAN"]["ikm"] == 25.0
    assert everything["services"]["PELABUHAN"]["grade"] == "D"
    assert everything["services"]["REST-AREA"]["ikm"] == 83.80
    only_port = _report(central_db_url, "--service", "PELABUHAN")
    assert only_port["respondents"] == 1 and list(only_port["services"]) == ["PELABUHAN"]
    assert _report(central_db_url)["respondents"] == 5


def test_the_totals_are_one_aggregate_per_service(stored: CentralStore) -> None:
    totals = stored.skm_totals(SkmSelection(post_code="MRK"))
    respondents, sums, counts = totals["REST-AREA"]
    assert respondents == 4
    assert (sums["U1"], counts["U1"]) == (4 + 3 + 2 + 1, 4)
    assert (sums["U3"], counts["U3"]) == (7, 2)
    by_post = stored.skm_totals_by_post(SkmSelection())
    assert set(by_post) == {("MRK", "REST-AREA"), ("BKH", "PELABUHAN")}


def test_the_text_report_and_its_mistakes(stored: CentralStore, central_db_url: str) -> None:
    done = run_central("--database-url", central_db_url, "survey", "report")
    assert done.returncode == 0, done.stderr
    assert "IKM" in done.stdout and "REST-AREA" in done.stdout
    assert SECRET not in done.stdout + done.stderr
    empty = run_central("--database-url", central_db_url, "survey", "report", "--post", "XYZ")
    assert empty.returncode == 0 and "0" in empty.stdout
    for wrong in (
        ["--from", "2026-03-21", "--to", "2026-03-20"],
        ["--from", "20-03-2026"],
        ["--post", "X" * 17],
    ):
        refused = run_central("--database-url", central_db_url, "survey", "report", *wrong)
        assert refused.returncode == 2, (wrong, refused.stdout)
        assert "Traceback" not in refused.stderr
