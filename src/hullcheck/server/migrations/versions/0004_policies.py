"""Policies: a ``.hullcheck.yaml`` and ignore file per repository glob.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_table(
        "policies",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("repositories", sa.String(500), nullable=False),
        sa.Column("config", sa.Text, nullable=False),
        sa.Column("ignores", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
