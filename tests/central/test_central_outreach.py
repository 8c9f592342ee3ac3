"""Protocol 2's tallies and stock movements on the central system (SQLite and PostgreSQL):
stored exactly once like the other kinds, undo events checked against what they undo, and
the per post and WIB day figures, each checked against a recomputation by hand."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import text

from central import sync_push
from central.store import CentralStore, OutreachSelection
from posko.workdays import WIB
from tests.central_support import enroll, stock_record, tally_record, undo_record


def _outcomes(store: CentralStore, device: Any, records: list[dict[str, Any]]) -> list[str]:
    return [r.result for r in sync_push.push(store, device, records, protocol=2)]


def test_tallies_and_stock_are_stored_once_like_the_other_kinds(
    central_store: CentralStore,
) -> None:
    _token, device = enroll(central_store)
    tally, stock = tally_record(), stock_record()
    assert _outcomes(central_store, device, [tally, stock, dict(tally)]) == [
        "accepted",
        "accepted",
        "duplicate",
    ]
    again = sync_push.push(
        central_store,
        device,
        [tally, dict(tally, count=4), dict(stock, note="Lain"), stock_record(post_code="BKH")],
        protocol=2,
    )
    assert [r.result for r in again] == ["duplicate", "conflict", "conflict", "rejected"]
    assert "post_code" in (again[3].reason or "")
    # A protocol 1 body never carries the kinds: refused for itself, not stored.
    old = sync_push.push(central_store, device, [tally_record(), stock_record()], protocol=1)
    assert [r.result for r in old] == ["rejected", "rejected"]
    assert central_store.count(["outreach_tallies", "stock_movements", "tally_events"]) == {
        "outreach_tallies": 1,
        "stock_movements": 1,
        "tally_events": 0,
    }


def test_an_undo_must_name_an_event_of_its_own_post_and_negate_it(
    central_store: CentralStore,
) -> None:
    _token, device = enroll(central_store)
    _other_token, other = enroll(central_store, "BKH")
    theirs = tally_record(post_code="BKH")
    assert _outcomes(central_store, other, [theirs]) == ["accepted"]
    event = tally_record(counter="merchandise", item="kaus", count=5)
    # The event and its undo in one push: the undo is stored after it.
    undo = undo_record(event)
    assert _outcomes(central_store, device, [undo, event]) == ["accepted", "accepted"]
    refused = [
        undo_record(tally_record(), undoes=theirs["uuid"]),  # another post's event
        undo_record(tally_record()),  # an event never sent
        undo_record(undo, count=-5),  # an undo of an undo
        undo_record(event, count=-4),  # not the count it undoes
        undo_record(event, counter="people_reached", item=""),  # another counter
    ]
    results = sync_push.push(central_store, device, refused, protocol=2)
    assert [r.result for r in results] == ["rejected"] * len(refused)
    assert all((r.reason or "").startswith("undoes: ") for r in results)
    # Undone once only; the same undo again is a duplicate.
    twice = sync_push.push(central_store, device, [undo_record(event), dict(undo)], protocol=2)
    assert [r.result for r in twice] == ["conflict", "duplicate"]
    assert "undone already" in (twice[0].reason or "")
    assert central_store.count(["outreach_tallies"]) == {"outreach_tallies": 3}


def test_a_central_without_the_kinds_defers_them(
    central_store: CentralStore, monkeypatch: Any
) -> None:
    """The ``deferred`` path, for a central system that keeps fewer kinds."""
    monkeypatch.setattr(sync_push, "STORED_KINDS", sync_push.STORED_KINDS - {"stock_movement"})
    _token, device = enroll(central_store)
    results = sync_push.push(central_store, device, [tally_record(), stock_record()], protocol=2)
    assert [r.result for r in results] == ["accepted", "deferred"]
    assert central_store.count(["stock_movements"]) == {"stock_movements": 0}


def _at(day: date, hour: int, minute: int = 0) -> str:
    """A moment given in WIB, as the wire's UTC ISO text."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=WIB).isoformat()


D1, D2, D3 = date(2026, 3, 17), date(2026, 3, 18), date(2026, 3, 19)


