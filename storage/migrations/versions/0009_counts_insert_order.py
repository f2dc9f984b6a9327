"""ledger_version: on PostgreSQL an insert waits its turn instead of moving the counter

Cached counts are brought up to date from the rows inserted since they were computed —
a primary-key range above the ids of the version they were computed for — as long as
the `ledger_version` counter did not move (storage.cached). On PostgreSQL 0008 moved the
counter on every insert too, so every count was computed again in full after any ingest.

Inserts moved it there because ids come from sequences: a transaction holding lower ids
could commit after one holding higher ids, and the newest id alone would miss its rows
(and a range above an old newest id would too). That still has to hold, so instead of
counting inserts, an insert into positions or articles first takes the `ledger_version`
row's lock (a statement-level BEFORE trigger, `SELECT … FOR UPDATE`), held until its
transaction ends: inserting transactions draw their ids one after another, in commit
order, as on SQLite, where there is one writer at a time. The AFTER trigger of 0008 held
the same row lock from the first insert to the commit already, so writers were already
taking turns; the lock is now taken before the ids are drawn rather than after.
Updates, deletes and TRUNCATE still move the counter. Nothing changes on SQLite.

Revision ID: 0009_counts
Revises: 0008_perf
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009_counts"
down_revision: str | None = "0008_perf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("positions", "articles")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE FUNCTION ledger_version_turn() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN PERFORM 1 FROM ledger_version WHERE id = 1 FOR UPDATE; "
        "RETURN NULL; END $$"
    )
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_insert_bump ON {table}")
        op.execute(
            f"CREATE TRIGGER {table}_insert_turn BEFORE INSERT ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION ledger_version_turn()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_insert_turn ON {table}")
        op.execute(
            f"CREATE TRIGGER {table}_insert_bump AFTER INSERT ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION ledger_version_bump()"
        )
    op.execute("DROP FUNCTION IF EXISTS ledger_version_turn()")
