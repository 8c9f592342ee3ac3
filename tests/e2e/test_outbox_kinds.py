"""The generic outbox: every record kind claimed, delivered, deferred, refused and bundled by
one mechanism; push protocol 2 against the real central server, and both directions of
compatibility with protocol 1 (an old desk on the new central system, the new desk on a
central system that knows only protocol 1)."""

from __future__ import annotations

import gzip
import json
import uuid as uuids
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import BaseModel, ValidationError
from sqlalchemy import select, update

from central.store import CentralStore
from desktop.domain import SyncState
from desktop.paths import Profile
from desktop.store.models import Operator, Post, StockMovement, SurveyResponse, TallyEvent
from desktop.store.outbox import KINDS, Delivery, Outbox
from desktop.store.repo import Store
from desktop.sync.engine import SyncEngine
from desktop.sync.enroll import enroll, read_token
from desktop.sync.transport import Answer, RequestsTransport
from posko import wire
from tests.central_support import CentralServer, run_central
from tests.e2e.test_sync import complaint

NOW = datetime(2026, 6, 10, 2, 0, tzinfo=UTC)


def add_kinds(store: Store, *, at: datetime = NOW) -> dict[str, str]:
    """One record of each protocol 2 kind, made as their modules will: the UUIDs by kind."""
    made = {name: str(uuids.uuid4()) for name in ("skm_response", "tally", "stock_movement")}
    with store.session() as s:
        post_id = s.scalar(select(Post.id))
        operator_id = s.scalar(select(Operator.id))
        s.add_all(
            [
                SurveyResponse(
                    uuid=made["skm_response"],
                    service_code="INFO_MUDIK",
                    answers={"U1": 4, "U2": 3, "U9": 2},
                    age_band="25-34",
                    sex="P",
                    education="SMA",
                    occupation="swasta",
                    suggestion="Antrean diperpendek.",
                    self_filled=True,
                    extra={"TOILET": 2, "INFO": "SPANDUK"},  # the post's own questions
                    post_id=post_id,
                    operator_id=operator_id,
                    created_at=at,
                ),
                TallyEvent(
                    uuid=made["tally"],
                    counter="merchandise",
                    item="kaus",
                    count=12,
                    post_id=post_id,
                    operator_id=operator_id,
                    created_at=at,
                ),
                StockMovement(
                    uuid=made["stock_movement"],
                    item="kaus",
                    movement="received",
                    quantity=200,
                    post_id=post_id,
                    operator_id=operator_id,
                    created_at=at,
                ),
            ]
        )
    return made


def test_every_kind_is_claimed_as_valid_wire_records(store: Store) -> None:
    made = add_kinds(store)
    saved = store.save_complaint(complaint(1))
    claimed = Outbox(store).claim(10, now=NOW)
    # Complaints first, then the kinds in the order they were registered.
    assert [item.kind for item in claimed] == [
        "complaint",
        "skm_response",
        "tally",
        "stock_movement",
        "audit_event",  # the trail's line of the report's creation
    ]
    assert claimed[0].uuid == saved.uuid and {i.uuid for i in claimed[1:4]} == set(made.values())
    line = wire.parse_any(claimed[4].payload)
    assert isinstance(line, wire.AuditEventPayload)
    assert (line.action, line.subject) == ("created", saved.tracking_id)
    for item in claimed:
        parsed = wire.parse_any(item.payload)
        assert parsed.kind == item.kind and parsed.uuid == item.uuid
    survey = wire.parse_any(claimed[1].payload)
    assert isinstance(survey, wire.SkmResponsePayload)
    assert survey.respondent == wire.RespondentProfile(
        age_band="25-34", sex="P", education="SMA", occupation="swasta"
    )
    assert survey.answers == {"U1": 4, "U2": 3, "U9": 2} and survey.self_filled
    assert Outbox(store).counts()["sending"] == 4  # the audit line is not the operator's
    # The limit holds across kinds, and protocol 1 claims complaints only.
    Outbox(store).fail([i.uuid for i in claimed], "offline")
    assert [i.kind for i in Outbox(store).claim(2, now=NOW)] == ["complaint", "skm_response"]
    Outbox(store).fail([i.uuid for i in claimed], "offline")
    assert [i.kind for i in Outbox(store).claim(10, now=NOW, protocol=1)] == ["complaint"]


