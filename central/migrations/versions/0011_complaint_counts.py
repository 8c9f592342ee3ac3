"""The complaints' counts per (post, WIB day received, device, type, category, status,
agency), kept by triggers on ``complaints``, so that the statistics page groups a small
table instead of every complaint of the period (``central.store.statistics``).

The device is in the key so that no two transactions wait on each other's count rows in
opposite orders (two desks of one post pushing at once would deadlock on PostgreSQL):
every writer of a complaint locks its device's row first (``central.store.ingest``,
``set_status``, the Open311 intake), so a count row's writers queue on that lock.

Each trigger takes one from the old key's count and adds one to the new key's (an
upsert); a count that reaches 0 stays as a row at 0 (the readers ask ``complaints > 0``
only where it matters: a sum of zeros adds nothing). The day is the WIB calendar day of
``created_at``, the same as ``central.store.outreach.wib_day``.

Any later migration that recreates ``complaints`` (a SQLite batch "move and copy", for
one) drops these triggers with the old table: it must recreate them (``create_triggers``
here) and run ``BACKFILL`` again.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# The day first: the page reads a range of days (of one post or of all).
KEYS = ('day', 'post_code', 'device_id', 'type', 'category', 'status', 'agency')
# Frozen here: UTC+7 (central.store.outreach._WIB_HOURS), the day of wib_day().
_PG_DAY = "CAST({row}.created_at + interval '7 hours' AS date)"
_SQLITE_DAY = "date({row}.created_at, '+7 hours')"
_COLUMNS = "post_code, day, device_id, type, category, status, agency, complaints"
_CONFLICT = (
    "ON CONFLICT (post_code, day, device_id, type, category, status, agency) "
    "DO UPDATE SET complaints = complaint_counts.complaints + excluded.complaints"
)


def _values(row: str, day: str, delta: int) -> str:
    fields = ", ".join(
        [f"{row}.post_code", day.format(row=row), f"{row}.device_id", f"{row}.type",
         f"{row}.category",
         f"{row}.status", f"coalesce({row}.agency, '')", str(delta)]  # fmt: skip
    )
    return f"INSERT INTO complaint_counts ({_COLUMNS}) VALUES ({fields}) {_CONFLICT}"


def backfill(day: str) -> str:
    """Every complaint counted again (the table emptied first)."""
    return (
        f"INSERT INTO complaint_counts ({_COLUMNS}) "
        f"SELECT post_code, {day.format(row='complaints')}, device_id, type, category, "
        "status, coalesce(agency, ''), count(*) FROM complaints "
        f"GROUP BY post_code, {day.format(row='complaints')}, device_id, type, category, status, "
        "coalesce(agency, '')"
    )


BACKFILL = {'postgresql': backfill(_PG_DAY), 'sqlite': backfill(_SQLITE_DAY)}
_WATCHED = 'post_code, created_at, device_id, type, category, status, agency'

_PG_FUNCTION = f"""
CREATE FUNCTION complaint_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    {_values('OLD', _PG_DAY, -1)};
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    {_values('NEW', _PG_DAY, 1)};
  END IF;
  RETURN NULL;
END
$$
"""
_PG_TRIGGERS = [
    "CREATE TRIGGER complaint_counts_insert AFTER INSERT ON complaints "
    "FOR EACH ROW EXECUTE FUNCTION complaint_counts_follow()",
    f"CREATE TRIGGER complaint_counts_update AFTER UPDATE OF {_WATCHED} ON complaints "
    "FOR EACH ROW EXECUTE FUNCTION complaint_counts_follow()",
    "CREATE TRIGGER complaint_counts_delete AFTER DELETE ON complaints "
    "FOR EACH ROW EXECUTE FUNCTION complaint_counts_follow()",
]
_SQLITE_TRIGGERS = [
    "CREATE TRIGGER complaint_counts_insert AFTER INSERT ON complaints BEGIN "
    f"{_values('NEW', _SQLITE_DAY, 1)}; END",
    f"CREATE TRIGGER complaint_counts_update AFTER UPDATE OF {_WATCHED} ON complaints BEGIN "
    f"{_values('OLD', _SQLITE_DAY, -1)}; {_values('NEW', _SQLITE_DAY, 1)}; END",
    "CREATE TRIGGER complaint_counts_delete AFTER DELETE ON complaints BEGIN "
    f"{_values('OLD', _SQLITE_DAY, -1)}; END",
]
_TRIGGER_NAMES = ('complaint_counts_insert', 'complaint_counts_update', 'complaint_counts_delete')


def create_triggers(dialect: str) -> None:
    if dialect == 'postgresql':
        op.execute(_PG_FUNCTION)
    for statement in _PG_TRIGGERS if dialect == 'postgresql' else _SQLITE_TRIGGERS:
        op.execute(statement)


def upgrade() -> None:
    op.create_table(
        'complaint_counts',
        sa.Column('post_code', sa.String(length=16), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('device_id', sa.Integer(), nullable=False),
        sa.Column('type', sa.String(length=32), nullable=False),
        sa.Column('category', sa.String(length=32), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('agency', sa.String(length=100), nullable=False),
        sa.Column('complaints', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(*KEYS, name=op.f('pk_complaint_counts')),
    )
    dialect = op.get_bind().dialect.name
    create_triggers(dialect)
    op.execute(BACKFILL[dialect])


def downgrade() -> None:
    for name in _TRIGGER_NAMES:
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (
            " ON complaints" if op.get_bind().dialect.name == 'postgresql' else ""
        ))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP FUNCTION IF EXISTS complaint_counts_follow()")
    op.drop_table('complaint_counts')
