"""People: users with roles (customers, mechanics, admins) as Flask-Security-Too expects them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_security import RoleMixin, UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from autoshop.models.base import Base, trigram_index

roles_users = sa.Table(
    "roles_users",
    Base.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("role_id", sa.ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
)


class Role(Base, RoleMixin):
    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40), unique=True)
    description: Mapped[str] = mapped_column(sa.String(255), default="")
    permissions: Mapped[list[str] | None] = mapped_column(sa.JSON, default=None)
    update_datetime: Mapped[datetime | None] = mapped_column(default=None)

    def __repr__(self) -> str:
        return f"<Role {self.name}>"


class User(Base, UserMixin):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password: Mapped[str | None] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    fs_uniquifier: Mapped[str] = mapped_column(sa.String(64), unique=True)
    confirmed_at: Mapped[datetime | None]
    first_name: Mapped[str] = mapped_column(sa.String(80), default="")
    last_name: Mapped[str] = mapped_column(sa.String(80), default="")
    phone: Mapped[str | None] = mapped_column(sa.String(20))  # E.164
    email_opt_in: Mapped[bool] = mapped_column(default=True)
    sms_opt_in: Mapped[bool] = mapped_column(default=False)
    #: The language pages and messages speak to this person ('en', 'es'); None: not chosen yet.
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    created_at: Mapped[datetime] = mapped_column(server_default=sa.func.current_timestamp())

    roles: Mapped[list[Role]] = relationship(secondary=roles_users, lazy="selectin")

    # PostgreSQL: the staff search looks for people by part of a name, email or phone.
    __table_args__ = tuple(
        trigram_index("users", column) for column in ("first_name", "last_name", "email", "phone")
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    @property
    def is_staff(self) -> bool:
        return self.has_role("admin") or self.has_role("mechanic")

    def __repr__(self) -> str:
        return f"<User {self.email}>"
