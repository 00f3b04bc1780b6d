"""Notes kept on a visit, append-only: internal ones for the shop, and the ones sent to the
customer (shown on their status page beside the status changes)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from autoshop.domain.visit_desk import MAX_NOTE_LENGTH, NoteAudience
from autoshop.models.accounts import User
from autoshop.models.appointments import Appointment
from autoshop.models.base import Base


class AppointmentNote(Base):
    __tablename__ = "appointment_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("appointments.id", ondelete="CASCADE")
    )
    audience: Mapped[NoteAudience] = mapped_column(
        sa.Enum(
            NoteAudience,
            native_enum=False,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    body: Mapped[str] = mapped_column(sa.Text)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]

    appointment: Mapped[Appointment] = relationship()
    author: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(f"length(body) BETWEEN 1 AND {MAX_NOTE_LENGTH}", name="body_length"),
        sa.Index("ix_appointment_notes_appointment_created", "appointment_id", "created_at"),
    )
