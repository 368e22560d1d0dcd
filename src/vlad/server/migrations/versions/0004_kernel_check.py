"""kernel check: the report of the check run when a kernel is registered with ?check=true

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 17:45:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kernels", schema=None) as batch_op:
        batch_op.add_column(sa.Column("check_report", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kernels", schema=None) as batch_op:
        batch_op.drop_column("check_report")
