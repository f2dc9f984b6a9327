"""positions: when it was said, which statement it reports, and its stance

Adds stated_on / stated_date / stated_basis (the statement's own date, not the article's),
statement_id (the reports of one statement share it; `statements` holds one row per
statement), is_repeat (a later report of a statement already on record under the topic),
and stance / stance_cue. Existing rows are backfilled: each is its own
statement, dated by its article.

Columns are added with plain ALTER TABLE, never batch mode: on SQLite batch mode rebuilds
the table, which would drop the full-text triggers made in 0002.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_INDEXES = {
    "ix_positions_topic_published": ["topic", "published"],
    "ix_positions_actor_topic_published": ["actor", "topic", "published"],
}
NEW_INDEXES = {
    "ix_positions_topic_stated": ["topic", "is_repeat", "stated_date"],
    "ix_positions_actor_topic_stated": ["actor", "topic", "is_repeat", "stated_date"],
    "ix_positions_statement_id": ["statement_id"],
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.add_column("positions", sa.Column("stated_on", sa.String(length=10), nullable=True))
    op.add_column("positions", sa.Column("stated_date", sa.Date(), nullable=True))
    op.add_column("positions", sa.Column("stated_basis", sa.String(length=300), nullable=True))
    fk = [] if dialect == "sqlite" else [sa.ForeignKey("statements.id")]
    op.add_column("positions", sa.Column("statement_id", sa.Integer(), *fk, nullable=True))
    op.add_column(
        "positions",
        sa.Column("is_repeat", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column("positions", sa.Column("stance", sa.String(length=20), nullable=True))
    op.add_column("positions", sa.Column("stance_cue", sa.String(length=300), nullable=True))

    # Backfill: every existing position is a statement of its own, said on its article's
    # date (the only date earlier versions knew). Statement ids reuse position ids.
    op.execute("INSERT INTO statements (id, created_at) SELECT id, created_at FROM positions")
    if dialect == "postgresql":
        op.execute(
            "SELECT setval(pg_get_serial_sequence('statements', 'id'), "
            "coalesce((SELECT max(id) FROM statements), 0) + 1, false)"
        )
    month = (
        "to_char(published, 'YYYY-MM')"
        if dialect == "postgresql"
        else ("strftime('%Y-%m', published)")
    )
    year = "to_char(published, 'YYYY')" if dialect == "postgresql" else "strftime('%Y', published)"
    day = "to_char(published, 'YYYY-MM-DD')" if dialect == "postgresql" else "published"
    op.execute(
        "UPDATE positions SET statement_id = id, stated_date = published, "
        "stated_basis = 'article date', stated_on = CASE "
        f"(SELECT date_precision FROM articles WHERE articles.id = positions.article_id) "
        f"WHEN 'year' THEN {year} WHEN 'month' THEN {month} ELSE {day} END"
    )
    for name, cols in NEW_INDEXES.items():
        op.create_index(name, "positions", cols, unique=False)
    for name in OLD_INDEXES:
        op.drop_index(name, table_name="positions")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, cols in OLD_INDEXES.items():
        op.create_index(name, "positions", cols, unique=False)
    for name in NEW_INDEXES:
        op.drop_index(name, table_name="positions")
    columns = [
        "stance_cue",
        "stance",
        "is_repeat",
        "statement_id",
        "stated_basis",
        "stated_date",
        "stated_on",
    ]
    if dialect == "sqlite":
        # DROP COLUMN (SQLite ≥ 3.35) keeps the table and so its full-text triggers
        for column in columns:
            op.execute(f"ALTER TABLE positions DROP COLUMN {column}")
    else:
        for column in columns:
            op.drop_column("positions", column)
    op.drop_table("statements")
