"""Storage on a real SQLite file: durability settings, tracking-ID allocation, search,
drafts, and upgrades of a database file written by the first release."""

from __future__ import annotations

import shutil
import subprocess
import sys
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from desktop.domain import ComplaintInput, ComplaintType, ValidationError
from desktop.paths import Profile
from desktop.settings import PAPER
from desktop.store import HEAD_REVISION, db, start_card
from desktop.store.records import ComplaintQuery
from desktop.store.repo import NotSetUp, Store
from posko import tracking
from tests import rawdb

DATA = Path(__file__).parents[1] / "data"


def make(title: str = "Antrean gerbang tol", **changes: object) -> ComplaintInput:
    values: dict[str, object] = {
        "type": ComplaintType.PENGADUAN,
        "category": "TOL",
        "title": title,
        "description": "Antrean panjang di gerbang tol, tidak ada petugas.",
    }
    values.update(changes)
    return ComplaintInput(**values)  # type: ignore[arg-type]


def test_database_is_wal_with_foreign_keys_and_full_sync(store: Store, profile: Profile) -> None:
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    assert profile.database.exists()


def test_head_revision_matches_the_migration_scripts(tmp_path: Path) -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(db.MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_heads() == [HEAD_REVISION]


def test_migrations_match_the_models(tmp_path: Path) -> None:
    """Autogenerate finds nothing to do: models and migration scripts agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from desktop.store.models import Base

    engine = db.open_database(tmp_path / "x.sqlite3", tmp_path / "backups")
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_save_assigns_tracking_id_secret_and_qr(store: Store) -> None:
    record = store.save_complaint(make(phone="0812 3456 7890"))
    assert tracking.parse(record.tracking_id) == record.tracking_id
    assert record.tracking_id.startswith(store.require_context().tracking_prefix)
    assert len(record.tracking_id) == 12  # a never-enrolled desk: provisional prefix
    assert record.qr_payload == (
        f"https://pelacakan.posko.test/t/{record.tracking_id}?k={record.secret}"
    )
    assert record.phone == "+6281234567890"
    assert record.sync_state == "pending"
    assert store.complaint(record.tracking_display.lower()) == record


def test_without_central_url_the_qr_opens_the_programmes_page(profile: Profile) -> None:
    """Before: the bare tracking ID, which no phone can open."""
    store = Store.open(profile)
    store.setup(post_code="X1", post_name="Posko X", operator="Op")
    record = store.save_complaint(make())
    assert record.qr_payload == f"https://posko-mudik.id/t/{record.tracking_id}?k={record.secret}"
    store.close()


def test_invalid_input_stores_nothing(store: Store) -> None:
    with pytest.raises(ValidationError):
        store.save_complaint(make(title=""))
    assert store.count(ComplaintQuery()) == 0


def test_saving_needs_setup(profile: Profile) -> None:
    store = Store.open(profile)
    with pytest.raises(NotSetUp):
        store.save_complaint(make())
    store.close()


def test_unusual_text_round_trips_verbatim(store: Store) -> None:
    text_ = "<b>Tiket</b> 'mahal'; DROP TABLE complaints;-- 😡🙏 \"kutip\" \\ %_"
    record = store.save_complaint(make(title=text_[:150], description=text_ + "\nbaris 2"))
    again = store.complaint(record.tracking_id)
    assert again is not None
    assert again.description == text_ + "\nbaris 2"
    assert store.search(ComplaintQuery(text="%_"))[0].id == record.id
    assert store.search(ComplaintQuery(text="DROP TABLE"))[0].id == record.id


def test_sequences_never_repeat_across_two_processes(profile: Profile, store: Store) -> None:
    """Two desk processes on one profile (a second window, a CLI) never share an ID."""
    script = (
        "import sys\n"
        "from desktop.paths import Profile\n"
        "from desktop.store.repo import Store\n"
        "from desktop.domain import ComplaintInput\n"
        "s = Store.open(Profile(__import__('pathlib').Path(sys.argv[1])))\n"
        "for i in range(40):\n"
        "    s.save_complaint(ComplaintInput(type='aspirasi', category='LAINNYA',\n"
        "        title='Aspirasi %d' % i, description='Tambah petugas di loket tiket.'))\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, str(profile.root)]) for _ in range(3)]
    for i in range(40):
        store.save_complaint(make(title=f"Antrean nomor {i}"))
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    records = store.search(ComplaintQuery(), limit=1000)
    assert len(records) == 160
    assert len({r.tracking_id for r in records}) == 160
    assert len({r.uuid for r in records}) == 160


def test_search_filters(store: Store) -> None:
    a = store.save_complaint(make("Pungli parkir", category="PUNGLI", reporter_name="Budi"))
    b = store.save_complaint(make("SPBU antre", category="SPBU", phone="0813-1111-2222"))
    old = store.save_complaint(
        make("Tiket kereta", category="KERETA"), now=datetime.now(UTC) - timedelta(days=10)
    )
    assert store.count(ComplaintQuery()) == 3
    assert [r.id for r in store.search(ComplaintQuery(text="budi"))] == [a.id]
    assert [r.id for r in store.search(ComplaintQuery(text="0813 1111"))] == [b.id]
    assert [r.id for r in store.search(ComplaintQuery(text=b.tracking_display))] == [b.id]
    assert [r.id for r in store.search(ComplaintQuery(category="KERETA"))] == [old.id]
    today = date.today()
    recent = ComplaintQuery(date_from=today - timedelta(days=1), date_to=today)
    assert {r.id for r in store.search(recent)} == {a.id, b.id}
    assert store.count(ComplaintQuery(date_to=today - timedelta(days=5))) == 1
    # newest first
    assert [r.id for r in store.search(ComplaintQuery())] == [b.id, a.id, old.id]
    assert store.queue_count() == 3


def test_save_many_is_all_or_nothing(store: Store) -> None:
    now = datetime.now(UTC)
    with pytest.raises(ValidationError):
        store.save_many([(make(), now), (make(title=""), now)])
    assert store.count(ComplaintQuery()) == 0
    assert store.save_many([(make(f"Laporan ke-{i}"), now) for i in range(50)]) == 50
    single = store.save_complaint(make())
    ids = [r.tracking_id for r in store.search(ComplaintQuery(), limit=100)]
    assert len(set(ids)) == 51 and single.tracking_id in ids


def test_drafts(store: Store) -> None:
    assert store.drafts("complaint") == [] and store.load_draft("nope") is None
    store.save_draft("a", "complaint", {"title": "Setengah diketik 😊"})
    store.save_draft("b", "complaint", {"title": "", "description": "Tanpa   judul\nsama sekali"})
    store.save_draft("c", "survey", {"title": "Lain formulir"})
    listed = store.drafts("complaint")
    assert [(d.id, d.title, d.readable) for d in listed] == [
        ("b", "Tanpa judul sama sekali", True),  # the newest first; untitled: its text
        ("a", "Setengah diketik 😊", True),
    ]
    assert all(d.created_at.tzinfo is not None and d.form == "complaint" for d in listed)
    assert store.load_draft("a") == {"title": "Setengah diketik 😊"}

    # Saving a draft again updates it alone, keeping when it was started.
    store.save_draft("a", "complaint", {"title": "Sudah hampir selesai"})
    a, b = store.drafts("complaint")
    assert (a.id, a.title, b.id) == ("a", "Sudah hampir selesai", "b")
    assert a.created_at == listed[1].created_at and a.updated_at > listed[1].updated_at
    assert b == listed[0] and store.load_draft("b") == {
        "title": "",
        "description": "Tanpa   judul\nsama sekali",
    }

    assert store.delete_draft("a") is True
    assert store.delete_draft("a") is False
    assert [d.id for d in store.drafts("complaint")] == ["b"]
    assert [d.id for d in store.drafts("survey")] == ["c"]


@pytest.mark.parametrize("content", ['{"title": "Terpot', "[1, 2]", "null"])
def test_an_unreadable_draft_is_listed_and_kept(store: Store, content: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO drafts (id, form, content, created_at, updated_at) "
                "VALUES ('rusak', 'complaint', :content, '2026-03-01 01:00:00', "
                "'2026-03-01 01:00:00')"
            ),
            {"content": content},
        )
    store.save_draft("baru", "complaint", {"title": "Laporan baru"})
    assert store.load_draft("rusak") is None
    assert [(d.id, d.title, d.readable) for d in store.drafts("complaint")] == [
        ("baru", "Laporan baru", True),
        ("rusak", "", False),
    ]
    store.delete_draft("baru")
    with store.engine.connect() as conn:  # still there, byte for byte
        kept = conn.execute(text("SELECT content FROM drafts WHERE id = 'rusak'")).scalar()
    assert kept == content


def test_setup_is_idempotent_and_keeps_the_device(store: Store) -> None:
    first = store.require_context()
    again = store.setup(post_code="MRK", post_name="Posko Merak Baru", operator="Andi")
    assert again.device_id == first.device_id
    assert again.tracking_prefix == first.tracking_prefix
    assert again.post_id == first.post_id and again.post_name == "Posko Merak Baru"
    assert again.operator_name == "Andi"


def test_upgrade_from_the_first_release_keeps_every_row(tmp_path: Path) -> None:
    profile = Profile(tmp_path / "old")
    profile.ensure()
    shutil.copy(DATA / "schema-0001.sqlite3", profile.database)
    with rawdb.connect(profile.database) as conn:
        before = conn.execute("SELECT * FROM complaints ORDER BY id").fetchall()
    assert len(before) == 3

    store = Store.open(profile)
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM complaints ORDER BY id")).mappings().all()
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert version == HEAD_REVISION
    assert len(rows) == 3
    old_columns = [
        c[1]
        for c in rawdb.connect(DATA / "schema-0001.sqlite3").execute(
            "PRAGMA table_info(complaints)"
        )
    ]
    for old, new in zip(before, rows, strict=True):
        assert tuple(new[c] for c in old_columns) == old
        assert new["sync_state"] == "pending"  # never sent: still queued
        assert new["updated_at"] == new["created_at"]
    backups = list(profile.backups.glob("*.sqlite3"))
    assert len(backups) == 1 and "rev0001" in backups[0].name
    with rawdb.connect(backups[0]) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        assert conn.execute("SELECT * FROM complaints ORDER BY id").fetchall() == before
    # The upgraded database works: the old reports are found, new ones can be added.
    record = store.complaint("kq7-mxa-322-246")
    assert record is not None and record.description.endswith("😡")
    store.setup(post_code="SMG", post_name="Posko Terminal Terboyo", operator="Agus Salim")
    store.close()


def test_upgrade_keeps_the_single_draft_of_revision_0003(tmp_path: Path) -> None:
    """A profile the last release left with a draft (one row per form, key ``complaint``)
    upgrades to a draft per report: the draft is kept, whole, as one of the new rows."""
    profile = Profile(tmp_path / "old")
    profile.ensure()
    shutil.copy(DATA / "schema-0001.sqlite3", profile.database)
    engine = db.make_engine(profile.database)
    db.upgrade(engine, "0003")  # the last release's own migration scripts
    engine.dispose()
    content = '{"type": "pengaduan", "title": "Bus ngetem 😡", "description": "Dua jam."}'
    with closing(rawdb.connect(profile.database)) as conn, conn:
        # As release 0003's ``save_draft`` wrote it (UTC, naive, SQLAlchemy's format).
        conn.execute(
            "INSERT INTO drafts (form, content, updated_at) VALUES "
            "('complaint', ?, '2026-03-26 02:00:00.123456')",
            (content,),
        )

    store = Store.open(profile)
    (draft,) = store.drafts("complaint")
    assert draft.title == "Bus ngetem 😡" and draft.readable
    assert draft.updated_at == datetime(2026, 3, 26, 2, 0, 0, 123456, tzinfo=UTC)
    assert draft.created_at == draft.updated_at  # the best known start: its last change
    assert len(draft.id) == 36
    assert store.load_draft(draft.id) == {
        "type": "pengaduan",
        "title": "Bus ngetem 😡",
        "description": "Dua jam.",
    }
    store.save_draft("another", "complaint", {"title": "Laporan kedua"})
    assert [d.id for d in store.drafts("complaint")] == ["another", draft.id]
    store.close()
    backups = list(profile.backups.glob("*rev0003*.sqlite3"))
    assert len(backups) == 1
    with closing(rawdb.connect(backups[0])) as conn:
        assert conn.execute("SELECT form, content FROM drafts").fetchall() == [
            ("complaint", content)
        ]


def test_downgrade_keeps_the_newest_draft_of_each_form(store: Store, profile: Profile) -> None:
    store.save_draft("a", "complaint", {"title": "Lebih lama"})
    store.save_draft("b", "complaint", {"title": "Paling baru"})
    store.close()
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(db.MIGRATIONS))
    engine = db.make_engine(profile.database)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0003")
    engine.dispose()
    with closing(rawdb.connect(profile.database)) as conn:
        rows = conn.execute("SELECT form, content FROM drafts").fetchall()
    assert rows == [("complaint", '{"title": "Paling baru"}')]


def test_second_open_does_not_back_up_again(store: Store, profile: Profile) -> None:
    store.close()
    Store.open(profile).close()
    assert list(profile.backups.glob("*.sqlite3")) == []


def test_a_newer_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    with rawdb.connect(path) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        conn.execute("INSERT INTO alembic_version VALUES ('9999')")
    before = path.read_bytes()
    with pytest.raises(db.DatabaseError, match="newer"):
        db.open_database(path, tmp_path / "backups")
    assert path.read_bytes() == before


def test_a_corrupt_file_is_a_database_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(db.DatabaseError):
        db.open_database(path, tmp_path / "backups")


def test_the_start_card_agrees_with_the_store(store: Store, profile: Profile) -> None:
    """The card the next start draws its window from is the store's context, nobody on
    duty; a setting changed is on it at once."""
    assert start_card.read(profile) == start_card.without_operator(store.require_context())
    store.set(PAPER, "a6")
    assert start_card.read(profile) == start_card.without_operator(store.require_context())
    assert start_card.read(profile).paper.value == "a6"


def test_the_start_card_is_declined_when_anything_is_unusual(tmp_path: Path) -> None:
    fresh = Profile(tmp_path / "fresh")
    Store.open(fresh).close()
    assert start_card.read(fresh) is None  # not set up yet: no card
    fresh.database.unlink()
    path = start_card.card_path(fresh)
    path.write_text("{not json", encoding="utf-8")
    assert start_card.read(fresh) is None


def test_the_complaint_fields_come_from_the_wire_model() -> None:
    """The wire model is the one list of a complaint's fields: every field of it is in the
    desk's record, and what the operator types is written from that same list."""
    import dataclasses

    from desktop.store import database
    from desktop.store.records import ComplaintRecord
    from posko.wire import ComplaintPayload

    record = {f.name for f in dataclasses.fields(ComplaintRecord)}
    assert set(ComplaintPayload.model_fields) - {"kind", "revision"} <= record
    assert {"title", "description", "phone", "anonymous"} <= set(database.TYPED_FIELDS)
    assert not {"uuid", "tracking_id", "secret"} & set(database.TYPED_FIELDS)


def test_overdue_only_is_what_the_deadline_rules_say(store: Store) -> None:
    """The list's "overdue only" filter, done in SQL, against the deadline rules applied
    to each report in Python: every type, a COVID-19 category (1 working day), reports on
    both sides of midnight in WIB (deadlines count WIB days), closed reports never late."""
    from posko.workdays import deadlines

    today = date(2026, 4, 15)
    items = []
    kinds = list(ComplaintType)
    for n in range(60):
        made = datetime(2026, 4, 15, tzinfo=UTC) - timedelta(days=n // 3, hours=(1, 11, 17)[n % 3])
        category = ("TOL", "BANSOS")[n % 2]
        items.append((make(f"Laporan {n}", type=kinds[n % 3], category=category), made))
    store.save_many(items)
    records = store.search(ComplaintQuery(), limit=1000)
    closed = {r.tracking_id for r in records[::5]}
    with store.engine.begin() as conn:
        for tracking_id in closed:
            conn.execute(
                text("UPDATE complaints SET central_status = 'resolved' WHERE tracking_id = :t"),
                {"t": tracking_id},
            )
    groups = {"TOL": "mudik", "BANSOS": "covid19"}
    expected = {
        r.tracking_id
        for r in records
        if r.tracking_id not in closed
        and deadlines(r.type.value, groups[r.category], r.created_at).answer_by < today
    }
    query = ComplaintQuery(overdue_only=True, today=today)
    found = {r.tracking_id for r in store.search(query, limit=1000)}
    assert 0 < len(expected) < len(records) - len(closed)  # the test can fail both ways
    assert found == expected and store.count(query) == len(expected)


@pytest.mark.parametrize("key", ["title", "created_at", "reporter_name", "tracking_id"])
def test_the_list_sorts_every_row_in_the_database(store: Store, key: str) -> None:
    now = datetime(2026, 4, 15, 8, tzinfo=UTC)
    store.save_many(
        (
            make(f"Laporan {n:03}", reporter_name=f"Nama {(n * 37) % 250:03}"),
            now - timedelta(minutes=n),
        )
        for n in range(250)
    )
    for descending in (False, True):
        query = ComplaintQuery(order_by=key, descending=descending)
        rows = store.search(query, limit=200) + store.search(query, offset=200, limit=200)
        values = [getattr(r, key) for r in rows]
        assert len(values) == 250 and values == sorted(values, reverse=descending)
