"""corrections: analysts' corrections of statements, their stable keys and undo snapshots

Revision ID: 0007_correct
Revises: 0006_feeds
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_correct"
down_revision: str | None = "0006_feeds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=300), nullable=True),
        sa.Column("from_topic", sa.String(length=100), nullable=True),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("speaker", sa.String(length=200), nullable=True),
        sa.Column("topics", sa.String(length=1000), nullable=False),
        sa.Column("claim", sa.String(length=500), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("position_kind", sa.String(length=20), nullable=False),
        sa.Column("stated_date", sa.Date(), nullable=True),
        sa.Column("target_hash", sa.String(length=64), nullable=True),
        sa.Column("target_evidence_key", sa.String(length=64), nullable=True),
        sa.Column("target_actor", sa.String(length=100), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("undone_at", sa.DateTime(), nullable=True),
        sa.Column("undone_by", sa.String(length=100), nullable=True),
        sa.Column("undone_reason", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_corrections_created_at", "corrections", ["created_at"])
    op.create_table(
        "correction_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("correction_id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("evidence_key", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("source_path", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(["correction_id"], ["corrections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_correction_reports_correction_id", "correction_reports", ["correction_id"])
    op.create_index("ix_correction_reports_content_hash", "correction_reports", ["content_hash"])
    op.create_table(
        "correction_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("correction_id", sa.Integer(), nullable=False),
        sa.Column("position_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("before", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["correction_id"], ["corrections.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_correction_changes_correction_id", "correction_changes", ["correction_id"])
    op.create_index("ix_correction_changes_position_id", "correction_changes", ["position_id"])


def downgrade() -> None:
    op.drop_table("correction_changes")
    op.drop_table("correction_reports")
    op.drop_table("corrections")
