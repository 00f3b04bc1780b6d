"""Idempotency keys: a repeated request (a double click, a client's retry) replays its answer."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from autoshop.models.base import Base


class IdempotencyKey(Base):
    """The answer given to the first request with this key, written in that request's transaction.

    `scope` keeps callers apart (an API user, anonymous API callers, the web booking form);
    `fingerprint` is a hash of the request, so a key reused for another request is recognised.
    """

    __tablename__ = "idempotency_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(64))
    key: Mapped[str] = mapped_column(sa.String(255))
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    appointment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("appointments.id", ondelete="CASCADE"), index=True
    )
    response_status: Mapped[int]
    response_body: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(index=True)

    __table_args__ = (sa.UniqueConstraint("scope", "key", name="uq_idempotency_keys_scope_key"),)
