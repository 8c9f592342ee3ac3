"""Hostile tallies and stock movements against the real server on 127.0.0.1 (SQLite and
PostgreSQL): each bad record is refused for itself with a reason, the good ones beside it
are stored, nothing of the bad ones is stored, the server never answers 500, and no note's
text reaches its log."""

from __future__ import annotations

from typing import Any

from posko import wire
from tests.central_support import (
    CentralServer,
    enroll,
    stock_record,
    tally_record,
    undo_record,
)

SECRET_NOTE = "Catatan rahasia 7Q4Z: kardus rusak di gudang"


def _push(server: CentralServer, token: str, records: list[Any]) -> wire.PushAnswer:
    with server.client() as client:
        answer = client.post(
            "/api/v1/sync/push",
            json={"protocol": 2, "records": records},
            headers={"authorization": f"Bearer {token}"},
        )
    assert answer.status_code == 200, answer.text
    return wire.PushAnswer.model_validate(answer.json())


def _hostile(theirs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Bad records by what is wrong with them."""
    odd_items = ["KAUS", "ka us", "kaus'; DROP TABLE stock_movements; --", "ka\u00fcs",
                 "kaus\u0000", "../kaus", "k" * 33, "_kaus"]  # fmt: skip
    bad = {
        "undo of another post's event": undo_record(tally_record(), undoes=theirs["uuid"]),
        "undo of no event": undo_record(tally_record()),
        "count over the limit": tally_record(count=10_001),
        "count of 30 digits": tally_record(count=10**30),
        "count zero": tally_record(count=0),
        "negative count without undo": tally_record(count=-3),
        "received negative": stock_record(quantity=-5, note=SECRET_NOTE),
        "received zero": stock_record(quantity=0, note=SECRET_NOTE),
        "adjusted zero": stock_record(movement="adjusted", quantity=0, note=SECRET_NOTE),
        "quantity over the limit": stock_record(quantity=100_001, note=SECRET_NOTE),
        "note too long": stock_record(note=SECRET_NOTE * 10),
        "note with a control code": stock_record(note=SECRET_NOTE + "\x1b[2J"),
        "in the future": stock_record(created_at="2099-01-01T00:00:00+00:00", note=SECRET_NOTE),
        "item for people reached": tally_record(item="kaus"),
        "merchandise without item": tally_record(counter="merchandise", item=""),
    }
    for n, item in enumerate(odd_items):
        bad[f"stock item {item!r}"] = stock_record(item=item, note=SECRET_NOTE)
        bad[f"tally item {n}"] = tally_record(counter="merchandise", item=item)
    return bad


def test_bad_tallies_and_stock_are_refused_one_by_one(central_server: CentralServer) -> None:
    token, _device = enroll(central_server.store)
    other_token, _other = enroll(central_server.store, "BKH")
    theirs = tally_record(post_code="BKH")
    assert _push(central_server, other_token, [theirs]).outcomes == "a"
    bad = _hostile(theirs)
    good = [tally_record(), stock_record(note=SECRET_NOTE)]
    answer = _push(central_server, token, [good[0], *bad.values(), good[1]])
    assert answer.outcomes == "a" + "r" * len(bad) + "a", dict(
        zip(["good", *bad], answer.outcomes, strict=False)
    )
    reasons = [answer.reasons.get(str(i + 1), "") for i in range(len(bad))]
    assert all(reasons), dict(zip(bad, reasons, strict=True))
    assert not any(SECRET_NOTE[:20] in reason for reason in reasons)
    # Only the good ones (and the other post's event) are stored.
    assert central_server.store.count(["outreach_tallies", "stock_movements"]) == {
        "outreach_tallies": 2,
        "stock_movements": 1,
    }
    log = central_server.log_text()
    assert SECRET_NOTE[:20] not in log and "7Q4Z" not in log
    assert "Traceback" not in log and " 500" not in log


def test_a_whole_batch_of_bad_ones_stores_nothing(central_server: CentralServer) -> None:
    token, _device = enroll(central_server.store)
    bad = _hostile(tally_record())
    answer = _push(central_server, token, list(bad.values()))
    assert answer.outcomes == "r" * len(bad)
    assert central_server.store.count(["outreach_tallies", "stock_movements"]) == {
        "outreach_tallies": 0,
        "stock_movements": 0,
    }
    assert "7Q4Z" not in central_server.log_text()
