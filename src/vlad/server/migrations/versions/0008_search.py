"""search: a search experiment's state, and its runs' Optuna trials

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 00:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trial", sa.Integer(), nullable=True))
    with op.batch_alter_table("experiments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_state", sa.String(length=20), nullable=True))
        batch_op.create_index(batch_op.f("ix_experiments_search_state"), ["search_state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("experiments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_experiments_search_state"))
        batch_op.drop_column("search_state")
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.drop_column("trial")