def test_answers_update_each_kind(store: Store) -> None:
    made = add_kinds(store)
    box = Outbox(store)
    box.claim(10, now=NOW)
    box.deliver(
        [
            Delivery(made["tally"], "accepted", kind="tally"),
            Delivery(made["skm_response"], "rejected", "service_code: unknown service"),
            Delivery(made["stock_movement"], "deferred", "kind: not stored yet"),
        ],
        now=NOW,
    )
    per_kind = box.counts_by_kind()
    assert per_kind["tally"]["sent"] == 1
    assert per_kind["skm_response"]["needs_attention"] == 1
    assert per_kind["stock_movement"]["pending"] == 1
    # Needs attention, reported like a complaint would be, with a label for the operator.
    (item,) = box.attention()
    assert (item.kind, item.uuid, item.tracking_id) == ("skm_response", made["skm_response"], "")
    assert "INFO_MUDIK" in item.title and item.last_error.startswith("rejected: service_code")
    # Deferred: queued, not offered again before its time, then offered again.
    assert box.claim(10, now=NOW + timedelta(minutes=14)) == []
    (again,) = box.claim(10, now=NOW + timedelta(minutes=16))
    assert again.uuid == made["stock_movement"]
    # A second deferral waits twice as long.
    box.deliver([Delivery(again.uuid, "deferred", "still not")], now=NOW + timedelta(minutes=16))
    assert box.claim(10, now=NOW + timedelta(minutes=16 + 29)) == []
    assert len(box.claim(10, now=NOW + timedelta(minutes=16 + 31))) == 1
    # The operator's actions work on every kind.
    assert box.set_aside(made["skm_response"], "Kode layanan salah, diisi ulang")
    assert box.counts_by_kind()["skm_response"]["set_aside"] == 1
    assert box.resend(made["skm_response"])
    assert box.counts_by_kind()["skm_response"]["pending"] == 1
    assert not box.resend(made["tally"])  # sent: nothing to resend


def test_bundles_carry_every_kind(store: Store) -> None:
    made = add_kinds(store)
    store.save_complaint(complaint(1))
    payloads = Outbox(store).queued_payloads()
    assert [p["kind"] for p in payloads] == [
        "complaint",
        "skm_response",
        "tally",
        "stock_movement",
        "audit_event",
    ]
    assert {p["uuid"] for p in payloads[1:4]} == set(made.values())


def test_a_kind_is_registered_once() -> None:
    from desktop.store.outbox import register

    with pytest.raises(ValueError):
        register(KINDS["tally"])


def test_protocol_2_records_are_checked() -> None:
    base: dict[str, object] = {
        "kind": "tally",
        "uuid": "0b6c6d0e-8f43-4d8c-9d42-3d1b2f6a7c01",
        "post_code": "MRK",
        "counter": "people_reached",
        "count": 3,
        "created_at": "2026-06-10T09:15:00+07:00",
    }
    assert wire.parse_any(base).kind == "tally"
    undo = base | {"uuid": "0b6c6d0e-8f43-4d8c-9d42-3d1b2f6a7c02", "count": -3,
                   "undoes": base["uuid"]}  # fmt: skip
    assert wire.parse_any(undo).kind == "tally"
    for bad in (
        base | {"count": 0},
        base | {"count": -3},  # a correction names the event it undoes
        undo | {"count": 3},
        undo | {"undoes": undo["uuid"]},
        base | {"counter": "merchandise"},  # which item?
        base | {"item": "kaus"},
    ):
        with pytest.raises(wire.RecordError):
            wire.parse_any(bad)
    survey: dict[str, object] = {
        "kind": "skm_response",
        "uuid": "0b6c6d0e-8f43-4d8c-9d42-3d1b2f6a7c03",
        "post_code": "MRK",
        "service_code": "INFO_MUDIK",
        "answers": {"U1": 4},
        "created_at": "2026-06-10T09:15:00+07:00",
    }
    assert wire.parse_any(survey).kind == "skm_response"
    for bad in (
        survey | {"answers": {}},
        survey | {"answers": {"U10": 4}},
        survey | {"answers": {"U1": 5}},
        survey | {"respondent": {"sex": "X"}},
        survey | {"respondent": {"religion": "x"}},
    ):
        with pytest.raises(wire.RecordError):
            wire.parse_any(bad)
    stock: dict[str, object] = {
        "kind": "stock_movement",
        "uuid": "0b6c6d0e-8f43-4d8c-9d42-3d1b2f6a7c04",
        "post_code": "MRK",
        "item": "kaus",
        "movement": "adjusted",
        "quantity": -4,
        "created_at": "2026-06-10T09:15:00+07:00",
    }
    assert wire.parse_any(stock).kind == "stock_movement"
    for bad in (stock | {"quantity": 0}, stock | {"movement": "received"}):
        with pytest.raises(wire.RecordError):
            wire.parse_any(bad)
    # The storage's own parser takes protocol 1's kinds only.
    with pytest.raises(wire.RecordError):
        wire.parse_record(stock)