def _sample() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Tallies and stock of posts MRK and BKH over three WIB days, with the edges of a day
    (00.00 and 23.59 WIB are 17.00 and 16.59 UTC the day before) and undo events."""
    mrk: list[dict[str, Any]] = []
    for day, hour, count in [(D1, 0, 4), (D1, 23, 6), (D2, 6, 10), (D3, 12, 1)]:
        mrk.append(tally_record(count=count, created_at=_at(day, hour, 59 if hour else 0)))
    handed = [(D1, 8, "kaus", 5), (D1, 9, "topi", 2), (D2, 7, "kaus", 7), (D3, 0, "kaus", 3)]
    for day, hour, item, count in handed:
        mrk.append(tally_record(counter="merchandise", item=item, count=count,
                                created_at=_at(day, hour)))  # fmt: skip
    mrk.append(undo_record(mrk[1], created_at=_at(D2, 1)))  # the 6 of D1 undone on D2
    mrk.append(undo_record(mrk[6], created_at=_at(D2, 23, 30)))  # D2's 7 kaus
    stock = [("received", "kaus", 50, D1, 7), ("received", "topi", 20, D1, 7),
             ("adjusted", "kaus", -2, D2, 20), ("received", "kaus", 10, D3, 23)]  # fmt: skip
    for movement, item, quantity, day, hour in stock:
        mrk.append(stock_record(movement=movement, item=item, quantity=quantity,
                                created_at=_at(day, hour)))  # fmt: skip
    bkh = [
        tally_record(post_code="BKH", count=100, created_at=_at(D1, 12)),
        tally_record(
            post_code="BKH", counter="merchandise", item="kaus", count=9, created_at=_at(D2, 12)
        ),
        stock_record(post_code="BKH", quantity=30, created_at=_at(D1, 12)),
    ]
    return mrk, bkh


def _by_hand(records: list[dict[str, Any]]) -> dict[str, Counter[Any]]:
    """The four figures recomputed in Python from the records sent."""
    figures: dict[str, Counter[Any]] = {k: Counter() for k in ("people", "handed", "received")}
    deltas: Counter[Any] = Counter()
    for r in records:
        day = datetime.fromisoformat(r["created_at"]).astimezone(WIB).date()
        if r["kind"] == "tally" and r["counter"] == "people_reached":
            figures["people"][(r["post_code"], day)] += r["count"]
        elif r["kind"] == "tally":
            figures["handed"][(r["post_code"], day, r["item"])] += r["count"]
            deltas[(r["post_code"], day, r["item"])] -= r["count"]
        else:
            if r["movement"] == "received":
                figures["received"][(r["post_code"], day, r["item"])] += r["quantity"]
            deltas[(r["post_code"], day, r["item"])] += r["quantity"]
    remaining: Counter[Any] = Counter()
    for post, day, item in deltas:
        remaining[(post, day, item)] = sum(
            n for (p, d, i), n in deltas.items() if (p, i) == (post, item) and d <= day
        )
    figures["remaining"] = remaining
    return figures


def test_outreach_figures_per_post_and_wib_day(central_store: CentralStore) -> None:
    mrk, bkh = _sample()
    _token, device = enroll(central_store)
    _other_token, other = enroll(central_store, "BKH")
    assert set(_outcomes(central_store, device, mrk)) == {"accepted"}
    assert set(_outcomes(central_store, other, bkh)) == {"accepted"}
    expected = _by_hand(mrk + bkh)
    everything = OutreachSelection()
    assert central_store.people_reached(everything) == dict(expected["people"])
    assert central_store.merchandise_handed_out(everything) == dict(expected["handed"])
    assert central_store.stock_received(everything) == dict(expected["received"])
    assert central_store.stock_remaining(everything) == dict(expected["remaining"])
    # A few figures read off the sample directly, so the recomputation is checked too.
    assert central_store.people_reached(everything)[("MRK", D1)] == 10  # 00.00 and 23.59
    assert central_store.people_reached(everything)[("MRK", D2)] == 4  # 10, less the undo
    remaining = central_store.stock_remaining(everything)
    assert remaining[("MRK", D1, "kaus")] == 45 and remaining[("MRK", D2, "kaus")] == 43
    assert remaining[("MRK", D3, "kaus")] == 50 and remaining[("MRK", D1, "topi")] == 18


def test_outreach_figures_of_a_selection(central_store: CentralStore) -> None:
    mrk, bkh = _sample()
    _token, device = enroll(central_store)
    _other_token, other = enroll(central_store, "BKH")
    _outcomes(central_store, device, mrk)
    _outcomes(central_store, other, bkh)
    start = datetime(2026, 3, 18, tzinfo=WIB).astimezone(UTC)
    second_day = OutreachSelection(date_from=start, date_to=start + timedelta(days=1),
                                   post_code="MRK")  # fmt: skip
    assert central_store.people_reached(second_day) == {("MRK", D2): 4}
    assert central_store.merchandise_handed_out(second_day) == {("MRK", D2, "kaus"): 0}
    assert central_store.stock_received(second_day) == {}
    # Stock left at the end of D2 counts D1's delivery, but lists D2 only.
    assert central_store.stock_remaining(second_day) == {("MRK", D2, "kaus"): 43}
    # The same figure from plain SQL over the stored rows.
    end = (start + timedelta(days=1)).replace(tzinfo=None)
    with central_store.engine.connect() as conn:
        received = conn.execute(
            text("SELECT SUM(quantity) FROM stock_movements WHERE post_code = 'MRK' "
                 "AND item = 'kaus' AND created_at < :end"), {"end": end}
        ).scalar_one()  # fmt: skip
        handed = conn.execute(
            text("SELECT SUM(count) FROM outreach_tallies WHERE post_code = 'MRK' "
                 "AND item = 'kaus' AND created_at < :end"), {"end": end}
        ).scalar_one()  # fmt: skip
    assert int(received) - int(handed) == 43
