"""Check-ins: working hours per person, what a meeting log records, private notes.

people.workday_start / workday_end (default 09:00-17:00, on the person's own clock);
checkins.met_on / usefulness (1-5) / thanks; checkin_notes, one private note per
person per check-in.

Revision ID: 0003_checkins
Revises: 0002
Create Date: 2026-11-30

Generated with autogenerate and read through; the CHECKs are added by hand
(autogenerate does not compare them; tests/storage/test_integrity covers rules).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_checkins"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# A CHECK makes SQLite rebuild the table; keep AUTOINCREMENT (ids never reused) on the copy.
_KEEP_IDS = {"sqlite_autoincrement": True}


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None, table_kwargs=_KEEP_IDS) as batch_op:
        batch_op.add_column(
            sa.Column(
                "workday_start", sa.Time(), server_default=sa.text("'09:00:00'"), nullable=False
            )
        )
        batch_op.add_column(
            sa.Column(
                "workday_end", sa.Time(), server_default=sa.text("'17:00:00'"), nullable=False
            )
        )
        batch_op.create_check_constraint(
            op.f("ck_people_workday_start_before_end"), "workday_start < workday_end"
        )

    with op.batch_alter_table("checkins", schema=None, table_kwargs=_KEEP_IDS) as batch_op:
        batch_op.add_column(sa.Column("met_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("usefulness", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("thanks", sa.Text(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_checkins_usefulness_range"),
            "usefulness IS NULL OR (usefulness >= 1 AND usefulness <= 5)",
        )

    op.create_table(
        "checkin_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["checkin_id"],
            ["checkins.id"],
            name=op.f("fk_checkin_notes_checkin_id_checkins"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_checkin_notes_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_notes")),
        sa.UniqueConstraint(
            "checkin_id", "person_id", name=op.f("uq_checkin_notes_checkin_id_person_id")
        ),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("checkin_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkin_notes_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("checkin_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkin_notes_person_id"))
    op.drop_table("checkin_notes")

    with op.batch_alter_table("checkins", schema=None, table_kwargs=_KEEP_IDS) as batch_op:
        batch_op.drop_constraint(op.f("ck_checkins_usefulness_range"), type_="check")
        batch_op.drop_column("thanks")
        batch_op.drop_column("usefulness")
        batch_op.drop_column("met_on")

    with op.batch_alter_table("people", schema=None, table_kwargs=_KEEP_IDS) as batch_op:
        batch_op.drop_constraint(op.f("ck_people_workday_start_before_end"), type_="check")
        batch_op.drop_column("workday_end")
        batch_op.drop_column("workday_start")
