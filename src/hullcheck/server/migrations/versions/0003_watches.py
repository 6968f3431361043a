"""Watches of registry repositories, with encrypted credentials, and what they saw.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "watches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("repository", sa.String(500), nullable=False, unique=True),
        sa.Column("tag_pattern", sa.String(200), nullable=False),
        sa.Column("interval", sa.Integer, nullable=False),
        sa.Column("username", sa.String(200)),
        sa.Column("sealed_password", sa.Text),
        sa.Column("insecure", sa.Integer, nullable=False),
        sa.Column("next_poll_at", TZ, nullable=False),
        sa.Column("last_polled_at", TZ),
        sa.Column("last_error", sa.Text),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("repository", sa.String(500), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
