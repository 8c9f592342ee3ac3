"""desk settings outside ``Store.setup`` have no role check at all. With a
petugas on duty (and no PIN asked), ``posko campaign set|clear|target`` replaces the
campaign and its targets and ``posko survey questions --set|--clear`` replaces the post's
own survey questions: ``Store.set_campaign`` / ``Store.set_survey_extra_questions`` never
call ``require``, and the CLI has no ``--coordinator`` for them."""

from __future__ import annotations

from pathlib import Path

from desktop.paths import Profile
from desktop.store.operators import Role
from desktop.store.repo import Store
from tests.e2e.test_cli import posko

SITI, BUDI = "482915", "7301"


def _desk(tmp_path: Path) -> list[str]:
    data = tmp_path / "desk"
    desk = ["--data-dir", str(data)]
    made = posko(*desk, "setup", "--post-code", "MRK", "--post-name", "Merak", "--operator", "Siti")
    assert made.returncode == 0, made.stderr
    store = Store.open(Profile(data))
    try:
        store.first_coordinator("Siti", SITI, SITI)
        store.save_operator("Budi", role=Role.PETUGAS, pin=BUDI, repeated=BUDI)
        store.sign_in("Budi", BUDI)  # a petugas on duty
    finally:
        store.close()
    return desk


def test_a_petugas_cannot_change_the_campaign(tmp_path: Path) -> None:
    desk = _desk(tmp_path)
    made = posko(
        *desk, "campaign", "set", "--name", "Mudik", "--from", "2026-12-01",
        "--to", "2026-12-31", "--posts", "MRK", "--people", "1000",
    )  # fmt: skip
    assert made.returncode != 0, made.stdout


def test_a_petugas_cannot_change_the_survey_questions(tmp_path: Path) -> None:
    desk = _desk(tmp_path)
    cleared = posko(*desk, "survey", "questions", "--clear")
    assert cleared.returncode != 0, cleared.stdout