def test_compact_answer_round_trip() -> None:
    results = [
        wire.RecordResult(index=0, uuid="a", kind="complaint", result=wire.RecordOutcome.ACCEPTED),
        wire.RecordResult(
            index=1, uuid="b", kind="tally", result=wire.RecordOutcome.DEFERRED, reason="later"
        ),
        wire.RecordResult(
            index=2, uuid=None, kind=None, result=wire.RecordOutcome.REJECTED, reason="uuid: bad"
        ),
    ]
    answer = wire.PushAnswer.of(["a", "b", None], results)
    assert answer.outcomes == "aqr" and answer.reasons == {"1": "later", "2": "uuid: bad"}
    assert answer.results() == [
        (wire.RecordOutcome.ACCEPTED, None),
        (wire.RecordOutcome.DEFERRED, "later"),
        (wire.RecordOutcome.REJECTED, "uuid: bad"),
    ]
    assert answer.batch == wire.batch_digest(["a", "b", None]) != wire.batch_digest(["a", "b"])


# -- against the real central server ---------------------------------------------------------


@pytest.fixture
def transport() -> Iterator[RequestsTransport]:
    real = RequestsTransport(timeout=(5, 30))
    yield real
    real.close()


def _enrolled(store: Store, profile: Profile, server: CentralServer, t: RequestsTransport) -> None:
    code, _expires = server.store.create_enroll_code("MRK", 1)
    enroll(store, profile, server.url, code, t)


class Counting:
    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.bodies: list[dict[str, Any]] = []
        self.answers: list[Answer] = []

    def request(
        self, method: str, url: str, *, body: bytes | None = None, headers: dict[str, str]
    ) -> Answer:
        if body is not None:
            self.bodies.append(json.loads(gzip.decompress(body)))
        answer: Answer = self.inner.request(method, url, body=body, headers=headers)
        if body is not None:
            self.answers.append(answer)
        return answer


@pytest.mark.slow
def test_new_desk_on_new_central_stores_every_kind(
    store: Store, profile: Profile, central_server: CentralServer, transport: RequestsTransport
) -> None:
    _enrolled(store, profile, central_server, transport)
    made = add_kinds(store, at=datetime.now(UTC))
    saved = [store.save_complaint(complaint(n)) for n in range(3)]
    counting = Counting(transport)
    report = SyncEngine(store, profile, counting).run_once()
    assert report.ok, report
    assert (report.sent, report.deferred, report.attention) == (6, 0, 0)
    assert [b["protocol"] for b in counting.bodies] == [2]
    assert central_server.store.count(["complaints", "skm_responses"]) == {
        "complaints": 3,
        "skm_responses": 1,
    }
    _assert_skm_stored(central_server.store, made["skm_response"])
    _assert_outreach_stored(central_server.store, made)
    per_kind = Outbox(store).counts_by_kind()
    assert per_kind["complaint"]["sent"] == 3
    for name in ("skm_response", "tally", "stock_movement"):
        assert per_kind[name]["sent"] == 1
    # The audit trail went along: every line the desk wrote is at the central system.
    lines = per_kind["audit_event"]
    assert lines["sent"] >= 3 and lines.get("pending", 0) == lines.get("sending", 0) == 0
    assert central_server.store.count(["desk_audit_events"]) == {"desk_audit_events": lines["sent"]}
    # Nothing is left to offer.
    again = Counting(transport)
    assert SyncEngine(store, profile, again).run_once().ok
    assert again.bodies == []
    assert {s.uuid for s in saved} <= {
        u for b in counting.bodies for u in (r["uuid"] for r in b["records"])
    }


