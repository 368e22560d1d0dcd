"""scheduler: the queue in the database (priority, resources, preparation and placement),
project quotas and shares, experiments' max_parallel, and final metrics stored per model

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 19:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("share", sa.Float(), nullable=False, server_default="1.0"))
        batch_op.add_column(sa.Column("quota_gpus", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("quota_running", sa.Integer(), nullable=True))
    with op.batch_alter_table("experiments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("max_parallel", sa.Integer(), nullable=True))
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cpus", sa.Float(), nullable=False, server_default="1.0"))
        batch_op.add_column(sa.Column("memory_gb", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("experiment_id", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("extra_files", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("prepared_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("placed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("queue_position", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("wait_reason", sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f("ix_jobs_experiment_id"), ["experiment_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_jobs_experiment_id_experiments"),
            "experiments",
            ["experiment_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.add_column(sa.Column("final_metrics", sa.JSON(), nullable=True))
    # Jobs of an earlier version were handed to their executors when created.
    op.execute("UPDATE jobs SET prepared_at = created_at, placed_at = created_at")
    op.execute(
        "UPDATE jobs SET experiment_id = (SELECT models.experiment_id FROM models WHERE models.id = jobs.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.drop_column("final_metrics")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_jobs_experiment_id_experiments"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_jobs_experiment_id"))
        for column in (
            "wait_reason",
            "queue_position",
            "placed_at",
            "prepared_at",
            "extra_files",
            "experiment_id",
            "priority",
            "memory_gb",
            "cpus",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("experiments", schema=None) as batch_op:
        batch_op.drop_column("max_parallel")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        for column in ("quota_running", "quota_gpus", "share"):
            batch_op.drop_column(column)
