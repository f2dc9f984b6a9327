"""positions: indexes in the order the filters come; a change counter for cached counts

The chat commands filter positions by topic first (every `/position`, `/brief` and count
names one topic), then by "first report only", then optionally by actor, and read newest
first. The old actor-led index could not serve a topic filter without an actor, so
PostgreSQL counted a topic's statements with a full scan. The new indexes lead with the
topic, carry the actor so a per-actor count never reads the table (the date-led one
carries it last, for counts within since:/until:), and have the id after the date so
"newest first, ties by id" is an ordered range on every engine (SQLite appends the rowid
itself; PostgreSQL does not).

`ledger_version` is one row whose counter moves whenever a position is changed or deleted
or an article deleted (on SQLite inserts are seen from the newest ids; on PostgreSQL they
move it too). Counts and per-topic
tallies are cached keyed by (newest position id, newest article id, this counter), so a
cache can never serve a figure from before a retraction — whichever process made it.

Revision ID: 0008_perf
Revises: 0007_correct
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_perf"
down_revision: str | None = "0007_correct"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_INDEXES = {
    "ix_positions_topic_stated": ["topic", "is_repeat", "stated_date"],
    "ix_positions_actor_topic_stated": ["actor", "topic", "is_repeat", "stated_date"],
}
NEW_INDEXES = {
    "ix_positions_topic_repeat_stated": ["topic", "is_repeat", "stated_date", "id", "actor"],
    "ix_positions_topic_repeat_actor_stated": ["topic", "is_repeat", "actor", "stated_date", "id"],
}
# (table, event) pairs that move the counter; inserts show in max(id) instead.
BUMPS = [("positions", "DELETE"), ("positions", "UPDATE"), ("articles", "DELETE")]
# PostgreSQL's TRUNCATE fires no DELETE trigger, but may have one of its own. Inserts move
# the counter there too: ids come from sequences, so a transaction holding lower ids can
# commit after one holding higher ids, and the newest id alone would miss its rows.
# (SQLite has one writer at a time: ids are handed out in commit order.) The trigger is
# per statement, so a bulk insert moves the counter once.
PG_BUMPS = [
    ("positions", "TRUNCATE"),
    ("articles", "TRUNCATE"),
    ("positions", "INSERT"),
    ("articles", "INSERT"),
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "ledger_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("changes", sa.BigInteger(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO ledger_version (id, changes) VALUES (1, 0)")
    if dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION ledger_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN UPDATE ledger_version SET changes = changes + 1 WHERE id = 1; "
            "RETURN NULL; END $$"
        )
        for table, event in BUMPS + PG_BUMPS:
            op.execute(
                f"CREATE TRIGGER {table}_{event.lower()}_bump AFTER {event} ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION ledger_version_bump()"
            )
    else:
        for table, event in BUMPS:
            op.execute(
                f"CREATE TRIGGER {table}_{event.lower()}_bump AFTER {event} ON {table} "
                "BEGIN UPDATE ledger_version SET changes = changes + 1 WHERE id = 1; END"
            )
    for name, cols in NEW_INDEXES.items():
        op.create_index(name, "positions", cols, unique=False)
    for name in OLD_INDEXES:
        op.drop_index(name, table_name="positions")
    # planner statistics for the new indexes (SQLite keeps none until asked)
    op.execute("ANALYZE positions")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, cols in OLD_INDEXES.items():
        op.create_index(name, "positions", cols, unique=False)
    for name in NEW_INDEXES:
        op.drop_index(name, table_name="positions")
    if dialect == "postgresql":
        for table, event in BUMPS + PG_BUMPS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_{event.lower()}_bump ON {table}")
        op.execute("DROP FUNCTION IF EXISTS ledger_version_bump()")
    else:
        for table, event in BUMPS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_{event.lower()}_bump")
    op.drop_table("ledger_version")
