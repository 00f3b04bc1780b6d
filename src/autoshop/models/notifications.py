"""The outbox: every message to a customer is a row written in the transaction that caused it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from autoshop.domain.choices import NotificationChannel, NotificationStatus
from autoshop.models.appointments import Appointment
from autoshop.models.base import Base


def _enum(enum_cls: type) -> sa.Enum:
    return sa.Enum(
        enum_cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]
    )


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[NotificationChannel] = mapped_column(_enum(NotificationChannel))
    recipient: Mapped[str] = mapped_column(sa.String(254))
    kind: Mapped[str] = mapped_column(sa.String(40))
    appointment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("appointments.id", ondelete="SET NULL"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    subject: Mapped[str] = mapped_column(sa.String(255), default="")
    body_text: Mapped[str] = mapped_column(sa.Text, default="")
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    #: What a template needs to render the message at send time (kept small and JSON-safe).
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    due_at: Mapped[datetime]
    status: Mapped[NotificationStatus] = mapped_column(
        _enum(NotificationStatus), default=NotificationStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    lease_expires_at: Mapped[datetime | None]
    claimed_by: Mapped[str] = mapped_column(sa.String(80), default="")
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=sa.func.current_timestamp())
    #: e.g. "appt:42:reminder:1440m:20261201T1400Z:email": unique among the rows that aren't
    #: cancelled, so a second live row for the same moment is impossible, while a withdrawn one
    #: doesn't stop the same message from being planned again.
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(120))

    appointment: Mapped[Appointment | None] = relationship()

    __table_args__ = (
        sa.Index("ix_notifications_status_due", "status", "due_at"),
        sa.Index(
            "uq_notifications_live_dedupe_key",
            "dedupe_key",
            unique=True,
            postgresql_where=sa.text("status <> 'cancelled'"),
            sqlite_where=sa.text("status <> 'cancelled'"),
        ),
    )
