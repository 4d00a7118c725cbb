"""Webhooks (notify area): subscriptions owned by API keys, their deliveries and the notifier's cursor.

* ``webhook_subscriptions``: one target URL per row, owned by an ``api_keys`` row (deleted with it). The
  signing secret (``whsec_…``) must be readable to sign, so it is stored encrypted (AES-256-GCM under a key
  derived from the ``WEBHOOK_SECRETS_KEY`` setting, the row id as associated data), never in clear;
  ``previous_secret_encrypted`` keeps the rotated-out secret signing too until ``previous_secret_expires_at``.
  Empty ``event_types`` means every type; a NULL filter column means "no filter on that". A subscription
  hears of changes after ``start_change_id`` (the change feed's end when it was created), never of history.
* ``webhook_deliveries``: one row per (subscription, event), unique, so fan-out never creates a second delivery
  of an event on purpose; ``event_id`` is the ``webhook-id`` header, the same on every attempt. A pending row is
  claimed by moving ``next_attempt_at`` forward by a lease (``FOR UPDATE SKIP LOCKED``), so replicas share work
  and a crashed replica's claims come back when the lease ends. ``retry_from`` starts the retry window (the
  fan-out, or a redelivery asked through the api). ``status`` ``notice`` rows are entries of the
  delivery log written by the notifier itself (a subscription disabled, and why), never sent.
* ``webhook_notifier_cursor``: the last ``change_log.id`` fanned out, advanced in the same transaction that
  writes the deliveries.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 00:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("api_key_id", sa.BigInteger(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("secret_encrypted", sa.LargeBinary(), nullable=False),
        sa.Column("previous_secret_encrypted", sa.LargeBinary(), nullable=True),
        sa.Column("previous_secret_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "event_types",
            postgresql.ARRAY(sa.String(length=40)),
            server_default=sa.text("'{}'::varchar[]"),
            nullable=False,
        ),
        sa.Column("person_id", sa.String(length=300), nullable=True),
        sa.Column("bill_id", sa.String(length=300), nullable=True),
        sa.Column("jurisdiction_id", sa.String(length=300), nullable=True),
        sa.Column("query", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="active", nullable=False),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        sa.Column("failure_streak", sa.Integer(), server_default="0", nullable=False),
        sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("start_change_id", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("status IN ('active', 'paused', 'disabled')", name=op.f("ck_webhook_subscriptions_status")),
        sa.ForeignKeyConstraint(
            ["api_key_id"],
            ["api_keys.id"],
            name=op.f("fk_webhook_subscriptions_api_key_id_api_keys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscriptions")),
    )
    op.create_index(op.f("ix_webhook_subscriptions_api_key_id"), "webhook_subscriptions", ["api_key_id"], unique=False)
    op.create_index(op.f("ix_webhook_subscriptions_status"), "webhook_subscriptions", ["status"], unique=False)
    op.execute(
        "CREATE TRIGGER webhook_subscriptions_set_updated_at BEFORE UPDATE ON webhook_subscriptions "
        "FOR EACH ROW EXECUTE FUNCTION openpolicy_set_updated_at()"
    )

    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("subscription_id", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.String(length=80), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("change_id", sa.BigInteger(), nullable=True),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("claimed_by", sa.Text(), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.SmallInteger(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retry_from", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'failed', 'notice')", name=op.f("ck_webhook_deliveries_status")
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscriptions.id"],
            name=op.f("fk_webhook_deliveries_subscription_id_webhook_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint("subscription_id", "event_id", name=op.f("uq_webhook_deliveries_subscription_id_event_id")),
    )
    op.create_index(
        op.f("ix_webhook_deliveries_subscription_id_id"), "webhook_deliveries", ["subscription_id", "id"], unique=False
    )
    op.create_index(
        op.f("ix_webhook_deliveries_subscription_id_status_next_attempt_at"),
        "webhook_deliveries",
        ["subscription_id", "status", "next_attempt_at"],
        unique=False,
    )
    op.create_index(op.f("ix_webhook_deliveries_status"), "webhook_deliveries", ["status"], unique=False)
    op.execute(
        "CREATE TRIGGER webhook_deliveries_set_updated_at BEFORE UPDATE ON webhook_deliveries "
        "FOR EACH ROW EXECUTE FUNCTION openpolicy_set_updated_at()"
    )

    op.create_table(
        "webhook_notifier_cursor",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("position", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_webhook_notifier_cursor")),
    )
    op.execute(
        "CREATE TRIGGER webhook_notifier_cursor_set_updated_at BEFORE UPDATE ON webhook_notifier_cursor "
        "FOR EACH ROW EXECUTE FUNCTION openpolicy_set_updated_at()"
    )


def downgrade() -> None:
    op.drop_table("webhook_notifier_cursor")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_subscriptions")
