"""restarts: a job's attempt, its restart policy and the attempts that ended

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 23:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempt", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("max_restarts", sa.Integer(), nullable=False, server_default="2"))
        batch_op.add_column(
            sa.Column("restart_on_error", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("attempts", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        for column in ("attempts", "restart_on_error", "max_restarts", "attempt"):
            batch_op.drop_column(column)