@pytest.mark.slow
def test_push_answers_are_compact_and_gzipped(
    store: Store, profile: Profile, central_server: CentralServer, transport: RequestsTransport
) -> None:
    import requests

    _enrolled(store, profile, central_server, transport)
    moment = datetime.now(UTC)
    store.save_many([(complaint(n), moment) for n in range(300)], now=moment)
    payloads = Outbox(store).queued_payloads()
    token = read_token(profile)
    url = f"{central_server.url}/api/v1/sync/push"
    headers = {"authorization": f"Bearer {token}", "accept-encoding": "gzip"}
    answer = requests.post(url, json={"protocol": 2, "records": payloads}, headers=headers,
                           timeout=60, stream=True)  # fmt: skip
    raw = answer.raw.read(decode_content=False)
    assert answer.status_code == 200
    assert len(raw) < 400  # 300 records: "aaa…", too small to be worth gzip
    parsed = wire.PushAnswer.model_validate_json(raw)
    assert parsed.outcomes == "a" * len(payloads)  # 300 reports, their audit lines
    assert parsed.batch == wire.batch_digest([p["uuid"] for p in payloads])
    # Protocol 1 (today's desks) still gets the full answer, which says "duplicate" now;
    # gzipped, as it is large and the desk accepts gzip. (Protocol 1 has no audit lines.)
    payloads = [p for p in payloads if wire.KINDS_SINCE[p["kind"]] == 1]
    old = requests.post(url, json={"records": payloads}, headers=headers, timeout=60,
                        stream=True)  # fmt: skip
    raw = old.raw.read(decode_content=False)
    assert old.headers["content-encoding"] == "gzip" and len(raw) < 10_000
    results = wire.PushResponse.model_validate_json(gzip.decompress(raw)).results
    assert [(r.uuid, r.result) for r in results] == [(p["uuid"], "duplicate") for p in payloads]
    plain = requests.post(url, json={"records": payloads[:50]}, timeout=60, stream=True,
                          headers=headers | {"accept-encoding": "identity"})  # fmt: skip
    assert "content-encoding" not in plain.headers
    assert len(wire.PushResponse.model_validate_json(plain.raw.read()).results) == 50
    # A protocol 1 body never gets "deferred": a newer kind in it is refused for itself.
    tally = {
        "kind": "tally",
        "uuid": str(uuids.uuid4()),
        "post_code": "MRK",
        "counter": "people_reached",
        "count": 2,
        "created_at": datetime.now(UTC).isoformat(),
    }
    mixed = requests.post(url, json={"records": [tally, payloads[0]]}, headers=headers, timeout=60)
    got = wire.PushResponse.model_validate(mixed.json()).results
    assert [r.result for r in got] == ["rejected", "duplicate"]
    assert "protocol 2" in (got[0].reason or "")
    stored = requests.post(url, json={"protocol": 2, "records": [tally]}, headers=headers,
                           timeout=60)  # fmt: skip
    assert wire.PushAnswer.model_validate(stored.json()).outcomes == "a"
    other_post = tally | {"uuid": str(uuids.uuid4()), "post_code": "BKH"}
    refused = requests.post(url, json={"protocol": 2, "records": [other_post]}, headers=headers,
                            timeout=60)  # fmt: skip
    assert wire.PushAnswer.model_validate(refused.json()).outcomes == "r"


def _assert_outreach_stored(central: CentralStore, made: dict[str, str]) -> None:
    """The tally and the stock movement ``add_kinds`` made, as the central system holds them."""
    from central.models import OutreachTally
    from central.models import StockMovement as CentralStock

    with central.session() as session:
        tally = session.scalar(select(OutreachTally).where(OutreachTally.uuid == made["tally"]))
        stock = session.scalar(
            select(CentralStock).where(CentralStock.uuid == made["stock_movement"])
        )
    assert tally is not None and stock is not None
    assert (tally.post_code, tally.counter, tally.item, tally.count, tally.undoes) == (
        "MRK", "merchandise", "kaus", 12, None
    )  # fmt: skip
    assert (stock.post_code, stock.item, stock.movement, stock.quantity) == (
        "MRK", "kaus", "received", 200
    )  # fmt: skip
    assert tally.device_id is not None and stock.device_id == tally.device_id


