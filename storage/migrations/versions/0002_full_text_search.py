"""full-text search over articles and positions

SQLite: FTS5 external-content tables kept in step by triggers (so the ledger stays the
only copy of the text). PostgreSQL: stored tsvector columns with GIN indexes.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FTS = {
    "articles": ("articles_fts", ["title", "text"]),
    "positions": ("positions_fts", ["evidence", "claim", "speaker", "actor", "topic"]),
}


def _sqlite_up() -> None:
    for table, (fts, cols) in FTS.items():
        col_list = ", ".join(cols)
        new_vals = ", ".join(f"new.{c}" for c in cols)
        old_vals = ", ".join(f"old.{c}" for c in cols)
        op.execute(
            f"CREATE VIRTUAL TABLE {fts} USING fts5({col_list}, content='{table}', "
            f"content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')"
        )
        op.execute(
            f"CREATE TRIGGER {table}_fts_ai AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO {fts}(rowid, {col_list}) VALUES (new.id, {new_vals}); END"
        )
        op.execute(
            f"CREATE TRIGGER {table}_fts_ad AFTER DELETE ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {col_list}) VALUES ('delete', old.id, {old_vals}); "
            f"END"
        )
        op.execute(
            f"CREATE TRIGGER {table}_fts_au AFTER UPDATE ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {col_list}) VALUES ('delete', old.id, {old_vals}); "
            f"INSERT INTO {fts}(rowid, {col_list}) VALUES (new.id, {new_vals}); END"
        )
        op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def _postgres_up() -> None:
    for table, (_fts, cols) in FTS.items():
        doc = " || ' ' || ".join(f"coalesce({c}, '')" for c in cols)
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN search tsvector "
            f"GENERATED ALWAYS AS (to_tsvector('english', {doc})) STORED"
        )
        op.execute(f"CREATE INDEX ix_{table}_search ON {table} USING gin (search)")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_up()
    elif dialect == "postgresql":
        _postgres_up()


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table, (fts, _cols) in FTS.items():
        if dialect == "sqlite":
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {fts}")
        elif dialect == "postgresql":
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_search")
            op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search")
