"""The start card (``desktop.store.start_card``): what the next start draws its window from
before the database's key is fetched. It must agree with the store, hold nothing of the
reporters or operators, and be ignored — never trusted into a crash — when it is not a
card this version wrote."""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import replace

import pytest

from desktop.domain import ComplaintInput, ComplaintType, PaperSize
from desktop.paths import Profile
from desktop.settings import LANGUAGE, RECEIPT_PRINTER, THEME
from desktop.store import HEAD_REVISION, start_card
from desktop.store.repo import Store


def _card(profile: Profile) -> dict[str, object]:
    data = json.loads(start_card.card_path(profile).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _write(profile: Profile, card: object) -> None:
    start_card.forget(profile)
    start_card.card_path(profile).write_text(json.dumps(card), encoding="utf-8")


def test_setup_writes_the_card_and_each_change_keeps_it_in_step(
    store: Store, profile: Profile
) -> None:
    context = store.require_context()
    assert start_card.read(profile) == start_card.without_operator(context)
    store.set(LANGUAGE, "en")
    store.set(THEME, "contrast")
    store.set(RECEIPT_PRINTER, "Thermal58")
    read = start_card.read(profile)
    assert read is not None
    assert (read.language, read.appearance.theme, read.printing.printer) == (
        "en",
        "contrast",
        "Thermal58",
    )
    assert read == start_card.without_operator(store.require_context())
    assert read.operator_name == "" and read.operator_id == 0 and read.operator_role == "petugas"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_the_card_is_private_and_holds_no_personal_data(store: Store, profile: Profile) -> None:
    store.save_complaint(
        ComplaintInput(
            type=ComplaintType.PENGADUAN,
            category="TOL",
            title="Pungutan liar di gerbang",
            description="Petugas meminta uang tambahan",
            location="Gerbang Tol Merak",
            reporter_name="Rahmat Hidayat",
            phone="081234567890",
            email="rahmat@example.test",
            confidential=True,
        )
    )
    store.context()
    raw = start_card.card_path(profile).read_bytes()
    for secret in ("Rahmat", "0812", "example.test", "Pungutan", "Siti Rahmawati"):
        assert secret.encode() not in raw  # neither a reporter's nor the operator's
    assert b"Posko Pelabuhan Merak" in raw  # the post is what the window is drawn with
    assert start_card.card_path(profile).stat().st_mode & 0o777 == 0o600


def test_a_card_written_by_another_schema_revision_is_left_to_the_ordinary_start(
    store: Store, profile: Profile
) -> None:
    card = _card(profile)
    _write(profile, dict(card, revision="0001"))
    assert start_card.read(profile) is None
    _write(profile, card)
    assert start_card.read(profile) is not None


@pytest.mark.parametrize(
    "spoil",
    [
        lambda c: "not json at all {",
        lambda c: [c],
        lambda c: dict(c, format="posko-identity"),
        lambda c: dict(c, post=[1, "MRK"]),
        lambda c: dict(c, post=["1", "MRK", "Merak"]),
        lambda c: dict(c, post=[-4, "MRK", "Merak"]),
        lambda c: dict(c, post=[True, "MRK", "Merak"]),
        lambda c: dict(c, post=[1, 7, "Merak"]),
        lambda c: dict(c, device=[1, "P1", "yes"]),
        lambda c: dict(c, device=[1, None, True]),
        lambda c: dict(c, settings=["language", "id"]),
        lambda c: dict(c, settings={"language": 1}),
        lambda c: dict(c, settings={"operator_id": "1"}),  # only the window's settings
        lambda c: {k: v for k, v in c.items() if k != "post"},
    ],
)
def test_a_card_not_of_the_expected_shape_is_ignored_and_says_nothing_of_its_content(
    store: Store, profile: Profile, caplog: pytest.LogCaptureFixture, spoil: object
) -> None:
    card = _card(profile)
    spoiled = spoil(card)  # type: ignore[operator]
    start_card.forget(profile)
    path = start_card.card_path(profile)
    path.write_text(spoiled if isinstance(spoiled, str) else json.dumps(spoiled), "utf-8")
    with caplog.at_level(logging.WARNING, logger="posko.store"):
        assert start_card.read(profile) is None
    assert "Merak" not in caplog.text and "MRK" not in caplog.text


def test_values_out_of_bounds_fall_back_to_the_defaults(store: Store, profile: Profile) -> None:
    card = _card(profile)
    settings = dict(card["settings"])  # type: ignore[call-overload]
    settings.update(language="xx", paper="A0", theme="neon", text_size="900")
    _write(profile, dict(card, settings=settings))
    read = start_card.read(profile)
    assert read is not None
    assert (read.language, read.paper, read.appearance.theme) == (
        "id",
        PaperSize.THERMAL_58,
        "standard",
    )
    assert read.appearance.text_size == 100


def test_an_oversized_or_undecodable_card_is_ignored(store: Store, profile: Profile) -> None:
    path = start_card.card_path(profile)
    start_card.forget(profile)
    path.write_bytes(b'{"format": "' + b"x" * (start_card.MAX_BYTES + 10) + b'"}')
    assert start_card.read(profile) is None
    path.write_bytes(b"\xff\xfe\x00garbage")
    assert start_card.read(profile) is None
    path.unlink()
    path.mkdir()  # a folder where the card should be: unreadable, not a crash
    assert start_card.read(profile) is None


def test_a_card_that_cannot_be_written_is_logged_and_the_work_goes_on(
    store: Store, profile: Profile, caplog: pytest.LogCaptureFixture
) -> None:
    path = start_card.card_path(profile)
    start_card.forget(profile)
    path.mkdir()  # a folder in the card's place: write_atomic's rename fails
    with caplog.at_level(logging.WARNING, logger="posko.store"):
        store.set(THEME, "contrast")  # the setting is saved all the same
    assert store.require_context().appearance.theme == "contrast"
    assert "start card was not written" in caplog.text
    path.rmdir()
    store.context()
    read = start_card.read(profile)
    assert read is not None and read.appearance.theme == "contrast"


def test_the_card_is_written_only_when_it_changed(store: Store, profile: Profile) -> None:
    path = start_card.card_path(profile)
    before = path.stat().st_mtime_ns
    os.utime(path, ns=(before - 10**9, before - 10**9))
    for _ in range(3):
        store.context()
    assert path.stat().st_mtime_ns == before - 10**9  # read back, not rewritten
    assert _card(profile)["revision"] == HEAD_REVISION


def test_the_card_and_the_store_build_the_same_context(store: Store, profile: Profile) -> None:
    """One builder for both (``context_of``): the card is the store's context, nobody on
    duty, field for field."""
    context = store.require_context()
    assert replace(context, operator_id=0, operator_name="", operator_role="petugas") == (
        start_card.read(profile)
    )


def test_the_card_is_written_where_there_are_no_file_modes(
    store: Store, profile: Profile, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows before Python 3.13 has no ``os.fchmod``: a private file is written all the
    same (its folder's ACL keeps it the owner's), and every ``context()`` still works."""
    from posko.files import write_atomic, write_once

    monkeypatch.delattr(os, "fchmod")
    start_card.forget(profile)
    store.set(THEME, "contrast")
    read = start_card.read(profile)
    assert read is not None and read.appearance.theme == "contrast"
    write_atomic(profile.root / "x.bin", b"1", private=True)
    assert write_once(profile.root / "y.bin", b"2", private=True)
    assert (profile.root / "x.bin").read_bytes() == b"1"
