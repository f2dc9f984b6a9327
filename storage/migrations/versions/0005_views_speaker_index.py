"""positions: an index by speaker, for /who

/who reads one person's statements (newest first), the offices articles gave them and the
articles that quoted them, all by `positions.speaker`; without an index each is a scan of
the positions table (hundreds of milliseconds at 100,000 positions). The index leads with
the speaker and carries is_repeat and stated_date, so "one row per statement, newest
first" is an ordered range, as for the topic indexes of 0004.

Revision ID: 0005_views
Revises: 0004
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005_views"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_positions_speaker_stated"


def upgrade() -> None:
    op.create_index(INDEX, "positions", ["speaker", "is_repeat", "stated_date"], unique=False)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="positions")