def _assert_skm_stored(central: CentralStore, uuid: str) -> None:
    """The questionnaire ``add_kinds`` made, as the central system holds it."""
    from central.models import SkmResponse

    with central.session() as session:
        row = session.scalar(select(SkmResponse).where(SkmResponse.uuid == uuid))
    assert row is not None
    answers = [row.u1, row.u2, row.u3, row.u4, row.u5, row.u6, row.u7, row.u8, row.u9]
    assert answers == [4, 3, None, None, None, None, None, None, 2]
    assert (row.service_code, row.post_code, row.origin) == ("INFO_MUDIK", "MRK", "desk")
    assert (row.age_band, row.sex, row.education, row.occupation) == (
        "25-34",
        "P",
        "SMA",
        "swasta",
    )
    assert row.suggestion == "Antrean diperpendek." and row.self_filled
    assert row.extra == {"TOILET": 2, "INFO": "SPANDUK"}  # kept, never scored
    assert row.device_id is not None


class _V1Body(BaseModel):
    protocol: Literal[1] = 1


class ProtocolOneCentral:
    """A central system from before protocol 2, in front of the real one: it refuses a
    protocol 2 body whole, as its ``PushRequest`` did (the same validation message), and
    takes protocol 1 bodies."""

    def __init__(self, inner: RequestsTransport) -> None:
        self.inner = inner
        self.protocols: list[int] = []

    def request(
        self, method: str, url: str, *, body: bytes | None = None, headers: dict[str, str]
    ) -> Answer:
        if body is not None:
            batch = json.loads(gzip.decompress(body))
            self.protocols.append(batch.get("protocol", 1))
            try:
                _V1Body.model_validate({"protocol": batch.get("protocol", 1)})
            except ValidationError as exc:
                error = exc.errors()[0]
                message = f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"
                data = {"error": "invalid_batch", "message": message}
                return Answer(400, json.dumps(data).encode(), "application/json")
        return self.inner.request(method, url, body=body, headers=headers)


@pytest.mark.slow
def test_new_desk_on_a_protocol_1_central_keeps_the_new_kinds_queued(
    store: Store, profile: Profile, central_server: CentralServer, transport: RequestsTransport
) -> None:
    _enrolled(store, profile, central_server, transport)
    add_kinds(store, at=datetime.now(UTC) - timedelta(hours=1))  # older than the complaints
    for n in range(4):
        store.save_complaint(complaint(n))
    old = ProtocolOneCentral(transport)
    report = SyncEngine(store, profile, old, batch_size=3).run_once()
    assert report.ok, report
    # Deferred: the two new-kind records claimed with c3 while the first (refused) batch was
    # out; the third was never claimed, the desk knew by then that this central takes only
    # protocol 1. All three stay queued (below).
    assert (report.sent, report.deferred, report.attention) == (4, 2, 0)
    # Protocol 2 first; once refused, protocol 1 only (the batch already out when the
    # refusal came was a protocol 2 one too).
    tried = old.protocols.count(2)
    assert old.protocols[0] == 2 and tried <= 2 and set(old.protocols[tried:]) == {1}
    per_kind = Outbox(store).counts_by_kind()
    assert per_kind["complaint"]["sent"] == 4
    assert all(per_kind[k]["pending"] == 1 for k in ("skm_response", "tally", "stock_movement"))
    assert Outbox(store).attention() == []


