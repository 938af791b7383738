"""kiosk reports (what each kiosk last reported of itself: backlog, clock offset, last error),
failed dashboard sign-ins (the throttle's window), and the buildings a dashboard user may see

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08 04:18:08.435836
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kiosk_reports",
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("backlog", sa.BigInteger(), nullable=False),
        sa.Column("oldest_unsent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("clock_offset_s", sa.BigInteger(), nullable=False),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.Column("last_error", sa.String(length=255), nullable=False),
        sa.Column("software", sa.String(length=64), nullable=False),
        sa.Column("reports", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["kiosk_id"], ["kiosks.id"], name=op.f("fk_kiosk_reports_kiosk_id_kiosks")
        ),
        sa.PrimaryKeyConstraint("kiosk_id", name=op.f("pk_kiosk_reports")),
    )
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failures")),
    )
    for column in ("at", "client", "email"):
        op.create_index(
            op.f(f"ix_sign_in_failures_{column}"), "sign_in_failures", [column], unique=False
        )
    # users made before this see every building, as they did
    with op.batch_alter_table("dashboard_users") as batch_op:
        batch_op.add_column(
            sa.Column("all_sites", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    op.create_table(
        "dashboard_user_sites",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_dashboard_user_sites_site_id_sites")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["dashboard_users.id"],
            name=op.f("fk_dashboard_user_sites_user_id_dashboard_users"),
        ),
        sa.PrimaryKeyConstraint("user_id", "site_id", name=op.f("pk_dashboard_user_sites")),
    )


def downgrade() -> None:
    op.drop_table("dashboard_user_sites")
    with op.batch_alter_table("dashboard_users") as batch_op:
        batch_op.drop_column("all_sites")
    op.drop_table("sign_in_failures")
    op.drop_table("kiosk_reports")
