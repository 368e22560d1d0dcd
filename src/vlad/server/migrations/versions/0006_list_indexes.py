"""list indexes: composite indexes matching the list queries' filters and sort

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 10:00:00.000000
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_models_project_id_created_at": ("models", ["project_id", "created_at"]),
    "ix_models_project_id_training_type": ("models", ["project_id", "training_type", "created_at"]),
    "ix_models_experiment_id_name": ("models", ["experiment_id", "name"]),
    "ix_experiments_project_id_created_at": ("experiments", ["project_id", "created_at"]),
    "ix_validations_project_id_created_at": ("validations", ["project_id", "created_at"]),
    "ix_validations_model_id_created_at": ("validations", ["model_id", "created_at"]),
    "ix_datasets_project_id_training_type_name": ("datasets", ["project_id", "training_type", "name"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, (table, _columns) in reversed(INDEXES.items()):
        op.drop_index(name, table_name=table)
