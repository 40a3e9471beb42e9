"""Pool versions: each process's matching pool learns what changed in another process.

- pool_versions: one row per program, a counter bumped by every commit that changes who
  the matcher sees (an enrollment, a profile, a slot, a pair, an open request).
- pool_changes: who changed at each version, so a process updates those rows only.

Revision ID: 0008_pool_version
Revises: 0007_roster_imports
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_pool_version"
down_revision: str | Sequence[str] | None = "0007_roster_imports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pool_versions",
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name=op.f("fk_pool_versions_program_id_programs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("program_id", name=op.f("pk_pool_versions")),
    )
    op.create_table(
        "pool_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name=op.f("fk_pool_changes_program_id_programs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pool_changes")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_pool_changes_program_id_version", "pool_changes", ["program_id", "version"])


def downgrade() -> None:
    op.drop_index("ix_pool_changes_program_id_version", table_name="pool_changes")
    op.drop_table("pool_changes")
    op.drop_table("pool_versions")
