"""Outreach into the desk's store (a real SQLite file): taps and deliveries as append-only
events with their own UUIDs, undone by compensating events, summed in SQL, and handed to
the outbox as valid wire records."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop.domain import ValidationError
from desktop.outreach import OutreachTotals
from desktop.store.outbox import Outbox
from desktop.store.repo import Store
from posko import outreach, wire

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
TOMORROW = NOW + timedelta(days=1)


def test_the_items_are_data() -> None:
    codes = [item.code for item in outreach.items()]
    assert codes == ["kaus", "stiker", "topi"]
    kaus = outreach.items()[0]
    assert kaus.name("id") == "Kaus" and kaus.name("en") == "T-shirt" and kaus.key == "K"
    assert kaus.is_low(kaus.low_stock) and not kaus.is_low(kaus.low_stock + 1)


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"code": "Kaus", "name": {"id": "K"}, "key": "K", "low_stock": 1}, "not an item code"),
        ({"code": "kaus", "name": {"en": "T"}, "key": "K", "low_stock": 1}, "Indonesian name"),
        ({"code": "kaus", "name": {"id": "K"}, "key": "k", "low_stock": 1}, "capital letter"),
        ({"code": "kaus", "name": {"id": "K"}, "key": "K", "low_stock": -1}, "low_stock"),
    ],
)
def test_a_bad_item_list_says_why(tmp_path: Path, entry: dict[str, object], problem: str) -> None:
    path = tmp_path / "items.json"
    path.write_text(json.dumps({"items": [entry]}), encoding="utf-8")
    with pytest.raises(outreach.ItemsError, match=problem):
        outreach.load_items(path)


def test_taps_are_summed_for_the_day(store: Store) -> None:
    store.record_people_reached(1, now=NOW)
    store.record_people_reached(5, now=NOW)
    store.record_people_reached(10, now=NOW - timedelta(days=1))  # yesterday
    store.record_handed_out("kaus", now=NOW)
    store.record_handed_out("kaus", 2, now=NOW)
    store.record_handed_out("topi", now=NOW)
    today = store.outreach_totals(date_from=NOW - timedelta(hours=1), date_to=TOMORROW)
    assert today.people_reached == 6
    assert today.handed_out == {"kaus": 3, "topi": 1}
    assert store.outreach_totals().people_reached == 16


def test_stock_is_received_less_handed_out(store: Store) -> None:
    store.record_stock_received("kaus", 100, " dari Dishub ", now=NOW)
    store.record_stock_received("stiker", 20, now=NOW)
    store.record_handed_out("kaus", 3, now=NOW)
    store.record_handed_out("topi", now=NOW)  # none received yet: below zero, as counted
    assert store.stock_levels() == {"kaus": 97, "stiker": 20, "topi": -1}


def test_an_undo_compensates_once_and_is_never_undone(store: Store) -> None:
    tap = store.record_handed_out("kaus", 2, now=NOW)
    store.record_stock_received("kaus", 10, now=NOW)
    assert store.undo_tally(tap.uuid, now=NOW) == tap
    assert store.outreach_totals().handed_out == {"kaus": 0}
    assert store.stock_levels() == {"kaus": 10}
    with pytest.raises(ValidationError) as twice:
        store.undo_tally(tap.uuid)
    assert twice.value.for_field("undoes") == "Ketukan ini sudah dibatalkan."
    (undo,) = [o.payload for o in Outbox(store).claim(10, now=NOW) if o.payload.get("undoes")]
    with pytest.raises(ValidationError) as of_undo:
        store.undo_tally(undo["uuid"])
    assert of_undo.value.for_field("undoes") == "Pembatalan tidak dapat dibatalkan."
    with pytest.raises(ValidationError):
        store.undo_tally("00000000-0000-4000-8000-000000000000")


def test_undo_last_goes_back_tap_by_tap(store: Store) -> None:
    first = store.record_people_reached(5, now=NOW)
    second = store.record_handed_out("stiker", now=NOW + timedelta(seconds=1))
    assert store.last_tally() == second
    assert store.undo_last_tally(now=NOW) == second
    assert store.undo_last_tally(now=NOW) == first
    assert store.undo_last_tally(now=NOW) is None
    assert store.last_tally(since=NOW + timedelta(hours=1)) is None
    assert store.outreach_totals() == OutreachTotals(0, {"stiker": 0})


@pytest.mark.parametrize(
    ("call", "field", "message"),
    [
        (lambda s: s.record_people_reached(0), "count", "Jumlahnya harus 1 sampai 10000."),
        (lambda s: s.record_people_reached(10_001), "count", "Jumlahnya harus 1 sampai 10000."),
        (lambda s: s.record_handed_out("payung"), "item", "payung bukan barang posko ini."),
        (lambda s: s.record_handed_out(""), "item", "Pilih barang."),
        (
            lambda s: s.record_stock_received("kaus", 0),
            "quantity",
            "Jumlahnya harus 1 sampai 100000.",
        ),
        (lambda s: s.record_stock_received("kaus", 5, "a\x07b"), "note", "karakter kendali"),
        (lambda s: s.record_stock_received("kaus", 5, "x" * 201), "note", "paling banyak 200"),
    ],
)
def test_input_is_checked_in_indonesian(
    store: Store, call: object, field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        call(store)  # type: ignore[operator]
    assert message in (refused.value.for_field(field) or ""), refused.value.errors
    assert store.outreach_totals() == OutreachTotals()
    assert store.stock_levels() == {}


def test_the_outbox_hands_every_event_out_as_a_valid_wire_record(store: Store) -> None:
    people = store.record_people_reached(10, now=NOW)
    tap = store.record_handed_out("topi", now=NOW)
    store.undo_tally(tap.uuid, now=NOW)
    received = store.record_stock_received("topi", 50, "kiriman pertama", now=NOW)
    sent = [wire.parse_any(item.payload) for item in Outbox(store).claim(10, now=NOW)]
    tallies = [r for r in sent if isinstance(r, wire.TallyEventPayload)]
    stock = [r for r in sent if isinstance(r, wire.StockMovementPayload)]
    assert len(tallies) == 3 and len(stock) == 1
    assert len({r.uuid for r in sent}) == 4
    by_uuid = {r.uuid: r for r in tallies}
    assert by_uuid[people.uuid].counter == "people_reached" and by_uuid[people.uuid].count == 10
    assert by_uuid[people.uuid].item == "" and by_uuid[people.uuid].post_code == "MRK"
    (undo,) = [r for r in tallies if r.undoes is not None]
    assert undo.undoes == tap.uuid and undo.count == -1 and undo.item == "topi"
    assert undo.created_at == NOW
    assert stock[0].uuid == received and stock[0].movement == "received"
    assert stock[0].quantity == 50 and stock[0].note == "kiriman pertama"
