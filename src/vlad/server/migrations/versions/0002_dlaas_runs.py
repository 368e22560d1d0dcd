"""dlaas runs: what a DLaaS job adds to its job (manifest, results upload)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 18:57:37.388995
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dlaas_runs",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("manifest", sa.JSON(), nullable=False),
        sa.Column("results_status", sa.String(length=20), nullable=False),
        sa.Column("results_message", sa.Text(), nullable=True),
        sa.Column("results_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["id"], ["jobs.id"], name=op.f("fk_dlaas_runs_id_jobs"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dlaas_runs")),
    )
    op.create_index(op.f("ix_dlaas_runs_results_status"), "dlaas_runs", ["results_status"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_dlaas_runs_results_status"), table_name="dlaas_runs")
    op.drop_table("dlaas_runs")