def test_a_bundle_with_every_kind_stores_them_all(
    store: Store,
    profile: Profile,
    central_store: CentralStore,
    central_db_url: str,
    tmp_path: Path,
) -> None:
    from fastapi.testclient import TestClient

    from central.app import asgi_app
    from central.bundles import import_bundle
    from desktop.sync.export import export_outbox
    from tests.e2e.test_bundle import AppTransport, enrolled

    with TestClient(asgi_app(central_store)) as client:
        app = AppTransport(client)
        enrolled(store, profile, central_store, app)
        made = add_kinds(store, at=datetime.now(UTC))
        store.save_complaint(complaint(1))
        target = tmp_path / "MRK.posko"
        lines = Outbox(store).counts_by_kind()["audit_event"]["pending"]
        assert export_outbox(store, profile, target).records == 4  # the trail goes along
        imported = import_bundle(central_store, target)
        assert imported.counts == {"accepted": 4} and not imported.problems
        assert imported.audit_lines == lines > 0
        assert central_store.count(["desk_audit_events"]) == {"desk_audit_events": lines}
        _assert_skm_stored(central_store, made["skm_response"])
        _assert_outreach_stored(central_store, made)
        again = run_central("--database-url", central_db_url, "import-bundle", str(target))
        assert again.returncode == 0, again.stderr
        assert "0 baru, 4 sudah ada" in again.stdout
        assert "belum disimpan" not in again.stdout
        # Online, the desk learns it: all four are sent (as duplicates now).
        report = SyncEngine(store, profile, app).run_once()
        assert (report.sent, report.deferred, report.attention) == (4, 0, 0)


def test_a_bundle_with_kinds_a_central_does_not_store_defers_them(
    store: Store,
    profile: Profile,
    central_store: CentralStore,
    central_db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The ``deferred`` mechanism, for a central system that keeps fewer kinds than the
    desk sends (here one without the tallies and the stock)."""
    from central import sync_push
    from central.cli import main

    monkeypatch.setattr(
        sync_push, "STORED_KINDS", sync_push.STORED_KINDS - {"tally", "stock_movement"}
    )
    from fastapi.testclient import TestClient

    from central.app import asgi_app
    from central.bundles import import_bundle
    from desktop.sync.export import export_outbox
    from tests.e2e.test_bundle import AppTransport, enrolled

    with TestClient(asgi_app(central_store)) as client:
        app = AppTransport(client)
        enrolled(store, profile, central_store, app)
        made = add_kinds(store, at=datetime.now(UTC))
        store.save_complaint(complaint(1))
        target = tmp_path / "MRK.posko"
        assert export_outbox(store, profile, target).records == 4
        imported = import_bundle(central_store, target)
        assert imported.counts == {"accepted": 2, "deferred": 2} and not imported.problems
        assert central_store.count(["complaints", "skm_responses", "outreach_tallies"]) == {
            "complaints": 1,
            "skm_responses": 1,
            "outreach_tallies": 0,
        }
        _assert_skm_stored(central_store, made["skm_response"])
        # The coordinator's import command says what it left out.
        capsys.readouterr()
        assert main(["--database-url", central_db_url, "import-bundle", str(target)]) == 0
        shown = capsys.readouterr().out
        assert "0 baru, 2 sudah ada" in shown
        assert "2 data berjenis yang belum disimpan sistem pusat ini" in shown
        # Online, the desk learns it: the complaint and the questionnaire are sent (as
        # duplicates now), the others stay queued.
        report = SyncEngine(store, profile, app).run_once()
        assert (report.sent, report.deferred, report.attention) == (2, 2, 0)


def test_the_desks_queue_badge_counts_every_kind(store: Store) -> None:
    """The status bar's "waiting to be sent" and "needs attention" figures count survey
    responses, tallies and stock movements too, not only complaints."""
    before = store.queue_count()
    made = add_kinds(store)
    assert store.queue_count() == before + 3
    with store.session() as s:
        s.execute(
            update(TallyEvent)
            .where(TallyEvent.uuid == made["tally"])
            .values(sync_state=SyncState.NEEDS_ATTENTION.value)
        )
    assert store.queue_count() == before + 2 and store.attention_count() == 1


def test_a_refused_audit_line_is_shown_with_its_label(store: Store) -> None:
    """An audit line the central system refused is listed for the coordinator like any
    record, named by what it records (its label once raised TypeError on Python 3.11)."""
    from desktop.store.models import AuditEvent

    saved = store.save_complaint(complaint(1))
    with store.session() as s:
        s.execute(
            update(AuditEvent)
            .where(AuditEvent.subject == saved.tracking_id)
            .values(sync_state=SyncState.NEEDS_ATTENTION.value)
        )
    (item,) = Outbox(store).attention()
    assert item.kind == "audit_event" and item.title == "Catatan kegiatan: Laporan dibuat"
